/**
 * `pnpm reproduce`: argument parsing, resumability (parts and results survive a crash and are not
 * recomputed), the report's rows and figures, the PNG encoder's output, and a `--quick` run of two
 * experiments end to end (the GTN swiss roll and the AGM Fig. 3 pipeline: training, evaluation,
 * geodesic graph, paths, figures) and the GTN no-sorting ablation whose report, JSON and PNGs are
 * checked for form, then gtn-uniform reusing the ablation's sorted runs; vqflow-toy and vqflow-mnist
 * at their quick sizes, and a vqflow-mnist training resumed after a crash mid-epoch.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend, sphere, torus, twoRings } from "@atlas/core";
import { main, parseReproduceArgs, REPO_ROOT, UsageError } from "./cli.js";
import { EXPERIMENTS } from "./experiments/index.js";
import { interiorFraction } from "./experiments/gtn-uniform.js";
import { TOY_SETS, onManifoldFraction, type ToySet } from "./experiments/vqflow-toy.js";
import { experimentMnistExtractor } from "./experiments/mnist-extractor.js";
import { vqflowMnist } from "./experiments/vqflow-mnist.js";
import { MNIST_SIZES, loadMnistEvaluation, mnistVerdict, runMnistTrial, type MnistSummary, type MnistTrial } from "../suites/vqflow-mnist-trials.js";
import { acquireLock, pidAlive, readJson, releaseLock, writeJsonAtomic } from "./files.js";
import { Canvas, histogram } from "./plot.js";
import { formatNumber, writeReport } from "./report.js";
import { resultPath, rotate, runExperiments } from "./runner.js";
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

  it("takes relative --out / --work from the directory the command was typed in, not apps/bench", () => {
    const a = parseReproduceArgs(["--out", "docs", "--work=w"], EXPERIMENTS, "/repo");
    expect(a.out).toBe("/repo/docs");
    expect(a.work).toBe("/repo/w");
    expect(parseReproduceArgs(["--out", "/abs"], EXPERIMENTS, "/repo").out).toBe("/abs");
  });

  it("rejects an unknown experiment, option or scale, naming it", () => {
    expect(() => parseReproduceArgs(["gtn-unifrom"])).toThrow(/unknown experiment 'gtn-unifrom'.*gtn-uniform/);
    expect(() => parseReproduceArgs(["--scal", "cpu"])).toThrow(/unknown option '--scal'/);
    expect(() => parseReproduceArgs(["--scale", "gpu"])).toThrow(/--scale must be cpu or paper, got 'gpu'/);
    expect(() => parseReproduceArgs(["--out"])).toThrow(UsageError);
  });

  it("takes --jobs N (a whole number ≥ 1) and the internal --job K/N, naming a bad value", () => {
    expect(parseReproduceArgs([]).jobs).toBe(1);
    expect(parseReproduceArgs(["--jobs", "2"])).toMatchObject({ jobs: 2 });
    expect(parseReproduceArgs(["--jobs=3"]).job).toBeUndefined();
    expect(parseReproduceArgs(["--job", "1/2"])).toMatchObject({ jobs: 2, job: { index: 1, count: 2 } });
    for (const bad of ["0", "1.5", "x", "-1", "65"]) expect(() => parseReproduceArgs(["--jobs", bad]), bad).toThrow(new RegExp(`--jobs must be a whole number from 1 to 64, got '${bad}'`));
    for (const bad of ["0/2", "2/2", "1", "a/b"]) expect(() => parseReproduceArgs(["--job", bad]), bad).toThrow(/--job \(internal, set by --jobs\) must be K\/N/);
  });

  it("lists every experiment of the issue, with estimates", async () => {
    const ids = EXPERIMENTS.map((e) => e.id);
    expect(ids).toEqual(["agm-table1", "agm-fig2", "agm-fig3", "gtn-swiss-roll", "gtn-uniform", "gtn-squares", "gtn-no-sorting", "gtn-mnist", "gtn-labelling-scale", "vqflow-toy", "vqflow-mnist"]);
    let out = "";
    expect(await main(["--list"], (s) => void (out += s))).toBe(0);
    for (const id of ids) expect(out).toContain(id);
    expect(out).toMatch(/total at cpu scale \(idle 2-core machine\): \d+\.\d h in one process; about half that with --jobs 2/);
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

describe("runner: --jobs runners share one work directory", () => {
  const fakeUnits = (calls: string[], order: string[][], job: number, slow = 5): Experiment => ({
    id: "shared",
    title: "shared",
    paper: "GTN",
    description: "d",
    estimate: { cpu: "1 s", paper: "1 s", quick: "1 s" },
    cpuSeconds: 1,
    parallel: true,
    async run(ctx) {
      const units = [0, 1, 2, 3, 4, 5];
      const values = new Map<number, number>();
      await ctx.units(units, async (u) => {
        const part = await ctx.part(`shared/u${u}`, { u }, async () => {
          calls.push(`job${job}:u${u}`);
          order[job]!.push(`u${u}`);
          // the slow unit: the first runner reaches it while the second is computing it
          await new Promise((r) => setTimeout(r, u === slow ? 400 : 40));
          return u * u;
        });
        values.set(u, part.value);
      });
      return { rows: units.map((u) => ({ quantity: `u${u}`, paper: null, ours: values.get(u)!, scale: "tiny", seeds: "0", seconds: 0, backend: ctx.backend })), figures: [], settings: {} };
    },
  });

  /** Runners 0 and 1 of 2 at once on the fake experiment (unit `slow` takes 400 ms), in their own directories. */
  const runTwo = async (name: string, slow: number) => {
    const out = join(tmp, `${name}-out`);
    const work = join(tmp, `${name}-work`);
    const calls: string[] = [];
    const order: string[][] = [[], []];
    const lines: string[][] = [[], []];
    const run = (job: number) =>
      runExperiments({ experiments: [fakeUnits(calls, order, job, slow)], scale: "cpu", quick: true, out, work, backend: "cpu", command: "test", job: { index: job, count: 2 }, pollMs: 10, write: (l) => void lines[job]!.push(l) });
    const [a, b] = await Promise.all([run(0), run(1)]);
    return { out, work, calls, order, lines, a, b };
  };

  it("two writes of one file at once in one process both succeed (each has its own temp file)", async () => {
    const file = join(tmp, "same-file.json");
    for (let i = 0; i < 20; i++) await Promise.all([writeJsonAtomic(file, { who: 0 }), writeJsonAtomic(file, { who: 1 })]);
    expect([0, 1]).toContain((await readJson<{ who: number }>(file))!.who);
  });

  it("rotate starts runner k of n at its share of the list", () => {
    expect(rotate([0, 1, 2, 3, 4, 5], 0, 2)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rotate([0, 1, 2, 3, 4, 5], 1, 2)).toEqual([3, 4, 5, 0, 1, 2]);
    expect(rotate([0, 1, 2], 2, 3)).toEqual([2, 0, 1]);
    expect(rotate([0, 1], 0, 1)).toEqual([0, 1]);
    expect(rotate([], 1, 2)).toEqual([]);
  });

  it("two runners at once compute every part exactly once, start at different units, and both report every value in order", async () => {
    const { out, work, calls, order, lines, a, b } = await runTwo("jobs", 5);
    expect(a.ran, JSON.stringify(a.failed)).toEqual(["shared"]);
    expect(b.ran, JSON.stringify(b.failed)).toEqual(["shared"]);
    // each unit computed once in all, by one runner or the other
    expect(calls.map((c) => c.split(":")[1]).sort()).toEqual(["u0", "u1", "u2", "u3", "u4", "u5"]);
    expect(order[0]![0]).toBe("u0");
    expect(order[1]![0]).toBe("u3");
    expect(order[0]!.length).toBeGreaterThan(0);
    expect(order[1]!.length).toBeGreaterThan(0);
    const result = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "shared")))!;
    expect(result.rows.map((r) => r.ours)).toEqual([0, 1, 4, 9, 16, 25]);
    // the runner that needed a part the other was computing said so and took its result
    expect([...lines[0]!, ...lines[1]!].some((l) => / being computed by another job; waiting for it/.test(l))).toBe(true);
    expect([...lines[0]!, ...lines[1]!].some((l) => / finished by another job \(\d+ s\), reused/.test(l))).toBe(true);
    // no lock is left behind
    expect((await readdir(work, { recursive: true })).filter((f) => String(f).includes(".lock"))).toEqual([]);
  });

  it("a runner that reaches a unit the other is computing goes on with the units after it instead of waiting in step", async () => {
    // units 0–5; runner 1 starts at u3, which is slow. Runner 0 does u0–u2, finds u3 busy, and must
    // compute u4 and u5 itself meanwhile (waiting would leave it idle, then racing runner 1 for each
    // later unit in turn), then come back to u3 and take runner 1's result.
    const { out, work, calls, order, lines, a, b } = await runTwo("skip", 3);
    expect(a.ran, JSON.stringify(a.failed)).toEqual(["shared"]);
    expect(b.ran, JSON.stringify(b.failed)).toEqual(["shared"]);
    expect(calls.map((c) => c.split(":")[1]).sort()).toEqual(["u0", "u1", "u2", "u3", "u4", "u5"]);
    expect(order[0]).toEqual(["u0", "u1", "u2", "u4", "u5"]);
    expect(order[1]).toEqual(["u3"]);
    expect(lines[0]!.some((l) => /shared\/u3: being computed by another job; doing the others first/.test(l))).toBe(true);
    const result = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "shared")))!;
    expect(result.rows.map((r) => r.ours)).toEqual([0, 1, 4, 9, 16, 25]);
    expect((await readdir(work, { recursive: true })).filter((f) => String(f).includes(".lock"))).toEqual([]);
  });

  it("an experiment that is not `parallel` is run by one runner; the other comes back to it at the end and takes its result", async () => {
    const out = join(tmp, "serial-out");
    const work = join(tmp, "serial-work");
    const runs: number[] = [];
    const make = (job: number): Experiment => ({
      id: "serial",
      title: "serial",
      paper: "GTN",
      description: "d",
      estimate: { cpu: "1 s", paper: "1 s", quick: "1 s" },
      cpuSeconds: 1,
      async run(ctx) {
        runs.push(job);
        await new Promise((r) => setTimeout(r, 80));
        return { rows: [{ quantity: "q", paper: null, ours: job, scale: "tiny", seeds: "0", seconds: 0, backend: ctx.backend }], figures: [], settings: {} };
      },
    });
    const lines: string[][] = [[], []];
    const run = (job: number) => runExperiments({ experiments: [make(job)], scale: "cpu", quick: true, out, work, backend: "cpu", command: "test", job: { index: job, count: 2 }, pollMs: 10, write: (l) => void lines[job]!.push(l) });
    const [a, b] = await Promise.all([run(0), run(1)]);
    expect(runs).toHaveLength(1);
    expect([...a.ran, ...b.ran]).toEqual(["serial"]);
    expect([...a.skipped, ...b.skipped]).toEqual(["serial"]);
    const waiter = runs[0] === 0 ? 1 : 0;
    expect(lines[waiter]!.some((l) => /serial: being run by another job; coming back to it at the end/.test(l))).toBe(true);
    expect(lines[waiter]!.some((l) => /serial: finished by another job → /.test(l))).toBe(true);
    // --force with a start time before the result: the result counts as this run's, not re-run
    const forced = await runExperiments({ experiments: [make(2)], scale: "cpu", quick: true, out, work, backend: "cpu", command: "test", force: true, since: Date.now() - 60_000, write: () => undefined });
    expect(forced.skipped).toEqual(["serial"]);
    expect(runs).toHaveLength(1);
  });

  it("takes over the lock of a runner that died mid-part, and waits for a live one", async () => {
    const work = join(tmp, "lock-work");
    const file = join(work, "part.json");
    // a process that has exited: its pid is free
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    await mkdir(`${file}.lock`, { recursive: true });
    await writeFile(join(`${file}.lock`, "owner"), `${dead}\n`);
    expect(pidAlive(dead)).toBe(false);
    expect(await acquireLock(file)).toBe(true);
    expect((await readFile(join(`${file}.lock`, "owner"), "utf8")).trim()).toBe(String(process.pid));
    // held by a live process (this one): a second taker is refused until it is released
    expect(await acquireLock(file)).toBe(false);
    await releaseLock(file);
    expect(await acquireLock(file)).toBe(true);
    await releaseLock(file);
  });
});

