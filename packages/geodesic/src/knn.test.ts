import { describe, expect, it } from "vitest";
import { Rng } from "@atlas/core";
import { chartKnn, exactKnn, knnRecall, loadHnsw } from "./knn.js";

function brute(points: Float32Array, n: number, d: number, k: number): Int32Array {
  // Independent reference: every distance, full sort by (distance, index).
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += (points[i * d + c]! - points[j * d + c]!) ** 2;
      all.push([s, j]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let r = 0; r < k; r++) out[i * k + r] = all[r]![1];
  }
  return out;
}

describe("kNN within a chart", () => {
  it("the exact blocked search equals a full sort", () => {
    const rng = new Rng(1);
    const n = 300;
    const d = 3;
    const pts = rng.normalArray(n * d);
    expect(Array.from(exactKnn(pts, n, d, 7))).toEqual(Array.from(brute(pts, n, d, 7)));
  });

  it("HNSW (hnswlib-node) reaches recall@20 ≥ 0.99 against exact, never returning the point itself", async () => {
    const mod = await loadHnsw();
    expect(mod).not.toBeNull(); // installed and built in this workspace
    const rng = new Rng(2);
    for (const d of [2, 8]) {
      const n = 3000;
      const pts = rng.normalArray(n * d);
      const approx = await chartKnn(pts, n, d, 20, { method: "hnsw" });
      expect(approx.method).toBe("hnsw");
      const exact = exactKnn(pts, n, d, 20);
      expect(knnRecall(approx.neighbors, exact, n, 20)).toBeGreaterThanOrEqual(0.99);
      let self = 0;
      for (let i = 0; i < n; i++) for (let r = 0; r < 20; r++) if (approx.neighbors[i * 20 + r] === i) self++;
      expect(self).toBe(0);
    }
  });

  it("auto uses the exact search for small charts", async () => {
    const rng = new Rng(3);
    const pts = rng.normalArray(100 * 2);
    const res = await chartKnn(pts, 100, 2, 5);
    expect(res.method).toBe("exact");
    expect(Array.from(res.neighbors)).toEqual(Array.from(brute(pts, 100, 2, 5)));
  });
});
