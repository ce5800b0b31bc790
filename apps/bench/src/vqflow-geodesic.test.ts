/**
 * Geodesics on a flow atlas: `buildGeodesicGraph` from @atlas/geodesic, unchanged, on a trained
 * VQ-Flow of the noisy unit sphere (an AtlasModel: charts = K, ψ = p(k|x), F_k = f_k, G_k = g_k).
 * Lives in an app because it needs two libraries.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, sphere } from "@atlas/core";
import { buildGeodesicGraph, decodeResampled } from "@atlas/geodesic";
import { createVqFlow, trainVqFlow, type VqFlow } from "@atlas/vqflow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let model: VqFlow;
const data = sphere(1200, 0, { noise: 0.03 });

beforeAll(async () => {
  await initBackend();
  model = createVqFlow({ preset: "sphere", codebookSize: 6, epsilon: 0.2, layers: 4, hidden: [32, 32], seed: 1 });
  // ~60 training steps: enough for the charts and a flow that decodes near the data; commitment 1
  // keeps the codes near their centres, so the charts are compact caps (≈ 1.3 charts per point)
  await trainVqFlow(model, sphere(2000, 1, { noise: 0.03 }), { autoencoderEpochs: 8, commitment: 1, epochs: 8, seed: 1 });
}, 600_000);
afterAll(() => model.dispose());

describe("graph geodesics on a VQ-Flow atlas", () => {
  it("builds a connected graph over the flow's charts with chart-crossing edges, and finds valid paths that change chart", async () => {
    const x = tf.tensor2d(data.data, [data.n, 3]);
    // ψ = p(k|x) is often near 0 or 1 on overlaps: a low ψ threshold gives every member chart its nodes
    const graph = await buildGeodesicGraph(model, x, { k: 8, steps: 8, epsilon: 1e-3 });
    const membership = await model.chartsOf(data);
    const member = (await membership.array()) as unknown as number[][];
    membership.dispose();
    try {
      const stats = graph.stats();
      expect(stats.components).toBe(1);
      expect(stats.chartCrossingEdges).toBeGreaterThan(0);
      expect(stats.nodesPerChart.filter((c) => c > 0).length).toBe(6);
      // pairs of points that share no chart: their geodesic must change chart
      let checked = 0;
      for (let a = 0; a < data.n && checked < 6; a += 37) {
        const p = Array.from(data.data.subarray(3 * a, 3 * a + 3));
        // the point farthest from a (nearly antipodal on the sphere)
        let b = 0;
        let best = -1;
        for (let i = 0; i < data.n; i++) {
          const d = Math.hypot(p[0]! - data.data[3 * i]!, p[1]! - data.data[3 * i + 1]!, p[2]! - data.data[3 * i + 2]!);
          if (d > best) [best, b] = [d, i];
        }
        if (member[a]!.some((v, k) => v && member[b]![k])) continue;
        const path = await graph.shortestPath(a, b);
        checked++;
        // it changes chart, and only through chart-crossing edges (the same data point in two charts)
        expect(path.chartSequence.length).toBeGreaterThan(1);
        for (let i = 1; i < path.nodes.length; i++) {
          const [u, v] = [path.nodes[i - 1]!, path.nodes[i]!];
          if (u.chart !== v.chart) expect(u.point).toBe(v.point);
          else expect(graph.neighbours(u.node).some((e) => e.node === v.node)).toBe(true);
          // every node sits in a chart its point belongs to
          expect(member[v.point]![v.chart]).toBeTruthy();
        }
        // a geodesic on the sphere: about the great-circle distance (the noisy shell, σ = 0.03, lets
        // a path run a little inside radius 1: at least 0.9 of it), not a detour, and its decoded
        // frames stay on the sphere
        const truth = 2 * Math.asin(Math.min(1, best / 2));
        expect(path.length).toBeGreaterThan(truth * 0.9);
        expect(path.length).toBeLessThan(truth * 1.25);
        const frames = decodeResampled(model, path.resample(24));
        const xs = (await frames.array()) as number[][];
        frames.dispose();
        for (const f of xs) expect(Math.abs(Math.hypot(...f) - 1)).toBeLessThan(0.15);
      }
      expect(checked).toBeGreaterThanOrEqual(3);
    } finally {
      x.dispose();
    }
  });
});