describe("runner: report rebuilt as results arrive", () => {
  it("calls onFinished after each finished experiment only (not a failed or an already finished one), so the report shows the first result while the second runs", async () => {
    const out = join(tmp, "finished-out");
    const work = join(tmp, "finished-work");
    const make = (id: string, fail: boolean, check?: () => Promise<void>): Experiment => ({
      id,
      title: id,
      paper: "GTN",
      description: "d",
      estimate: { cpu: "1 s", paper: "1 s", quick: "1 s" },
      cpuSeconds: 1,
      async run(ctx) {
        await check?.();
        if (fail) throw new Error("broken");
        return { rows: [{ quantity: `row of ${id}`, paper: null, ours: 1, scale: "tiny", seeds: "0", seconds: 0, backend: ctx.backend }], figures: [], settings: {} };
      },
    });
    let seenBySecond = "";
    const first = make("first", false);
    const broken = make("broken", true);
    const second = make("second", false, async () => {
      seenBySecond = await readFile(join(out, "reproductions.md"), "utf8");
    });
    const registry = [first, broken, second];
    const finished: string[] = [];
    const options = {
      experiments: registry,
      scale: "cpu" as const,
      quick: false,
      out,
      work,
      backend: "cpu",
      command: "test",
      write: () => undefined,
      onFinished: async (id: string) => {
        finished.push(id);
        await writeReport(out, registry);
      },
    };
    const summary = await runExperiments(options);
    expect(summary.failed.map((f) => f.id)).toEqual(["broken"]);
    expect(finished).toEqual(["first", "second"]);
    // the report written after "first" finished already held its row when "second" started
    expect(seenBySecond).toContain("| row of first |");
    expect(seenBySecond).not.toContain("| row of second |");
    // a rerun skips both finished experiments: no callback for them
    finished.length = 0;
    await runExperiments({ ...options, experiments: [first, second] });
    expect(finished).toEqual([]);
  });
});

