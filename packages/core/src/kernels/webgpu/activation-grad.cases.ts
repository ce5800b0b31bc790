/**
 * Test support (activation-grad.test.ts and its slow variant): the gradients of core's `activate()`
 * (ReLU, LeakyReLU, Swish) through Atlas's `AtlasActivationGrad` against tfjs's stock chain and
 * float64, in headless Chromium (WebGPU on SwiftShader without a GPU; browser side in
 * activation-grad.page.ts). ReLU and LeakyReLU: bit-identical to the stock chain (the same single
 * float32 product). Swish: both paths within the bound of activation-reference.ts of float64
 * (which holds the stock path too, checking the reference and the bound themselves).
 */
import { fileURLToPath } from "node:url";
import { type BrowserPage, openPage } from "@atlas/browser-test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../rng.js";
import type { ActivationCase, Mutation } from "./activation-grad.page.js";

/** The models' activations and the edges: the fast subset. */
export const ACTIVATION_CASES: ActivationCase[] = [
  { name: "swish, AWAE-GAN trunk 2×7×7×32, x ~ N(0, 3²)", activation: "swish", shape: [2, 7, 7, 32], alpha: 0, spread: 3, specials: true },
  { name: "relu, App. F encoder 2×14×14×16 with 0, −0, NaN planted", activation: "relu", shape: [2, 14, 14, 16], alpha: 0, spread: 1, specials: true },
  { name: "leakyRelu α 0.5 (GTN h), 128×50 with 0, −0, NaN planted", activation: "leakyRelu", shape: [128, 50], alpha: 0.5, spread: 1, specials: true },
  { name: "swish, 65 elements (one past a workgroup), rank 1", activation: "swish", shape: [65], alpha: 0, spread: 6, specials: false },
  { name: "leakyRelu α 0.2, one element", activation: "leakyRelu", shape: [1, 1], alpha: 0.2, spread: 1, specials: false },
];

/** Random shapes and activations (slow subset): rank 1–4, sizes 1–12. */
export function randomActivationCases(count: number, seed: number): ActivationCase[] {
  const rng = new Rng(seed);
  const kinds = ["relu", "leakyRelu", "swish"] as const;
  return Array.from({ length: count }, () => {
    const shape = Array.from({ length: 1 + rng.int(4) }, () => 1 + rng.int(12));
    const activation = kinds[rng.int(3)]!;
    return { name: `random ${activation} ${shape.join("×")}`, activation, shape, alpha: [0.01, 0.2, 0.5][rng.int(3)]!, spread: 1 + rng.int(4), specials: rng.int(2) === 0 };
  });
}

type Result = Record<string, number | string | boolean | string[]>;

/** The stock chain's kernels per activation (tfjs-core 4.22's gradients, forward + backward). */
const STOCK_BACKWARD: Record<ActivationCase["activation"], string[]> = {
  relu: ["Step", "Cast", "Multiply"],
  leakyRelu: ["Greater", "Multiply", "Select"],
  swish: ["Sub", "Add"],
};

/** The browser tests over `cases`. */
export function describeActivationGrad(title: string, cases: readonly ActivationCase[], withMutationsAndLayers: boolean): void {
  describe(title, () => {
    let page: BrowserPage;
    beforeAll(async () => {
      page = await openPage({ entry: fileURLToPath(new URL("./activation-grad.page.ts", import.meta.url)) });
    }, 180_000);
    afterAll(async () => {
      await page?.close();
    });

    it("runs on the webgpu backend with AtlasActivationGrad registered", async () => {
      const s = await page.call<{ ok: boolean; backend: string; adapter?: unknown; kernels: string[]; registered: boolean }>("setup");
      expect(s.ok).toBe(true);
      expect(s.backend).toBe("webgpu");
      expect(s.adapter).toBeDefined();
      expect(s.kernels).toContain("AtlasActivationGrad");
      expect(s.registered).toBe(true);
    });

    for (const [i, c] of cases.entries()) {
      it(`dx as the stock chain (${c.activation === "swish" ? "both within the bound of float64" : "bit for bit"}), one kernel: ${c.name}`, async () => {
        const r = await page.call<Result>("gradCase", c, 500 + i);
        expect(r.gpuErrors).toBe("");
        expect(r.stockFused).toBe(false);
        expect(r.atlasFused).toBe(true);
        expect(r.stockError, "stock vs float64").toBeLessThanOrEqual(1);
        expect(r.atlasError, "Atlas vs float64").toBeLessThanOrEqual(1);
        if (c.activation !== "swish") expect(r.bitDifferences).toBe(0);
        else expect(r.between, "Atlas vs stock").toBeLessThanOrEqual(2);
        const stock = r.stockKernels as string[];
        const atlas = r.atlasKernels as string[];
        for (const k of STOCK_BACKWARD[c.activation]) expect(stock).toContain(k);
        expect(stock).not.toContain("AtlasActivationGrad");
        expect(atlas.filter((k) => k === "AtlasActivationGrad")).toHaveLength(1);
        for (const k of STOCK_BACKWARD[c.activation]) expect(atlas).not.toContain(k);
        // Swish's forward: tfjs's Multiply, Sigmoid, Multiply; Atlas's one AtlasSwish
        if (c.activation === "swish") {
          expect(stock).toContain("Sigmoid");
          expect(atlas).not.toContain("Sigmoid");
          expect(atlas.filter((k) => k === "AtlasSwish")).toHaveLength(1);
        }
        console.info(`${c.name}: kernels stock ${stock.length} (${stock.join(", ")}), Atlas ${atlas.length} (${atlas.join(", ")}); error of the bound: stock ${Number(r.stockError).toExponential(2)}, Atlas ${Number(r.atlasError).toExponential(2)}; ${r.bitDifferences} of ${r.size} elements differ from stock in their bits`);
      });
    }

    if (withMutationsAndLayers) {
      for (const mutation of ["flip-comparison", "sign"] as Mutation[]) {
        it(`a deliberately wrong kernel (${mutation}) fails these checks for every activation`, async () => {
          for (const [i, c] of cases.slice(0, 3).entries()) {
            if (mutation === "flip-comparison" && c.activation === "swish") continue; // swish has no comparison
            const r = await page.call<Result>("gradCase", c, 500 + i, mutation);
            expect(r.atlasFused).toBe(true);
            expect(r.stockError, c.name).toBeLessThanOrEqual(1);
            expect(r.atlasError, c.name).toBeGreaterThan(1000);
            expect(r.bitDifferences, c.name).toBeGreaterThan((r.size as number) / 10);
          }
        });
      }

      it("core's activation layers in a model: the same outputs bit for bit, weight gradients to float32 rounding, stock class names", async () => {
        const r = await page.call<Result>("layerCase", 7);
        expect(r.gpuErrors).toBe("");
        expect(r.outputBitDifferences).toBe(0);
        expect(r.gradLargest as number).toBeGreaterThan(0.1);
        // a handful of roundings of terms ≤ the largest gradient (batch 6, width 7)
        expect(r.gradDifference as number).toBeLessThanOrEqual(64 * 2 ** -24 * (r.gradLargest as number));
        expect(r.atlasClasses).toBe("Dense,Activation,Dense,LeakyReLU,Dense,Activation");
        expect(r.stockClasses).toBe(r.atlasClasses);
      });

      it("leaves no tensors behind", async () => {
        const { before, after, gpuErrors } = await page.call<{ before: number; after: number; gpuErrors: string[] }>("leakCheck");
        expect(gpuErrors).toEqual([]);
        expect(after).toBe(before);
      });
    }
  });
}
