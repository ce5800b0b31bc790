import { expect } from "vitest";
import { fusedProducts } from "./simd-kernel.js";

/**
 * Whether this run's product and row kernels use fused multiply-adds (relaxed SIMD: Node ≥ 22, or
 * Node 20 with --experimental-wasm-relaxed-simd, as the `metrics-fused` test project runs). The
 * plain-JS reference loops multiply and add separately, so comparisons with them that are bit for
 * bit with the unfused kernels become comparisons to rounding.
 */
export const fused: boolean = fusedProducts();

/**
 * `got` equals `ref` bit for bit (Object.is on every entry) — or, when {@link fused}, to within
 * `tol` · max(1, |ref|) on every entry (entries both sides leave untouched stay equal either way).
 */
export function expectBits(got: ArrayLike<number>, ref: ArrayLike<number>, tol: number, label?: string): void {
  expect(got.length, label).toBe(ref.length);
  let bad = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i] as number;
    const r = ref[i] as number;
    if (fused) {
      const err = Math.abs(g - r) / Math.max(1, Math.abs(r));
      if (!(err <= tol)) bad++;
      if (err > worst) worst = err;
    } else if (!Object.is(g, r)) bad++;
  }
  expect(bad, `${label ?? ""} (${fused ? `fused: worst ${worst.toExponential(2)} against ${tol}` : "bit for bit"})`).toBe(0);
}
