import { describe, expect, it } from "vitest";
import { dataGraphGeodesic, run } from "./main.js";

describe("example: an atlas of a torus", () => {
  it("the kNN-graph reference is exact on points along a line", () => {
    const pts = Float32Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0]);
    expect(dataGraphGeodesic(pts, 3, 1, 0, 3)).toBe(3);
  });

  it("the geodesic between opposite points follows the surface, near the data-graph geodesic (quick mode)", { timeout: 600_000 }, async () => {
    const r = await run({ quick: true, log: () => {} });
    expect(r.graph.crossEdges).toBeGreaterThan(0);
    expect(r.chartSequence.length).toBeGreaterThanOrEqual(1);
    // around the hole, not through it: longer than the chord (≈ 6 between u ≈ 0 and u ≈ π on the outer equator)
    expect(r.modelGeodesic).toBeGreaterThan(r.chord * 1.1);
    // and within 25% of the geodesic estimated on the data themselves (Isomap-style kNN graph in R³)
    expect(r.modelGeodesic / r.dataGeodesic).toBeGreaterThan(0.8);
    expect(r.modelGeodesic / r.dataGeodesic).toBeLessThan(1.25);
    // every decoded frame lies on the solid torus, around the hole the chord crosses (the chord from
    // u ≈ 0 to u ≈ π passes the axis; the hole is √(x²+y²) < 1): near the surface (√(x²+y²) − 2)² + z² = 1
    for (const f of r.frames) {
      const [x, y, z] = f.point as [number, number, number];
      expect(Math.hypot(x, y)).toBeGreaterThan(0.9);
      expect(Math.abs(Math.hypot(Math.hypot(x, y) - 2, z) - 1)).toBeLessThan(0.5);
    }
  });
});