describe("gtn-uniform / gtn-no-sorting collapse measure", () => {
  it("interiorFraction counts points of [0.25, 0.75]² (edges included) among the row-major pairs", () => {
    // by hand: (0.25, 0.25) and (0.75, 0.5) are inside (edges count), (0.5, 0.8), (0.1, 0.5), (0.76, 0.3) are not: 2 of 5
    expect(interiorFraction([0.25, 0.25, 0.5, 0.8, 0.75, 0.5, 0.1, 0.5, 0.76, 0.3])).toBe(0.4);
    // a ring of radius 0.45 around the centre (a collapse onto the boundary region) has none inside
    const ring: number[] = [];
    for (let k = 0; k < 100; k++) ring.push(0.5 + 0.45 * Math.cos((2 * Math.PI * k) / 100), 0.5 + 0.45 * Math.sin((2 * Math.PI * k) / 100));
    expect(interiorFraction(ring)).toBe(0);
    // a trailing unpaired value is ignored; no points → NaN
    expect(interiorFraction([0.5, 0.5, 0.9])).toBe(1);
    expect(interiorFraction([])).toBeNaN();
  });
});

describe("vqflow-toy: distance to the toy manifolds", () => {
  it("is 0 on the noise-free sets drawn by core (an independent check of each formula)", () => {
    const clean: Record<ToySet, Float32Array | Float64Array> = { sphere: sphere(500, 3).data, torus: torus(500, 3).data, twoRings: twoRings(500, 3).data };
    for (const set of Object.keys(clean) as ToySet[]) {
      const p = clean[set];
      let worst = 0;
      for (let i = 0; i < p.length; i += 3) worst = Math.max(worst, TOY_SETS[set].distance(p[i]!, p[i + 1]!, p[i + 2]!));
      expect(worst, set).toBeLessThan(1e-5);
      expect(onManifoldFraction(set, p)).toBe(1);
    }
  });

  it("counts points within 0.1 of the manifold (by hand)", () => {
    // sphere: (1,0,0) on it; (0, 1.08, 0) 0.08 off; (1.2,0,0) 0.2 off → 2 of 3
    expect(onManifoldFraction("sphere", [1, 0, 0, 0, 1.08, 0, 1.2, 0, 0])).toBeCloseTo(2 / 3, 12);
    // torus R = 2, r = 1: (3,0,0) on the outer equator; (2,0,0) is the tube's centre line, 1 away → 1 of 2
    expect(onManifoldFraction("torus", [3, 0, 0, 2, 0, 0])).toBe(0.5);
    // two rings: (0,1,0) on ring 0; (2,0,0) and the origin on ring 1 (centre (1,0,0) in the xz-plane);
    // (0.5, 0, 1): √1.25 − 1 ≈ 0.118 from ring 1, √1.25 from ring 0 → 3 of 4
    expect(onManifoldFraction("twoRings", [0, 1, 0, 2, 0, 0, 0, 0, 0, 0.5, 0, 1])).toBe(0.75);
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

describe("report: every experiment has a cpu-scale section, run or not", () => {
  it("gives a not-run experiment its anchor and command, marks quick results as smoke tests, lists pending ones", async () => {
    const out = join(tmp, "status-out");
    const make = (id: string): Experiment => ({
      id,
      title: `title of ${id}`,
      paper: "AGM",
      description: `description of ${id}`,
      estimate: { cpu: "≈ 7 h", paper: "GPU", quick: "1 s" },
      cpuSeconds: 1,
      async run(ctx) {
        return { rows: [{ quantity: `row of ${id}`, paper: 0.0142, ours: 0.5, scale: "tiny", seeds: "0", seconds: 3, backend: ctx.backend }], figures: [], settings: {} };
      },
    });
    const ran = make("ran");
    const later = make("later");
    const base = { out, work: join(tmp, "status-work"), backend: "wasm", command: "test", write: () => undefined };
    await runExperiments({ ...base, experiments: [ran], scale: "cpu", quick: false });
    await runExperiments({ ...base, experiments: [later], scale: "cpu", quick: true });
    const { markdown, html } = await writeReport(out, [ran, later], { pending: [{ id: "vqflow-toy", paper: "VQ-Flows", title: "toy", reason: "the package has not landed" }] });
    const status = markdown.slice(markdown.indexOf("## Status"), markdown.indexOf("<a id="));
    // the run one: date, time, backend, machine; the other: not run yet at cpu scale, with its command; the pending one: why
    expect(status).toMatch(/\| \[ran\]\(#ran\) \| AGM \| title of ran \| done \d{4}-\d\d-\d\d \d\d:\d\d UTC, [\d.]+ s, wasm, \d+ × .+, load [\d.]+ \| not run \| ≈ 7 h \|/);
    expect(status).toContain("| [later](#later) | AGM | title of later | not run yet: `nice -n 10 pnpm reproduce later --scale cpu` | done ");
    expect(status).toContain("| [vqflow-toy](#vqflow-toy) | VQ-Flows | toy | not run yet: the package has not landed |");
    // every id has an anchor at cpu scale, as the READMEs link them
    for (const id of ["ran", "later", "vqflow-toy"]) {
      expect(markdown).toContain(`<a id="${id}"></a>`);
      expect(html).toContain(`<h2 id="${id}">`);
    }
    const laterSection = markdown.slice(markdown.indexOf('<a id="later">'), markdown.indexOf('<a id="vqflow-toy">'));
    expect(laterSection).toContain("not run yet at cpu scale");
    expect(laterSection).toContain("description of later");
    expect(laterSection).toContain("Command: `nice -n 10 pnpm reproduce later --scale cpu` (estimated ≈ 7 h on an idle 2-core machine). Run at other scales: [cpu-quick](#later-cpu-quick).");
    expect(laterSection).not.toContain("| row of later |");
    // the quick result has its own section, marked as not comparable with the paper
    const quickSection = markdown.slice(markdown.indexOf('<a id="later-cpu-quick">'));
    expect(quickSection).toContain("| row of later | 0.0142 | 0.5 | tiny |");
    expect(quickSection).toContain("NOT comparable with the paper's");
    // the cpu result's section is not marked so
    const ranSection = markdown.slice(markdown.indexOf('<a id="ran">'), markdown.indexOf('<a id="later">'));
    expect(ranSection).toContain("| row of ran | 0.0142 | 0.5 | tiny | 0 | 3.0 s | wasm |");
    expect(ranSection).not.toContain("NOT comparable");
  });
});

describe("pnpm reproduce --quick (three experiments end to end, then one sharing their parts)", () => {
  it(
    "writes result.json, PNG figures and a report with one row per result row; experiments share trained parts",
    async () => {
      const out = join(tmp, "quick-out");
      const work = join(tmp, "quick-work");
      const ids = ["gtn-swiss-roll", "agm-fig3", "gtn-no-sorting"];
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
      // the no-sorting ablation: sorted / unsorted × ε = 0 / 1e-5, four rows each, the collapse measure a fraction
      const ablation = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "gtn-no-sorting")))!;
      expect(ablation.rows).toHaveLength(16);
      const interior = ablation.rows.filter((r) => r.quantity.startsWith("Fraction in the central square"));
      expect(interior.map((r) => r.quantity.split(" — ")[1])).toEqual(["sorted (Algorithm 1), ε = 0", "sorting removed, ε = 0", "sorted (Algorithm 1), ε = 1e-5", "sorting removed, ε = 1e-5"]);
      for (const r of interior) {
        expect(r.ours as number).toBeGreaterThanOrEqual(0);
        expect(r.ours as number).toBeLessThanOrEqual(1);
      }
      // the sorted runs are gtn-uniform's parts (shared, trained once): running gtn-uniform now trains nothing
      printed = "";
      expect(await main(["gtn-uniform", "--quick", "--out", out, "--work", work], (s) => void (printed += s))).toBe(0);
      const uniform = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "gtn-uniform")))!;
      expect(uniform.wallSeconds).toBeLessThan(uniform.totalSeconds);
      const sortedInterior = (r: ExperimentResult, eps: string) => r.rows.find((x) => x.quantity.startsWith("Fraction in the central square") && x.quantity.includes(eps) && !x.quantity.includes("sorting removed"))!.ours;
      expect(sortedInterior(uniform, "ε = 0")).toBe(sortedInterior(ablation, "ε = 0"));
      expect(sortedInterior(uniform, "ε = 1e-5")).toBe(sortedInterior(ablation, "ε = 1e-5"));
      ids.push("gtn-uniform");
      // a second run finds them finished and only rebuilds the report
      printed = "";
      expect(await main([...ids, "--quick", "--out", out, "--work", work], (s) => void (printed += s))).toBe(0);
      expect(printed).toContain("ran: none; finished earlier: agm-fig3, gtn-swiss-roll, gtn-uniform, gtn-no-sorting");
      const again = await writeReport(out, EXPERIMENTS);
      expect(again.results.map((r) => r.id).sort()).toEqual([...ids].sort());
    },
    600_000,
  );
});

