/**
 * Test support (shared by webgpu-kernels.test.ts and its slow variant): Atlas's WebGPU
 * convolution-gradient kernels against the stock tfjs-backend-webgpu kernels and
 * float64 loops, in headless Chromium (WebGPU on SwiftShader where there is no GPU; see
 * webgpu-kernels.page.ts for the browser side).
 *
 * Tolerance: each output element is a float32 sum of K products of float32 inputs; whatever the
 * summation order (sequential in the stock kernels, tiled and split in ours), the rounding error is
 * at most γ_K · Σ|terms| with γ_K = K·u / (1 − K·u), u = 2⁻²⁴ (Higham, Accuracy and Stability of
 * Numerical Algorithms, §3.1, eq. 3.5). The reference is exact to float64 rounding (products of
 * float32 values are exact in float64). So every element must satisfy
 * |got − ref| ≤ γ_K · Σ|terms|, K = N·Ho·Wo for dw and kH·kW·Cout (its upper bound) for dx; an
 * indexing error gives errors of order 1 on that scale. The stock kernels are held to the same bound
 * (which checks the reference and the bound themselves).
 */
import { fileURLToPath } from "node:url";
import { type BrowserPage, openPage } from "@atlas/browser-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../rng.js";
import { type ConvCase, axisGeometry } from "./conv-grad-reference.js";

const u = 2 ** -24;
const gamma = (k: number): number => (k * u) / (1 - k * u);

/**
 * Layer shapes of the models trained on this backend (small batches): the fast subset. Between
 * them they cover split-K (conv1: N·Ho·Wo = 392), full 64 × 64 tiles (conv2), a 'valid'
 * convolution that leaves a row unused (the paper layout's padded trunk) and the one-column tile
 * with stride 1 (the AWAE-GAN's last layer as conv2dTranspose).
 */
export const MODEL_CASES: ConvCase[] = [
  // GTN App. F autoencoder: encoder convs, decoder transposed convs (as their backprop kernels see them)
  { name: "GTN AE conv1 28→14 (Cin 1, split-K)", x: [2, 28, 28, 1], k: [4, 4, 1, 64], strides: [2, 2], pad: "same" },
  { name: "GTN AE conv2 14→7", x: [2, 14, 14, 64], k: [4, 4, 64, 128], strides: [2, 2], pad: "same" },
  // AWAE-GAN paper layout (PyTorch padding 1 as zero-padding + 'valid'): trunk_3 on 9×9 → 3×3, h = 8
  { name: "AWAE-GAN paper trunk_3 9→3 valid (a row unused)", x: [2, 9, 9, 16], k: [4, 4, 16, 32], strides: [2, 2], pad: "valid" },
  { name: "AWAE-GAN tail_out stride 1 (Cin 1 as conv2dTranspose)", x: [2, 28, 28, 1], k: [4, 4, 1, 16], strides: [1, 1], pad: "same" },
];

/** More layer shapes of the models (slow subset). */
export const MORE_MODEL_CASES: ConvCase[] = [
  { name: "AWAE-GAN 'same' trunk_3 7→4 (asymmetric padding)", x: [2, 7, 7, 16], k: [4, 4, 16, 32], strides: [2, 2], pad: "same" },
  { name: "AWAE-GAN head 4→2", x: [2, 4, 4, 32], k: [4, 4, 32, 64], strides: [2, 2], pad: "same" },
  { name: "AWAE-GAN paper head 5→1 valid", x: [2, 5, 5, 32], k: [4, 4, 32, 64], strides: [2, 2], pad: "valid" },
  { name: "split-K (N·Ho·Wo = 1024)", x: [4, 16, 16, 3], k: [3, 3, 3, 5], strides: [1, 1], pad: "same" },
  { name: "AWAE-GAN paper width m = 1 trunk_3 (256 → 512 channels)", x: [1, 9, 9, 256], k: [4, 4, 256, 512], strides: [2, 2], pad: "valid" },
];

/** Random shapes: strides 1–3 per axis, 'same' / 'valid' / explicit padding, odd sizes, channels 1–20. */
export function randomCases(count: number, seed: number): ConvCase[] {
  const rng = new Rng(seed);
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kh = 1 + rng.int(5);
    const kw = 1 + rng.int(5);
    const sh = 1 + rng.int(3);
    const sw = 1 + rng.int(3);
    const h = 1 + rng.int(12);
    const w = 1 + rng.int(12);
    const kind = rng.int(3);
    const pad: ConvCase["pad"] =
      kind === 0 ? "same" : kind === 1 ? "valid" : [[0, 0], [rng.int(kh), rng.int(kh)], [rng.int(kw), rng.int(kw)], [0, 0]];
    const c: ConvCase = { name: "", x: [1 + rng.int(3), h, w, 1 + rng.int(20)], k: [kh, kw, 0, 1 + rng.int(20)], strides: [sh, sw], pad };
    c.k[2] = c.x[3];
    if (axisGeometry(h, kh, sh, pad, 1).out < 1 || axisGeometry(w, kw, sw, pad, 2).out < 1) continue;
    c.name = `x ${c.x.join("×")} k ${c.k.join("×")} s ${sh},${sw} ${typeof pad === "string" ? pad : `pad ${JSON.stringify(pad.slice(1, 3))}`}`;
    cases.push(c);
  }
  return cases;
}

/** The browser tests, over `cases` (each checked in Chromium against the stock kernels and float64). */
export function describeWebGpuConvKernels(title: string, cases: readonly ConvCase[]): void {
  describe(title, () => {
    let page: BrowserPage;
    beforeAll(async () => {
      page = await openPage({ entry: fileURLToPath(new URL("./webgpu-kernels.page.ts", import.meta.url)) });
    }, 180_000);
    afterAll(async () => {
      await page?.close();
    });

    it("runs on the webgpu backend with Atlas's kernels registered", async () => {
      const s = await page.call<{ ok: boolean; backend: string; adapter?: { vendor: string }; kernels: string[]; registered: boolean }>("setup");
      expect(s.ok).toBe(true);
      expect(s.backend).toBe("webgpu");
      expect(s.adapter).toBeDefined();
      expect(s.kernels).toEqual(["Conv2DBackpropFilter", "Conv2DBackpropInput", "AtlasBatchNormGrad", "AtlasAdamUpdate", "AtlasActivationGrad", "AtlasMovingAverage", "AtlasSwish"]);
      expect(s.registered).toBe(true);
    });

    for (const [i, c] of cases.entries()) {
      it(`dw and dx within γ_K·Σ|terms| of float64, as the stock kernels: ${c.name}`, async () => {
        const r = await page.call<Record<string, number | boolean | string>>("convCase", c, 100 + i);
        expect(r.gpuErrors).toBe("");
        expect(r.stockRegistered).toBe(false);
        expect(r.atlasRegistered).toBe(true);
        const fBound = gamma(r.filterTerms as number);
        const iBound = gamma(r.inputTerms as number);
        expect(r.stockFilterError).toBeLessThanOrEqual(fBound);
        expect(r.stockInputError).toBeLessThanOrEqual(iBound);
        expect(r.atlasFilterError).toBeLessThanOrEqual(fBound);
        expect(r.atlasInputError).toBeLessThanOrEqual(iBound);
      });
    }

    it("leaves no tensors behind", async () => {
      const { before, after, gpuErrors } = await page.call<{ before: number; after: number; gpuErrors: string[] }>("leakCheck");
      expect(gpuErrors).toEqual([]);
      expect(after).toBe(before);
    });
  });
}
