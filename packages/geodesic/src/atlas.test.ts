import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { AtlasError, Rng, type AtlasModel } from "@atlas/core";
import { buildGeodesicGraph, type GeodesicGraph } from "./index.js";
import { circleAtlas, circlePoints, linearModel } from "./fixtures.test.util.js";

const TAU = 2 * Math.PI;
/** Shorter arc between two angles on the unit circle. */
const arc = (a: number, b: number): number => {
  const d = Math.abs(a - b) % TAU;
  return Math.min(d, TAU - d);
};
const wrap = (t: number): number => Math.atan2(Math.sin(t), Math.cos(t));

describe("two-chart atlas of the circle (explicit F_y, G_y, ψ)", () => {
  const model = circleAtlas();
  const rng = new Rng(7);
  const angles = Array.from({ length: 400 }, (_, i) => wrap((TAU * i) / 400 + rng.uniform(-0.004, 0.004)));
  let graph: GeodesicGraph;

  beforeAll(async () => {
    graph = await buildGeodesicGraph(model, circlePoints(angles), { k: 8, steps: 15, epsilon: 0.15 });
  });

  it("puts overlap points in both charts and joins them", () => {
    const s = graph.stats();
    // U_0 = {cos θ > −0.7}, U_1 = {cos θ < 0.7}: counted independently from the angles
    const in0 = angles.filter((t) => (1 + Math.cos(t)) / 2 > 0.15).length;
    const in1 = angles.filter((t) => (1 - Math.cos(t)) / 2 > 0.15).length;
    const both = angles.filter((t) => (1 + Math.cos(t)) / 2 > 0.15 && (1 - Math.cos(t)) / 2 > 0.15).length;
    expect(s.nodesPerChart).toEqual([in0, in1]);
    expect(s.chartCrossingEdges).toBe(both);
    expect(s.components).toBe(1);
    expect(s.pointsWithoutNode).toBe(0);
  });

  it("routes that must change chart do so, within 5% of the true arc, optimally", async () => {
    const near0 = angles.flatMap((t, i) => (Math.abs(t) < (40 * Math.PI) / 180 ? [i] : []));
    const nearPi = angles.flatMap((t, i) => (Math.abs(t) > (140 * Math.PI) / 180 ? [i] : []));
    for (let q = 0; q < 12; q++) {
      const a = near0[rng.int(near0.length)]!;
      const b = nearPi[rng.int(nearPi.length)]!;
      const path = await graph.shortestPath(a, b);
      expect(path.chartSequence[0]).toBe(0);
      expect(path.chartSequence[path.chartSequence.length - 1]).toBe(1);
      expect(Math.abs(path.length / arc(angles[a]!, angles[b]!) - 1)).toBeLessThan(0.05);
      const ref = await graph.shortestPath(a, b, { method: "csr-dijkstra" });
      expect(path.length).toBeCloseTo(ref.length, 9);
      expect((await graph.shortestPath(a, b, { method: "nba" })).length).toBeCloseTo(ref.length, 9);
      expect((await graph.shortestPath(a, b, { method: "astar" })).length).toBeCloseTo(ref.length, 9);
    }
  });

  it("takes the short way through the other chart even when both ends lie in one chart", async () => {
    // θ = ±130° are both in chart 0 (|θ| < 134.4°), 260° apart there; the geodesic (100°) runs
    // through chart 1. A heuristic c·‖Δz‖ in chart 0 would be inadmissible here (c ≈ 1, 4.5 > 1.75).
    const from = { chart: 0, z: [(130 * Math.PI) / 180] };
    const to = { chart: 0, z: [(-130 * Math.PI) / 180] };
    for (const method of ["nba", "astar", "csr-astar", "csr-dijkstra"] as const) {
      const path = await graph.shortestPath(from, to, { method });
      expect(path.chartSequence).toEqual([0, 1, 0]);
      expect(Math.abs(path.length / ((100 * Math.PI) / 180) - 1)).toBeLessThan(0.05);
    }
  });

  it("a data-sample end in both charts gets a temporary node in each, joined like graph points", async () => {
    const theta = Math.PI / 2; // ψ_0 = ψ_1 = 0.5 > ε: in both charts
    const to = angles.findIndex((t) => Math.abs(t - 2.9) < 0.02);
    const path = await graph.shortestPath([Math.cos(theta), Math.sin(theta)], to);
    expect(path.nodes[0]!.node).toBe(-1);
    expect(Math.abs(path.length / arc(theta, angles[to]!) - 1)).toBeLessThan(0.05);
    const ref = await graph.shortestPath([Math.cos(theta), Math.sin(theta)], to, { method: "csr-dijkstra" });
    expect(path.length).toBeCloseTo(ref.length, 9);
  });

  it("resampled points carry their chart and mark crossings; decoded they follow the arc", async () => {
    const from = angles.findIndex((t) => Math.abs(t - 0.2) < 0.02);
    const to = angles.findIndex((t) => Math.abs(t - 3.0) < 0.02);
    const path = await graph.shortestPath(from, to);
    const pts = path.resample(9);
    expect(pts[0]!.chart).toBe(0);
    expect(pts[8]!.chart).toBe(1);
    for (const p of pts) {
      const decoded = tf.tidy(() => model.decode(tf.tensor2d([Array.from(p.z)]), p.chart));
      const x = (await decoded.array()) as number[][];
      decoded.dispose();
      const theta = Math.atan2(x[0]![1]!, x[0]![0]!);
      // equidistant in arc length: the angle advances by (arc length)·(progress)
      expect(Math.abs(wrap(theta - angles[from]!) - (p.distance * arc(angles[from]!, angles[to]!)) / path.length)).toBeLessThan(0.05);
    }
  });

  it("chart-crossing weights are ‖G_i(F_i(x)) − G_j(F_j(x))‖ and in-chart weights the chord sum", async () => {
    // Variant whose chart 1 decodes onto the circle of radius 1.05: each crossing jump is 0.05.
    const base = circleAtlas();
    const bent: AtlasModel = { ...base, decode: (z, chart) => tf.tidy(() => tf.mul(chart === 1 ? 1.05 : 1, base.decode(z, chart))) };
    const g = await buildGeodesicGraph(bent, circlePoints(angles.slice(0, 200)), { k: 5, epsilon: 0.15 });
    let crossing = 0;
    for (let id = 0; id < g.nodeCount; id++) {
      const n = g.node(id);
      for (const { node, weight } of g.neighbours(id)) {
        const m = g.node(node);
        if (m.chart !== n.chart) {
          crossing++;
          expect(weight).toBeCloseTo(0.05, 5);
        } else if (n.chart === 0) {
          // chords of the unit circle: n·2·sin(|Δz| / 2n) with n = 15 (closed form)
          const dz = Math.abs(n.z[0]! - m.z[0]!);
          expect(weight).toBeCloseTo(30 * Math.sin(dz / 30), 5);
        }
      }
    }
    expect(crossing).toBeGreaterThan(0);
  });
});

