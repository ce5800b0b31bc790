/**
 * A small benchmark-suite framework: a suite measures a few variants of one workload in ONE run
 * (so ratios between them are meaningful on a shared, noisy machine), returns rows, and the runner
 * prints a table and writes the JSON to `bench-results/<suite>.json`.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One measured variant of a suite's workload. */
export interface BenchRow {
  /** What was measured (`"wasm, Atlas kernels"`). */
  variant: string;
  /** tfjs backend it ran on (or `"pytorch"`, …). */
  backend: string;
  /** Timed repetitions (0 when the variant could not run). */
  steps: number;
  /** Mean milliseconds per step; undefined when the variant could not run. */
  msPerStep?: number;
  /** Throughput in `unit` per second. */
  throughput?: number;
  /** The throughput's unit (`"samples"`). */
  unit?: string;
  /** Throughput relative to the suite's baseline row (baseline = 1). */
  ratio?: number;
  /** Why it could not run, or anything else to know. */
  note?: string;
}

/** What a suite returns. */
export interface SuiteResult {
  suite: string;
  description: string;
  /** Backend chosen by `initBackend()` for the main measurement. */
  backend: string;
  /** Variant the ratios are relative to. */
  baseline?: string;
  rows: BenchRow[];
  notes: string[];
  /** Anything else the suite measured (e.g. a per-kernel time breakdown). */
  extra?: Record<string, unknown>;
  /** Filled in by the runner. */
  date?: string;
  /** Filled in by the runner. */
  totalSeconds?: number;
  host?: { cpus: number; node: string; platform: string };
}

/** What the runner passes to a suite. */
export interface SuiteContext {
  /** Fewer steps (smoke test of the suite); ratios are then rougher. */
  quick: boolean;
  /** `--key=value` options from the command line. */
  options: Record<string, string>;
  /** Progress output (stderr). */
  log: (message: string) => void;
}

/** A named benchmark suite. */
export interface BenchSuite {
  name: string;
  description: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}

/** Time `steps` calls of `step` after `warmup` untimed ones; returns the mean milliseconds per step. */
export async function timeSteps(step: () => unknown, steps: number, warmup = 1): Promise<{ msPerStep: number; times: number[] }> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return { msPerStep: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length), times };
}

/** Fill in `ratio` of every row relative to the row named `baseline` (by throughput). */
export function withRatios(rows: BenchRow[], baseline: string): BenchRow[] {
  const base = rows.find((r) => r.variant === baseline)?.throughput;
  return rows.map((r) => (base !== undefined && base > 0 && r.throughput !== undefined ? { ...r, ratio: r.throughput / base } : { ...r }));
}

function fmt(n: number | undefined, digits: number): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  return n.toFixed(digits);
}

/** The result as a plain-text table. */
export function formatTable(result: SuiteResult): string {
  const header = ["variant", "backend", "steps", "ms/step", "throughput", "ratio", "note"];
  const lines = result.rows.map((r) => [
    r.variant,
    r.backend,
    String(r.steps),
    fmt(r.msPerStep, 1),
    r.throughput === undefined ? "—" : `${fmt(r.throughput, 1)} ${r.unit ?? ""}/s`.trim(),
    r.ratio === undefined ? "—" : `${fmt(r.ratio, r.ratio < 10 ? 2 : 1)}×`,
    r.note ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const row = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const out = [
    `${result.suite} — ${result.description}`,
    `backend: ${result.backend}${result.baseline ? `; ratios relative to "${result.baseline}"` : ""}`,
    row(header),
    row(widths.map((w) => "-".repeat(w))),
    ...lines.map(row),
    ...result.notes.map((n) => `note: ${n}`),
  ];
  return out.join("\n");
}

/** Parse `[suite...] [--quick] [--key=value]`. */
export function parseArgs(argv: readonly string[]): { suites: string[]; quick: boolean; options: Record<string, string> } {
  const suites: string[] = [];
  const options: Record<string, string> = {};
  let quick = false;
  for (const a of argv) {
    if (a === "--") continue;
    if (a === "--quick") quick = true;
    else if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq < 0) options[a.slice(2)] = "true";
      else options[a.slice(2, eq)] = a.slice(eq + 1);
    } else suites.push(a);
  }
  return { suites, quick, options };
}

/** Write `<dir>/<suite>.json` atomically (temp file, then rename). */
export async function writeResult(dir: string, result: SuiteResult): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${result.suite}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(result, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}
