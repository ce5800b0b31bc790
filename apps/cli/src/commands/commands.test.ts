// The commands end to end, in-process through main() (the bin adds only the child process; see
// cli.test.ts for that). Small data and narrow networks: seconds per command.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchImages, imageGridLayout, initBackend, loadMnist } from "@atlas/core";
import { loadGeodesicGraph } from "@atlas/geodesic";
import { loadAwaeGan } from "@atlas/agm";
import { main } from "../cli.js";
import { parseNpy } from "../data/npy.js";
import { parseCsv } from "../data/csv.js";
import { loadModelDir } from "../model-dir.js";

interface Run {
  code: number;
  out: string;
  err: string;
  json: { ok: boolean; result?: Record<string, unknown>; error?: { code: string; exitCode: number; message: string; argument?: string } } | undefined;
}

async function atlas(...argv: string[]): Promise<Run> {
  let out = "";
  let err = "";
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, signal: new AbortController().signal });
  const last = out.trim().split("\n").at(-1);
  let json: Run["json"];
  if (argv.includes("--json") && last) json = JSON.parse(last) as Run["json"];
  return { code, out, err, json };
}

describe("atlas commands", () => {
  let d = "";
  beforeAll(async () => {
    d = await mkdtemp(join(tmpdir(), "atlas-cmd-"));
    await initBackend();
  });
  afterAll(async () => {
    await rm(d, { recursive: true, force: true });
  });

  it("train → sample → geodesic → eval → report on MNIST (wae-gan, narrow)", { timeout: 300_000 }, async () => {
    const wae = join(d, "wae");
    const t = await atlas("train", "wae-gan", "--data", "mnist", "--limit", "64", "--batch-size", "32", "--epochs", "1", "--width", "4", "--out", wae, "--json", "--quiet");
    expect(t.code).toBe(0);
    expect(t.json?.ok).toBe(true);
    expect(t.json?.result).toMatchObject({ kind: "wae-gan", samples: 64, resumed: false });
    const manifest = JSON.parse(await readFile(join(wae, "atlas.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "atlas-model", kind: "wae-gan", dataKind: "images", dataShape: [28, 28, 1], data: { spec: "mnist", n: 64 } });
    expect(manifest.settings).toMatchObject({ charts: 1, latentDim: 8, width: 4, epochs: 1, batchSize: 32 });
    const history = JSON.parse(await readFile(join(wae, "train.json"), "utf8")).history;
    expect(history.globalStep).toBe(2); // 64 images / batch 32, one epoch
    expect(existsSync(join(wae, "checkpoint"))).toBe(false); // removed once the model is saved

    // sample: a PNG grid laid out as core's imageGridLayout says, and .npy rows of the data shape
    const s = await atlas("sample", wae, "--n", "6", "--out", join(d, "s.png"), "--scale", "1");
    expect(s.code).toBe(0);
    const png = PNG.sync.read(await readFile(join(d, "s.png")));
    const layout = imageGridLayout(6, 28, 28, { columns: 3, scale: 1 });
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    expect((await atlas("sample", wae, "--n", "5", "--out", join(d, "s.npy"))).code).toBe(0);
    const arr = parseNpy(new Uint8Array(await readFile(join(d, "s.npy"))), "s.npy");
    expect(arr.shape).toEqual([5, 28, 28, 1]);
    // the same seed gives the same samples as the model's own sampler
    const loaded = await loadModelDir(wae);
    const again = await loaded.sample(5, 0);
    const values = await again.data();
    again.dispose();
    expect(Array.from(arr.data.subarray(0, 50))).toEqual(Array.from(Float32Array.from(values.subarray(0, 50))));

    // geodesic: every recorded length is the optimal path length (A* checked against Dijkstra on
    // the saved graph) and the linear length is at least the straight decoded distance of its ends
    const geo = join(d, "geo");
    const g = await atlas("geodesic", wae, "--data", "mnist", "--nodes", "30", "--k", "3", "--steps", "2", "--pairs", "4", "--strips", "1", "--frames", "4", "--out", geo, "--export", "--quiet");
    expect(g.code).toBe(0);
    const doc = JSON.parse(await readFile(join(geo, "geodesic.json"), "utf8"));
    expect(doc.pairs).toHaveLength(4);
    expect(doc.strips).toEqual([`strips/pair-${doc.pairs[0].from}-${doc.pairs[0].to}.png`]);
    const graph = await loadGeodesicGraph(join(geo, "graph"), loaded.atlas);
    const test = await loadMnist("test");
    for (const p of doc.pairs) {
      expect(p.frameCharts).toEqual([0, 0, 0, 0]);
      if (p.length === null) continue;
      const ref = await graph.shortestPath(p.from, p.to, { method: "csr-dijkstra" });
      expect(p.length).toBeCloseTo(ref.length, 5);
      const x = batchImages(test, Int32Array.from([p.from, p.to]));
      const ends = tf.tidy(() => loaded.atlas.decode(loaded.atlas.encode!(x, 0), 0));
      const e = await ends.data();
      tf.dispose([x, ends]);
      let dist = 0;
      for (let i = 0; i < 784; i++) dist += (e[i]! - e[784 + i]!) ** 2;
      expect(p.linearLength).toBeGreaterThanOrEqual(Math.sqrt(dist) * (1 - 1e-5));
    }
    // the explorer bundle opens with the packages' own loaders: the same graph over the same model
    const bundle = JSON.parse(await readFile(join(geo, "explorer", "bundle.json"), "utf8"));
    expect(bundle).toMatchObject({ format: "atlas-explorer-bundle", version: 1, model: { kind: "wae-gan", format: "awae-gan", charts: 1 }, data: { points: 30 }, gtn: null });
    for (const f of bundle.files) expect(existsSync(join(geo, "explorer", f))).toBe(true);
    expect(bundle.nodes.chart).toHaveLength(doc.stats.nodes);
    const bundled = await loadAwaeGan(join(geo, "explorer", bundle.model.dir));
    const bundledGraph = await loadGeodesicGraph(join(geo, "explorer", bundle.graph.dir), bundled);
    expect(bundledGraph.stats()).toEqual(doc.stats);
    const p0 = doc.pairs.find((p: { length: number | null }) => p.length !== null);
    expect((await bundledGraph.shortestPath(p0.from, p0.to)).length).toBeCloseTo(p0.length, 6);
    bundled.dispose();
    loaded.dispose();

    // eval: the numbers are reproducible for a seed and carry their extractor
    const e1 = await atlas("eval", wae, "--data", "mnist", "--n", "40", "--metrics", "fid,pr,is", "--json", "--quiet");
    expect(e1.code).toBe(0);
    const r = e1.json!.result!;
    expect(r.extractor).toBe("atlas-mnist-cnn-v1/penultimate");
    expect(r.samples).toEqual([40, 40]);
    expect(r.kid).toBeUndefined();
    expect(r.fid as number).toBeGreaterThan(0);
    expect(r.precision as number).toBeGreaterThanOrEqual(0);
    expect((r.inceptionScore as { mean: number }).mean).toBeGreaterThanOrEqual(1);
    const e2 = await atlas("eval", wae, "--data", "mnist", "--n", "40", "--metrics", "fid", "--json", "--quiet", "--out", join(d, "e2.json"));
    expect(e2.json!.result!.fid).toBe(r.fid);

    // report: one HTML file with every PNG inlined
    const rep = await atlas("report", d);
    expect(rep.code).toBe(0);
    const html = await readFile(join(d, "report.html"), "utf8");
    expect(html).toContain("Model: wae");
    expect(html).toContain("Geodesics: geo");
    expect(html).toContain("Evaluation: wae/eval.json");
    expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(2); // the strip and s.png
    expect(html).not.toMatch(/src="(?!data:)/);
  });

  it("gtn and atlas-vae on a CSV of vectors; samples come back as CSV rows", { timeout: 300_000 }, async () => {
    // 300 points on a circle of radius 2 in R^3 (z = 0)
    const rows = Array.from({ length: 300 }, (_, i) => {
      const a = (2 * Math.PI * i) / 300;
      return `${2 * Math.cos(a)},${2 * Math.sin(a)},0`;
    });
    await writeFile(join(d, "circle.csv"), `x,y,z\n${rows.join("\n")}\n`);
    const gtn = join(d, "gtn");
    const t = await atlas("train", "gtn", "--data", join(d, "circle.csv"), "--epochs", "3", "--preset", "uniform", "--out", gtn, "--quiet");
    expect(t.code).toBe(0);
    expect((await atlas("sample", gtn, "--n", "50", "--out", join(d, "g.csv"))).code).toBe(0);
    const m = parseCsv(await readFile(join(d, "g.csv"), "utf8"), "g.csv");
    expect([m.n, m.dim]).toEqual([50, 3]);
    // the GTN's output is standardised back to data units: every sample near the circle's scale
    for (let i = 0; i < m.n; i++) expect(Math.hypot(m.data[3 * i]!, m.data[3 * i + 1]!)).toBeLessThan(6);
    const png = await atlas("sample", gtn, "--n", "4", "--out", join(d, "g.png"));
    expect(png.code).toBe(2);
    expect(png.err).toBe("atlas sample: --out: this model makes vectors of shape [3]; write them as .csv or .npy\n");
    const vae = await atlas("train", "atlas-vae", "--data", join(d, "circle.csv"), "--charts", "2", "--latent-dim", "1", "--epochs", "2", "--width", "8", "--out", join(d, "vae"), "--quiet");
    expect(vae.code).toBe(0);
    const chart = await atlas("sample", join(d, "vae"), "--n", "7", "--chart", "1", "--out", join(d, "v.npy"));
    expect(chart.code).toBe(0);
    expect(parseNpy(new Uint8Array(await readFile(join(d, "v.npy"))), "v.npy").shape).toEqual([7, 3]);
  });

  it("bad input: one line naming the flag or file, the documented exit code, nothing left behind", { timeout: 120_000 }, async () => {
    await writeFile(join(d, "a-file"), "x");
    const cases: [string[], number, string][] = [
      [["train", "wae-gan", "--data", "mnist", "--out", join(d, "x"), "--charts", "3"], 2, "atlas train: --charts: wae-gan has one chart; use awae-gan for 3 charts\n"],
      [["train", "awae-gan", "--out", join(d, "x")], 2, "atlas train: --data: required (the training data: mnist | fashion-mnist | cifar10[:DIR] | FILE (.npy, .csv, IDX) | DIR (PNG images))\n"],
      [["train", "awae-gan", "--data", join(d, "missing.npy"), "--out", join(d, "x", "y")], 3, `atlas train: ${join(d, "missing.npy")}: (--data) does not exist; expected mnist | fashion-mnist | cifar10[:DIR] | FILE (.npy, .csv, IDX) | DIR (PNG images)\n`],
      [["train", "awae-gan", "--data", "mnist", "--out", join(d, "a-file")], 3, `atlas train: --out: ${join(d, "a-file")} is a file, not a directory\n`],
      [["sample", join(d, "nomodel"), "--out", join(d, "n.png")], 3, `atlas sample: ${join(d, "nomodel")}: is not a model directory (no atlas.json; make one with 'atlas train')\n`],
      [["sample", join(d, "gtn"), "--out", join(d, "n.gif")], 2, 'atlas sample: --out: expected a file name ending in .png, .csv or .npy, got "' + join(d, "n.gif") + '"\n'],
      [["geodesic", join(d, "gtn"), "--data", "mnist", "--from", "3", "--out", join(d, "gg")], 2, "atlas geodesic: --to: --from and --to go together\n"],
      [["train", "awae-gan", "--data", "mnist", "--out", join(d, "x"), "--resume"], 2, `atlas train: --resume: ${join(d, "x")} holds no interrupted run (no checkpoint/run.json); drop --resume to start one\n`],
    ];
    for (const [argv, code, err] of cases) {
      const r = await atlas(...argv);
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code, err });
    }
    expect(existsSync(join(d, "x", "y"))).toBe(false); // created for --out, removed when --data failed
    const j = await atlas("train", "awae-gan", "--data", "mnist", "--out", join(d, "x"), "--epochs", "0", "--json");
    expect(j.code).toBe(2);
    expect(j.json).toEqual({ ok: false, command: "train", error: { code: "INVALID_ARGUMENT", exitCode: 2, message: '--epochs: expected an integer in [1, 100000], got "0"', argument: "--epochs" } });
  });

  it("leaves no tensors behind (sample + geodesic in-process, after a warm-up)", { timeout: 300_000 }, async () => {
    const wae = join(d, "wae");
    const run = (): Promise<Run> => atlas("geodesic", wae, "--data", "mnist", "--nodes", "20", "--k", "3", "--steps", "2", "--pairs", "2", "--strips", "1", "--frames", "3", "--out", join(d, "leak"), "--quiet");
    await run();
    await atlas("sample", wae, "--n", "4", "--out", join(d, "leak.png"));
    const before = tf.memory().numTensors;
    expect((await run()).code).toBe(0);
    expect((await atlas("sample", wae, "--n", "4", "--out", join(d, "leak.png"))).code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
