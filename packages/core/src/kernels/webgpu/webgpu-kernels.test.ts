/**
 * Atlas's WebGPU convolution-gradient kernels in headless Chromium (WebGPU on SwiftShader without
 * a GPU): the fast subset — four layer shapes of the models (tolerances and
 * their justification in webgpu-kernels.cases.ts). webgpu-kernels.slow.test.ts runs more random
 * shapes (ATLAS_SLOW=1).
 */
import { describe, expect, it } from "vitest";
import { planFilterGrad } from "./conv2d-backprop-filter.js";
import { planInputGrad } from "./conv2d-backprop-input.js";
import { chooseTile, tileExtent } from "./gemm.js";
import { MODEL_CASES, describeWebGpuConvKernels } from "./webgpu-kernels.cases.js";

describe("tile and split planning (no browser)", () => {
  it("chooses full 64×64 tiles for wide products and narrow ones for few columns", () => {
    expect(tileExtent(chooseTile(1024, 128))).toMatchObject({ tm: 64, tn: 64 });
    expect(tileExtent(chooseTile(100_000, 1))).toMatchObject({ tn: 1, tm: 256 });
    expect(tileExtent(chooseTile(16, 64))).toMatchObject({ tn: 64, tm: 16 });
  });
  it("splits the autoencoder's long reduction into enough workgroups, within the partial-product budget", () => {
    // conv2 at batch 1024: M = 4·4·64 rows, 128 columns, K = 1024·7·7
    const p = planFilterGrad(1024, 128, 1024 * 49);
    const tiles = (1024 / 64) * (128 / 64);
    expect(tiles * p.splits).toBeGreaterThanOrEqual(1024);
    expect(p.splits * p.stepsPerSplit * p.tile.tk).toBeGreaterThanOrEqual(1024 * 49);
    expect((p.splits - 1) * p.stepsPerSplit * p.tile.tk).toBeLessThan(1024 * 49);
    expect(planFilterGrad(1024, 128, 1024 * 49, 1024 * 128 * 4).splits).toBeLessThanOrEqual(4);
    // short reductions are not split
    expect(planFilterGrad(64, 64, 100).splits).toBe(1);
  });
  it("lays the input gradient's phases on one grid: ⌈H/s⌉ rows and ⌈k/s⌉ taps per axis", () => {
    const g = { n: 3, h: 9, w: 14, cin: 5, ho: 5, wo: 7, cout: 6, kh: 3, kw: 4, sh: 2, sw: 2, top: 1, left: 1 };
    const p = planInputGrad(g);
    expect([p.ch, p.cw, p.thm, p.twm]).toEqual([5, 7, 2, 2]);
    expect(p.rows).toBe(3 * 5 * 7);
    expect(p.kSteps).toBe(Math.ceil((2 * 2 * 6) / p.tile.tk));
  });
});

describeWebGpuConvKernels("WebGPU convolution-gradient kernels in Chromium (SwiftShader without a GPU)", MODEL_CASES);
