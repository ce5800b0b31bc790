/**
 * Metrics benchmark (issue 3), ratios from one run:
 *
 * FID between 10 000 and 10 000 feature rows of d = 2048 (the InceptionV3 pool3 size): the
 * covariances (float64, two-pass, blocked XᵀX), the eigensolver alone (symmetric
 * eigendecomposition of one 2048×2048 covariance with eigenvectors), the Fréchet distance from the
 * statistics (default symmetric "eigen" route, and the opt-in "cholesky" route) and the whole
 * `fid()` from the feature rows — with the package's default thread count and with one thread —
 * beside a straightforward implementation of the same formula with ml-matrix (its
 * EigenvalueDecomposition with assumeSymmetric, `mmul` products, sqrtm through the
 * eigendecomposition, eigenvalues of A Σ₂ A) on the same statistics, and NumPy/SciPy timings of the
 * same steps (packages/metrics/scripts/numpy_fid_bench.py, run from here when python3 has numpy and
 * scipy; its own random data of the same shape). The peer's full d = 2048 case takes minutes, so it
 * also runs at a smaller d (default 512) — rows are labelled by d.
 *
 * Run alone: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/suites/metrics.ts [--quick] [--no-peer-2048] [--no-numpy]`
 */
import { Rng } from "@atlas/core";
import { cpuThreads, fid, frechetDistance, fusedProducts, gaussianStats, getThreads, setThreads, symmetricEigen, type GaussianStats } from "@atlas/metrics";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { BenchRow, BenchSuite, SuiteResult } from "../framework.js";

/** One measured row. */
export interface MetricsBenchRow {
  case: "fid-full" | "eigensolver" | "frechet-from-stats" | "frechet-cholesky-route" | "covariance";
  /** Feature dimension. */
  d: number;
  /** Rows per feature set (covariance / full FID rows). */
  n?: number;
  /** Threads ours ran with. */
  threads: number;
  /** Ours, milliseconds. */
  atlasMs: number;
  /** ml-matrix peer, milliseconds (absent when not run). */
  peerMs?: number;
  /** peerMs / atlasMs. */
  ratio?: number;
  /** NumPy/SciPy time of the same step (its own data of the same shape), milliseconds. */
  numpyMs?: number;
  /** |ours − peer| / |peer| for the computed value, when both ran. */
  relDiff?: number;
  value?: number;
  cpu: string;
  engine: string;
}

/** Options for {@link runMetricsBench}. */
export interface MetricsBenchOptions {
  /** Smaller sizes for a smoke run (d = 256, n = 1000). */
  quick?: boolean;
  /** Run the ml-matrix peer at the full d too (minutes). Default true. */
  peerFull?: boolean;
  /** Run the NumPy/SciPy script (default true; skipped when python3/numpy/scipy are missing). */
  numpy?: boolean;
  /** Dimension of the smaller peer comparison (default 512). */
  smallD?: number;
  log?: (line: string) => void;
}

/** What packages/metrics/scripts/numpy_fid_bench.py prints. */
interface NumpyTimes {
  covBothS: number;
  eighS: number;
  frechetEighS: number;
  frechetSqrtmS: number;
  blas?: string;
  numpy?: string;
}

function time<T>(f: () => T): { ms: number; out: T } {
  const t = performance.now();
  const out = f();
  return { ms: performance.now() - t, out };
}

/** Features with a pool3-like look: non-negative, per-dimension scale, correlated through a few shared factors. */
function features(rng: Rng, n: number, d: number, shift: number): Float64Array {
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) scale[j] = 0.2 + rng.next();
  const factors = 16;
  const load = new Float64Array(factors * d);
  for (let i = 0; i < load.length; i++) load[i] = rng.normal() * 0.3;
  const out = new Float64Array(n * d);
  const f = new Float64Array(factors);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < factors; t++) f[t] = rng.normal();
    for (let j = 0; j < d; j++) {
      let s = rng.normal() * (scale[j] as number) + shift;
      for (let t = 0; t < factors; t++) s += (f[t] as number) * (load[t * d + j] as number);
      out[i * d + j] = Math.max(0, s + 1);
    }
  }
  return out;
}

