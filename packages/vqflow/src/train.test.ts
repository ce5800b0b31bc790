import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { AtlasError, circle, initBackend, sphere } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mmd, ksStatistics } from "./evaluate.js";
import { createVqFlow, type VqFlow } from "./model.js";
import { trainVqFlow, type TrainVqFlowOptions, type VqFlowProgress } from "./train.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "vqflow-train-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = sphere(300, 0, { noise: 0.05 });
const held = sphere(200, 1, { noise: 0.05 });
const small = { dataShape: [3], codebookSize: 3, codeDim: 2, layers: 2, hidden: [8], seed: 1 } as const;

async function weights(model: VqFlow): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const [, v] of model.params.entries()) out.push((await v.data()) as Float32Array);
  for (const w of [...model.autoencoder!.encoder.weights, ...model.autoencoder!.decoder.weights]) out.push((await w.read().data()) as Float32Array);
  return out;
}

describe("trainVqFlow", () => {
  it("runs stage 1 then stage 2, reports progress with the stage, and marks the model trained", async () => {
    const model = createVqFlow(small);
    const events: VqFlowProgress[] = [];
    const stagesSeen = new Set<number>();
    try {
      await expect(model.logProb(held)).rejects.toThrow(/untrained|stage 2 has not run/);
      const r = await trainVqFlow(model, data, {
        epochs: 2,
        autoencoderEpochs: 2,
        batchSize: 100,
        autoencoderBatchSize: 100,
        validation: held,
        onProgress: (e) => events.push(e),
        onEpochEnd: (rec) => {
          stagesSeen.add(rec.stage);
        },
      });
      expect(r.stage1!.epochs).toHaveLength(2);
      expect(r.stage2!.epochs).toHaveLength(2);
      expect(r.stage1!.epochs[0]!.losses).toHaveProperty("reconstruction");
      expect(r.stage2!.epochs[1]!.validationLoss).toBeGreaterThan(0);
      expect(events.filter((e) => e.stage === 1 && e.phase === "step")).toHaveLength(6);
      expect(events.filter((e) => e.stage === 2 && e.phase === "step")).toHaveLength(6);
      expect([...stagesSeen]).toEqual([1, 2]);
      expect(model.state).toMatchObject({ stage1Epochs: 2, stage2Epochs: 2, standardized: true });
      // the validation loss is the mean NLL of the held-out set
      const lp = await model.logProb(held);
      expect(-lp.reduce((a, b) => a + b, 0) / lp.length).toBeCloseTo(r.stage2!.epochs[1]!.validationLoss!, 4);
      // re-running stage 2 continues from the current weights
      await trainVqFlow(model, data, { stages: [2], epochs: 1, batchSize: 100 });
      expect(model.state.stage2Epochs).toBe(3);
    } finally {
      model.dispose();
    }
  });

  it("an interrupted run resumed from its checkpoint ends with exactly the weights of an uninterrupted one", async () => {
    const opts: TrainVqFlowOptions = { epochs: 3, autoencoderEpochs: 2, batchSize: 100, autoencoderBatchSize: 100, seed: 4 };
    const a = createVqFlow(small);
    const b = createVqFlow(small);
    const ck = join(dir, "resume");
    try {
      await trainVqFlow(a, data, opts);
      const controller = new AbortController();
      let steps = 0;
      const first = await trainVqFlow(b, data, {
        ...opts,
        checkpointDir: ck,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage === 2 && e.phase === "step" && ++steps === 4) controller.abort();
        },
      });
      expect(first.stage2!.stopped).toBe("aborted");
      const c = createVqFlow(small);
      try {
        const second = await trainVqFlow(c, data, { ...opts, checkpointDir: ck });
        expect(second.stage1!.resumedFrom).toEqual({ epoch: 2, step: 0 });
        expect(second.stage2!.resumedFrom).toEqual({ epoch: 1, step: 1 });
        const wa = await weights(a);
        const wc = await weights(c);
        expect(wc.length).toBe(wa.length);
        wa.forEach((w, i) => expect(Array.from(wc[i]!)).toEqual(Array.from(w)));
        expect(c.state).toEqual(a.state);
      } finally {
        c.dispose();
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("early stopping on the validation NLL restores the best epoch's weights", async () => {
    const model = createVqFlow({ dataShape: [3], codebookSize: 1, layers: 4, hidden: [64, 64], seed: 2 });
    const tiny = sphere(24, 5, { noise: 0.05 });
    try {
      const r = await trainVqFlow(model, tiny, { epochs: 300, batchSize: 24, learningRate: 1e-2, validation: held, patience: 3 });
      const h = r.stage2!;
      expect(h.stopped).toBe("early-stopping");
      expect(h.epochs.length).toBeLessThan(300);
      const lp = await model.logProb(held);
      expect(-lp.reduce((x, y) => x + y, 0) / lp.length).toBeCloseTo(h.bestValidationLoss!, 4);
      expect(h.epochs[h.epochs.length - 1]!.validationLoss!).toBeGreaterThan(h.bestValidationLoss!);
    } finally {
      model.dispose();
    }
  });

  it("stage 2 alone needs stage 1's centres; a one-chart model has no stage 1", async () => {
    const model = createVqFlow(small);
    const plain = createVqFlow({ dataShape: [3], codebookSize: 1 });
    try {
      const e = await trainVqFlow(model, data, { stages: [2] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AtlasError);
      expect((e as AtlasError).code).toBe("NOT_TRAINED");
      expect((e as Error).message).toMatch(/options\.stages/);
      await expect(trainVqFlow(plain, data, { stages: [1] })).rejects.toThrow(/options\.stages/);
      await expect(trainVqFlow(model, data, { stages: [2, 1] })).rejects.toThrow(/options\.stages/);
      // stage 1 alone gives the charts, not a density
      await trainVqFlow(model, data, { stages: [1], autoencoderEpochs: 1 });
      const m = await model.chartsOf(held);
      expect(m.shape).toEqual([200, 3]);
      m.dispose();
      await expect(model.sample(3)).rejects.toThrow(/untrained/);
    } finally {
      model.dispose();
      plain.dispose();
    }
  });

  it("leaves no tensors behind: training, evaluation, sampling, and the error paths", async () => {
    const warm = createVqFlow(small);
    await trainVqFlow(warm, data, { epochs: 1, autoencoderEpochs: 1 });
    await (await warm.sample(5)).dispose();
    warm.dispose();
    const before = tf.memory().numTensors;
    const model = createVqFlow(small);
    const owned = tf.memory().numTensors;
    await trainVqFlow(model, data, { epochs: 1, autoencoderEpochs: 1, validation: held });
    expect(tf.memory().numTensors).toBe(owned);
    await model.logProb(held);
    await model.measureChartMass({ samples: 50 });
    (await model.sample(20, 1, { normalized: true })).dispose();
    tf.dispose([await model.chartPosterior(held), await model.chartsOf(held)]);
    tf.tidy(() => {
      model.partition(tf.zeros([4, 3]));
      model.decode(model.encode(tf.zeros([4, 3]), 1), 1);
    });
    expect(tf.memory().numTensors).toBe(owned);
    await expect(trainVqFlow(model, data, { epochs: 0 })).rejects.toThrow(/options\.epochs/);
    const nan = tf.tensor2d([[Number.NaN, 0, 0]]);
    const wrong = tf.zeros([2, 4]);
    await expect(model.logProb(nan)).rejects.toThrow(/^x: /);
    expect(() => model.encode(wrong, 0)).toThrow(/^x: /);
    expect(() => model.partition(wrong)).toThrow(/^x: /);
    tf.dispose([nan, wrong]);
    expect(tf.memory().numTensors).toBe(owned);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("samples and density agree: the distance to held-out data falls with training", () => {
  it("noisy circle, K = 3: MMD² (Gaussian kernel, σ = 0.2) after 1 and after 13 epochs, pinned bound", async () => {
    const train = circle(1000, 2, { noise: 0.1 });
    const test = circle(800, 3, { noise: 0.1 });
    const model = createVqFlow({ dataShape: [2], codebookSize: 3, codeDim: 2, layers: 4, hidden: [32, 32], seed: 3 });
    const stats: { mmd2: number; ks: number }[] = [];
    const measure = async (): Promise<void> => {
      const s = await model.sample(800, 7);
      const pts = { data: (await s.data()) as Float32Array, dim: 2 };
      s.dispose();
      stats.push({ mmd2: mmd(pts, test, { bandwidth: 0.2 }).mmd2, ks: Math.max(...ksStatistics(pts, test)) });
    };
    try {
      await trainVqFlow(model, train, { autoencoderEpochs: 5, epochs: 1, seed: 1, batchSize: 100 });
      await measure();
      await trainVqFlow(model, train, { stages: [2], epochs: 12, seed: 2, batchSize: 100 });
      await measure();
      console.log(`circle, K = 3: MMD² (σ = 0.2) ${stats[0]!.mmd2.toFixed(4)} → ${stats[1]!.mmd2.toFixed(4)}, max KS ${stats[0]!.ks.toFixed(3)} → ${stats[1]!.ks.toFixed(3)}`);
      expect(stats[1]!.mmd2).toBeLessThan(stats[0]!.mmd2 * 0.85);
      expect(stats[1]!.mmd2).toBeLessThan(0.04);
    } finally {
      model.dispose();
    }
  });
});
