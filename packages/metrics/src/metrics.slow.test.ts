import { describe, expect, it } from "vitest";
import { frechetDistance } from "./index.js";

describe("FID analytic case at full size (slow: two 2048³ products)", () => {
  it("Σ = I, means 0 and 1 in d = 2048 gives 2048", () => {
    const d = 2048;
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 1;
    const r = frechetDistance({ mean: new Float64Array(d), cov: eye, n: 10, dim: d }, { mean: new Float64Array(d).fill(1), cov: eye, n: 10, dim: d });
    expect(Math.abs(r.fid - 2048)).toBeLessThanOrEqual(1e-12 * 2048);
  });
});