/** FID from statistics with ml-matrix, the straightforward way (sqrtm by eigendecomposition). */
function peerFrechet(a: GaussianStats, b: GaussianStats): { fid: number; eigMs: number } {
  const d = a.dim;
  const S1 = Matrix.from1DArray(d, d, Array.from(a.cov));
  const S2 = Matrix.from1DArray(d, d, Array.from(b.cov));
  const t = performance.now();
  const evd = new EigenvalueDecomposition(S1, { assumeSymmetric: true });
  const eigMs = performance.now() - t;
  const V = evd.eigenvectorMatrix;
  const sq = evd.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  const A = V.mmul(Matrix.diag(sq)).mmul(V.transpose());
  const M = A.mmul(S2).mmul(A);
  const Ms = M.add(M.transpose()).mul(0.5);
  const mu = new EigenvalueDecomposition(Ms, { assumeSymmetric: true }).realEigenvalues;
  let tr = 0;
  for (const x of mu) tr += Math.sqrt(Math.max(x, 0));
  let md = 0;
  let t1 = 0;
  let t2 = 0;
  for (let j = 0; j < d; j++) {
    md += ((a.mean[j] as number) - (b.mean[j] as number)) ** 2;
    t1 += a.cov[j * d + j] as number;
    t2 += b.cov[j * d + j] as number;
  }
  return { fid: md + t1 + t2 - 2 * tr, eigMs };
}

/** Runs the NumPy/SciPy timings of the same steps, or returns why not. */
function runNumpy(d: number, n: number, log: (s: string) => void): NumpyTimes | undefined {
  const script = fileURLToPath(new URL("../../../../packages/metrics/scripts/numpy_fid_bench.py", import.meta.url));
  const r = spawnSync("python3", [script, String(d), String(n)], { encoding: "utf8", timeout: 15 * 60_000 });
  if (r.status !== 0) {
    log(`NumPy comparison not run: ${r.error?.message ?? r.stderr.trim().split("\n").pop() ?? `exit ${r.status}`}`);
    return undefined;
  }
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as NumpyTimes;
  } catch {
    log("NumPy comparison: could not read the script's output");
    return undefined;
  }
}

