// Longer runs (ATLAS_SLOW=1): an AWAE-GAN with m = 4 on 16×16 ring images, and the WAE-GAN on an
// MNIST subset (60 steps; the same run as `pnpm bench agm --train --train-size=6000 --epochs=1 --lr=1e-3`), checked for reconstruction quality and chart usage.
import * as tf from "@tensorflow/tfjs";
import { initBackend, loadMnist, subsetDataset } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan, cpuAwaeGanOptions } from "./awae-gan.js";
import { chartConfidence, reconstructionError } from "./evaluate.js";
import { trainAwaeGan } from "./train.js";
import { ringImages } from "./toy-data.js";

beforeAll(async () => {
  await initBackend();
});

describe("AWAE-GAN, longer runs", () => {
  it("m = 4 on 16×16 ring images: low reconstruction error and all four charts in use", async () => {
    const train = ringImages(1024, { size: 16, seed: 1 });
    const test = ringImages(300, { size: 16, seed: 2 });
    const model = createAwaeGan({ charts: 4, latentDim: 1, h: 4, dataShape: [16, 16, 1], seed: 0 });
    try {
      const before = (await reconstructionError(model, test)).mse;
      const h = await trainAwaeGan(model, train, { epochs: 6, batchSize: 32, learningRate: 2e-3, discriminatorLearningRate: 1e-3, halveAfter: [4], validation: test, seed: 0 });
      const after = h.epochs.at(-1)!.validationLoss!;
      expect(after).toBeLessThan(0.25 * before);
      const conf = await chartConfidence(model, test);
      for (const c of conf.chartCounts) expect(c).toBeGreaterThan(0.05 * test.shape[0]);
    } finally {
      model.dispose();
    }
  }, 900_000);

  it("WAE-GAN (m = 1, CPU preset) on 6000 MNIST images: one epoch beats the mean-image reconstruction", async () => {
    const train = subsetDataset(await loadMnist("train"), { start: 0, end: 6000 });
    const test = subsetDataset(await loadMnist("test"), { start: 0, end: 300 });
    // Baseline: reconstructing every test image as the training mean image.
    const mean = tf.tidy(() => tf.tensor4d(train.images, [6000, 28, 28, 1]).mean(0));
    const mse = tf.tidy(() => tf.mean(tf.squaredDifference(tf.tensor4d(test.images, [300, 28, 28, 1]), mean)));
    const baseline = (await mse.data())[0]!;
    mse.dispose();
    mean.dispose();
    const model = createAwaeGan(cpuAwaeGanOptions(1));
    try {
      await trainAwaeGan(model, train, { schedule: "mnist", epochs: 1, learningRate: 1e-3, discriminatorLearningRate: 5e-4, seed: 0 });
      expect((await reconstructionError(model, test)).mse).toBeLessThan(baseline);
    } finally {
      model.dispose();
    }
  }, 900_000);
});
