import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { hasEncoder, singleChartAtlas } from "./atlas-model.js";

describe("singleChartAtlas", () => {
  const w = tf.tensor2d([
    [1, 0, 2],
    [0, 1, -1],
  ]);
  const model = singleChartAtlas({
    latentDim: 2,
    dataShape: [3],
    encode: (x) => tf.tidy(() => tf.slice(x as tf.Tensor2D, [0, 0], [-1, 2])),
    decode: (z) => tf.tidy(() => tf.matMul(z, w)),
  });

  it("is a one-chart AtlasModel whose partition is all ones", async () => {
    expect(model.charts).toBe(1);
    expect(hasEncoder(model)).toBe(true);
    const x = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const psi = model.partition(x);
    expect(psi.shape).toEqual([3, 1]);
    expect(Array.from(await psi.data())).toEqual([1, 1, 1]);
    const z = model.encode!(x, 0);
    expect(Array.from(await z.data())).toEqual([1, 2, 4, 5, 7, 8]);
    const xr = model.decode(z, 0);
    // [1,2]·W = [1, 2, 0]
    expect(Array.from(await xr.data()).slice(0, 3)).toEqual([1, 2, 0]);
    tf.dispose([x, psi, z, xr]);
  });

  it("rejects a chart index other than 0", () => {
    const z = tf.zeros([1, 2]) as tf.Tensor2D;
    expect(() => model.decode(z, 1)).toThrow(/chart: expected an integer ≥ 0 and ≤ 0, got 1/);
    z.dispose();
  });
});
