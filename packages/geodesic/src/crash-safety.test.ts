/**
 * Issue 16 for @atlas/geodesic's graph files. Crash safety: `graph.save` killed exactly between its
 * two renames (`dir → dir.old-<stamp>` done, `dir.ready-<stamp> → dir` not) left no `dir`, and
 * loadGeodesicGraph failed with FileNotFoundError although the complete new graph was on disk.
 * Corrupt files: an edited `latentScale` (the A* heuristic's scale) loaded silently and made A*
 * return non-optimal paths; now it is checked against the graph's edges.
 */
import * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptFileError, Rng } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { circleAtlas, circlePoints } from "./fixtures.test.util.js";
import { buildGeodesicGraph, loadGeodesicGraph, type GeodesicGraph } from "./index.js";

let dir: string;
let g1: GeodesicGraph;
let g2: GeodesicGraph;
const model = circleAtlas();
const rng = new Rng(7);
const angles = Array.from({ length: 120 }, () => rng.uniform(-Math.PI, Math.PI));

beforeAll(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), "geodesic-crash-"));
  g1 = await buildGeodesicGraph(model, circlePoints(angles), { k: 5, epsilon: 0.15 });
  g2 = await buildGeodesicGraph(model, circlePoints(angles), { k: 8, epsilon: 0.15 });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function killBetweenRenames(target: string, next: string): Promise<void> {
  const stamp = `${Date.now().toString(36)}00-999999-0badc0de`;
  await fs.rename(target, `${target}.old-${stamp}`);
  await fs.rename(next, `${target}.ready-${stamp}`);
  await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
}

describe("graph.save killed between the renames", () => {
  it("loadGeodesicGraph reads the complete new graph (before: FileNotFoundError); the next save cleans up", async () => {
    const target = join(dir, "g");
    await g1.save(target);
    await g2.save(join(dir, "g-next"));
    await killBetweenRenames(target, join(dir, "g-next"));
    const loaded = await loadGeodesicGraph(target, model);
    expect(loaded.arrays.targets.length).toBe(g2.arrays.targets.length);
    expect(loaded.arrays.targets.length).not.toBe(g1.arrays.targets.length);
    expect(Array.from(loaded.arrays.weights)).toEqual(Array.from(g2.arrays.weights));
    await g1.save(target);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith("g."))).toEqual([]);
    expect((await loadGeodesicGraph(target, model)).arrays.targets.length).toBe(g1.arrays.targets.length);
  });
});

describe("a graph file with an edited latentScale", () => {
  async function edited(name: string, value: unknown): Promise<unknown> {
    const target = join(dir, name);
    await g1.save(target);
    const file = join(target, "graph.json");
    const m = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, unknown>;
    expect(typeof m.latentScale).toBe("number");
    m.latentScale = typeof value === "function" ? (value as (v: number) => number)(m.latentScale as number) : value;
    await fs.writeFile(file, JSON.stringify(m));
    return loadGeodesicGraph(target, model).catch((e: unknown) => e);
  }

  it("loads unedited (the stored scale is the one the edges give)", async () => {
    const target = join(dir, "plain");
    await g1.save(target);
    expect((await loadGeodesicGraph(target, model)).arrays.latentScale).toBe(g1.arrays.latentScale);
  });

  for (const [what, value] of [
    ["tripled (an inadmissible heuristic: non-optimal paths)", (v: number) => v * 3],
    ["halved", (v: number) => v / 2],
    ["negative", -1],
    ["a string", "2"],
    ["null (no in-chart edge) although the graph has some", null],
  ] as const) {
    it(`${what}: CorruptFileError naming graph.json and latentScale`, async () => {
      const err = await edited(`ls-${what.split(" ")[0]}`, value);
      expect(err).toBeInstanceOf(CorruptFileError);
      expect((err as CorruptFileError).path).toMatch(/graph\.json$/);
      expect((err as Error).message).toMatch(/latentScale/);
    });
  }
});

describe("other edited fields of a graph file", () => {
  /** FNV-1a over bytes, as graph.json's checksum (files.ts). */
  const fnv1a = (bytes: Uint8Array): number => {
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i] as number;
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  };

  it("crossEdges edited (it decides whether A* may use the latent heuristic): CorruptFileError naming graph.json and crossEdges", async () => {
    const target = join(dir, "cross");
    await g1.save(target);
    const file = join(target, "graph.json");
    const m = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, number>;
    expect(m.crossEdges).toBeGreaterThan(0);
    m.crossEdges = 0;
    await fs.writeFile(file, JSON.stringify(m));
    const err = await loadGeodesicGraph(target, model).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(file);
    expect((err as Error).message).toMatch(/crossEdges is 0, but the graph has \d+ chart-crossing edges/);
  });

  it("a NaN edge weight written with a matching checksum: CorruptFileError naming graph.bin", async () => {
    const target = join(dir, "nan");
    await g1.save(target);
    const jsonFile = join(target, "graph.json");
    const binFile = join(target, "graph.bin");
    const m = JSON.parse(await fs.readFile(jsonFile, "utf8")) as { checksum: number; arrays: Record<string, { byteOffset: number }> };
    const bin = await fs.readFile(binFile);
    bin.writeFloatLE(Number.NaN, m.arrays.weights!.byteOffset + 8);
    m.checksum = fnv1a(bin);
    await fs.writeFile(binFile, bin);
    await fs.writeFile(jsonFile, JSON.stringify(m));
    const err = await loadGeodesicGraph(target, model).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(binFile);
    expect((err as Error).message).toMatch(/edge weight NaN is not a finite non-negative number/);
  });
});
