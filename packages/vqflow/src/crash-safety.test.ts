/**
 * Crash safety of VQ-Flow model files and trainVqFlow's checkpoints (issue 16): a save killed
 * exactly between its two renames (`dir → dir.old-<stamp>` done, `dir.ready-<stamp> → dir` not)
 * must load as the complete new version, training must resume from the checkpoint that was being
 * committed (not the previous one, not from scratch), and the next save must remove what the killed
 * one left. The layout is made from real saves, renamed as writeDirAtomic's steps 3–4 name them
 * (one stamp, the pid of a finished process).
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, sphere } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVqFlow, saveVqFlow } from "./io.js";
import { createVqFlow, type VqFlow } from "./model.js";
import { trainVqFlow, type TrainVqFlowOptions } from "./train.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await fs.mkdtemp(join(tmpdir(), "vqflow-crash-"));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function killBetweenRenames(target: string, next: string): Promise<void> {
  const stamp = `${Date.now().toString(36)}00-999999-0badc0de`;
  await fs.rename(target, `${target}.old-${stamp}`);
  await fs.rename(next, `${target}.ready-${stamp}`);
  await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
}

const siblings = async (target: string): Promise<string[]> => {
  const parent = join(target, "..");
  const base = target.slice(parent.length + 1);
  return (await fs.readdir(parent)).filter((n) => n.startsWith(`${base}.`));
};

async function weights(model: VqFlow): Promise<number[][]> {
  const out: number[][] = [];
  for (const [, v] of model.params.entries()) out.push(Array.from(await v.data()));
  for (const w of [...model.autoencoder!.encoder.weights, ...model.autoencoder!.decoder.weights]) out.push(Array.from(await w.read().data()));
  return out;
}

const data = sphere(60, 0, { noise: 0.05 });
const small = { dataShape: [3], codebookSize: 2, codeDim: 2, layers: 2, hidden: [4], autoencoderLayers: 1, autoencoderWidth: 4, seed: 1 } as const;
const opts: TrainVqFlowOptions = { autoencoderEpochs: 1, batchSize: 20, autoencoderBatchSize: 20, seed: 2 };

describe("saveVqFlow killed between the renames", () => {
  it("loadVqFlow reads the complete new version, not the previous one; the next save cleans up", async () => {
    const model = createVqFlow(small);
    const target = join(dir, "m");
    await trainVqFlow(model, data, { ...opts, epochs: 1 });
    await saveVqFlow(model, target);
    const v1 = await weights(model);
    await trainVqFlow(model, data, { stages: [2], epochs: 1, batchSize: 20 });
    await saveVqFlow(model, join(dir, "m-next"));
    await killBetweenRenames(target, join(dir, "m-next"));
    const loaded = await loadVqFlow(target);
    expect(loaded.state.stage2Epochs).toBe(2);
    expect(await weights(loaded)).toEqual(await weights(model));
    expect(await weights(loaded)).not.toEqual(v1);
    await saveVqFlow(model, target);
    expect(await siblings(target)).toEqual([]);
    loaded.dispose();
    model.dispose();
  });
});

describe("trainVqFlow's checkpoint killed between the renames", () => {
  it("resumes stage 2 from the epoch-2 checkpoint being committed, to the weights of an uninterrupted run, and removes the left-overs", async () => {
    const ck = join(dir, "ck");
    const stage2 = join(ck, "stage2");
    const run = async (epochs: number) => {
      const m = createVqFlow(small);
      try {
        return await trainVqFlow(m, data, { ...opts, epochs, checkpointDir: ck });
      } finally {
        m.dispose();
      }
    };
    await run(1);
    await fs.cp(stage2, `${stage2}-epoch1`, { recursive: true });
    await run(2);
    await fs.rename(stage2, `${stage2}-epoch2`);
    await fs.rename(`${stage2}-epoch1`, stage2);
    await killBetweenRenames(stage2, `${stage2}-epoch2`);
    const resumed = createVqFlow(small);
    const r = await trainVqFlow(resumed, data, { ...opts, epochs: 3, checkpointDir: ck });
    expect(r.stage2!.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(r.stage2!.epochs).toHaveLength(3);
    expect(await siblings(stage2)).toEqual([]);
    const straight = createVqFlow(small);
    await trainVqFlow(straight, data, { ...opts, epochs: 3 });
    expect(await weights(resumed)).toEqual(await weights(straight));
    expect(resumed.state).toEqual(straight.state);
    resumed.dispose();
    straight.dispose();
  });
});