/** Runs the metrics suite and returns its rows (also logged). */
export async function runMetricsBench(options: MetricsBenchOptions = {}): Promise<MetricsBenchRow[]> {
  const log = options.log ?? ((s: string) => console.log(s));
  const quick = options.quick ?? false;
  const d = quick ? 256 : 2048;
  const n = quick ? 1000 : 10_000;
  const smallD = options.smallD ?? (quick ? 128 : 512);
  const peerFull = options.peerFull ?? !quick;
  const cpu = `${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}`;
  // threaded rows use every CPU (explicitly: the package's default would drop to 1 thread when
  // the load average says the cores are busy), the others one thread
  const auto = getThreads();
  const T = cpuThreads();
  setThreads(T);
  const kernels = fusedProducts() ? "generated WASM SIMD f64 with fused multiply-adds (relaxed SIMD)" : "generated WASM SIMD f64, separate multiply and add";
  const engine = (threads: number): string => `plain JS + ${kernels} (Node ${process.versions.node}), ${threads} thread${threads > 1 ? "s" : ""}`;
  const rows: MetricsBenchRow[] = [];
  const rng = new Rng(2048);
  log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(", ")}; threads = ${T} (the package default would pick ${auto} now); kernels: ${kernels}`);

  // warm up the JIT (and start the worker threads) on a small case
  {
    const w = features(rng, 400, 300, 0);
    const s = gaussianStats({ data: w, dim: 300 });
    frechetDistance(s, s);
    frechetDistance(s, s, { threads: 1 });
    frechetDistance(s, s, { route: "cholesky" });
    symmetricEigen(s.cov, 300, { vectors: true });
  }

  // full FID at d: covariances, eigensolver, Fréchet distance (both routes), whole fid(); T threads and 1
  const xa = features(rng, n, d, 0);
  const xb = features(rng, n, d, 0.05);
  const ca = time(() => gaussianStats({ data: xa, dim: d }));
  const cb = time(() => gaussianStats({ data: xb, dim: d }));
  rows.push({ case: "covariance", d, n, threads: T, atlasMs: (ca.ms + cb.ms) / 2, cpu, engine: engine(T) });
  log(`gaussianStats n=${n} d=${d}, ${T} threads: ${(ca.ms / 1000).toFixed(2)} s, ${(cb.ms / 1000).toFixed(2)} s`);
  if (T > 1) {
    const c1 = time(() => gaussianStats({ data: xa, dim: d }, { threads: 1 }));
    rows.push({ case: "covariance", d, n, threads: 1, atlasMs: c1.ms, cpu, engine: engine(1) });
    log(`gaussianStats n=${n} d=${d}, 1 thread: ${(c1.ms / 1000).toFixed(2)} s`);
  }
  const eig = time(() => symmetricEigen(ca.out.cov, d, { vectors: true }));
  const eig1 = T > 1 ? time(() => symmetricEigen(ca.out.cov, d, { vectors: true, threads: 1 })) : eig;
  const fr = time(() => frechetDistance(ca.out, cb.out));
  const fr1 = T > 1 ? time(() => frechetDistance(ca.out, cb.out, { threads: 1 })) : fr;
  const ch = time(() => frechetDistance(ca.out, cb.out, { route: "cholesky" }));
  const whole = time(() => fid({ data: xa, dim: d }, { data: xb, dim: d }));
  log(`eigensolver d=${d}: ${(eig.ms / 1000).toFixed(2)} s (${T} threads), ${(eig1.ms / 1000).toFixed(2)} s (1 thread)`);
  log(`Fréchet distance from stats d=${d}: eigen route ${(fr.ms / 1000).toFixed(2)} s (${T} threads), ${(fr1.ms / 1000).toFixed(2)} s (1 thread); cholesky route ${(ch.ms / 1000).toFixed(2)} s (${ch.out.route}), |Δ|/FID ${(Math.abs(ch.out.fid - fr.out.fid) / fr.out.fid).toExponential(1)}`);
  log(`whole fid() n=${n}+${n} d=${d}: ${(whole.ms / 1000).toFixed(2)} s (${T} threads); FID = ${whole.out.fid.toFixed(6)}`);
  rows.push({ case: "fid-full", d, n, threads: T, atlasMs: whole.ms, value: whole.out.fid, cpu, engine: engine(T) });
  rows.push({ case: "frechet-cholesky-route", d, threads: T, atlasMs: ch.ms, value: ch.out.fid, cpu, engine: engine(T) });

  const np = (options.numpy ?? true) ? runNumpy(d, n, log) : undefined;
  if (np) {
    log(`NumPy ${np.numpy ?? ""} (${np.blas ?? "BLAS"}) d=${d} n=${n}: np.cov both ${np.covBothS.toFixed(2)} s, eigh ${np.eighS.toFixed(2)} s, Fréchet (eigh route) ${np.frechetEighS.toFixed(2)} s, pytorch-fid sqrtm ${np.frechetSqrtmS.toFixed(2)} s`);
    const cov = rows.find((r) => r.case === "covariance" && r.threads === T);
    if (cov) cov.numpyMs = (np.covBothS * 1000) / 2;
    const full = rows.find((r) => r.case === "fid-full");
    if (full) full.numpyMs = (np.covBothS + np.frechetEighS) * 1000;
  }

  const peerRow = (dd: number, a: GaussianStats, b: GaussianStats, runs: { threads: number; eigMs: number; frMs: number }[], runPeer: boolean): void => {
    let p: { ms: number; out: { fid: number; eigMs: number } } | undefined;
    const ourFid = frechetDistance(a, b).fid;
    if (runPeer) p = time(() => peerFrechet(a, b));
    for (const r of runs) {
      const eigRow: MetricsBenchRow = { case: "eigensolver", d: dd, threads: r.threads, atlasMs: r.eigMs, cpu, engine: engine(r.threads) };
      const frRow: MetricsBenchRow = { case: "frechet-from-stats", d: dd, threads: r.threads, atlasMs: r.frMs, value: ourFid, cpu, engine: engine(r.threads) };
      if (p) {
        Object.assign(eigRow, { peerMs: p.out.eigMs, ratio: p.out.eigMs / r.eigMs });
        Object.assign(frRow, { peerMs: p.ms, ratio: p.ms / r.frMs, relDiff: Math.abs(ourFid - p.out.fid) / Math.abs(p.out.fid) });
      }
      if (np && dd === d) {
        eigRow.numpyMs = np.eighS * 1000;
        frRow.numpyMs = np.frechetEighS * 1000;
      }
      rows.push(eigRow, frRow);
      log(
        `d=${dd}, ${r.threads} thread(s): eigensolver ${(r.eigMs / 1000).toFixed(2)} s` +
          (p ? ` vs ml-matrix ${(p.out.eigMs / 1000).toFixed(2)} s (${(p.out.eigMs / r.eigMs).toFixed(1)}×)` : "") +
          `; Fréchet distance from stats ${(r.frMs / 1000).toFixed(2)} s` +
          (p ? ` vs ml-matrix ${(p.ms / 1000).toFixed(2)} s (${(p.ms / r.frMs).toFixed(1)}×); |ΔFID|/FID = ${(Math.abs(ourFid - p.out.fid) / Math.abs(p.out.fid)).toExponential(1)}` : " (peer not run at this d)"),
      );
    }
  };

  // smaller d: both
  {
    const sa = gaussianStats({ data: features(rng, 4 * smallD, smallD, 0), dim: smallD });
    const sb = gaussianStats({ data: features(rng, 4 * smallD, smallD, 0.05), dim: smallD });
    const e = time(() => symmetricEigen(sa.cov, smallD, { vectors: true }));
    const f = time(() => frechetDistance(sa, sb));
    peerRow(smallD, sa, sb, [{ threads: T, eigMs: e.ms, frMs: f.ms }], true);
  }
  // full d: ours, and the peer unless disabled
  const runs = [{ threads: T, eigMs: eig.ms, frMs: fr.ms }];
  if (T > 1) runs.push({ threads: 1, eigMs: eig1.ms, frMs: fr1.ms });
  peerRow(d, ca.out, cb.out, runs, peerFull);
  log(`[${engine(T)}; ${cpu}; load average at end: ${loadavg().map((x) => x.toFixed(2)).join(", ")}]`);
  setThreads(undefined);
  return rows;
}

/** The suite for the runner (`pnpm bench metrics [--quick] [--no-peer-2048=1] [--no-numpy=1] [--small-d=512]`). */
export const metricsSuite: BenchSuite = {
  name: "metrics",
  description: "FID 10 000 vs 10 000 features, d = 2048: covariance, eigensolver and Fréchet distance vs ml-matrix (also at d = 512) and NumPy",
  async run(ctx): Promise<SuiteResult> {
    const out = await runMetricsBench({
      quick: ctx.quick,
      peerFull: ctx.options["no-peer-2048"] === undefined && !ctx.quick,
      numpy: ctx.options["no-numpy"] === undefined,
      ...(ctx.options["small-d"] !== undefined ? { smallD: Number(ctx.options["small-d"]) } : {}),
      log: ctx.log,
    });
    const rows: BenchRow[] = [];
    for (const r of out) {
      const label = `d=${r.d} ${r.case}${r.n !== undefined ? ` (n=${r.n})` : ""}, ${r.threads} thread${r.threads > 1 ? "s" : ""}`;
      const note = r.numpyMs !== undefined ? `NumPy ${(r.numpyMs / 1000).toFixed(2)} s; ours / NumPy = ${(r.atlasMs / r.numpyMs).toFixed(2)}` : undefined;
      rows.push({ variant: `${label}, Atlas`, backend: "js-float64", steps: 1, msPerStep: r.atlasMs, ...(r.ratio !== undefined ? { ratio: r.ratio } : {}), ...(note ? { note } : {}) });
      if (r.peerMs !== undefined) rows.push({ variant: `${label}, ml-matrix`, backend: "js-float64", steps: 1, msPerStep: r.peerMs, ratio: 1, ...(r.relDiff !== undefined ? { note: `|ΔFID|/FID ${r.relDiff.toExponential(1)}` } : {}) });
    }
    return {
      suite: "metrics",
      description: this.description,
      backend: "js-float64 (no tfjs)",
      rows,
      notes: [
        "ratio on an Atlas row = ml-matrix time / Atlas time for the same step in this run (peer rows = 1); the note gives NumPy's time for the step (its own data, same shape) and ours / NumPy",
        `${out[0]?.engine ?? ""}; ${out[0]?.cpu ?? ""}`,
      ],
      extra: { rows: out },
    };
  },
};

const isMain = typeof process !== "undefined" && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const args = process.argv.slice(2);
  const rows = await runMetricsBench({ quick: args.includes("--quick"), peerFull: !args.includes("--no-peer-2048"), numpy: !args.includes("--no-numpy") });
  console.log(JSON.stringify(rows, null, 1));
}
