/**
 * Test support (batch-norm-grad.test.ts and its slow variant): training-mode batch normalisation's
 * gradients through Atlas's `AtlasBatchNormGrad` against tfjs's stock path and float64, in headless
 * Chromium (WebGPU on SwiftShader without a GPU; browser side in batch-norm-grad.page.ts).
 * Tolerance: |got − ref| ≤ 4·γ_{M+4}·scale per element, scales and reasoning in
 * batch-norm-reference.ts; the stock path is held to the same bound (which checks the reference
 * and the bound themselves).
 */
import { fileURLToPath } from "node:url";
import { type BrowserPage, openPage } from "@atlas/browser-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../rng.js";
import type { BatchNormCase } from "./batch-norm-grad.page.js";
import { batchNormTolerance } from "./batch-norm-reference.js";

/** Shapes of the models' batch-norm layers (small batches) and the edges: the fast subset. */
export const BN_CASES: BatchNormCase[] = [
  { name: "AWAE-GAN trunk 2×7×7×16, ε 1e-5 (one row chunk)", shape: [2, 7, 7, 16], offset: 3, epsilon: 1e-5 },
  { name: "GTN h MLP 128×50 (rank 2), ε 1e-5", shape: [128, 50], offset: 1, epsilon: 1e-5 },
  { name: "batch 1, odd sizes 1×5×3×7, ε 1e-3", shape: [1, 5, 3, 7], offset: 2, epsilon: 1e-3 },
  { name: "many rows: 16×14×14×8 (13 row chunks reduced in a second pass)", shape: [16, 14, 14, 8], offset: 3, epsilon: 1e-3 },
  { name: "130 channels (3 channel groups, the last partial) 2×3×3×130", shape: [2, 3, 3, 130], offset: 1, epsilon: 1e-3 },
  { name: "one element per channel (M = 1: σ² = 0, dx = 0) 1×1×1×3", shape: [1, 1, 1, 3], offset: 0, epsilon: 1e-3 },
];

/** Random shapes (slow subset): rank 2–4, sizes 1–9, channels 1–70. */
export function randomBnCases(count: number, seed: number): BatchNormCase[] {
  const rng = new Rng(seed);
  const out: BatchNormCase[] = [];
  for (let i = 0; i < count; i++) {
    const rank = 2 + rng.int(3);
    const shape = [1 + rng.int(6), ...Array.from({ length: rank - 2 }, () => 1 + rng.int(9)), 1 + rng.int(70)];
    out.push({ name: `random ${shape.join("×")}`, shape, offset: rng.int(4), epsilon: rng.int(2) === 0 ? 1e-3 : 1e-5 });
  }
  return out;
}

/** The browser tests over `cases`. */
export function describeBatchNormGrad(title: string, cases: readonly BatchNormCase[], withLayerAndProfile: boolean): void {
  describe(title, () => {
    let page: BrowserPage;
    beforeAll(async () => {
      page = await openPage({ entry: fileURLToPath(new URL("./batch-norm-grad.page.ts", import.meta.url)) });
    }, 180_000);
    afterAll(async () => {
      await page?.close();
    });

    it("runs on the webgpu backend with AtlasBatchNormGrad registered", async () => {
      const s = await page.call<{ ok: boolean; backend: string; adapter?: unknown; kernels: string[]; registered: boolean }>("setup");
      expect(s.ok).toBe(true);
      expect(s.backend).toBe("webgpu");
      expect(s.adapter).toBeDefined();
      expect(s.kernels).toContain("AtlasBatchNormGrad");
      expect(s.registered).toBe(true);
    });

    for (const [i, c] of cases.entries()) {
      it(`dx, dγ, dβ within 4·γ_{M+4}·scale of float64, as the stock path: ${c.name}`, async () => {
        const r = await page.call<Record<string, number | boolean | string>>("bnCase", c, 200 + i);
        expect(r.gpuErrors).toBe("");
        expect(r.stockFused).toBe(false);
        expect(r.atlasFused).toBe(true);
        const tol = batchNormTolerance(r.rows as number);
        for (const v of ["stock", "atlas"]) for (const g of ["Dx", "Dgamma", "Dbeta"]) expect(r[`${v}${g}`], `${v} ${g}`).toBeLessThanOrEqual(tol);
      });
    }

    if (withLayerAndProfile) {
      it("core's batchNormalization layer: same moving statistics as the stock path, gradients within the bound", async () => {
        const c: BatchNormCase = { name: "layer", shape: [3, 4, 5, 6], offset: 2, epsilon: 1e-5 };
        const r = await page.call<Record<string, number | boolean | string | number[] | string[]>>("layerCase", c, 300);
        expect(r.gpuErrors).toBe("");
        // same forward kernels on both paths: the moving averages agree exactly
        expect(r.atlasMoving).toEqual(r.stockMoving);
        expect((r.stockMoving as number[]).length).toBe(12);
        expect(r.atlasClassName).toBe("BatchNormalization");
        // the moving statistics' update: Sub, Multiply, Sub per statistic on the stock path, one AtlasMovingAverage each on Atlas's
        const stockApply = r.stockApplyKernels as unknown as string[];
        const atlasApply = r.atlasApplyKernels as unknown as string[];
        expect(stockApply.filter((k) => k === "Sub").length).toBeGreaterThanOrEqual(4);
        expect(stockApply).not.toContain("AtlasMovingAverage");
        expect(atlasApply.filter((k) => k === "AtlasMovingAverage")).toHaveLength(2);
        expect(atlasApply.filter((k) => k === "Sub").length).toBe(stockApply.filter((k) => k === "Sub").length - 4);
        const tol = batchNormTolerance(r.rows as number);
        for (const v of ["stock", "atlas"]) for (const g of ["Dx", "Dgamma", "Dbeta"]) expect(r[`${v}${g}`], `${v} ${g}`).toBeLessThanOrEqual(tol);
      });

      it("the backward pass runs AtlasBatchNormGrad instead of tfjs's many small kernels", async () => {
        const k = await page.call<{ stock: string[]; atlas: string[] }>("kernelsRun", { name: "profile", shape: [2, 4, 4, 8], offset: 1, epsilon: 1e-3 });
        console.info(`kernels in one batch-norm forward + backward on webgpu: stock ${k.stock.length} (${k.stock.join(", ")}); Atlas ${k.atlas.length} (${k.atlas.join(", ")})`);
        expect(k.stock).not.toContain("AtlasBatchNormGrad");
        expect(k.stock).toContain("FusedBatchNorm");
        expect(k.atlas.filter((n) => n === "AtlasBatchNormGrad")).toHaveLength(1);
        expect(k.atlas.length).toBeLessThan(k.stock.length / 2);
      });

      it("leaves no tensors behind", async () => {
        const { before, after, gpuErrors } = await page.call<{ before: number; after: number; gpuErrors: string[] }>("leakCheck");
        expect(gpuErrors).toEqual([]);
        expect(after).toBe(before);
      });
    }
  });
}
