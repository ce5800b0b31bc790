/**
 * Crash safety of @atlas/agm's model files and trainer checkpoints (issue 16): a save killed exactly
 * between its two renames (`dir → dir.old-<stamp>` done, `dir.ready-<stamp> → dir` not) must load
 * as the complete new version (before: the `.old` copy was loaded, the finished save was lost), a
 * trainer must resume from the checkpoint that was being committed, and the next save must remove
 * what the killed one left. The layout is made from real saves, renamed as writeDirAtomic's steps
 * 3–4 name them (one stamp, the pid of a finished process).
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng, initBackend } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAtlasVae, type AtlasVae } from "./atlas-vae.js";
import { createAwaeGan, type AwaeGan } from "./awae-gan.js";
import { loadAtlasVae, loadAwaeGan, saveAtlasVae, saveAwaeGan } from "./io.js";
import { trainAtlasVae, trainAwaeGan } from "./train.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(join(tmpdir(), "agm-crash-"));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function killBetweenRenames(target: string, next: string): Promise<void> {
  const stamp = `${Date.now().toString(36)}00-999999-0badc0de`;
  await fs.rename(target, `${target}.old-${stamp}`);
  await fs.rename(next, `${target}.ready-${stamp}`);
  await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
}

const siblings = async (target: string): Promise<string[]> => (await fs.readdir(dir)).filter((n) => n.startsWith(`${target.slice(dir.length + 1)}.`));

async function allWeights(model: AwaeGan | AtlasVae): Promise<number[][]> {
  return Promise.all(model.allModels.flatMap((m) => m.getWeights()).map(async (w) => Array.from(await w.data())));
}

const rows = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: n * 4 }, () => rng.uniform()), n, dim: 4 };
};
const gan = (seed: number): AwaeGan => createAwaeGan({ charts: 2, latentDim: 2, h: 2, dataShape: [4], seed });
const vae = (seed: number): AtlasVae => createAtlasVae({ charts: 2, latentDim: 2, dataShape: [4], hidden: [4], seed });

describe("model files killed between the renames", () => {
  it("loadAwaeGan reads the complete new version, not the previous one; the next save cleans up", async () => {
    const [v1, v2] = [gan(1), gan(2)];
    const target = join(dir, "gan");
    await saveAwaeGan(target, v1);
    await saveAwaeGan(join(dir, "gan-next"), v2);
    await killBetweenRenames(target, join(dir, "gan-next"));
    const loaded = await loadAwaeGan(target);
    expect(await allWeights(loaded)).toEqual(await allWeights(v2));
    expect(await allWeights(loaded)).not.toEqual(await allWeights(v1));
    await saveAwaeGan(target, v1);
    expect(await siblings(target)).toEqual([]);
    for (const m of [v1, v2, loaded]) m.dispose();
  });

  it("loadAtlasVae reads the complete new version; the next save cleans up", async () => {
    const [v1, v2] = [vae(1), vae(2)];
    const target = join(dir, "vae");
    await saveAtlasVae(target, v1);
    await saveAtlasVae(join(dir, "vae-next"), v2);
    await killBetweenRenames(target, join(dir, "vae-next"));
    const loaded = await loadAtlasVae(target);
    expect(await allWeights(loaded)).toEqual(await allWeights(v2));
    await saveAtlasVae(target, v2);
    expect(await siblings(target)).toEqual([]);
    for (const m of [v1, v2, loaded]) m.dispose();
  });
});

describe("trainer checkpoints killed between the renames", () => {
  /** Train to 1 epoch, then on to 2; lay the epoch-2 checkpoint out as killed while replacing the epoch-1 one. */
  async function killedCheckpoint(ck: string, trainTo: (epochs: number) => Promise<unknown>): Promise<void> {
    await trainTo(1);
    await fs.cp(ck, `${ck}-epoch1`, { recursive: true });
    await trainTo(2);
    await fs.rename(ck, `${ck}-epoch2`);
    await fs.rename(`${ck}-epoch1`, ck);
    await killBetweenRenames(ck, `${ck}-epoch2`);
  }

  it("trainAwaeGan resumes from the epoch-2 checkpoint (not epoch 1, not from scratch) to the weights of an uninterrupted run", async () => {
    const data = rows(32, 1);
    const ck = join(dir, "gan-ck");
    const options = { epochs: 1, batchSize: 8, seed: 3, checkpointDir: ck };
    const first = gan(5);
    await killedCheckpoint(ck, (epochs) => trainAwaeGan(first, data, { ...options, epochs }));
    // a new process: a fresh model from the same seed, resumed
    const resumed = gan(5);
    const h = await trainAwaeGan(resumed, data, { ...options, epochs: 3 });
    expect(h.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(h.epochs).toHaveLength(3);
    expect(await siblings(ck)).toEqual([]);
    const straight = gan(5);
    const { checkpointDir: _, ...plain } = options;
    await trainAwaeGan(straight, data, { ...plain, epochs: 3 });
    expect(await allWeights(resumed)).toEqual(await allWeights(straight));
    for (const m of [first, resumed, straight]) m.dispose();
  });

  it("trainAtlasVae resumes from the epoch-2 checkpoint to the weights of an uninterrupted run", async () => {
    const data = rows(32, 2);
    const ck = join(dir, "vae-ck");
    const options = { epochs: 1, batchSize: 8, seed: 3, checkpointDir: ck };
    const first = vae(5);
    await killedCheckpoint(ck, (epochs) => trainAtlasVae(first, data, { ...options, epochs }));
    const resumed = vae(5);
    const h = await trainAtlasVae(resumed, data, { ...options, epochs: 3 });
    expect(h.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(h.epochs).toHaveLength(3);
    expect(await siblings(ck)).toEqual([]);
    const straight = vae(5);
    const { checkpointDir: _, ...plain } = options;
    await trainAtlasVae(straight, data, { ...plain, epochs: 3 });
    expect(await allWeights(resumed)).toEqual(await allWeights(straight));
    for (const m of [first, resumed, straight]) m.dispose();
  });
});

void tf;