describe("hygiene", () => {
  it("lets the event loop turn between batches: a timer set before a build fires during it, not after", async () => {
    // On the cpu/wasm backends every read resolves as a microtask, so without a turn of the event
    // loop between batches, timers, I/O (a parent reading this process's output) and Ctrl-C
    // handlers would wait for the whole build (11 minutes for the cpu-scale m = 16 graph).
    const model = circleAtlas();
    const data = circlePoints(Array.from({ length: 60 }, (_, i) => (TAU * i) / 60));
    let fired = false;
    const seen: string[] = [];
    setImmediate(() => (fired = true));
    await buildGeodesicGraph(model, data, { k: 5, epsilon: 0.15, batchSize: 20, onProgress: (e) => seen.push(`${e.phase}:${fired}`) });
    // the first encode batch reports before any turn; every later event comes after one
    expect(seen[0]).toBe("encode:false");
    expect(seen.slice(1).every((s) => s.endsWith(":true"))).toBe(true);
    expect(seen.some((s) => s.startsWith("weights"))).toBe(true);
  });

  it("a build and queries leak no tensors; progress covers every phase; tensor data work like rows", async () => {
    const model = circleAtlas();
    const data = circlePoints(Array.from({ length: 100 }, (_, i) => (TAU * i) / 100));
    await buildGeodesicGraph(model, data, { k: 5, epsilon: 0.15 }); // warm-up
    const before = tf.memory().numTensors;
    const phases = new Set<string>();
    const g = await buildGeodesicGraph(model, data, { k: 5, epsilon: 0.15, batchSize: 17, onProgress: (e) => phases.add(e.phase) });
    await g.shortestPath(0, [Math.cos(3), Math.sin(3)]);
    await g.shortestPath({ chart: 1, z: [0.3] }, 50, { method: "csr-astar" });
    expect(tf.memory().numTensors).toBe(before);
    expect([...phases].sort()).toEqual(["assemble", "encode", "knn", "weights"]);
    const x = tf.tensor2d(data);
    const end = tf.tensor1d([Math.cos(3), Math.sin(3)]);
    const before2 = tf.memory().numTensors;
    const gt = await buildGeodesicGraph(model, x, { k: 5, epsilon: 0.15 });
    // a tensor end is read asynchronously, like the same sample given as numbers
    const viaTensor = await gt.shortestPath(0, end);
    expect(viaTensor.length).toBe((await g.shortestPath(0, [Math.cos(3), Math.sin(3)])).length);
    expect(tf.memory().numTensors).toBe(before2);
    const nanEnd = tf.tensor1d([0.5, Number.NaN]);
    await expect(gt.shortestPath(0, nanEnd)).rejects.toThrow(/to: expected finite values, found NaN at index 1/);
    tf.dispose([x, end, nanEnd]);
    expect(Array.from(gt.arrays.weights)).toEqual(Array.from(g.arrays.weights));
  });

  it("decoded curve lengths stay right when the decoder returns its input and calls overlap", async () => {
    // G(z) = z (the very tensor it was given): each edge's decoded length is its latent length.
    // With 2 latent points per decoder call, the next call is prepared while the last is unread.
    const identity: AtlasModel = {
      charts: 1,
      latentDim: 2,
      dataShape: [2],
      partition: (x) => tf.ones([x.shape[0]!, 1]) as tf.Tensor2D,
      encode: (x) => x as tf.Tensor2D,
      decode: (z) => z,
    };
    const rng = new Rng(3);
    const pts = Array.from({ length: 30 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    const g = await buildGeodesicGraph(identity, pts, { k: 4, steps: 1, decodeBatchSize: 2, knn: "exact", heuristicDims: 0 });
    const { offsets, targets, weights, nodeLatent } = g.arrays;
    let checked = 0;
    for (let u = 0; u < offsets.length - 1; u++) {
      for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
        const v = targets[e]!;
        const len = Math.hypot(nodeLatent[2 * u]! - nodeLatent[2 * v]!, nodeLatent[2 * u + 1]! - nodeLatent[2 * v + 1]!);
        expect(weights[e]!).toBeCloseTo(len, 5);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("linear decoder", () => {
  it("the geodesic is the straight segment", async () => {
    const A = [
      [1, 0.5],
      [0, 2],
      [0.3, -1],
    ];
    const b = [0.5, -1, 2];
    const model = linearModel(A, b);
    const rng = new Rng(11);
    const data = Array.from({ length: 1500 }, () => {
      const u = rng.uniform(-1, 1);
      const v = rng.uniform(-1, 1);
      return A.map((row, i) => row[0]! * u + row[1]! * v + b[i]!);
    });
    const g = await buildGeodesicGraph(model, data, { k: 15 });
    const ends = [
      [
        [-0.8, -0.7],
        [0.9, 0.6],
      ],
      [
        [-0.6, 0.8],
        [0.7, -0.9],
      ],
    ];
    for (const [z0, z1] of ends) {
      const x0 = A.map((row, i) => row[0]! * z0![0]! + row[1]! * z0![1]! + b[i]!);
      const x1 = A.map((row, i) => row[0]! * z1![0]! + row[1]! * z1![1]! + b[i]!);
      const L = Math.hypot(...x0.map((v, i) => v - x1[i]!));
      const path = await g.shortestPath({ chart: 0, z: z0! }, { chart: 0, z: z1! });
      expect(path.length).toBeGreaterThanOrEqual(L * (1 - 1e-6));
      expect(path.length / L - 1).toBeLessThan(0.03);
      // every resampled point lies near the segment x0 → x1, at its share of the way
      for (const p of path.resample(11)) {
        const x = A.map((row, i) => row[0]! * p.z[0]! + row[1]! * p.z[1]! + b[i]!);
        const s = p.distance / path.length;
        const onSeg = x0.map((v, i) => v + s * (x1[i]! - v));
        expect(Math.hypot(...x.map((v, i) => v - onSeg[i]!))).toBeLessThan(0.04 * L);
      }
    }
  });
});

describe("bad input → AtlasError before work", () => {
  const model = circleAtlas();
  const data = circlePoints(Array.from({ length: 120 }, (_, i) => (TAU * i) / 120));

  it("rejects options out of range", async () => {
    for (const epsilon of [1, -0.1, NaN, 1.5]) {
      await expect(buildGeodesicGraph(model, data, { epsilon })).rejects.toThrow(/options\.epsilon/);
    }
    await expect(buildGeodesicGraph(model, data, { k: 0 })).rejects.toThrow(/options\.k/);
    await expect(buildGeodesicGraph(model, data, { steps: 0 })).rejects.toThrow(/options\.steps/);
    await expect(buildGeodesicGraph(model, data, { k: 2.5 })).rejects.toBeInstanceOf(AtlasError);
  });

  it("k ≥ the points of a chart names k, the chart and its size", async () => {
    const err = await buildGeodesicGraph(model, data, { k: 90, epsilon: 0.15 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as Error).message).toMatch(/k \(90\) must be smaller than the number of points in chart \d \(\d+\)/);
  });

  it("NaN data and NaN latents", async () => {
    const bad = data.map((r) => [...r]);
    bad[3]![1] = NaN;
    await expect(buildGeodesicGraph(model, bad)).rejects.toThrow(/data.*finite/);
    await expect(buildGeodesicGraph(model, tf.tensor2d(bad))).rejects.toThrow(/data.*finite/);
    const nanEncoder: AtlasModel = {
      ...model,
      encode: (x, chart) => tf.tidy(() => tf.mul(model.encode!(x, chart), tf.scalar(NaN))),
    };
    await expect(buildGeodesicGraph(nanEncoder, data)).rejects.toThrow(/NaN latents/);
  });

  it("a semi-AGM (no encode) gets an error naming what is missing", async () => {
    const semi: AtlasModel = { charts: 2, latentDim: 1, dataShape: [2], partition: model.partition, decode: model.decode };
    const err = await buildGeodesicGraph(semi, data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe("UNSUPPORTED");
    expect((err as Error).message).toMatch(/semi-AGM.*encode/);
  });

  it("data of the wrong shape", async () => {
    await expect(buildGeodesicGraph(model, [[1, 2, 3]])).rejects.toThrow(/data/);
    await expect(buildGeodesicGraph(model, tf.zeros([5, 3]))).rejects.toThrow(/data/);
  });

  it("query ends: chart, from/to out of range, NaN, wrong sizes, disconnected components", async () => {
    const g = await buildGeodesicGraph(model, data, { k: 6, epsilon: 0.15 });
    await expect(g.shortestPath({ chart: 2, z: [0] }, 0)).rejects.toThrow(/from\.chart/);
    await expect(g.shortestPath(0, { chart: -1, z: [0] })).rejects.toThrow(/to\.chart/);
    await expect(g.shortestPath(120, 0)).rejects.toThrow(/from/);
    await expect(g.shortestPath(0, -1)).rejects.toThrow(/to/);
    await expect(g.shortestPath(0, 1.5)).rejects.toThrow(/to/);
    await expect(g.shortestPath({ chart: 0, z: [NaN] }, 0)).rejects.toThrow(/from\.z/);
    await expect(g.shortestPath({ chart: 0, z: [0, 1] }, 0)).rejects.toThrow(/from\.z/);
    await expect(g.shortestPath([1, 0, 0], 0)).rejects.toThrow(/from/);
    await expect(g.shortestPath(0, 1, { method: "bfs" as never })).rejects.toThrow(/options\.method/);
    // two far arcs and small k: two components
    const split = circlePoints([...Array.from({ length: 40 }, (_, i) => -0.5 + i * 0.025), ...Array.from({ length: 30 }, (_, i) => 2.6 + i * 0.02)]);
    const two = await buildGeodesicGraph(model, split, { k: 4, epsilon: 0.15 });
    expect(two.stats().components).toBeGreaterThanOrEqual(2);
    const err = await two.shortestPath(0, 69).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe("DISCONNECTED");
    expect((err as Error).message).toMatch(/component \d+ \(\d+ nodes\).*component \d+ \(\d+ nodes\)/);
  });
});
