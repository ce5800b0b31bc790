import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, circle, initBackend } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan, type AwaeGan } from "./awae-gan.js";
import { AwaeGanTrainer, AWAE_GAN_SCHEDULES, scheduledRate, type AwaeGanStepLosses } from "./awae-gan-trainer.js";
import { discriminatorLoss, encoderAdversarial, sampleCost, weightedReconstruction } from "./awae-gan-loss.js";
import { chartConfidence, reconstructionError } from "./evaluate.js";
import { loadAwaeGan, restoreAwaeGan, saveAwaeGan } from "./io.js";
import { trainAwaeGan } from "./train.js";
import { ringImages } from "./toy-data.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "agm-awae-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every weight of the model, read asynchronously (as on a GPU backend). */
async function allWeights(model: AwaeGan): Promise<Float32Array[]> {
  const weights = model.allModels.flatMap((m) => m.getWeights());
  return (await Promise.all(weights.map((w) => w.data()))).map((a) => Float32Array.from(a as Float32Array));
}

describe("eq. (6) loss terms", () => {
  it("computes the ψ-weighted cost, adversarial and discriminator terms as documented (checked by hand)", async () => {
    // c = l2: ‖x − x̂‖₂ per sample; weights ψ.
    const x = tf.tensor2d([[0, 0], [1, 1]]);
    const r0 = tf.tensor2d([[3, 4], [1, 1]]); // costs 5, 0
    const r1 = tf.tensor2d([[0, 0], [1, 2]]); // costs 0, 1
    const psi = tf.tensor2d([[0.25, 0.75], [0.5, 0.5]]);
    const rec = weightedReconstruction(x, { psi: psi as tf.Tensor2D, codes: [], reconstructions: [r0, r1] }, "l2");
    // mean(0.25·5 + 0.75·0, 0.5·0 + 0.5·1) = (1.25 + 0.5)/2, with ‖·‖₂ = √(‖·‖² + 1e-8) as documented
    const c = (sq: number): number => Math.sqrt(sq + 1e-8);
    expect((await rec.data())[0]).toBeCloseTo((0.25 * c(25) + 0.75 * c(0) + 0.5 * c(0) + 0.5 * c(1)) / 2, 6);
    expect(Array.from(await sampleCost(x, r0, "l2sq").data())).toEqual([25, 0]);

    // Discriminator logits are checked against −log σ(t) / −log(1 − σ(t)) computed here.
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 1, dataShape: [4] });
    const codes = [tf.tensor2d([[0.3], [-1]]), tf.tensor2d([[2], [0.1]])] as tf.Tensor2D[];
    const prior = [tf.tensor2d([[0.5], [0.2]]), tf.tensor2d([[-0.7], [1.1]])] as tf.Tensor2D[];
    const logit = async (z: tf.Tensor2D, y: number): Promise<number[]> => {
      const t = model.nets.discriminators[y]!.apply(z, { training: false }) as tf.Tensor;
      const values = Array.from(await t.data());
      t.dispose();
      return values;
    };
    const sig = (t: number): number => 1 / (1 + Math.exp(-t));
    const p = [[0.25, 0.75], [0.5, 0.5]];
    let adv = 0;
    let disc = 0;
    for (let y = 0; y < 2; y++) {
      const onCodes = await logit(codes[y]!, y);
      const onPrior = await logit(prior[y]!, y);
      for (let i = 0; i < 2; i++) {
        adv += p[i]![y]! * -Math.log(sig(onCodes[i]!));
        disc += 0.5 * -Math.log(sig(onPrior[i]!)) + p[i]![y]! * -Math.log(1 - sig(onCodes[i]!));
      }
    }
    expect((await encoderAdversarial(model, psi as tf.Tensor2D, codes, false).data())[0]).toBeCloseTo(adv / 2, 5);
    expect((await discriminatorLoss(model, psi as tf.Tensor2D, codes, prior, false).data())[0]).toBeCloseTo(disc / 2, 5);
    tf.dispose([x, r0, r1, psi, rec, ...codes, ...prior]);
    model.dispose();
  });

  it("halves the learning rates after the paper's epochs", () => {
    const s = AWAE_GAN_SCHEDULES.mnist;
    expect([0, 4, 5, 24, 25, 50, 79].map((e) => scheduledRate(s.learningRate, s.halveAfter, e))).toEqual([2e-4, 2e-4, 1e-4, 1e-4, 5e-5, 2.5e-5, 2.5e-5]);
    expect(AWAE_GAN_SCHEDULES.fashionMnist).toMatchObject({ batchSize: 128, learningRate: 1e-4, discriminatorLearningRate: 5e-5, halveAfter: [15, 30, 50, 70], epochs: 80 });
  });
});

