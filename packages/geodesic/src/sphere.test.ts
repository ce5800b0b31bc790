import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { Rng } from "@atlas/core";
import { buildGeodesicGraph } from "./index.js";
import { greatCircle, sphereModel, spherePoints } from "./fixtures.test.util.js";

describe("sphere smoke", () => {
  it("builds", async () => {
    const model = sphereModel();
    const pts = spherePoints(2000, 0.3, 1);
    const t0 = performance.now();
    const g = await buildGeodesicGraph(model, pts, { k: 20, steps: 15 });
    console.log("build ms", performance.now() - t0, g.timings, g.stats());
    const rng = new Rng(2);
    const south = pts.map((p, i) => [p, i] as const).filter(([p]) => (p[2] as number) < -0.1).map(([, i]) => i);
    let worst = 0;
    for (let q = 0; q < 200; q++) {
      const a = south[rng.int(south.length)]!;
      const b = south[rng.int(south.length)]!;
      const truth = greatCircle(pts[a]!, pts[b]!);
      if (truth < 0.3) continue;
      const p = await g.shortestPath(a, b);
      const d = await g.shortestPath(a, b, { method: "csr-dijkstra" });
      worst = Math.max(worst, p.length / truth - 1);
      if (Math.abs(p.length - d.length) > 1e-9 * d.length) console.log("MISMATCH", p.length, d.length);
    }
    console.log("worst", worst, tf.getBackend());
  });
});
