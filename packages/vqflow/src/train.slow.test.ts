import { initBackend, sphere } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { ksStatistics, mmd } from "./evaluate.js";
import { createVqFlow } from "./model.js";
import { trainVqFlow } from "./train.js";

beforeAll(async () => {
  await initBackend();
});

describe("samples and density agree: the distance to held-out data falls with training", () => {
  it("sphere S² (preset), K = 4: MMD² (σ = 0.2) and the per-axis KS statistics of 2000 samples after 1 and after 30 epochs", async () => {
    const train = sphere(5000, 2, { noise: 0.05 });
    const test = sphere(2000, 3, { noise: 0.05 });
    const model = createVqFlow({ preset: "sphere", codebookSize: 4, layers: 6, seed: 3 });
    const stats: { mmd2: number; ks: number }[] = [];
    const measure = async (): Promise<void> => {
      const s = await model.sample(2000, 7);
      const pts = { data: (await s.data()) as Float32Array, dim: 3 };
      s.dispose();
      stats.push({ mmd2: mmd(pts, test, { bandwidth: 0.2 }).mmd2, ks: Math.max(...ksStatistics(pts, test)) });
    };
    try {
      await trainVqFlow(model, train, { autoencoderEpochs: 5, epochs: 1, seed: 1 });
      await measure();
      await trainVqFlow(model, train, { stages: [2], epochs: 29, seed: 2 });
      await measure();
      console.log(`sphere, K = 4: MMD² ${stats[0]!.mmd2.toFixed(4)} → ${stats[1]!.mmd2.toFixed(4)}, max KS ${stats[0]!.ks.toFixed(3)} → ${stats[1]!.ks.toFixed(3)}`);
      expect(stats[1]!.mmd2).toBeLessThan(stats[0]!.mmd2);
      expect(stats[1]!.ks).toBeLessThan(stats[0]!.ks);
      expect(stats[1]!.mmd2).toBeLessThan(0.01);
      expect(stats[1]!.ks).toBeLessThan(0.05);
    } finally {
      model.dispose();
    }
  });
});
