/**
 * trainGTN's checkpoint keeps the best validation epoch's weights in `best/`. A missing `best/` is
 * normal (no validation improvement saved yet); a corrupt one used to be swallowed by a catch-all,
 * so a resumed run silently finished without them (or, with altered values, restored wrong ones).
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { CorruptFileError, Rng } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainGTN } from "./index.js";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  dir = await fs.mkdtemp(join(tmpdir(), "gtn-best-"));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

function points(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => [rng.uniform(), rng.uniform()]);
}

async function findDir(root: string, name: string): Promise<string | undefined> {
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = join(root, e.name);
    if (e.name === name) return p;
    const inner = await findDir(p, name);
    if (inner) return inner;
  }
  return undefined;
}

describe("trainGTN resuming from a checkpoint with best weights", () => {
  const options = { preset: "uniform" as const, seed: 3, validationFraction: 0.25, patience: 5 };

  it("a corrupt best/ is a CorruptFileError naming it (before: ignored, the run went on), with no tensor left behind", async () => {
    const x = points(120, 1);
    const ck = join(dir, "corrupt");
    (await trainGTN(x, { ...options, epochs: 2, checkpoint: { dir: ck } })).dispose();
    const best = await findDir(ck, "best");
    expect(best, "the checkpoint holds best weights").toBeDefined();
    const bin = join(best!, "tensors.bin");
    const bytes = await fs.readFile(bin);
    bytes[0] = bytes[0]! ^ 0xff;
    await fs.writeFile(bin, bytes);
    const before = tf.memory().numTensors;
    const error = await trainGTN(x, { ...options, epochs: 3, checkpoint: { dir: ck } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect(String((error as Error).message)).toMatch(/best/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("best weights of another shape are a CorruptFileError; a missing best/ still resumes", async () => {
    const x = points(120, 2);
    const ck = join(dir, "shape");
    (await trainGTN(x, { ...options, epochs: 2, checkpoint: { dir: ck } })).dispose();
    const best = (await findDir(ck, "best"))!;
    const other = join(dir, "other");
    (await trainGTN(x, { ...options, preset: "swissRoll", epochs: 1, checkpoint: { dir: other } })).dispose();
    const otherBest = await findDir(other, "best");
    expect(otherBest).toBeDefined();
    await fs.rm(best, { recursive: true });
    await fs.cp(otherBest!, best, { recursive: true });
    await expect(trainGTN(x, { ...options, epochs: 3, checkpoint: { dir: ck } })).rejects.toThrow(CorruptFileError);
    await fs.rm(best, { recursive: true });
    const resumed = await trainGTN(x, { ...options, epochs: 3, checkpoint: { dir: ck } });
    expect(resumed.report?.history.epochs.length ?? 0).toBeGreaterThan(0);
    resumed.dispose();
  });
});