describe("AWAE-GAN training on a small image set (blob on a ring: a circle manifold)", () => {
  it("lowers the held-out reconstruction error, keeps the tensor count flat, updates BN statistics", async () => {
    const train = ringImages(128, { size: 8, seed: 1 });
    const test = ringImages(64, { size: 8, seed: 2 });
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 4, dataShape: [8, 8, 1], seed: 0 });
    const trainer = new AwaeGanTrainer(model, { learningRate: 5e-3, discriminatorLearningRate: 2.5e-3, seed: 0 });
    const x = tf.tensor4d(train.images, [128, 8, 8, 1]);
    const batches = [0, 1, 2, 3].map((k) => x.slice([32 * k, 0, 0, 0], [32, 8, 8, 1]));
    try {
      const before = (await reconstructionError(model, test)).mse;
      const movingMean = async (): Promise<number[]> => Array.from(await model.nets.trunk.getWeights()[4]!.data()); // trunk_1_bn/moving_mean
      const mm0 = await movingMean();
      await trainer.step(batches[0]!); // warm-up: Adam creates its slots
      const count = tf.memory().numTensors;
      const stats = [];
      for (let epoch = 0; epoch < 6; epoch++) {
        for (const b of batches) stats.push(await trainer.step(b));
        expect(tf.memory().numTensors).toBe(count);
      }
      const after = (await reconstructionError(model, test)).mse;
      expect(after).toBeLessThan(0.6 * before);
      expect(stats.at(-1)!.reconstruction).toBeLessThan(stats[0]!.reconstruction);
      expect(await movingMean()).not.toEqual(mm0);
      // ψ rows sum to 1 on held-out data
      const psi = model.partition(tf.tensor4d(test.images, [64, 8, 8, 1]));
      for (const s of (await psi.sum(1).data())) expect(s).toBeCloseTo(1, 5);
      psi.dispose();
      await expect(trainer.step(batches[0]!.slice([0, 0, 0, 0], [1, 8, 8, 1]))).rejects.toThrow(/at least 2/);
    } finally {
      tf.dispose([x, ...batches]);
      trainer.dispose();
      model.dispose();
    }
  });
});

describe("AwaeGanTrainer.step and stepDeferred", () => {
  it("stepDeferred runs the same step without reading: equal losses as tensors, equal weights, no leak once disposed", async () => {
    const data = ringImages(64, { size: 8, seed: 4 });
    const make = () => createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [8, 8, 1], seed: 6 });
    const a = make();
    const b = make();
    const ta = new AwaeGanTrainer(a, { seed: 1 });
    const tb = new AwaeGanTrainer(b, { seed: 1 });
    const x = tf.tensor4d(data.images, [64, 8, 8, 1]);
    try {
      const read = async (l: AwaeGanStepLosses): Promise<number[]> => Array.from(await Promise.all([l.reconstruction, l.adversarial, l.discriminator, l.chartBalance].map(async (t) => (await t.data())[0]!)));
      for (let k = 0; k < 2; k++) {
        const stats = await ta.step(x);
        const losses = tb.stepDeferred(x);
        expect(await read(losses)).toEqual([stats.reconstruction, stats.adversarial, stats.discriminator, stats.chartBalance]);
        tf.dispose(Object.values(losses));
      }
      expect(await allWeights(b)).toEqual(await allWeights(a));
      const count = tf.memory().numTensors;
      tf.dispose(Object.values(tb.stepDeferred(x)));
      await ta.step(x);
      expect(tf.memory().numTensors).toBe(count);
      // step reads the batch's values first (one boolean): a NaN batch is refused before the step
      const nan = tf.fill([2, 8, 8, 1], Number.NaN);
      await expect(ta.step(nan)).rejects.toThrow(/x: expected finite values/);
      nan.dispose();
      expect(tf.memory().numTensors).toBe(count);
    } finally {
      x.dispose();
      ta.dispose();
      tb.dispose();
      a.dispose();
      b.dispose();
    }
  });
});

