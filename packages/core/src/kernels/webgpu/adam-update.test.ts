/**
 * Atlas's fused Adam update (`AtlasAdamUpdate`, core's `adam()`) on WebGPU in headless Chromium
 * (SwiftShader without a GPU) against tfjs's stock update on the same variables and gradients
 * (the same float32 operations in the same order; tolerances in adam-update.page.ts: a few
 * roundings per step, an error in the formula or indexing is of order 1 on that scale).
 */
import { fileURLToPath } from "node:url";
import { type BrowserPage, openPage } from "@atlas/browser-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdamCase } from "./adam-update.page.js";

const CASES: AdamCase[] = [
  { name: "a conv kernel, a bias and a scalar, 3 steps, default betas", shapes: [[4, 4, 3, 8], [8], [1]], steps: 3, learningRate: 1e-3, beta1: 0.9, beta2: 0.999 },
  { name: "odd sizes (1×7×13, 65 elements past one workgroup), 4 steps, the GAN's betas (0.5, 0.9)", shapes: [[1, 7, 13], [65]], steps: 4, learningRate: 2e-4, beta1: 0.5, beta2: 0.9 },
];

describe("AtlasAdamUpdate on WebGPU in Chromium (SwiftShader without a GPU)", () => {
  let page: BrowserPage;
  beforeAll(async () => {
    page = await openPage({ entry: fileURLToPath(new URL("./adam-update.page.ts", import.meta.url)) });
  }, 180_000);
  afterAll(async () => {
    await page?.close();
  });

  it("runs on the webgpu backend with AtlasAdamUpdate registered", async () => {
    const s = await page.call<{ ok: boolean; backend: string; kernels: string[]; registered: boolean }>("setup");
    expect(s.ok).toBe(true);
    expect(s.backend).toBe("webgpu");
    expect(s.kernels).toContain("AtlasAdamUpdate");
    expect(s.registered).toBe(true);
  });

  for (const [i, c] of CASES.entries()) {
    it(`values, m and v as tfjs's stock Adam within a few roundings a step: ${c.name}`, async () => {
      const r = await page.call<Record<string, number | string | boolean>>("adamCase", c, 400 + i);
      expect(r.gpuErrors).toBe("");
      expect(r.stockFused).toBe(false);
      expect(r.atlasFused).toBe(true);
      expect(r.moved).toBe(true);
      expect(r.slotCount).toBe(2 * c.shapes.length);
      expect(r.valueError).toBeLessThanOrEqual(1);
      expect(r.slotError).toBeLessThanOrEqual(1);
      // one fused kernel per variable; stock runs ~14 per variable
      expect(r.atlasUpdates).toBe(c.shapes.length);
      expect(r.stockUpdates).toBe(0);
      expect(r.atlasKernels as number).toBeLessThan((r.stockKernels as number) / 2);
      console.info(`${c.name}: kernels stock ${r.stockKernels}, Atlas ${r.atlasKernels}; value error ${(r.valueError as number).toExponential(2)}, slot error ${(r.slotError as number).toExponential(2)} (of the bound)`);
    });
  }

  it("leaves no tensors behind", async () => {
    const { before, after, gpuErrors } = await page.call<{ before: number; after: number; gpuErrors: string[] }>("leakCheck");
    expect(gpuErrors).toEqual([]);
    expect(after).toBe(before);
  });
});
