import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, circle, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan } from "./awae-gan.js";
import { chartBalanceDivergence } from "./awae-gan-loss.js";
import { AwaeGanTrainer } from "./awae-gan-trainer.js";
import { chartConfidence } from "./evaluate.js";
import { trainAwaeGan } from "./train.js";

beforeAll(async () => {
  await initBackend();
});

describe("chartBalanceDivergence", () => {
  it("is KL(mean ψ ‖ uniform): checked by hand, 0 when balanced, log m when one chart takes all", async () => {
    const psi = [
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
    ];
    const q = [0.4, 0.15, 0.45];
    const expected = q.reduce((s, v) => s + v * Math.log(3 * v), 0);
    const read = async (make: () => tf.Tensor): Promise<Float32Array> => {
      const t = tf.tidy(make);
      const values = (await t.data()) as Float32Array;
      t.dispose();
      return values;
    };
    const value = async (rows: number[][]): Promise<number> => (await read(() => chartBalanceDivergence(tf.tensor2d(rows))))[0]!;
    expect(await value(psi)).toBeCloseTo(expected, 6);
    expect(await value([[1, 0], [0, 1]])).toBeCloseTo(0, 7);
    expect(await value([[1, 0, 0, 0], [1, 0, 0, 0]])).toBeCloseTo(Math.log(4), 6);
    // finite gradient towards the empty charts
    const g = await read(() => tf.grad((p: tf.Tensor) => chartBalanceDivergence(p as tf.Tensor2D))(tf.tensor2d([[1, 0, 0, 0], [1, 0, 0, 0]])));
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
    expect(g[1]!).toBeLessThan(g[0]!); // raising an empty chart's mass lowers the divergence
  });

  it("defaults to λ, 0 switches it off, negative values are rejected", async () => {
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 2, dataShape: [8] });
    try {
      const a = new AwaeGanTrainer(model, { lambda: 4 });
      const b = new AwaeGanTrainer(model, { chartBalance: 0 });
      expect(a.chartBalance).toBe(4);
      expect(b.chartBalance).toBe(0);
      a.dispose();
      b.dispose();
      expect(() => new AwaeGanTrainer(model, { chartBalance: -1 })).toThrow(InvalidArgumentError);
      expect(() => new AwaeGanTrainer(model, { chartBalance: -1 })).toThrow(/options\.chartBalance/);
    } finally {
      model.dispose();
    }
  });
});

describe("chart collapse on a circle in R^8, m = 4, from a ψ that starts on one chart", () => {
  // ψ's last bias set to (3, −3, −3, −3): every point starts on chart 0 (ψ_0 ≈ 0.98), the state a
  // collapsing run reaches. The literal eq. (6) (chartBalance 0) leaves charts without points;
  // the default chart-balance term brings every chart back.
  const train = circle(256, 1, { embedDim: 8 });
  const test = circle(200, 2, { embedDim: 8 });
  const run = async (chartBalance: number | undefined): Promise<number[]> => {
    const model = createAwaeGan({ charts: 4, latentDim: 1, h: 6, dataShape: [8], seed: 0 });
    try {
      const last = [...model.nets.partitionHead!.layers].reverse().find((l) => l.getWeights().length === 2)!;
      const [w] = last.getWeights();
      const biased = tf.tensor1d([3, -3, -3, -3]);
      last.setWeights([w!, biased]);
      biased.dispose(); // setWeights copies; getWeights returns the variables themselves (not disposed)
      expect(Array.from((await chartConfidence(model, test)).chartCounts)).toEqual([200, 0, 0, 0]);
      await trainAwaeGan(model, train, { batchSize: 32, epochs: 4, learningRate: 5e-3, discriminatorLearningRate: 2.5e-3, halveAfter: [3], seed: 3, ...(chartBalance === undefined ? {} : { chartBalance }) });
      return Array.from((await chartConfidence(model, test)).chartCounts);
    } finally {
      model.dispose();
    }
  };

  it("with the default chart balance every chart is used; with 0 (literal eq. 6) some chart is not", async () => {
    const balanced = await run(undefined);
    for (const c of balanced) expect(c).toBeGreaterThan(0.05 * test.n);
    const literal = await run(0);
    expect(Math.min(...literal)).toBeLessThan(0.05 * test.n);
  }, 180_000); // 54–86 s measured on the 2-core machine at load average ≈ 25 (60 s timed out)
});
