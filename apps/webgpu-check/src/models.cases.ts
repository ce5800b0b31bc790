/**
 * Test support for models.test.ts and models.slow.test.ts: each workload of models.page.ts runs in
 * headless Chromium on wasm (the reference) and on webgpu (SwiftShader without a GPU), and every
 * named output must agree.
 *
 * Error measure: for an output a (webgpu) against b (wasm), max|a − b| / max(max|b|, 10⁻²·B),
 * where B is the largest |value| over all outputs of the same workload (the floor keeps outputs
 * that happen to be small from dividing by almost nothing). Outputs whose exact value is 0 — the
 * gradient of a bias that feeds a batch norm (the norm subtracts the batch mean), keys starting
 * with ZERO_PREFIX — are rounding noise on both backends, so comparing them says nothing; for
 * them the measure is max(max|a|, max|b|) / B: both must be ≈ 0 at the workload's scale. (Compared
 * as differences they reached 1.4·10⁻⁴ of the 10⁻²·B floor with the stock kernels: noise.)
 *
 * Tolerances (float32, u = 2⁻²⁴ ≈ 6·10⁻⁸): the backends sum in different orders (XNNPACK's tiles
 * and split reductions vs WGSL loops), and exp / tanh / sigmoid differ by a few ulp. A dot product
 * of K terms is accurate to γ_K·Σ|terms| (K ≤ 4096 here: γ_K ≈ 2.4·10⁻⁴ worst case, √K·u ≈ 4·10⁻⁶
 * typical); layers compound it, and batch norm's gradient subtracts means (cancellation). So:
 * - forward outputs and gradients: ≤ 10⁻⁴ (measured on SwiftShader: ≤ 4·10⁻⁶);
 * - after one training step (losses, outputs of the updated networks): ≤ 10⁻³. The first Adam step
 *   moves every weight by ≈ lr·sign(g) (m̂/√v̂ = g/|g|), so any gradient element that the two
 *   backends round to opposite signs (|g| near 0) moves that weight by 2·lr differently; outputs
 *   after the step are smooth in the weights, so this stays a small relative change (measured:
 *   ≤ 10⁻⁵ except the AWAE-GAN, 8.5·10⁻⁴ — two optimizers, four losses; per workload in README.md).
 */
import { fileURLToPath } from "node:url";
import { type BrowserPage, openPage, tfjsWasmFiles } from "@atlas/browser-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZERO_PREFIX } from "./outputs.js";

/** Which outputs of a workload are one step later (the looser tolerance). */
export interface ModelWorkload {
  name: string;
  /** Tolerance on the scaled error. */
  tolerance: number;
}

export const FORWARD_TOLERANCE = 1e-4;
/**
 * SwiftShader compiles every new WGSL pipeline on the CPU (seconds each), so a workload's first run
 * takes 20–120 s on the shared 2-core machine (load 15–30); these limits are for a stalled page, not
 * for speed.
 */
const PAGE_TIMEOUT_MS = 300_000;
const WORKLOAD_TIMEOUT_MS = 600_000;
export const STEP_TOLERANCE = 1e-3;

/** Network blocks: forward and gradients of Σ y·r. */
export const BLOCKS: ModelWorkload[] = ["mlp", "convEncoder", "convDecoder", "gtnMnistAutoencoder"].map((name) => ({ name, tolerance: FORWARD_TOLERANCE }));

/** One training step of each model. */
export const STEPS: ModelWorkload[] = ["gtnH", "gtnLatentAutoencoder", "awaeGan", "waeGan", "atlasVae"].map((name) => ({ name, tolerance: STEP_TOLERANCE }));

interface RunResult {
  outputs: Record<string, number[]>;
  ms: number;
  backend: string;
  leaked: number;
  gpuErrors: string[];
}

/**
 * max|a − b| / max(max|b|, floor) per output, floor = 10⁻² · B with B the largest |b| over the
 * workload's outputs; for ZERO_PREFIX outputs max(max|a|, max|b|) / B. Missing outputs, a length
 * mismatch or NaN give +∞.
 */
export function scaledErrors(a: Record<string, number[]>, b: Record<string, number[]>): Record<string, number> {
  let big = 0;
  for (const [k, v] of Object.entries(b)) if (!k.startsWith(ZERO_PREFIX)) for (const x of v) big = Math.max(big, Math.abs(x));
  const out: Record<string, number> = {};
  for (const [k, ref] of Object.entries(b)) {
    const got = a[k];
    if (got === undefined || got.length !== ref.length) {
      out[k] = Number.POSITIVE_INFINITY;
      continue;
    }
    const zero = k.startsWith(ZERO_PREFIX);
    let diff = 0;
    let scale = zero ? big : 1e-2 * big;
    for (let i = 0; i < ref.length; i++) {
      const d = zero ? Math.max(Math.abs(got[i] as number), Math.abs(ref[i] as number)) : Math.abs((got[i] as number) - (ref[i] as number));
      diff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(diff, d);
      if (!zero) scale = Math.max(scale, Math.abs(ref[i] as number));
    }
    out[k] = scale > 0 ? diff / scale : diff;
  }
  return out;
}

/** Check `workloads` on the webgpu `variants` against wasm, in one Chromium page. */
export function describeModelChecks(title: string, workloads: readonly ModelWorkload[], variants: readonly ("webgpu-atlas" | "webgpu-stock")[]): void {
  describe(title, () => {
    let page: BrowserPage;
    const dir = fileURLToPath(new URL("..", import.meta.url));
    beforeAll(async () => {
      page = await openPage({ entry: fileURLToPath(new URL("./models.page.ts", import.meta.url)), files: tfjsWasmFiles(dir), loadTimeoutMs: 120_000 });
    }, PAGE_TIMEOUT_MS);
    afterAll(async () => {
      await page?.close();
    });

    it("the page has WebGPU (an adapter) and every workload", async () => {
      const s = await page.call<{ backend: string; adapter?: { vendor: string }; workloads: string[] }>("setup");
      expect(s.backend).toBe("webgpu");
      expect(s.adapter?.vendor).toBeTruthy();
      for (const w of workloads) expect(s.workloads).toContain(w.name);
    });

    for (const w of workloads) {
      it(`${w.name}: webgpu (${variants.join(", ")}) matches wasm within ${w.tolerance}`, async () => {
        const ref = await page.call<RunResult>("run", w.name, "wasm");
        expect(ref.backend).toBe("wasm");
        expect(ref.leaked).toBe(0);
        for (const v of variants) {
          const got = await page.call<RunResult>("run", w.name, v);
          expect(got.backend).toBe("webgpu");
          expect(got.gpuErrors).toEqual([]);
          expect(got.leaked).toBe(0);
          const errors = scaledErrors(got.outputs, ref.outputs);
          expect(Object.keys(errors).length).toBeGreaterThan(0);
          const worst = Object.entries(errors).reduce((a, b) => (b[1] > a[1] ? b : a));
          console.log(`${w.name}, ${v}: largest scaled error ${worst[1].toExponential(2)} (${worst[0]}); webgpu ${(got.ms / 1000).toFixed(1)} s, wasm ${(ref.ms / 1000).toFixed(1)} s`);
          for (const [k, e] of Object.entries(errors)) expect(e, `${v}: ${k}`).toBeLessThanOrEqual(w.tolerance);
        }
      }, WORKLOAD_TIMEOUT_MS);
    }
  });
}
