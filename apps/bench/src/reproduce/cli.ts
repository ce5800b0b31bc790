/**
 * The command line of `pnpm reproduce`:
 * `pnpm reproduce [experiment…] [--scale cpu|paper] [--quick] [--jobs N] [--out DIR] [--work DIR] [--force] [--list] [--report-only]`.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { initBackend } from "@atlas/core";
import { EXPERIMENTS } from "./experiments/index.js";
import { formatSeconds, writeReport, type PendingExperiment, type ReportOptions } from "./report.js";
import { runExperiments } from "./runner.js";
import type { Experiment, Scale } from "./types.js";

/** Repository root (apps/bench/src/reproduce → four levels up). */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** Parsed command line. */
export interface ReproduceArgs {
  ids: string[];
  scale: Scale;
  quick: boolean;
  out: string;
  work: string;
  force: boolean;
  list: boolean;
  reportOnly: boolean;
  /** Processes that run the experiments together (`--jobs N`). */
  jobs: number;
  /** Set in the processes that `--jobs` starts: this one's place (internal `--job K/N`). */
  job?: { index: number; count: number };
}

/** Usage text. */
export const USAGE = `usage: pnpm reproduce [experiment…] [--scale cpu|paper] [--quick] [--jobs N] [--out DIR] [--work DIR] [--force] [--list] [--report-only]
  experiments   ids from --list (default: all)
  --scale       cpu (default): sized for a 2-core CPU (--list: each experiment's time); paper: the papers' settings (GPU)
  --quick       tiny sizes, a few minutes in all (a smoke test of every code path)
  --jobs N      run N processes that share the work (default 1; on the CPU backends a process uses
                about one core, so --jobs 2 on a 2-core machine roughly halves the wall time)
  --out DIR     where the report and figures go (default: docs, or apps/bench/reproduce-quick with --quick)
  --work DIR    models, checkpoints, finished parts (default: apps/bench/reproduce-work)
  --force       run experiments that already have a result (finished parts in the work directory
                are still reused: delete it to recompute everything)
  --report-only rebuild the report from the stored results
  --list        list the experiments and their estimated times`;

export class UsageError extends Error {}

/**
 * Parse the arguments (throws {@link UsageError} with a message naming the bad argument). Relative
 * `--out` / `--work` paths are taken from `cwd`: the directory `pnpm reproduce` was typed in
 * (pnpm runs the script in apps/bench and passes that directory as INIT_CWD).
 */
export function parseReproduceArgs(argv: readonly string[], experiments: readonly Experiment[] = EXPERIMENTS, cwd: string = process.env.INIT_CWD ?? process.cwd()): ReproduceArgs {
  const ids: string[] = [];
  let scale: Scale = "cpu";
  let quick = false;
  let out: string | undefined;
  let work: string | undefined;
  let force = false;
  let list = false;
  let reportOnly = false;
  let jobs = 1;
  let job: { index: number; count: number } | undefined;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const take = (): string => inline ?? value(i++, flag);
    if (a === "--") continue;
    else if (flag === "--scale") {
      const v = take();
      if (v !== "cpu" && v !== "paper") throw new UsageError(`--scale must be cpu or paper, got '${v}'`);
      scale = v;
    } else if (flag === "--quick") quick = true;
    else if (flag === "--out") out = take();
    else if (flag === "--work") work = take();
    else if (flag === "--force") force = true;
    else if (flag === "--list") list = true;
    else if (flag === "--report-only") reportOnly = true;
    else if (flag === "--jobs") {
      const v = take();
      jobs = Number(v);
      if (!/^\d+$/.test(v) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, got '${v}'`);
    } else if (flag === "--job") {
      const v = take();
      const m = /^(\d+)\/(\d+)$/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[1]) >= Number(m[2])) throw new UsageError(`--job (internal, set by --jobs) must be K/N with 1 ≤ K < N, got '${v}'`);
      job = { index: Number(m[1]), count: Number(m[2]) };
    }
    else if (flag === "--help" || flag === "-h") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown option '${a}'`);
    else {
      if (!experiments.some((e) => e.id === a)) throw new UsageError(`unknown experiment '${a}'; available: ${experiments.map((e) => e.id).join(", ")}`);
      ids.push(a);
    }
  }
  return {
    ids,
    scale,
    quick,
    out: out === undefined ? join(REPO_ROOT, quick ? "apps/bench/reproduce-quick" : "docs") : resolve(cwd, out),
    work: work === undefined ? join(REPO_ROOT, "apps/bench/reproduce-work") : resolve(cwd, work),
    force,
    list,
    reportOnly,
    jobs: job?.count ?? jobs,
    ...(job ? { job } : {}),
  };
}

