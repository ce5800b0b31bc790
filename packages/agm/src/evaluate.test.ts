import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, initBackend, singleChartAtlas, type AtlasModel } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan } from "./awae-gan.js";
import { chartConfidence, histogramImage, reconstructionError, sampleCharts, saveChartConfidencePng, saveChartSampleGrid } from "./evaluate.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "agm-eval-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A hand-made 2-chart model on R^2: ψ = softmax([x₀, −x₀]); F_0(x) = x₀, G_0(z) = (z, 0) (keeps x₀,
 * drops x₁); F_1(x) = x₁, G_1(z) = (0, z) (keeps x₁). Its reconstruction errors are known exactly.
 */
const toy: AtlasModel = {
  charts: 2,
  latentDim: 1,
  dataShape: [2],
  partition: (x) => tf.tidy(() => tf.softmax(tf.concat([x.slice([0, 0], [-1, 1]), tf.neg(x.slice([0, 0], [-1, 1]))], 1)) as tf.Tensor2D),
  encode: (x, y) => tf.tidy(() => x.slice([0, y], [-1, 1]) as tf.Tensor2D),
  decode: (z, y) => tf.tidy(() => (y === 0 ? tf.concat([z, tf.zerosLike(z)], 1) : tf.concat([tf.zerosLike(z), z], 1))),
};

