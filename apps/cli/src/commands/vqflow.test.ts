// `atlas train vqflow` and the commands on a VQ-Flow model directory, in-process through main().
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, batchImages, initBackend, loadMnist } from "@atlas/core";
import { loadVqFlow } from "@atlas/vqflow";
import { main } from "../cli.js";
import { parseCsv } from "../data/csv.js";

async function atlas(...argv: string[]): Promise<{ code: number; err: string; result: Record<string, unknown> | undefined }> {
  let out = "";
  let err = "";
  const code = await main([...argv, "--quiet"], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, signal: new AbortController().signal });
  const last = out.trim().split("\n").at(-1);
  return { code, err, result: argv.includes("--json") && last ? (JSON.parse(last).result as Record<string, unknown>) : undefined };
}

const mean = (v: ArrayLike<number>): number => Array.from(v).reduce((a, b) => a + b, 0) / v.length;

describe("atlas train vqflow", () => {
  let d = "";
  beforeAll(async () => {
    d = await mkdtemp(join(tmpdir(), "atlas-vq-"));
    await initBackend();
  });
  afterAll(async () => {
    await rm(d, { recursive: true, force: true });
  });

  it("on a CSV of 3-D points: a density that prefers the data to points off it, samples as CSV rows, eval's NLL", { timeout: 300_000 }, async () => {
    // 600 points on a unit circle in the plane z = 0, with a little noise in every coordinate
    const rng = new Rng(3);
    const noise = rng.normalArray(3 * 600);
    const pts = Array.from({ length: 600 }, (_, i) => {
      const a = (2 * Math.PI * i) / 600;
      return [Math.cos(a) + 0.05 * noise[3 * i]!, Math.sin(a) + 0.05 * noise[3 * i + 1]!, 0.05 * noise[3 * i + 2]!];
    });
    await writeFile(join(d, "ring.csv"), pts.map((p) => p.join(",")).join("\n") + "\n");
    const out = join(d, "vq");
    const t = await atlas("train", "vqflow", "--data", join(d, "ring.csv"), "--charts", "4", "--ae-epochs", "3", "--epochs", "20", "--batch-size", "100", "--width", "32", "--lr", "3e-3", "--out", out, "--json");
    expect(t.err).toBe("");
    expect(t.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, "atlas.json"), "utf8"));
    expect(manifest).toMatchObject({ kind: "vqflow", dataKind: "vectors", dataShape: [3], files: { model: "model" } });
    expect(manifest.settings).toMatchObject({ charts: 4, flow: "realnvp", overlap: 1, aeEpochs: 3, epochs: 20 });
    const history = JSON.parse(await readFile(join(out, "train.json"), "utf8")).history;
    expect(history.stage1.epochs).toHaveLength(3);
    expect(history.stage2.epochs).toHaveLength(20);

    const model = await loadVqFlow(join(out, "model"));
    try {
      expect(model.charts).toBe(4);
      // the learned density: the ring's points are far likelier than the same points lifted to z = 1
      const onRing = await model.logProb(pts.slice(0, 200));
      const lifted = await model.logProb(pts.slice(0, 200).map(([x, y]) => [x!, y!, 1]));
      expect(mean(onRing) - mean(lifted)).toBeGreaterThan(5);

      // sample: CSV rows, the model's own sampler for the same seed
      expect((await atlas("sample", out, "--n", "50", "--seed", "4", "--out", join(d, "s.csv"))).code).toBe(0);
      const s = parseCsv(await readFile(join(d, "s.csv"), "utf8"), "s.csv");
      expect([s.n, s.dim]).toEqual([50, 3]);
      const own = await model.sample(50, 4);
      const ownValues = await own.data();
      own.dispose();
      for (let i = 0; i < 150; i++) expect(s.data[i]).toBeCloseTo(ownValues[i]!, 5); // CSV keeps ~7 significant digits
      // most samples near the ring (radius 1, z 0): the flow learned the data, not a blob — a Gaussian
      // with the data's covariance (σ² = 0.5 in x and y) puts only P(0.7 < r < 1.3) =
      // exp(−0.7²) − exp(−1.3²) = 0.43 of its draws there, ~21 of 50
      let near = 0;
      for (let i = 0; i < s.n; i++) if (Math.abs(Math.hypot(s.data[3 * i]!, s.data[3 * i + 1]!) - 1) < 0.3 && Math.abs(s.data[3 * i + 2]!) < 0.3) near++;
      expect(near).toBeGreaterThan(35);
      // one chart alone: g_k of N(0, I) draws
      const c = await atlas("sample", out, "--n", "20", "--chart", "2", "--out", join(d, "c.csv"));
      expect(c.code).toBe(0);
      expect(parseCsv(await readFile(join(d, "c.csv"), "utf8"), "c.csv").n).toBe(20);

      // eval on vectors: raw features, and the NLL = −mean log p of the real points (the model's own logProb)
      const e = await atlas("eval", out, "--data", join(d, "ring.csv"), "--n", "100", "--metrics", "pr", "--json");
      expect(e.code).toBe(0);
      const first100 = await model.logProb(pts.slice(0, 100).map((p) => p.map((v) => Math.fround(v))));
      expect(e.result!.nll as number).toBeCloseTo(-mean(first100), 3);
      expect(e.result!.reconstructionMse).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it("on MNIST images: a PNG of samples and bits/dim of test images", { timeout: 300_000 }, async () => {
    const out = join(d, "vq-mnist");
    const t = await atlas("train", "vqflow", "--data", "mnist", "--limit", "100", "--charts", "3", "--ae-epochs", "1", "--epochs", "1", "--batch-size", "50", "--width", "16", "--out", out);
    expect(t.err).toBe("");
    expect(t.code).toBe(0);
    expect((await atlas("sample", out, "--n", "9", "--out", join(d, "m.png"))).code).toBe(0);
    const e = await atlas("eval", out, "--data", "mnist", "--n", "20", "--metrics", "fid", "--seed", "5", "--json");
    expect(e.code).toBe(0);
    const model = await loadVqFlow(join(out, "model"));
    const x = batchImages(await loadMnist("test"), Int32Array.from({ length: 20 }, (_, i) => i));
    try {
      const bpd = mean(await model.bitsPerDim(x, { seed: 5 }));
      expect(e.result!.bitsPerDim as number).toBeCloseTo(bpd, 6);
      // 8-bit pixels: a model at least as good as uniform noise scores under 8 bits per pixel
      expect(bpd).toBeGreaterThan(0);
      expect(bpd).toBeLessThan(8);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("flags that do not apply are refused naming the flag", async () => {
    const cases: [string[], string][] = [
      [["train", "awae-gan", "--data", "mnist", "--out", join(d, "x"), "--flow", "maf"], "atlas train: --flow: applies to vqflow only, not awae-gan\n"],
      [["train", "vqflow", "--data", "mnist", "--out", join(d, "x"), "--latent-dim", "3"], "atlas train: --latent-dim: a vqflow's latent space has the data's dimension\n"],
      [["train", "vqflow", "--data", "mnist", "--limit", "10", "--out", join(d, "x"), "--charts", "2", "--overlap", "3"], "atlas train: --overlap: m = 3 exceeds the 2 charts (--charts)\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await atlas(...argv);
      expect({ code: r.code, err: r.err }).toEqual({ code: 2, err });
    }
  });
});
