import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "@atlas/core";
import { buildGeodesicGraph, decodeResampled, type GeodesicGraph, type PathMethod } from "./index.js";
import { greatCircle, sphereModel, spherePoints } from "./fixtures.test.util.js";

// The sphere test of issue 5: N = 2 000, k = 20, steps = 15. Data are uniform on the sphere with
// x₃ ≤ 0.3 (the chart is the inverse stereographic projection from the north pole, which the data
// keep away from); query pairs are taken with x₃ < −0.1 so their great-circle arc (which stays in
// the hemisphere of its ends) lies well inside the data.
const model = sphereModel();
const pts = spherePoints(2000, 0.3, 1);
let graph: GeodesicGraph;

function csrFingerprint(g: GeodesicGraph): number {
  let h = 0;
  const a = g.arrays;
  for (let i = 0; i < a.targets.length; i++) h = (Math.imul(h, 31) + (a.targets[i] as number) + Math.round((a.weights[i] as number) * 1e6)) | 0;
  return h;
}

beforeAll(async () => {
  graph = await buildGeodesicGraph(model, pts, { k: 20, steps: 15 });
});

describe("graph geodesics on the unit sphere", () => {
  it("builds one component with every point a node and 20 ≤ degree", () => {
    const s = graph.stats();
    expect(s.nodes).toBe(2000);
    expect(s.components).toBe(1);
    expect(s.chartCrossingEdges).toBe(0);
    // each node has its 20 neighbours, deduplicated undirected: between 20·N/2 and 20·N edges
    expect(s.edges).toBeGreaterThanOrEqual(20_000);
    expect(s.edges).toBeLessThanOrEqual(40_000);
    for (let i = 0; i < 2000; i += 97) expect(graph.neighbours(i).length).toBeGreaterThanOrEqual(20);
  });

  it("edge weights equal the decoded curve length computed independently", () => {
    // Independent: the same sum of chords with plain JS math, eq. 10 with n = 15.
    const G = (u: number, v: number): number[] => {
      const s = u * u + v * v;
      return [(2 * u) / (1 + s), (2 * v) / (1 + s), (s - 1) / (1 + s)];
    };
    for (const id of [0, 10, 500, 1999]) {
      const a = graph.node(id).z;
      for (const { node, weight } of graph.neighbours(id).slice(0, 5)) {
        const b = graph.node(node).z;
        let len = 0;
        for (let i = 0; i < 15; i++) {
          const t0 = i / 15;
          const t1 = (i + 1) / 15;
          const p = G((1 - t0) * a[0]! + t0 * b[0]!, (1 - t0) * a[1]! + t0 * b[1]!);
          const q = G((1 - t1) * a[0]! + t1 * b[0]!, (1 - t1) * a[1]! + t1 * b[1]!);
          len += Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
        }
        expect(weight).toBeCloseTo(len, 5);
      }
    }
  });

  it("graph geodesic lengths are within 5% of great-circle distances", async () => {
    const rng = new Rng(2);
    const south = pts.flatMap((p, i) => ((p[2] as number) < -0.1 ? [i] : []));
    let checked = 0;
    let sumRel = 0;
    while (checked < 40) {
      const a = south[rng.int(south.length)]!;
      const b = south[rng.int(south.length)]!;
      const truth = greatCircle(pts[a]!, pts[b]!);
      if (truth < 0.3) continue;
      const path = await graph.shortestPath(a, b);
      const rel = path.length / truth - 1;
      expect(Math.abs(rel)).toBeLessThan(0.05);
      sumRel += rel;
      checked++;
    }
    expect(sumRel / checked).toBeLessThan(0.03);
  });

  it("every query is optimal: A* (ngraph nba, aStar) and the CSR A* cost = Dijkstra's", async () => {
    const rng = new Rng(3);
    const methods: PathMethod[] = ["nba", "astar", "dijkstra", "csr-astar"];
    for (let q = 0; q < 30; q++) {
      const a = rng.int(2000);
      const b = rng.int(2000);
      const ref = await graph.shortestPath(a, b, { method: "csr-dijkstra" });
      for (const method of methods) {
        const p = await graph.shortestPath(a, b, { method });
        expect(p.length).toBeCloseTo(ref.length, 9);
        expect(p.nodes[0]!.point).toBe(a);
        expect(p.nodes[p.nodes.length - 1]!.point).toBe(b);
      }
    }
  });

  it("an HNSW-built graph has ≥ 99% of the exact graph's edges and the same geodesics within 1%", async () => {
    const hnsw = await buildGeodesicGraph(model, pts, { k: 20, steps: 15, knn: "hnsw" });
    expect(hnsw.timings?.knnMethods).toEqual(["hnsw"]);
    const edges = (g: GeodesicGraph): Set<number> => {
      const s = new Set<number>();
      for (let u = 0; u < g.nodeCount; u++) for (const { node } of g.neighbours(u)) if (u < node) s.add(u * 4096 + node);
      return s;
    };
    const exact = edges(graph);
    const approx = edges(hnsw);
    let shared = 0;
    for (const e of exact) if (approx.has(e)) shared++;
    expect(shared / exact.size).toBeGreaterThanOrEqual(0.99);
    for (const [a, b] of [
      [3, 1400],
      [77, 901],
      [1500, 20],
    ] as const) {
      const p = await graph.shortestPath(a, b);
      const q = await hnsw.shortestPath(a, b);
      expect(Math.abs(q.length / p.length - 1)).toBeLessThan(0.01);
    }
  });

  it("A* settles fewer nodes than Dijkstra with the admissible heuristic", async () => {
    const astar = await graph.shortestPath(5, 1500, { method: "csr-astar" });
    const dijkstra = await graph.shortestPath(5, 1500, { method: "csr-dijkstra" });
    expect(astar.length).toBeCloseTo(dijkstra.length, 9);
    expect(astar.expanded).toBeLessThan(dijkstra.expanded);
  });

  it("joins latent-point and data-sample ends temporarily and leaves the graph unchanged", async () => {
    const unit = (v: number[]): number[] => v.map((c) => c / Math.hypot(...v));
    const fresh = [unit([0.6, 0, -0.8]), unit([-0.5, 0.3, -0.75]), unit([0.1, 0.7, -0.6]), unit([0.2, -0.6, -0.7])];
    const nodesBefore = graph.nodeCount;
    const edgesBefore = graph.edgeCount;
    const fp = csrFingerprint(graph);
    const ng = graph.toNgraph();
    const ngNodes = ng.getNodesCount();
    const ngLinks = ng.getLinksCount();
    const encoded = tf.tidy(() => model.encode!(tf.tensor2d([fresh[0]!, fresh[1]!]), 0));
    const enc = (await encoded.array()) as number[][];
    encoded.dispose();
    for (const method of ["nba", "csr-dijkstra"] as const) {
      const p = await graph.shortestPath({ chart: 0, z: enc[0]! }, { chart: 0, z: enc[1]! }, { method });
      expect(p.nodes[0]!.node).toBe(-1);
      expect(p.nodes[p.nodes.length - 1]!.node).toBe(-1);
      expect(Math.abs(p.length / greatCircle(fresh[0]!, fresh[1]!) - 1)).toBeLessThan(0.05);
      const s = await graph.shortestPath(fresh[2]!, tf.tensor1d(fresh[3]!), { method });
      expect(Math.abs(s.length / greatCircle(fresh[2]!, fresh[3]!) - 1)).toBeLessThan(0.05);
    }
    expect(graph.nodeCount).toBe(nodesBefore);
    expect(graph.edgeCount).toBe(edgesBefore);
    expect(csrFingerprint(graph)).toBe(fp);
    expect(ng.getNodesCount()).toBe(ngNodes);
    expect(ng.getLinksCount()).toBe(ngLinks);
  });

  it("resamples equidistantly in decoded curve length", async () => {
    const path = await graph.shortestPath(11, 1234);
    const count = 11;
    const pts11 = path.resample(count);
    expect(pts11).toHaveLength(count);
    const step = path.length / (count - 1);
    pts11.forEach((p, j) => expect(p.distance).toBeCloseTo(j * step, 9));
    expect(Array.from(pts11[0]!.z)).toEqual(Array.from(path.nodes[0]!.z));
    const last = path.nodes[path.nodes.length - 1]!.z;
    pts11[count - 1]!.z.forEach((v, i) => expect(v).toBeCloseTo(last[i]!, 5));
    const x = decodeResampled(model, pts11);
    const rows = (await x.array()) as number[][];
    x.dispose();
    for (let j = 1; j < count; j++) {
      const chord = Math.hypot(rows[j]![0]! - rows[j - 1]![0]!, rows[j]![1]! - rows[j - 1]![1]!, rows[j]![2]! - rows[j - 1]![2]!);
      // a chord never exceeds the curve length between its ends; the curve is nearly straight
      expect(chord).toBeLessThanOrEqual(step * 1.001);
      expect(chord).toBeGreaterThan(step * 0.85);
    }
  });

  it("leaks no tensors across queries and resampling", async () => {
    await graph.shortestPath(1, 2);
    const before = tf.memory().numTensors;
    const p = await graph.shortestPath(3, { chart: 0, z: [0.1, -0.2] });
    p.resample(5);
    await graph.shortestPath([0, 0, -1], 7);
    expect(tf.memory().numTensors).toBe(before);
  });
});