describe("trainAwaeGan on a circle embedded in R^8 (dense variant), m = 2", () => {
  const train = circle(256, 1, { embedDim: 8 });
  const test = circle(200, 2, { embedDim: 8 });
  const opts = { batchSize: 32, learningRate: 5e-3, discriminatorLearningRate: 2.5e-3, halveAfter: [3], seed: 3 } as const;

  it("reduces the validation reconstruction error, uses every chart, and round-trips through save/load", async () => {
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 6, dataShape: [8], seed: 0 });
    try {
      const history = await trainAwaeGan(model, train, { ...opts, epochs: 5, validation: test });
      const v = history.epochs.map((e) => e.validationLoss!);
      expect(history.stopped).toBe("completed");
      // 0.125 = E‖x‖²/8, the error of reconstructing every point as 0; 40 steps take it well below.
      expect(Math.min(...v.slice(-2))).toBeLessThan(0.8 * v[0]!);
      expect(history.epochs[0]!.learningRate).toEqual({ model: 5e-3, discriminator: 2.5e-3 });
      expect(history.epochs[3]!.learningRate).toEqual({ model: 2.5e-3, discriminator: 1.25e-3 });
      const conf = await chartConfidence(model, test, { bins: 10 });
      for (const c of conf.chartCounts) expect(c).toBeGreaterThan(0.1 * test.n);
      expect(conf.histogram.counts.reduce((a, b) => a + b, 0)).toBe(test.n);

      await saveAwaeGan(join(dir, "m"), model);
      const loaded = await loadAwaeGan(join(dir, "m"));
      try {
        const x = tf.tensor2d(test.data, [test.n, 8]);
        const z = tf.randomNormal([5, 1], 0, 1, "float32", 7) as tf.Tensor2D;
        for (const [a, b] of [
          [model.partition(x), loaded.partition(x)],
          [model.encode(x, 1), loaded.encode(x, 1)],
          [model.decode(z, 0), loaded.decode(z, 0)],
          [model.discriminate(z, 1), loaded.discriminate(z, 1)],
        ] as const) {
          expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
          tf.dispose([a, b]);
        }
        tf.dispose([x, z]);
      } finally {
        loaded.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it("resumes from a checkpoint to exactly the weights of an uninterrupted run", async () => {
    const straight = createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [8], seed: 5 });
    const resumed = createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [8], seed: 5 });
    const small = { ...opts, batchSize: 64 };
    try {
      await trainAwaeGan(straight, train, { ...small, epochs: 2 });
      const ck = join(dir, "ck");
      const ctl = new AbortController();
      await trainAwaeGan(resumed, train, {
        ...small,
        epochs: 2,
        checkpointDir: ck,
        signal: ctl.signal,
        onEpochEnd: () => ctl.abort(), // stop after the first epoch (its checkpoint is written)
      });
      // a fresh process would rebuild the model: scramble the weights first to prove they are restored
      resumed.nets.tail.setWeights(resumed.nets.tail.getWeights().map((w) => tf.zerosLike(w)));
      const h = await trainAwaeGan(resumed, train, { ...small, epochs: 2, checkpointDir: ck });
      expect(h.resumedFrom).not.toBeNull();
      expect(await allWeights(resumed)).toEqual(await allWeights(straight));
    } finally {
      straight.dispose();
      resumed.dispose();
    }
  });

  it("rejects bad data and options before training, and corrupt files on load", async () => {
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [8] });
    try {
      await expect(trainAwaeGan(model, { data: new Float32Array(16), n: 2, dim: 7 })).rejects.toThrow(/shape/);
      const bad = Float32Array.from(train.data);
      bad[17] = Number.NaN;
      await expect(trainAwaeGan(model, { data: bad, n: 256, dim: 8 })).rejects.toThrow(/index 17/);
      await expect(trainAwaeGan(model, train, { batchSize: 1 })).rejects.toThrow(InvalidArgumentError);
      await expect(trainAwaeGan(model, train, { lambda: -1 })).rejects.toThrow(/lambda/);
      await expect(trainAwaeGan(model, train, { schedule: "imagenet" as never })).rejects.toThrow(/schedule/);
      await expect(trainAwaeGan({} as never, train)).rejects.toThrow(/AwaeGan/);
      await saveAwaeGan(join(dir, "c"), model);
      await writeFile(join(dir, "c", "state.json"), '{"format":"atlas-state","version":1,"tensors":[],"totalBytes":0,"json":{"format":"other"},"hasJson":true}');
      await expect(loadAwaeGan(join(dir, "c"))).rejects.toThrow(CorruptFileError);
    } finally {
      model.dispose();
    }
  });
});

