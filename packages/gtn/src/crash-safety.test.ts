/**
 * Crash safety of @atlas/gtn's artifacts and trainer checkpoints (issue 16): a save killed exactly
 * between its two renames (`dir → dir.old-<stamp>` done, `dir.ready-<stamp> → dir` not) left no
 * `dir`, and GTN.load / LatentAutoencoder.load failed with FileNotFoundError although the complete
 * new version was on disk. Now the loaders and the trainers' resume read it (core's recovery rule),
 * and the next save removes what the killed one left. The layout is made from two real saves,
 * renamed as writeDirAtomic's steps 3–4 name them (one stamp, the pid of a finished process).
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { Rng } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GTN, LatentAutoencoder, trainGTN, trainLatentAutoencoder } from "./index.js";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  dir = await fs.mkdtemp(join(tmpdir(), "gtn-crash-"));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function killBetweenRenames(target: string, next: string): Promise<void> {
  const stamp = `${Date.now().toString(36)}00-999999-0badc0de`;
  await fs.rename(target, `${target}.old-${stamp}`);
  await fs.rename(next, `${target}.ready-${stamp}`);
  await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
}

const siblings = async (target: string): Promise<string[]> => (await fs.readdir(dir)).filter((n) => n.startsWith(`${target.slice(dir.length + 1)}.`));
const weights = async (m: tf.LayersModel): Promise<number[]> => Array.from(await m.getWeights()[0]!.data());

function points(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => [rng.uniform(), rng.uniform()]);
}

/** 8×8 images of a bright 3×3 square at a random position. */
function squares(n: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const r = rng.int(5);
    const c = rng.int(5);
    for (let y = r; y < r + 3; y++) for (let x = c; x < c + 3; x++) data[i * 64 + y * 8 + x] = 1;
  }
  return tf.tensor4d(data, [n, 8, 8, 1]);
}

/**
 * Train to 1 epoch, then to 2 (resumed); lay the epoch-2 checkpoint out as a save of it over the
 * epoch-1 one killed between the renames.
 */
async function killedCheckpoint(ck: string, trainTo: (epochs: number) => Promise<void>): Promise<void> {
  await trainTo(1);
  await fs.cp(ck, `${ck}-epoch1`, { recursive: true });
  await trainTo(2);
  await fs.rename(ck, `${ck}-epoch2`);
  await fs.rename(`${ck}-epoch1`, ck);
  await killBetweenRenames(ck, `${ck}-epoch2`);
}

describe("GTN.save killed between the renames", () => {
  it("GTN.load reads the complete new version (before: FileNotFoundError); the next save cleans up", async () => {
    const x = points(60, 1);
    const v1 = await trainGTN(x, { preset: "swissRoll", epochs: 1, seed: 1, validationFraction: 0 });
    const v2 = await trainGTN(x, { preset: "swissRoll", epochs: 1, seed: 2, validationFraction: 0 });
    const target = join(dir, "gtn");
    await v1.save(target);
    await v2.save(join(dir, "gtn-next"));
    await killBetweenRenames(target, join(dir, "gtn-next"));
    const loaded = await GTN.load(target);
    expect(await weights(loaded.h)).toEqual(await weights(v2.h));
    expect(await weights(loaded.h)).not.toEqual(await weights(v1.h));
    await v1.save(target);
    expect(await siblings(target)).toEqual([]);
    const again = await GTN.load(target);
    expect(await weights(again.h)).toEqual(await weights(v1.h));
    for (const m of [v1, v2, loaded, again]) m.dispose();
  });
});

describe("LatentAutoencoder.save killed between the renames", () => {
  it("LatentAutoencoder.load reads the complete new version (before: FileNotFoundError); the next save cleans up", async () => {
    const x = squares(16, 3);
    const v1 = await trainLatentAutoencoder(x, { latentDim: 2, epochs: 1, batchSize: 8, seed: 1 });
    const v2 = await trainLatentAutoencoder(x, { latentDim: 2, epochs: 1, batchSize: 8, seed: 2 });
    x.dispose();
    const target = join(dir, "ae");
    await v1.save(target);
    await v2.save(join(dir, "ae-next"));
    await killBetweenRenames(target, join(dir, "ae-next"));
    const loaded = await LatentAutoencoder.load(target);
    expect(await weights(loaded.decoder)).toEqual(await weights(v2.decoder));
    expect(await weights(loaded.decoder)).not.toEqual(await weights(v1.decoder));
    await v2.save(target);
    expect(await siblings(target)).toEqual([]);
    for (const m of [v1, v2, loaded]) m.dispose();
  });
});

describe("trainer checkpoints killed between the renames", () => {
  it("trainGTN resumes from the epoch-2 checkpoint being committed (not epoch 1, not from scratch), and removes the left-overs", async () => {
    const x = points(80, 4);
    const ck = join(dir, "gtn-ck");
    const options = { preset: "uniform" as const, seed: 8, validationFraction: 0, checkpoint: { dir: ck } };
    await killedCheckpoint(ck, async (epochs) => (await trainGTN(x, { ...options, epochs })).dispose());
    const resumed = await trainGTN(x, { ...options, epochs: 3 });
    expect(resumed.report?.history.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(resumed.report?.history.epochs).toHaveLength(3);
    expect(await siblings(ck)).toEqual([]);
    // the same weights as a run that was never interrupted
    const straight = await trainGTN(x, { ...options, epochs: 3, checkpoint: { dir: join(dir, "gtn-ck-straight") } });
    expect(await weights(resumed.h)).toEqual(await weights(straight.h));
    resumed.dispose();
    straight.dispose();
  });

  it("trainLatentAutoencoder resumes from the epoch-2 checkpoint being committed, and removes the left-overs", async () => {
    const x = squares(16, 5);
    const ck = join(dir, "ae-ck");
    const options = { latentDim: 2, batchSize: 8, seed: 3, checkpoint: { dir: ck } };
    await killedCheckpoint(ck, async (epochs) => (await trainLatentAutoencoder(x, { ...options, epochs })).dispose());
    const resumed = await trainLatentAutoencoder(x, { ...options, epochs: 3 });
    expect(resumed.history?.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(resumed.history?.epochs).toHaveLength(3);
    expect(await siblings(ck)).toEqual([]);
    const straight = await trainLatentAutoencoder(x, { ...options, epochs: 3, checkpoint: { dir: join(dir, "ae-ck-straight") } });
    expect(await weights(resumed.decoder)).toEqual(await weights(straight.decoder));
    x.dispose();
    resumed.dispose();
    straight.dispose();
  });
});