describe("pnpm reproduce --jobs 2 (two processes)", () => {
  it(
    "starts a second process that takes the experiments from the other end; both results and one report come back",
    async () => {
      const out = join(tmp, "jobs2-out");
      const work = join(tmp, "jobs2-work");
      const logged: string[] = [];
      let printed = "";
      const code = await main(["gtn-swiss-roll", "gtn-labelling-scale", "--quick", "--jobs", "2", "--out", out, "--work", work], (s) => void (printed += s), (l) => void logged.push(l));
      expect(code, `${printed}\n${logged.join("\n")}`).toBe(0);
      const started = (second: boolean) => logged.filter((l) => l.startsWith("[job 1] ") === second && / starting \(/.test(l)).map((l) => /\] ([\w-]+): starting/.exec(l)![1]);
      // the first process starts with the first experiment; the second (its lines prefixed) starts a
      // few seconds later on the other one, or finds it done; between them each runs exactly once
      expect(started(false)[0]).toBe("gtn-swiss-roll");
      expect([...started(false), ...started(true)].sort(), logged.join("\n")).toEqual(["gtn-labelling-scale", "gtn-swiss-roll"]);
      expect(logged.some((l) => l.startsWith("[job 1] backend ") && l.endsWith("; job 1 of 2"))).toBe(true);
      expect(logged.some((l) => l.startsWith("[job 1] ran: "))).toBe(true);
      for (const id of ["gtn-swiss-roll", "gtn-labelling-scale"]) expect((await readJson<ExperimentResult>(resultPath(out, "cpu", true, id)))?.id).toBe(id);
      const md = await readFile(join(out, "reproductions.md"), "utf8");
      expect(md).toContain('<a id="gtn-swiss-roll-cpu-quick"></a>');
      expect(md).toContain('<a id="gtn-labelling-scale-cpu-quick"></a>');
      expect(printed).toMatch(/report: .*reproductions\.md/);
    },
    300_000,
  );
});

