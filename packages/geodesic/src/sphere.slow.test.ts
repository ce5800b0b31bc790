import { describe, expect, it } from "vitest";
import { Rng } from "@atlas/core";
import { buildGeodesicGraph } from "./index.js";
import { greatCircle, sphereModel, spherePoints } from "./fixtures.test.util.js";

// ATLAS_SLOW=1 only: a larger sphere graph through the automatic HNSW path (charts above 2 048 nodes).
describe("sphere, N = 12 000 with HNSW (slow)", () => {
  it("stays within 5% of great circles and optimal", async () => {
    const pts = spherePoints(12_000, 0.3, 21);
    const g = await buildGeodesicGraph(sphereModel(), pts, { k: 20, steps: 15 });
    expect(g.timings?.knnMethods).toEqual(["hnsw"]);
    const s = g.stats();
    expect(s.components).toBe(1);
    expect(s.diameter.exact).toBe(false);
    expect(s.diameter.lower).toBeLessThanOrEqual(s.diameter.upper);
    const rng = new Rng(22);
    const south = pts.flatMap((p, i) => ((p[2] as number) < -0.1 ? [i] : []));
    let n = 0;
    while (n < 25) {
      const a = south[rng.int(south.length)]!;
      const b = south[rng.int(south.length)]!;
      const truth = greatCircle(pts[a]!, pts[b]!);
      if (truth < 0.3) continue;
      const p = await g.shortestPath(a, b);
      expect(Math.abs(p.length / truth - 1)).toBeLessThan(0.05);
      const ref = await g.shortestPath(a, b, { method: "csr-dijkstra" });
      expect(p.length).toBeCloseTo(ref.length, 9);
      const nb = await g.shortestPath(a, b, { method: "nba" });
      expect(nb.length).toBeCloseTo(ref.length, 9);
      n++;
    }
  });
});