describe("reconstructionError", () => {
  const pts = [
    [2, 1], // ψ_0 = σ(4) > ½ → chart 0: error (0² + 1²)/2 = 0.5
    [-1, 3], // ψ_0 = σ(−2) < ½ → chart 1: error (1² + 0²)/2 = 0.5
    [0.5, -4], // chart 0: error 16/2 = 8
  ];
  it("is the per-coordinate MSE with the argmax chart, averaged over points", async () => {
    const r = await reconstructionError(toy, { data: pts.flat(), n: 3, dim: 2 }, { batchSize: 2 });
    expect(Array.from(r.perPoint)).toEqual([0.5, 0.5, 8]);
    expect(r.mse).toBeCloseTo(3, 10);
  });

  it("ψ-weights the charts' errors in 'weighted' mode", async () => {
    const r = await reconstructionError(toy, { data: pts.flat(), n: 3, dim: 2 }, { mode: "weighted" });
    const sig = (t: number): number => 1 / (1 + Math.exp(-t));
    // chart-0 error x₁²/2, chart-1 error x₀²/2, ψ_0 = σ(2x₀)
    const expected = pts.map(([a, b]) => sig(2 * a!) * (b! * b!) / 2 + (1 - sig(2 * a!)) * (a! * a!) / 2);
    expected.forEach((e, i) => expect(r.perPoint[i]).toBeCloseTo(e, 5));
  });

  it("rejects semi-AGMs, bad data and bad options", async () => {
    const semi: AtlasModel = { ...toy, encode: undefined };
    await expect(reconstructionError(semi, { data: [1, 2], n: 1, dim: 2 })).rejects.toThrow(/semi-AGM/);
    await expect(reconstructionError(toy, { data: [1, 2, 3], n: 1, dim: 3 })).rejects.toThrow(/shape/);
    await expect(reconstructionError(toy, { data: [1, 2], n: 1, dim: 2 }, { mode: "mean" as never })).rejects.toThrow(InvalidArgumentError);
    await expect(reconstructionError({} as never, { data: [1, 2], n: 1, dim: 2 })).rejects.toThrow(/AtlasModel/);
    // a tensor is read (asynchronously) and its values checked
    const nan = tf.tensor2d([[1, Number.NaN]]);
    await expect(reconstructionError(toy, nan)).rejects.toThrow(/data: expected finite values, found NaN at index 1/);
    await expect(chartConfidence(toy, nan)).rejects.toThrow(/data: expected finite values/);
    nan.dispose();
  });

  it("reads a tensor data set, batches it, and leaks nothing (one read of all batches)", async () => {
    const x = tf.tensor2d(pts);
    const r = await reconstructionError(toy, x, { batchSize: 2 }); // warm-up too
    expect(Array.from(r.perPoint)).toEqual([0.5, 0.5, 8]);
    const before = tf.memory().numTensors;
    const reads: number[] = [];
    const data = tf.Tensor.prototype.data;
    tf.Tensor.prototype.data = function (this: tf.Tensor) {
      reads.push(this.size);
      return data.call(this);
    } as typeof data;
    try {
      await reconstructionError(toy, x, { batchSize: 1 });
      await chartConfidence(toy, x, { batchSize: 1 });
    } finally {
      tf.Tensor.prototype.data = data;
    }
    // the data set itself (6 values) once, then all three batches' results in one read each
    expect(reads).toEqual([6, 3, 6, 6]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe("long evaluations", () => {
  it("reconstructionError and chartConfidence let a timer run between batches (reads resolve at once on cpu/wasm)", async () => {
    const busy = (ms: number): void => {
      const t = performance.now();
      while (performance.now() - t < ms);
    };
    for (const which of ["reconstructionError", "chartConfidence"] as const) {
      let calls = 0;
      let firedAt = -1;
      // 20 batches of ≥ 15 ms each: a timer set before the call must fire during it
      const slow = singleChartAtlas({
        latentDim: 2,
        dataShape: [2],
        encode: (x) => {
          calls++;
          busy(15);
          return x as tf.Tensor2D;
        },
        decode: (z) => z,
      });
      const rows = { data: Float32Array.from({ length: 40 }, (_, i) => i / 40), n: 20, dim: 2 };
      setTimeout(() => (firedAt = calls), 0);
      if (which === "reconstructionError") await reconstructionError(slow, rows, { batchSize: 1 });
      else {
        // partition of a single-chart atlas does not encode: time its batches through the data instead
        const wrapped = Object.assign(Object.create(slow) as AtlasModel, { partition: (x: tf.Tensor) => (calls++, busy(15), slow.partition(x)) });
        await chartConfidence(wrapped, rows, { batchSize: 1 });
      }
      expect(firedAt, which).toBeGreaterThanOrEqual(1);
      expect(firedAt, which).toBeLessThan(20);
    }
  });
});

describe("chartConfidence", () => {
  it("histograms max_y ψ_y over [1/m, 1] and counts chart wins", async () => {
    // ψ_0 = σ(2x₀): x₀ = 0 → 0.5 (bin 0); x₀ = 3 → σ(6) ≈ 0.9975 (last bin); x₀ = −0.3 → ψ_1 = σ(0.6) ≈ 0.646 (bin 1 of 5)
    const r = await chartConfidence(toy, { data: [0, 0, 3, 0, -0.3, 0], n: 3, dim: 2 }, { bins: 5 });
    expect(Array.from(r.histogram.edges)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(Array.from(r.histogram.counts)).toEqual([1, 1, 0, 0, 1]);
    expect(Array.from(r.chartCounts)).toEqual([2, 1]);
    expect(r.confidence[2]).toBeCloseTo(1 / (1 + Math.exp(-0.6)), 6);
    expect(Array.from(r.assignment)).toEqual([0, 0, 1]);
  });

  it("gives confidence 1 to a one-chart model and reconstructs with its one chart", async () => {
    const one = singleChartAtlas({ latentDim: 1, dataShape: [2], encode: (x) => x.slice([0, 0], [-1, 1]) as tf.Tensor2D, decode: (z) => z });
    const r = await chartConfidence(one, { data: [1, 2, 3, 4], n: 2, dim: 2 }, { bins: 4 });
    expect(Array.from(r.histogram.counts)).toEqual([0, 0, 0, 2]);
    expect(r.mean).toBe(1);
    // G(F(x)) = (x₀) decoded to R^1 would not fit [2]; a decoder padding with 0 reconstructs (x₀, 0)
    const pad = singleChartAtlas({ latentDim: 1, dataShape: [2], encode: (x) => x.slice([0, 0], [-1, 1]) as tf.Tensor2D, decode: (z) => tf.concat([z, tf.zerosLike(z)], 1) });
    expect(Array.from((await reconstructionError(pad, { data: [1, 2, 3, 4], n: 2, dim: 2 })).perPoint)).toEqual([2, 8]);
  });
});

describe("PNG outputs", () => {
  it("renders a histogram bar chart with bar heights ∝ counts", () => {
    const img = histogramImage([2, 1, 0], { height: 10, barWidth: 4 });
    expect(img.shape).toEqual([1, 10, 12, 1]);
    const column = (x: number): number => Array.from({ length: 10 }, (_, y) => img.data[y * 12 + x]).filter((v) => v === 0).length;
    expect([column(0), column(4), column(8)]).toEqual([10, 5, 0]);
  });

  it("writes the confidence histogram and per-chart sample grids as PNG files", async () => {
    const model = createAwaeGan({ charts: 3, h: 2, dataShape: [8, 8, 1] });
    try {
      const s = sampleCharts(model, 4, 1);
      expect(s.shape).toEqual([12, 8, 8, 1]);
      s.dispose();
      await saveChartSampleGrid(join(dir, "charts.png"), model, { perChart: 4 });
      await saveChartConfidencePng(join(dir, "conf.png"), [3, 1, 4, 1, 5]);
      for (const f of ["charts.png", "conf.png"]) {
        const bytes = await readFile(join(dir, f));
        expect(Array.from(bytes.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
      }
      // 4 columns × 3 rows of 8×8 images with 2 px padding, scale 2: width (4·10 + 2)·2 = 84
      const png = await readFile(join(dir, "charts.png"));
      expect(png.readUInt32BE(16)).toBe(84);
      expect(png.readUInt32BE(20)).toBe((3 * 10 + 2) * 2);
    } finally {
      model.dispose();
    }
    const vec = createAwaeGan({ charts: 2, h: 2, dataShape: [4] });
    await expect(saveChartSampleGrid(join(dir, "x.png"), vec)).rejects.toThrow(/image/);
    vec.dispose();
  });
});
