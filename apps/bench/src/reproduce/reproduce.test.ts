/**
 * `pnpm reproduce`: argument parsing, resumability (parts and results survive a crash and are not
 * recomputed), the report's rows and figures, the PNG encoder's output, and a `--quick` run of two
 * experiments end to end (the GTN swiss roll and the AGM Fig. 3 pipeline: training, evaluation,
 * geodesic graph, paths, figures) whose report, JSON and PNGs are checked for form.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "@atlas/core";
import { main, parseReproduceArgs, REPO_ROOT, UsageError } from "./cli.js";
import { EXPERIMENTS } from "./experiments/index.js";
import { readJson } from "./files.js";
import { Canvas, histogram } from "./plot.js";
import { formatNumber, writeReport } from "./report.js";
import { resultPath, runExperiments } from "./runner.js";
import type { Experiment, ExperimentResult } from "./types.js";

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = await mkdtemp(join(tmpdir(), "reproduce-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Decode a PNG's header and pixel rows with node:zlib (independently of the encoder): [width, height, bytes per pixel]. */
function readPng(png: Uint8Array): { width: number; height: number; channels: number } {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("ascii", offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[data[9]!]!;
    } else if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (1 + width * channels)); // one filter byte per row
  return { width, height, channels };
}

describe("parseReproduceArgs", () => {
  it("defaults to every experiment at cpu scale, report in docs/", () => {
    const a = parseReproduceArgs([]);
    expect(a).toMatchObject({ ids: [], scale: "cpu", quick: false, force: false, list: false });
    expect(a.out).toBe(join(REPO_ROOT, "docs"));
    expect(a.work).toBe(join(REPO_ROOT, "apps/bench/reproduce-work"));
    expect(parseReproduceArgs(["--quick"]).out).toBe(join(REPO_ROOT, "apps/bench/reproduce-quick"));
  });

  it("takes ids, --scale paper, --out DIR / --out=DIR", () => {
    const a = parseReproduceArgs(["gtn-uniform", "agm-fig2", "--scale", "paper", "--out=/x/y", "--work", "/w"]);
    expect(a).toMatchObject({ ids: ["gtn-uniform", "agm-fig2"], scale: "paper", out: "/x/y", work: "/w" });
  });

  it("rejects an unknown experiment, option or scale, naming it", () => {
    expect(() => parseReproduceArgs(["gtn-unifrom"])).toThrow(/unknown experiment 'gtn-unifrom'.*gtn-uniform/);
    expect(() => parseReproduceArgs(["--scal", "cpu"])).toThrow(/unknown option '--scal'/);
    expect(() => parseReproduceArgs(["--scale", "gpu"])).toThrow(/--scale must be cpu or paper, got 'gpu'/);
    expect(() => parseReproduceArgs(["--out"])).toThrow(UsageError);
  });

  it("lists every experiment of the issue, with estimates", async () => {
    const ids = EXPERIMENTS.map((e) => e.id);
    expect(ids).toEqual(["agm-table1", "agm-fig2", "agm-fig3", "gtn-swiss-roll", "gtn-uniform", "gtn-squares", "gtn-no-sorting", "gtn-mnist", "gtn-labelling-scale"]);
    let out = "";
    expect(await main(["--list"], (s) => void (out += s))).toBe(0);
    for (const id of ids) expect(out).toContain(id);
    expect(out).toMatch(/total at cpu scale \(idle 2-core machine\): \d+\.\d h/);
  });
});

describe("runner: resumable and crash-safe", () => {
  it("keeps finished parts across a crash, reuses them, and does not re-run a finished experiment", async () => {
    const out = join(tmp, "resume-out");
    const work = join(tmp, "resume-work");
    const calls: string[] = [];
    let crash = true;
    const exp: Experiment = {
      id: "fake",
      title: "fake",
      paper: "GTN",
      description: "d",
      estimate: { cpu: "1 s", paper: "1 s", quick: "1 s" },
      cpuSeconds: 1,
      async run(ctx) {
        const a = await ctx.part("fake/a", { n: 1 }, async () => {
          calls.push("a");
          return { v: 41 };
        });
        if (crash) throw new Error("power cut");
        const b = await ctx.part("fake/b", { n: 2 }, async () => {
          calls.push("b");
          return a.value.v + 1;
        });
        return { rows: [{ quantity: "answer", paper: 42, ours: b.value, scale: "tiny", seeds: "0", seconds: b.seconds, backend: ctx.backend }], figures: [], settings: {} };
      },
    };
    const lines: string[] = [];
    const options = { experiments: [exp], scale: "cpu" as const, quick: true, out, work, backend: "cpu", command: "test", write: (l: string) => void lines.push(l) };
    const first = await runExperiments(options);
    expect(first.failed.map((f) => f.id)).toEqual(["fake"]);
    expect(await readJson(resultPath(out, "cpu", true, "fake"))).toBeUndefined();
    crash = false;
    const second = await runExperiments(options);
    expect(second.ran).toEqual(["fake"]);
    expect(calls).toEqual(["a", "b"]); // part a was not recomputed
    const result = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "fake")))!;
    expect(result.rows[0]!.ours).toBe(42);
    expect(result.totalSeconds).toBeGreaterThanOrEqual(result.wallSeconds);
    const third = await runExperiments(options);
    expect(third.skipped).toEqual(["fake"]);
    expect(calls).toEqual(["a", "b"]);
    // --force runs the experiment again, still reusing its finished parts
    const forced = await runExperiments({ ...options, force: true });
    expect(forced.ran).toEqual(["fake"]);
    expect(calls).toEqual(["a", "b"]);
    // no temp files left anywhere
    const all = await readdir(work, { recursive: true });
    expect(all.filter((f) => String(f).endsWith(".tmp"))).toEqual([]);
    expect(lines.some((l) => l.includes("fake/a: finished in an earlier run"))).toBe(true);
  });
});