/** Experiments of the issue whose code does not exist yet (listed in the report as "not run yet"). */
export const PENDING: readonly PendingExperiment[] = [];

/** The report's options: the preface, and the pending experiments that the registry does not have yet. */
export function reportOptions(experiments: readonly Experiment[] = EXPERIMENTS): ReportOptions {
  return { preface: preface(experiments), pending: PENDING.filter((p) => !experiments.some((e) => e.id === p.id)) };
}

/** The preface of the report: how to run it, the cpu-scale total, how our scale compares with the papers'. */
export function preface(experiments: readonly Experiment[] = EXPERIMENTS): string {
  const total = experiments.reduce((s, e) => s + e.cpuSeconds, 0);
  return [
    "Every experiment of the AGM and GTN papers and of the VQ-Flows poster, run with this repository's packages by `pnpm reproduce`; one row per number the paper reports, the paper's value beside ours. This file and its figures are generated from the stored results (`pnpm reproduce --report-only` rebuilds it); nothing in it is typed in by hand. The status table says which experiments have actually been run, when, how long they took and on what machine; an experiment not run yet says so, with the command that runs it.",
    `Run: \`nice -n 10 pnpm reproduce [experiment…] [--scale cpu|paper] [--quick] [--jobs N]\`. \`--scale cpu\` (the default) is sized for a 2-core CPU: estimated ${formatSeconds(total)} in one process (per experiment in the table below; most estimates were measured on this shared machine under load, so an idle one is faster), about half that with \`--jobs 2\`, whose two processes share the work (each keeps about one core busy: they take the experiments, and the trainings inside agm-table1 and vqflow-mnist, from different ends); \`--scale paper\` runs the papers' exact settings, for users with a GPU. The run is resumable: a finished experiment is not run again, and an interrupted one restarts from its finished parts and its training checkpoints (kept in \`apps/bench/reproduce-work\`).`,
    "Scale against the papers: the GTN 2-D experiments (swiss roll, uniform square, disjoint squares, no-sorting ablation) and the labelling-time experiment run the paper's own sizes at cpu scale (n = 50 000–162 770, the paper's networks). Elsewhere the cpu scale is smaller than the paper's and the rows say so: the AGM networks at 1/8 width, trained 2 epochs on 10 000 images (200 steps) instead of 80 epochs on 60 000 (48 000 steps); the GTN MNIST autoencoder 5 epochs instead of 20; the VQ-Flows MNIST flows (the poster gives no sizes) 5 epochs on 10 000 images with FID of 1 000 samples instead of the full 60 000 images, 30 epochs and 10 000 samples of `--scale paper`; and the GTN comparisons with CelebA use MNIST (CelebA is not available here). Compare trends and ratios there, not absolute values. Sections marked `cpu-quick` are smoke tests (`--quick`: tiny data, a few steps) and are not comparable with the papers at all. Timings are wall times on a 2-core machine shared with other jobs (the load average is given with each result), so they are slower and noisier than on an idle machine.",
  ].join("\n\n");
}

/** Passes the run's start time to the processes that `--jobs` starts. */
const SINCE_ENV = "ATLAS_REPRODUCE_SINCE";

/**
 * Start `count − 1` more processes running the same experiments (`--job K/N`), sharing the work
 * directory; their lines go to `log` prefixed `[job K]`. Each promise gives a process's exit code.
 */
