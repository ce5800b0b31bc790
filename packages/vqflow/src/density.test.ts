import * as tf from "@tensorflow/tfjs";
import { circle, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createVqFlow } from "./model.js";
import { randomize } from "./model-reference.test.util.js";
import { trainVqFlow } from "./train.js";

beforeAll(async () => {
  await initBackend();
});

/** ∫ p over [−L, L]² by the midpoint rule on a g × g grid (density from logProb). */
async function quadrature(logProb: (pts: { data: Float32Array; n: number; dim: number }) => Promise<Float32Array>, L: number, g: number): Promise<number> {
  const h = (2 * L) / g;
  const data = new Float32Array(g * g * 2);
  for (let i = 0; i < g; i++) {
    for (let j = 0; j < g; j++) {
      data[2 * (i * g + j)] = -L + (i + 0.5) * h;
      data[2 * (i * g + j) + 1] = -L + (j + 0.5) * h;
    }
  }
  const lp = await logProb({ data, n: g * g, dim: 2 });
  let total = 0;
  for (const v of lp) total += Math.exp(v);
  return total * h * h;
}

describe("normalisation by grid quadrature (2-D, dim Z = dim X)", () => {
  it("K = 1: ∫ p(x) dx = 1 ± 0.01", async () => {
    const model = createVqFlow({ dataShape: [2], codebookSize: 1, layers: 4, hidden: [16], seed: 3 });
    try {
      await trainVqFlow(model, circle(800, 0, { noise: 0.15 }), { epochs: 2, batchSize: 100 });
      randomize(model, ["flow/"], 21, 0.15);
      const integral = await quadrature((p) => model.logProb(p), 5, 400);
      expect(Math.abs(integral - 1)).toBeLessThan(0.01);
    } finally {
      model.dispose();
    }
  });

  it("K = 4, overlapping charts: ∫ eq. (2) = Σ_k p_k·M_k = 1 − (share of g_k(z) outside U_k); the normalised variant integrates to 1", async () => {
    const model = createVqFlow({ dataShape: [2], codebookSize: 4, overlap: 1, epsilon: 0.3, codeDim: 2, layers: 4, hidden: [16], seed: 4 });
    try {
      await trainVqFlow(model, circle(800, 0, { noise: 0.15 }), { epochs: 3, autoencoderEpochs: 5, batchSize: 100, autoencoderBatchSize: 100 });
      const integral = await quadrature((p) => model.logProb(p), 5, 300);
      const { mass, outside } = await model.measureChartMass({ samples: 10_000, seed: 1 });
      const normalised = await quadrature((p) => model.logProb(p, { normalized: true }), 5, 300);
      // eq. (2) loses exactly the mass each chart's flow puts outside its region (Monte Carlo error of
      // Σ p_k M_k ≈ 0.0025 at 10 000 draws per chart, quadrature error below that)
      expect(Math.abs(integral - (1 - outside))).toBeLessThan(0.01);
      expect(outside).toBeGreaterThan(0.02); // overlapping charts do not make up for it: eq. (2) is not normalised
      expect(Math.abs(normalised - 1)).toBeLessThan(0.015);
      console.log(`2-D, K = 4, m = 1, ε = 0.3: ∫ eq. (2) = ${integral.toFixed(4)}, 1 − outside = ${(1 - outside).toFixed(4)}, M_k = ${Array.from(mass, (m) => m.toFixed(3)).join(", ")}, normalised ∫ = ${normalised.toFixed(4)}`);
      // the normalised sampler keeps every draw inside its own chart; the plain one does not
      for (const normalized of [true, false]) {
        const { x, charts } = await model.sampleWithCharts(2000, 2, { normalized });
        const member = (await (await model.chartsOf(x)).array()) as unknown as number[][];
        const out = charts.reduce((s, k, i) => s + (member[i]![k] ? 0 : 1), 0) / 2000;
        if (normalized) expect(out).toBe(0);
        else expect(Math.abs(out - outside)).toBeLessThan(0.03);
        x.dispose();
      }
    } finally {
      model.dispose();
    }
  });
});
