/**
 * Atlas's fused batch-norm gradient (`AtlasBatchNormGrad`) on WebGPU in headless Chromium
 * (SwiftShader without a GPU): model shapes and edge shapes against tfjs's stock path and float64,
 * core's layer, the kernels run, leaks (tolerances in batch-norm-reference.ts). The row-split
 * planning is checked here without a browser. batch-norm-grad.slow.test.ts runs random shapes.
 */
import { describe, expect, it } from "vitest";
import { planBatchNormGrad } from "./batch-norm-grad.js";
import { BN_CASES, describeBatchNormGrad } from "./batch-norm-grad.cases.js";

describe("batch-norm gradient planning (no browser)", () => {
  it("covers every row exactly once, channels-contiguous threads, ≤ 1024 workgroups' worth of chunks", () => {
    for (const [rows, channels] of [[1, 1], [98, 16], [3136, 8], [200_704, 64], [1_000_000, 3], [18, 130]] as const) {
      const p = planBatchNormGrad(rows, channels);
      expect(p.wx * p.wy).toBe(256);
      expect(p.wx).toBeGreaterThanOrEqual(Math.min(channels, 64));
      expect(p.parts * p.chunk).toBeGreaterThanOrEqual(rows);
      expect((p.parts - 1) * p.chunk).toBeLessThan(rows);
      expect(p.parts * Math.ceil(channels / p.wx)).toBeLessThanOrEqual(Math.max(1024, Math.ceil(channels / p.wx)));
    }
    // the autoencoder-sized activation at batch 1024 (14×14, 64 channels) is split; a small one is not
    expect(planBatchNormGrad(1024 * 196, 64).parts).toBeGreaterThan(100);
    expect(planBatchNormGrad(98, 16).parts).toBe(1);
  });
});

describeBatchNormGrad("AtlasBatchNormGrad on WebGPU in Chromium (SwiftShader without a GPU)", BN_CASES, true);