describe("plots", () => {
  it("encodes the canvas as a valid RGB PNG of its size, with the drawn pixels", () => {
    const c = new Canvas(17, 9);
    c.rect(2, 3, 4, 2, [1, 0, 0]);
    expect(c.data[(3 * 17 + 2) * 3]).toBe(1);
    expect(c.data[(3 * 17 + 2) * 3 + 1]).toBe(0);
    expect(c.data[0]).toBe(1); // background white
    expect(readPng(c.png())).toEqual({ width: 17, height: 9, channels: 3 });
    const t = new Canvas(40, 12);
    expect(t.text(1, 1, "M=8 3/5")).toBe(Canvas.textWidth("M=8 3/5") + 2);
    expect(Array.from(t.data).some((v) => v === 0)).toBe(true); // ink
  });

  it("histogram counts values per bin, clamping the ends", () => {
    // by hand: bins [0,1) [1,2) [2,3] over [0, 3]
    expect(histogram([0, 0.5, 1, 2.5, 3, -4, 9, Number.NaN], 3, 0, 3)).toEqual([3, 1, 3]);
  });
});

describe("report", () => {
  it("formats numbers as documented", () => {
    expect(formatNumber(21967881)).toBe("21,967,881");
    expect(formatNumber(0.012345678)).toBe("0.01235");
    expect(formatNumber(0.00012)).toBe("1.200e-4");
    expect(formatNumber(null)).toBe("—");
    expect(formatNumber("2–3")).toBe("2–3");
  });
});

describe("pnpm reproduce --quick (two experiments end to end)", () => {
  it(
    "writes result.json, PNG figures and a report with one row per result row",
    async () => {
      const out = join(tmp, "quick-out");
      const work = join(tmp, "quick-work");
      const ids = ["gtn-swiss-roll", "agm-fig3"];
      let printed = "";
      const code = await main([...ids, "--quick", "--out", out, "--work", work], (s) => void (printed += s));
      expect(code, printed).toBe(0);
      const md = await readFile(join(out, "reproductions.md"), "utf8");
      const html = await readFile(join(out, "reproductions.html"), "utf8");
      for (const id of ids) {
        const r = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, id)))!;
        expect(r.id).toBe(id);
        expect(r.quick).toBe(true);
        expect(r.rows.length).toBeGreaterThan(0);
        for (const row of r.rows) {
          expect(typeof row.quantity).toBe("string");
          expect(row.ours === null || typeof row.ours === "number" || typeof row.ours === "string").toBe(true);
          expect(typeof row.ours === "number" ? Number.isFinite(row.ours) : true).toBe(true);
          expect(row.scale.length).toBeGreaterThan(0);
          expect(row.seconds).toBeGreaterThanOrEqual(0);
          expect(row.backend).toMatch(/wasm|cpu|tensorflow|webgl|webgpu/);
          // every row is a table row of the markdown report
          expect(md).toContain(`| ${row.quantity.replace(/\|/g, "\\|")} |`);
        }
        expect(r.figures.length).toBeGreaterThan(0);
        for (const f of r.figures) {
          const png = await readFile(join(out, "reproductions", "cpu-quick", id, f.file));
          const { width, height } = readPng(png);
          expect(width * height).toBeGreaterThan(100);
          expect(md).toContain(`(reproductions/cpu-quick/${id}/${f.file})`);
          expect(html).toContain(`<img src="reproductions/cpu-quick/${id}/${f.file}"`);
        }
        expect(md).toContain(`<a id="${id}-cpu-quick"></a>`);
      }
      // AGM Fig. 3 rows carry the WAE-GAN / AWAE-GAN length ratio as a finite number
      const fig3 = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "agm-fig3")))!;
      const ratio = fig3.rows.find((r) => r.quantity.startsWith("Mean geodesic length AWAE-GAN / WAE-GAN"));
      expect(typeof ratio?.ours).toBe("number");
      expect(ratio!.ours as number).toBeGreaterThan(0);
      // a second run finds both finished and only rebuilds the report
      printed = "";
      expect(await main([...ids, "--quick", "--out", out, "--work", work], (s) => void (printed += s))).toBe(0);
      expect(printed).toContain("ran: none; finished earlier: agm-fig3, gtn-swiss-roll");
      const again = await writeReport(out, EXPERIMENTS);
      expect(again.results.map((r) => r.id).sort()).toEqual([...ids].sort());
    },
    600_000,
  );
});
