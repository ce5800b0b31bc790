import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, Rng, ShapeMismatchError } from "@atlas/core";
import { buildGeodesicGraph, loadGeodesicGraph, type GeodesicGraph } from "./index.js";
import { circleAtlas, circlePoints, sphereModel, spherePoints } from "./fixtures.test.util.js";
import { graphStats } from "./stats.js";

let dir: string;
let graph: GeodesicGraph;
const model = circleAtlas();
const rng = new Rng(5);
const angles = Array.from({ length: 150 }, () => rng.uniform(-Math.PI, Math.PI));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "atlas-geodesic-"));
  graph = await buildGeodesicGraph(model, circlePoints(angles), { k: 6, epsilon: 0.15 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("save / load", () => {
  it("round-trips the graph and its queries; overwrites atomically, leaving no temporaries", async () => {
    const target = join(dir, "g");
    await graph.save(target);
    await graph.save(target); // overwrite an existing graph
    expect((await readdir(dir)).sort()).toEqual(["g"]);
    const again = await loadGeodesicGraph(target, model);
    expect(again.stats()).toEqual(graph.stats());
    for (const key of ["nodeLatent", "offsets", "targets", "weights", "nodeProj", "component"] as const) {
      expect(Array.from(again.arrays[key])).toEqual(Array.from(graph.arrays[key]));
    }
    const p = await graph.shortestPath(0, 100);
    const q = await again.shortestPath(0, 100);
    expect(q.length).toBe(p.length);
    expect(q.chartSequence).toEqual(p.chartSequence);
  });

  it("rejects a corrupt file, a missing directory and a model that does not fit", async () => {
    const target = join(dir, "c");
    await graph.save(target);
    await expect(loadGeodesicGraph(join(dir, "missing"), model)).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(loadGeodesicGraph(target, sphereModel())).rejects.toBeInstanceOf(ShapeMismatchError);
    const bin = await readFile(join(target, "graph.bin"));
    bin[bin.length >> 1] = (bin[bin.length >> 1] as number) ^ 0xff;
    await writeFile(join(target, "graph.bin"), bin);
    await expect(loadGeodesicGraph(target, model)).rejects.toBeInstanceOf(CorruptFileError);
    await writeFile(join(target, "graph.json"), "{ not json");
    await expect(loadGeodesicGraph(target, model)).rejects.toBeInstanceOf(CorruptFileError);
  });
});

describe("stats", () => {
  it("diameter equals an independent all-pairs computation; the large-graph bounds bracket it", async () => {
    const g = await buildGeodesicGraph(sphereModel(), spherePoints(300, 0.3, 4), { k: 5 });
    const n = g.nodeCount;
    // Floyd–Warshall on hop counts (independent of the BFS in stats.ts)
    const D = Array.from({ length: n }, (_, i) => {
      const row = new Float64Array(n).fill(Infinity);
      row[i] = 0;
      for (const { node } of g.neighbours(i)) row[node] = 1;
      return row;
    });
    for (let k = 0; k < n; k++) {
      const Dk = D[k]!;
      for (let i = 0; i < n; i++) {
        const Di = D[i]!;
        const dik = Di[k]!;
        if (dik === Infinity) continue;
        for (let j = 0; j < n; j++) if (dik + Dk[j]! < Di[j]!) Di[j] = dik + Dk[j]!;
      }
    }
    let diam = 0;
    for (const row of D) for (const v of row) if (v !== Infinity) diam = Math.max(diam, v);
    const s = g.stats();
    expect(s.diameter).toEqual({ hops: diam, exact: true, lower: diam, upper: diam });
    const bounded = graphStats(g.arrays, 0);
    expect(bounded.diameter.exact).toBe(false);
    expect(bounded.diameter.lower).toBeLessThanOrEqual(diam);
    expect(bounded.diameter.upper).toBeGreaterThanOrEqual(diam);
    // quantiles against a plain sort of each undirected edge once
    const w: number[] = [];
    for (let i = 0; i < n; i++) for (const { node, weight } of g.neighbours(i)) if (i < node) w.push(weight);
    w.sort((a, b) => a - b);
    expect(s.edges).toBe(w.length);
    expect(s.edgeWeights.min).toBe(w[0]);
    expect(s.edgeWeights.max).toBe(w[w.length - 1]);
    const pos = (w.length - 1) / 2;
    expect(s.edgeWeights.median).toBeCloseTo(w[Math.floor(pos)]! + (pos - Math.floor(pos)) * (w[Math.ceil(pos)]! - w[Math.floor(pos)]!), 12);
  });
});
