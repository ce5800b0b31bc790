/**
 * The AWAE-GAN's training-step memory check on the wasm backend (issue 14: the paper's widths
 * m = 4 and 8 at batch 100 aborted with "memory access out of bounds" when the 4 GiB heap ran out):
 * refused up front, naming the argument, while the configurations that run are let through.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan, paperAwaeGanOptions, type AwaeGanConfig } from "./awae-gan.js";
import { awaeGanActivationCount, awaeGanStepBytes, awaeGanWeightCount } from "./awae-gan-size.js";
import { AwaeGanTrainer, checkStepMemory } from "./awae-gan-trainer.js";
import { trainAwaeGan } from "./train.js";

const paper = (m: 1 | 4 | 8): AwaeGanConfig => {
  const o = paperAwaeGanOptions(m);
  return { charts: m, latentDim: o.latentDim!, h: o.h!, dataShape: [28, 28, 1], outputActivation: "sigmoid", padding: "pytorch", encoderBias: false };
};
const MIB = 2 ** 20;

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

describe("AWAE-GAN training-step memory estimate", () => {
  it("counts the layer outputs per sample (hand count for the paper's m = 4, h = 64)", () => {
    // trunk 14·14·64 + 7·7·128 + 4·4·256; 5 heads × 2·2·512; 4 × (decoder 7·7·512 + 14·14·256, tail 28·28·(128 + 1))
    expect(awaeGanActivationCount(paper(4))).toBe(12544 + 6272 + 4096 + 5 * 2048 + 4 * (25088 + 50176 + 784 * 129));
    expect(awaeGanActivationCount(paper(4))).toBe(738_752);
  });

  it("stays below the wasm heap growth measured per sample (apps/bench/src/scripts/awae-memory.ts: m = 4 41.4 MiB, m = 8 96 MiB, batch 10 → 20)", () => {
    const perSample = (m: 1 | 4 | 8): number => (awaeGanStepBytes(paper(m), 1) - awaeGanStepBytes(paper(m), 0)) / MIB;
    expect(perSample(4)).toBeLessThanOrEqual(41.4);
    expect(perSample(4)).toBeGreaterThan(0.9 * 41.4);
    expect(perSample(8)).toBeLessThanOrEqual(96);
    // the fixed part: 9 × the weights (measured heap intercept at m = 4: 861 MiB ≈ 10.4 × its 83 MiB of weights)
    expect(awaeGanStepBytes(paper(4), 0)).toBe(36 * awaeGanWeightCount(paper(4)));
    // at batch 100: m = 1 (runs on wasm, 72 s a step) fits in 4 GiB; m = 4 and m = 8 do not
    expect(awaeGanStepBytes(paper(1), 100)).toBeLessThan(3.5 * 2 ** 30);
    expect(awaeGanStepBytes(paper(4), 100)).toBeGreaterThan(2 ** 32);
    expect(awaeGanStepBytes(paper(8), 100)).toBeGreaterThan(2 ** 32);
  });
});

describe("AWAE-GAN steps too large for the wasm heap are refused before any work", () => {
  it("paper m = 4 at batch 100: trainer.step and trainAwaeGan name their argument; batch 60 and m = 1 at batch 100 pass the check", async () => {
    expect(tf.getBackend()).toBe("wasm");
    const model = createAwaeGan(paperAwaeGanOptions(4, { seed: 1 }));
    const trainer = new AwaeGanTrainer(model, { seed: 2 });
    const x = tf.zeros([100, 28, 28, 1]);
    try {
      const tensors = tf.memory().numTensors;
      await expect(trainer.step(x)).rejects.toThrow(InvalidArgumentError);
      await expect(trainer.step(x)).rejects.toMatchObject({ argument: "x" });
      await expect(trainer.step(x)).rejects.toThrow(/x: a training step of this AWAE-GAN \(charts 4, h 64\) on 100 samples needs at least ~4\d{3} MiB .*use a batch of at most 8\d,/);
      expect(() => trainer.stepDeferred(x)).toThrow(/x: a training step/);
      expect(tf.memory().numTensors).toBe(tensors);
      await expect(trainAwaeGan(model, x, { batchSize: 100, epochs: 1 })).rejects.toMatchObject({ argument: "options.batchSize" });
      expect(() => checkStepMemory("x", model, 60)).not.toThrow();
    } finally {
      tf.dispose(x);
      trainer.dispose();
      model.dispose();
    }
    const m1 = createAwaeGan(paperAwaeGanOptions(1, { seed: 1 }));
    try {
      expect(() => checkStepMemory("x", m1, 100)).not.toThrow();
      expect(() => checkStepMemory("x", m1, 1000)).toThrow(/charts 1, h 128\) on 1000 samples/);
    } finally {
      m1.dispose();
    }
  }, 120_000);

  it("checks nothing on other backends (no fixed 4 GiB heap there)", async () => {
    const previous = tf.getBackend();
    await tf.setBackend("cpu");
    const model = createAwaeGan({ charts: 8, latentDim: 2, h: 2, dataShape: [28, 28, 1], seed: 1 });
    try {
      expect(() => checkStepMemory("x", model, 10 ** 7)).not.toThrow();
    } finally {
      model.dispose();
      await tf.setBackend(previous);
    }
  });
});