function startJobs(args: ReproduceArgs, chosen: readonly Experiment[], since: number, log: (line: string) => void): Promise<number>[] {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const entry = fileURLToPath(new URL("./main.ts", import.meta.url));
  const common = [...chosen.map((e) => e.id), "--scale", args.scale, ...(args.quick ? ["--quick"] : []), "--out", args.out, "--work", args.work, ...(args.force ? ["--force"] : [])];
  const children = Array.from({ length: args.jobs - 1 }, (_, i) => {
    const k = i + 1;
    const child = spawn(process.execPath, ["--import", tsx, "--conditions=@atlas/source", entry, ...common, "--job", `${k}/${args.jobs}`], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, [SINCE_ENV]: String(since) } });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) log(`[job ${k}] ${line}`);
      });
      stream.on("end", () => rest && log(`[job ${k}] ${rest}`));
    }
    return { child, done: new Promise<number>((done) => child.on("close", (code, signal) => done(code ?? (signal ? 1 : 0)))) };
  });
  // an interrupted parent takes its jobs with it (their finished parts stay; a rerun resumes)
  const stop = () => children.forEach(({ child }) => child.exitCode === null && child.kill());
  process.once("exit", stop);
  return children.map(({ done }) => done);
}

/** Run the command; returns the exit code. `log` takes progress lines (stderr by default). */
export async function main(
  argv: readonly string[],
  write: (s: string) => void = (s) => void process.stdout.write(s),
  log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Promise<number> {
  let args: ReproduceArgs;
  try {
    args = parseReproduceArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      write(`${error.message ? `${error.message}\n` : ""}${USAGE}\n`);
      return error.message ? 2 : 0;
    }
    throw error;
  }
  if (args.list) {
    for (const e of EXPERIMENTS) write(`${e.id.padEnd(22)} ${e.paper.padEnd(4)} ${e.title}\n${" ".repeat(27)}cpu: ${e.estimate.cpu}; paper: ${e.estimate.paper}; --quick: ${e.estimate.quick}\n`);
    write(`total at cpu scale (idle 2-core machine): ${formatSeconds(EXPERIMENTS.reduce((s, e) => s + e.cpuSeconds, 0))} in one process; about half that with --jobs 2\n`);
    return 0;
  }
  const chosen = args.ids.length ? EXPERIMENTS.filter((e) => args.ids.includes(e.id)) : EXPERIMENTS;
  const isJob = args.job !== undefined;
  let failed = 0;
  if (!args.reportOnly) {
    if (!isJob && args.jobs > availableParallelism()) log(`note: --jobs ${args.jobs} on a machine with ${availableParallelism()} cores; the jobs will share them`);
    const backend = await initBackend();
    log(`backend ${backend.name} (${backend.reason}); scale ${args.scale}${args.quick ? " (quick)" : ""}; out ${args.out}; work ${args.work}${args.jobs > 1 ? `; job ${args.job?.index ?? 0} of ${args.jobs}` : ""}`);
    // with --force, what any job of this run has written counts as done: the jobs share the start time
    const since = isJob ? Number(process.env[SINCE_ENV]) || Date.now() : Date.now();
    const jobs = isJob ? [] : startJobs(args, chosen, since, log);
    const summary = await runExperiments({
      experiments: chosen,
      scale: args.scale,
      quick: args.quick,
      out: args.out,
      work: args.work,
      force: args.force,
      backend: backend.name,
      job: args.job ?? { index: 0, count: args.jobs },
      since,
      write: log,
      // the report is rebuilt as each experiment finishes, so a long run shows its results as they come
      // (by the first process only: the others just compute)
      onFinished: isJob ? undefined : async () => void (await writeReport(args.out, EXPERIMENTS, reportOptions())),
      command: `pnpm reproduce ${chosen.length === EXPERIMENTS.length ? "" : `${chosen.map((e) => e.id).join(" ")} `}--scale ${args.scale}${args.quick ? " --quick" : ""}`,
    });
    const jobCodes = await Promise.all(jobs);
    failed = summary.failed.length + jobCodes.filter((c) => c !== 0).length;
    write(`ran: ${summary.ran.join(", ") || "none"}; finished earlier: ${summary.skipped.join(", ") || "none"}; failed: ${summary.failed.map((f) => `${f.id} (${f.error})`).join(", ") || "none"}${jobCodes.some((c) => c !== 0) ? `; jobs that failed: ${jobCodes.flatMap((c, i) => (c !== 0 ? [`${i + 1} (exit ${c})`] : [])).join(", ")}` : ""}\n`);
    if (isJob) return failed > 0 ? 1 : 0;
  }
  const report = await writeReport(args.out, EXPERIMENTS, reportOptions());
  write(`report: ${join(args.out, "reproductions.md")} and reproductions.html (${report.results.length} result(s))\n`);
  return failed > 0 ? 1 : 0;
}
