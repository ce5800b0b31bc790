// The main job in its tiny mode (every section, toy sizes): interrupted by SIGTERM through the bin,
// then resumed in-process; the report and demo.json hold what the issue asks for.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { DEMO_PRESETS } from "./config.js";
import type { DemoRecord } from "./run.js";

const BIN = fileURLToPath(new URL("../../bin/atlas.js", import.meta.url));

describe("atlas demo --tiny", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("SIGTERM exits 143 keeping demo.json; --resume finishes; the report holds every section", { timeout: 900_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "atlas-demo-"));
    dirs.push(out);
    const child = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [BIN, "demo", "--tiny", "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      p.on("error", reject);
      p.on("close", (code) => resolve({ code, stderr }));
      const timer = setInterval(() => {
        if (existsSync(join(out, "demo.json"))) {
          clearInterval(timer);
          p.kill("SIGTERM");
        }
      }, 50);
    });
    expect(child.code).toBe(143);
    expect(child.stderr).toMatch(/atlas: SIGTERM received/);
    expect(existsSync(join(out, "report.html"))).toBe(false);

    let stdout = "";
    const code = await main(["demo", "--tiny", "--out", out, "--resume"], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, signal: new AbortController().signal });
    expect(code).toBe(0);
    const c = DEMO_PRESETS.tiny;
    const r = JSON.parse(await readFile(join(out, "demo.json"), "utf8")) as DemoRecord;
    expect(r.mode).toBe("tiny");
    expect(Object.keys(r.stages)).toEqual(["train wae-gan", "train awae-gan", "geodesics", "gtn", "vqflow", "metrics", "explorer bundle"]);
    const awae = r.models["awae-gan"]!;
    expect([awae.charts, r.models["wae-gan"]!.charts]).toEqual([4, 1]);
    expect(awae.steps).toBe(Math.floor(c.trainImages / c.batchSize));
    expect(awae.chartCounts.reduce((a, b) => a + b, 0)).toBe(c.evalImages);
    expect(awae.confidence.counts.reduce((a, b) => a + b, 0)).toBe(c.evalImages);
    expect(awae.confidence.edges[0]).toBeCloseTo(1 / 4, 12); // max ψ of 4 charts lies in [1/4, 1]
    expect(Number.isFinite(awae.reconstructionMse)).toBe(true);
    for (const m of ["awae-gan", "wae-gan"]) {
      const g = r.geodesics!.models[m]!;
      expect(g.pairs.map((p) => [p.from, p.to])).toEqual(r.geodesics!.pairs); // the same pairs for both models
      expect(g.stats.points).toBe(c.graphNodes);
    }
    expect(r.geodesics!.strips).toHaveLength(c.strips);
    expect(r.gtn!.codes).toBe(c.gtnCodes);
    // the VQ-Flow: the mnist preset's 10 charts, weights a distribution, bits/dim of 8-bit images in (0, 8)
    expect(r.vqflow).toMatchObject({ available: true, charts: 10, trainImages: c.vqTrainImages, testImages: c.evalImages });
    expect(r.vqflow!.chartWeights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(r.vqflow!.bitsPerDim).toBeGreaterThan(0);
    expect(r.vqflow!.bitsPerDim).toBeLessThan(8);
    expect(r.metrics!.extractor).toBe("atlas-mnist-cnn-v1/penultimate");
    expect(r.metrics!.rows.map((m) => m.model)).toEqual(["MNIST train images (reference)", "awae-gan", "wae-gan", "gtn (WAE-GAN latent space)", "vqflow"]);
    for (const m of r.metrics!.rows) expect(m.samples).toEqual([c.metricSamples, c.metricSamples]);

    // the explorer bundle: the AWAE-GAN, its graph on the graph nodes, the GTN with the WAE-GAN as decoder
    const bundle = JSON.parse(await readFile(join(out, "explorer", "bundle.json"), "utf8"));
    expect(bundle).toMatchObject({ format: "atlas-explorer-bundle", version: 1, model: { kind: "awae-gan", charts: 4, format: "awae-gan" }, data: { points: c.graphNodes }, gtn: { dir: "gtn/model", decoder: { kind: "awae-gan" } } });
    for (const f of bundle.files) expect(existsSync(join(out, "explorer", f))).toBe(true);
    expect(bundle.metrics.rows).toHaveLength(5);

    const html = await readFile(join(out, "report.html"), "utf8");
    for (const id of ["summary", "awae-gan", "wae-gan", "geodesics", "gtn", "vqflow", "metrics", "run"]) expect(html).toContain(`<section id="${id}">`);
    for (const fig of ["Fig. 2a", "Fig. 2b", "Fig. 3a", "Fig. 3b"]) expect(html).toContain(fig);
    // PNGs: per model reconstructions and chart samples (4), strips, GTN samples and interpolation,
    // VQ-Flow samples and per-chart samples
    expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(4 + c.strips + 2 + 2);
    expect(html).not.toMatch(/src="(?!data:)/);
    // the terminal summary: a header and one row per metrics row
    expect(stdout).toMatch(/^model +recon\. MSE +FID +KID +precision +recall +IS/m);
    expect(stdout).toMatch(/^AWAE-GAN \(4 charts\) /m);
    expect(stdout).toContain(`report: ${join(out, "report.html")}`);
  });
});