describe("pnpm reproduce vqflow-toy --quick", () => {
  it(
    "trains RealNVP and VQ-RealNVP on two toy sets and reports the on-manifold fractions, NLL, MMD², ∫ eq. (2) and one PNG per set",
    async () => {
      const out = join(tmp, "vq-out");
      const work = join(tmp, "vq-work");
      let printed = "";
      expect(await main(["vqflow-toy", "--quick", "--out", out, "--work", work], (s) => void (printed += s)), printed).toBe(0);
      const r = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "vqflow-toy")))!;
      expect(r.paper).toBe("VQ-Flows");
      // per set: the data's reference row, 3 rows per plain flow, 4 per VQ flow
      expect(r.rows).toHaveLength(2 * (1 + 3 + 4));
      const value = (q: string) => r.rows.find((x) => x.quantity === q)!.ours as number;
      // held-out data with noise σ = 0.05: within 2σ of a surface 95.4% (1-D normal), of a curve 1 − e⁻² = 86.5% (Rayleigh); 300 points
      expect(value("Held-out data within 0.1 of the manifold — sphere (reference)")).toBeGreaterThan(0.9);
      expect(value("Held-out data within 0.1 of the manifold — twoRings (reference)")).toBeGreaterThan(0.8);
      expect(value("Held-out data within 0.1 of the manifold — twoRings (reference)")).toBeLessThan(0.93);
      for (const set of ["sphere", "twoRings"]) {
        for (const v of ["RealNVP", "VQ-RealNVP"]) {
          const f = value(`Samples within 0.1 of the manifold — ${set}, ${v}`);
          expect(f).toBeGreaterThanOrEqual(0);
          expect(f).toBeLessThanOrEqual(1);
          expect(Number.isFinite(value(`Test NLL (nats) — ${set}, ${v}`))).toBe(true);
          expect(value(`MMD² to held-out data (bandwidth 0.2) — ${set}, ${v}`)).toBeGreaterThan(0);
        }
        // the VQ flow's density integrates to at most 1 (draws outside their chart carry no density)
        const integral = value(`∫ eq. (2) over R³ — ${set}, VQ-RealNVP`);
        expect(integral).toBeGreaterThan(0);
        expect(integral).toBeLessThanOrEqual(1);
        const png = await readFile(join(out, "reproductions", "cpu-quick", "vqflow-toy", `${set}.png`));
        const { width, height } = readPng(png);
        expect(width).toBeGreaterThan(3 * 160); // three views per row
        expect(height).toBeGreaterThan(3 * 160); // data, RealNVP, VQ-RealNVP
      }
      const md = await readFile(join(out, "reproductions.md"), "utf8");
      expect(md).toContain('<a id="vqflow-toy-cpu-quick"></a>');
      expect(md).toContain("| [vqflow-mnist](#vqflow-mnist) | VQ-Flows |");
    },
    300_000,
  );
});