describe("the shared decoder tail's batch statistics: pooled across charts vs per chart", () => {
  it("'pooled' normalises the m·n features together, 'per-chart' each chart's n alone; inference is the same", async () => {
    const model = createAwaeGan({ charts: 2, latentDim: 3, h: 2, seed: 4 });
    const x = tf.randomUniform([5, 28, 28, 1], 0, 1, "float32", 6);
    try {
      // max |a − b| of each pair, computed in one tidy and read with one data()
      const diff = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.max(tf.abs(tf.sub(a, b)));
      const diffs = tf.tidy(() => {
        const pooled = model.forward(x, true, "pooled");
        const perChart = model.forward(x, true, "per-chart");
        const mids = pooled.codes.map((z, y) => model.nets.chartDecoders[y]!.apply(z, { training: true }) as tf.Tensor);
        // by definition: per chart = the tail on that chart's features alone; pooled = on the concatenation
        const alone = mids.map((g) => model.nets.tail.apply(g, { training: true }) as tf.Tensor);
        const together = tf.split(model.nets.tail.apply(tf.concat(mids, 0), { training: true }) as tf.Tensor, 2, 0);
        const byDefinition = [0, 1].flatMap((y) => [diff(perChart.reconstructions[y]!, alone[y]!), diff(pooled.reconstructions[y]!, together[y]!)]);
        const pooledVsPerChart = diff(pooled.reconstructions[0]!, perChart.reconstructions[0]!);
        const a = model.forward(x, false, "pooled");
        const b = model.forward(x, false, "per-chart");
        const inference = [0, 1].map((y) => diff(a.reconstructions[y]!, b.reconstructions[y]!));
        return tf.stack([...byDefinition, pooledVsPerChart, ...inference]);
      });
      const d = Array.from(await diffs.data());
      diffs.dispose();
      for (const v of d.slice(0, 4)) expect(v).toBeLessThan(1e-6);
      // the two charts' features differ, so their statistics differ and so do the outputs
      expect(d[4]!).toBeGreaterThan(1e-4);
      // in inference mode the tail uses its moving statistics: no difference
      expect(d.slice(5)).toEqual([0, 0]);
    } finally {
      model.dispose();
      x.dispose();
    }
  });

  it("the trainer runs either way, without leaking, and rejects an unknown mode", async () => {
    const ring = ringImages(8, { size: 16, seed: 1 });
    const images = tf.tensor4d(ring.images, [8, 16, 16, 1]);
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [16, 16, 1], seed: 2 });
    const pooled = new AwaeGanTrainer(model, { seed: 1 });
    const perChart = new AwaeGanTrainer(model, { seed: 1, tailStatistics: "per-chart" });
    try {
      expect(pooled.tailStatistics).toBe("pooled");
      await perChart.step(images);
      await pooled.step(images);
      const before = tf.memory().numTensors;
      const s = await perChart.step(images);
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(s.reconstruction)).toBe(true);
      expect(() => new AwaeGanTrainer(model, { tailStatistics: "mixed" as never })).toThrow(/options\.tailStatistics/);
    } finally {
      pooled.dispose();
      perChart.dispose();
      model.dispose();
      images.dispose();
    }
  });
});

describe("save/load of the encoder layout", () => {
  it("round-trips the PyTorch layout without encoder biases, and restores files written before the layout fields existed", async () => {
    const model = createAwaeGan({ charts: 2, latentDim: 3, h: 2, padding: "pytorch", encoderBias: false, seed: 8 });
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, "float32", 2);
    try {
      await saveAwaeGan(join(dir, "layout"), model);
      const loaded = await loadAwaeGan(join(dir, "layout"));
      try {
        expect(loaded.config.padding).toBe("pytorch");
        expect(loaded.config.encoderBias).toBe(false);
        const a = model.encode(x, 1);
        const b = loaded.encode(x, 1);
        expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
        tf.dispose([a, b]);
      } finally {
        loaded.dispose();
      }
      // an older file: its config has no padding/encoderBias, which resolve to "same"/true
      const old = createAwaeGan({ charts: 2, latentDim: 3, h: 2, seed: 8 });
      try {
        await saveAwaeGan(join(dir, "old"), old);
        const file = join(dir, "old", "state.json");
        const text = await readFile(file, "utf8");
        const stripped = text.replace(/,"padding":"same","encoderBias":true/, "");
        expect(stripped).not.toBe(text);
        await writeFile(file, stripped);
        await restoreAwaeGan(join(dir, "old"), old);
        await expect(restoreAwaeGan(join(dir, "old"), model)).rejects.toThrow(CorruptFileError);
      } finally {
        old.dispose();
      }
    } finally {
      model.dispose();
      x.dispose();
    }
  });
});
