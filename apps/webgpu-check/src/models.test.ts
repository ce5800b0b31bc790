/**
 * Atlas on TensorFlow.js's webgpu backend, against wasm, in headless Chromium (WebGPU on
 * SwiftShader without a GPU) — the fast subset: the conv encoder's and decoder's forward pass and
 * gradients with Atlas's WebGPU kernels (both convolution gradients, and the transposed
 * convolution that is Conv2DBackpropInput, through real layers, with batch norm). SwiftShader
 * compiles each new shader slowly, so this alone takes ~30 s (more under load). models.slow.test.ts
 * (ATLAS_SLOW=1) runs every network block and one training step of every model, with the stock
 * kernels too. Tolerances and their justification: models.cases.ts.
 */
import { describe, expect, it } from "vitest";
import { BLOCKS, describeModelChecks, scaledErrors } from "./models.cases.js";
import { ZERO_PREFIX } from "./outputs.js";

describe("scaledErrors", () => {
  it("divides the largest difference by the output's scale, floored at 1/100 of the workload's", () => {
    // out a: |diff| max 0.5, scale max(|b|) = 10 → 0.05; out z: b ≡ 0, floor 1e-2·10 = 0.1, diff 1e-3 → 0.01
    const e = scaledErrors({ a: [1.5, -10], z: [1e-3, 0] }, { a: [1, -10], z: [0, 0] });
    expect(e.a).toBeCloseTo(0.05, 12);
    expect(e.z).toBeCloseTo(0.01, 12);
    expect(scaledErrors({ a: [Number.NaN] }, { a: [1] }).a).toBe(Number.POSITIVE_INFINITY);
    expect(scaledErrors({}, { a: [1] }).a).toBe(Number.POSITIVE_INFINITY);
  });
  it("measures an exactly-zero output by its size on either backend, at the workload's scale", () => {
    // B = 10 (the zero output's own values are not in B); max(|a|, |b|) = 0.5 → 0.05, however close a and b are
    const zero = `${ZERO_PREFIX}g`;
    const e = scaledErrors({ a: [10], [zero]: [0.5, 0] }, { a: [10], [zero]: [0.5, 1e-9] });
    expect(e[zero]).toBeCloseTo(0.05, 12);
    expect(e.a).toBe(0);
    expect(scaledErrors({ a: [10], [zero]: [1e-7] }, { a: [10], [zero]: [-2e-7] })[zero]).toBeCloseTo(2e-8, 15);
  });
});

describeModelChecks(
  "webgpu vs wasm in Chromium (fast subset)",
  BLOCKS.filter((w) => w.name === "convEncoder" || w.name === "convDecoder"),
  ["webgpu-atlas"],
);