describe("pnpm reproduce vqflow-mnist --quick", () => {
  it(
    "trains the four variants with two seeds, one part each, and reports bits/dim and FID (mean ± std), the claim's verdict and both figures; a rerun trains nothing",
    async () => {
      const out = join(tmp, "vqm-out");
      const work = join(tmp, "vqm-work");
      let printed = "";
      expect(await main(["vqflow-mnist", "--quick", "--out", out, "--work", work], (s) => void (printed += s)), printed).toBe(0);
      const r = (await readJson<ExperimentResult>(resultPath(out, "cpu", true, "vqflow-mnist")))!;
      expect(r.paper).toBe("VQ-Flows");
      // two rows per variant (bits/dim, FID) and the claim's row
      expect(r.rows).toHaveLength(4 * 2 + 1);
      const variants = ["RealNVP", "VQ-RealNVP", "MAF", "VQ-MAF"];
      const stored = (await readJson<{ trials: MnistTrial[]; summary: MnistSummary[] }>(join(out, "reproductions", "cpu-quick", "vqflow-mnist", "trials.json")))!;
      expect(stored.trials.map((t) => `${t.variant}/${t.seed}`)).toEqual(variants.flatMap((v) => [`${v}/0`, `${v}/1`]));
      for (const v of variants) {
        const mine = stored.trials.filter((t) => t.variant === v);
        for (const t of mine) {
          expect(t.epochs.map((e) => e.epoch)).toEqual([1, 2]);
          for (const e of t.epochs) {
            // MNIST bits/dim of an (under)trained flow: positive and below 8 (uniform over 256 levels)
            expect(e.bitsPerDim).toBeGreaterThan(0);
            expect(e.bitsPerDim).toBeLessThan(8);
            expect(e.fid).toBeGreaterThan(0);
          }
          expect(t.charts).toBe(v.startsWith("VQ-") ? 10 : 1);
        }
        // the row shows the last epoch's mean ± sample std of the two seeds, recomputed here
        const bpd = mine.map((t) => t.epochs[1]!.bitsPerDim);
        const fids = mine.map((t) => t.epochs[1]!.fid);
        const sd = (a: number[]) => Math.abs(a[0]! - a[1]!) / Math.SQRT2; // n = 2: √((a − b)² / 2)
        const row = (q: string) => r.rows.find((x) => x.quantity.startsWith(q) && x.quantity.endsWith(`— ${v}`))!;
        expect(row("Bits/dim on the test images after 2 epoch(s)").ours).toBe(`${((bpd[0]! + bpd[1]!) / 2).toFixed(3)} ± ${sd(bpd).toFixed(3)}`);
        expect(row("FID (built-in MNIST extractor) after 2 epoch(s)").ours).toBe(`${((fids[0]! + fids[1]!) / 2).toFixed(2)} ± ${sd(fids).toFixed(2)}`);
        expect(row("FID").paper).toMatch(/^figure only, no number/);
      }
      const claim = r.rows.at(-1)!;
      expect(claim.quantity).toBe("Poster's claim: the VQ variants reach lower FID than their plain flows");
      expect(claim.ours).toBe(mnistVerdict(stored.summary).verdict);
      expect(r.notes![0]).toBe(`The poster's claim, from these numbers: ${claim.ours}.`);
      for (const f of ["fid.png", "bits-per-dim.png"]) {
        const { width, height } = readPng(await readFile(join(out, "reproductions", "cpu-quick", "vqflow-mnist", f)));
        expect(width).toBeGreaterThan(2 * 360); // two panels: the RealNVP pair, the MAF pair
        expect(height).toBeGreaterThanOrEqual(240);
      }
      const md = await readFile(join(out, "reproductions.md"), "utf8");
      expect(md).toContain('<a id="vqflow-mnist-cpu-quick"></a>');
      expect(md).not.toContain("not yet an experiment");
      // every training was a part: forcing the experiment again reuses all eight, trains nothing
      const lines: string[] = [];
      const again = await runExperiments({ experiments: [vqflowMnist], scale: "cpu", quick: true, out, work, force: true, backend: "cpu", command: "test", write: (l) => void lines.push(l) });
      expect(again.ran).toEqual(["vqflow-mnist"]);
      expect(lines.filter((l) => /vqflow-mnist\/.*-seed\d: finished in an earlier run/.test(l))).toHaveLength(8);
      expect(lines.some((l) => / epoch \d\/2: /.test(l))).toBe(false);
      // finished trainings leave no checkpoints behind
      expect((await readdir(join(work, "cpu-quick", "checkpoints")).catch(() => [])).filter((d) => d.startsWith("vqflow-mnist"))).toEqual([]);
    },
    300_000,
  );

  it("a training interrupted mid-epoch resumes from its last epoch's checkpoint and evaluations to the numbers of an uninterrupted one", async () => {
    // the quick extractor of the test above (trained there, loaded from its cache here)
    const work = join(tmp, "vqm-work", "cpu-quick");
    const ctx = { quick: true, work, log: () => undefined };
    const ev = await loadMnistEvaluation(MNIST_SIZES.quick, await experimentMnistExtractor(ctx));
    const s = { ...MNIST_SIZES.quick, epochs: 3 };
    const whole = await runMnistTrial(ev, s, "VQ-RealNVP", 0);
    // the run above was the warm-up: the crashed and the resumed trainings leave no tensor behind
    const tensors = tf.memory().numTensors;
    const dir = join(tmp, "vqm-resume");
    const logged: string[] = [];
    // a crash in the middle of the second epoch (after the checkpoint and evaluation of the first)
    const crash = (e: { stage: number; phase: string; epoch: number }) => {
      if (e.stage === 2 && e.phase === "step" && e.epoch === 1) throw new Error("power cut");
    };
    await expect(runMnistTrial(ev, s, "VQ-RealNVP", 0, { checkpointDir: dir, onProgress: crash, log: (l) => logged.push(l) })).rejects.toThrow("power cut");
    expect(logged.map((l) => l.split(":")[0])).toEqual(["VQ-RealNVP seed 0 epoch 1/3"]);
    logged.length = 0;
    const resumed = await runMnistTrial(ev, s, "VQ-RealNVP", 0, { checkpointDir: dir, log: (l) => logged.push(l) });
    // epoch 1 was not trained or evaluated again
    expect(logged.map((l) => l.split(":")[0])).toEqual(["VQ-RealNVP seed 0 epoch 2/3", "VQ-RealNVP seed 0 epoch 3/3"]);
    const numbers = (t: MnistTrial) => t.epochs.map((e) => [e.epoch, e.bitsPerDim, e.fid]);
    expect(numbers(resumed)).toEqual(numbers(whole));
    expect(resumed.epochs).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(tensors);
  }, 120_000);
});
