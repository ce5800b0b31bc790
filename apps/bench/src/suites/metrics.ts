/**
 * Metrics benchmark (issue 3), ratios from one run:
 *
 * FID between 10 000 and 10 000 feature rows of d = 2048 (the InceptionV3 pool3 size):
 * the covariances (float64, two-pass, blocked XᵀX), the eigensolver alone (symmetric
 * eigendecomposition of one 2048×2048 covariance with eigenvectors) and the Fréchet distance from
 * the statistics, beside a straightforward implementation of the same formula with ml-matrix
 * (its EigenvalueDecomposition with assumeSymmetric, `mmul` products, sqrtm through the
 * eigendecomposition, eigenvalues of A Σ₂ A), on the same statistics. The peer's full d = 2048 case
 * takes minutes, so it also runs at a smaller d (default 512) — rows are labelled by d.
 *
 * Run alone: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/suites/metrics.ts [--quick] [--no-peer-2048]`
 */
import { Rng } from "@atlas/core";
import { frechetDistance, gaussianStats, symmetricEigen, type GaussianStats } from "@atlas/metrics";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { cpus } from "node:os";
import type { BenchRow, BenchSuite, SuiteResult } from "../framework.js";

/** One measured row. */
export interface MetricsBenchRow {
  case: "fid-full" | "eigensolver" | "frechet-from-stats" | "covariance";
  /** Feature dimension. */
  d: number;
  /** Rows per feature set (covariance / full FID rows). */
  n?: number;
  /** Ours, milliseconds. */
  atlasMs: number;
  /** ml-matrix peer, milliseconds (absent when not run). */
  peerMs?: number;
  /** peerMs / atlasMs. */
  ratio?: number;
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
  /** Dimension of the smaller peer comparison (default 512). */
  smallD?: number;
  log?: (line: string) => void;
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

/** Runs the metrics suite and returns its rows (also logged). */
export async function runMetricsBench(options: MetricsBenchOptions = {}): Promise<MetricsBenchRow[]> {
  const log = options.log ?? ((s: string) => console.log(s));
  const quick = options.quick ?? false;
  const d = quick ? 256 : 2048;
  const n = quick ? 1000 : 10_000;
  const smallD = options.smallD ?? (quick ? 128 : 512);
  const peerFull = options.peerFull ?? !quick;
  const cpu = `${cpus()[0]?.model ?? "unknown CPU"} ×${cpus().length}`;
  const engine = `plain JS Float64Array (Node ${process.versions.node}), single thread`;
  const rows: MetricsBenchRow[] = [];
  const rng = new Rng(2048);

  // warm up the JIT on a small case
  {
    const w = features(rng, 300, 64, 0);
    const s = gaussianStats({ data: w, dim: 64 });
    frechetDistance(s, s);
    symmetricEigen(s.cov, 64, { vectors: true });
  }

  // full FID at d: covariances, eigensolver, Fréchet distance
  const xa = features(rng, n, d, 0);
  const xb = features(rng, n, d, 0.05);
  const ca = time(() => gaussianStats({ data: xa, dim: d }));
  const cb = time(() => gaussianStats({ data: xb, dim: d }));
  rows.push({ case: "covariance", d, n, atlasMs: (ca.ms + cb.ms) / 2, cpu, engine });
  log(`gaussianStats n=${n} d=${d}: ${(ca.ms / 1000).toFixed(1)} s, ${(cb.ms / 1000).toFixed(1)} s (float64, two-pass, blocked XᵀX)`);
  const eig = time(() => symmetricEigen(ca.out.cov, d, { vectors: true }));
  const fr = time(() => frechetDistance(ca.out, cb.out));
  rows.push({ case: "fid-full", d, n, atlasMs: ca.ms + cb.ms + fr.ms, value: fr.out.fid, cpu, engine });
  log(`FID n=${n}+${n} d=${d}: total ${((ca.ms + cb.ms + fr.ms) / 1000).toFixed(1)} s = covariances ${((ca.ms + cb.ms) / 1000).toFixed(1)} s + Fréchet distance ${(fr.ms / 1000).toFixed(1)} s; FID = ${fr.out.fid.toFixed(6)}`);

  const peerRow = (dd: number, a: GaussianStats, b: GaussianStats, ours: number, ourEigMs: number, runPeer: boolean): void => {
    if (!runPeer) {
      rows.push({ case: "eigensolver", d: dd, atlasMs: ourEigMs, cpu, engine });
      rows.push({ case: "frechet-from-stats", d: dd, atlasMs: ours, cpu, engine });
      log(`d=${dd}: eigensolver ${(ourEigMs / 1000).toFixed(2)} s, Fréchet distance from stats ${(ours / 1000).toFixed(2)} s (peer not run at this d)`);
      return;
    }
    const ourFid = frechetDistance(a, b).fid;
    const p = time(() => peerFrechet(a, b));
    rows.push({ case: "eigensolver", d: dd, atlasMs: ourEigMs, peerMs: p.out.eigMs, ratio: p.out.eigMs / ourEigMs, cpu, engine });
    rows.push({
      case: "frechet-from-stats",
      d: dd,
      atlasMs: ours,
      peerMs: p.ms,
      ratio: p.ms / ours,
      relDiff: Math.abs(ourFid - p.out.fid) / Math.abs(p.out.fid),
      value: ourFid,
      cpu,
      engine,
    });
    log(
      `d=${dd}: eigensolver ours ${(ourEigMs / 1000).toFixed(2)} s vs ml-matrix ${(p.out.eigMs / 1000).toFixed(2)} s (${(p.out.eigMs / ourEigMs).toFixed(1)}×); ` +
        `Fréchet distance from stats ours ${(ours / 1000).toFixed(2)} s vs ml-matrix ${(p.ms / 1000).toFixed(2)} s (${(p.ms / ours).toFixed(1)}×); ` +
        `|ΔFID|/FID = ${(Math.abs(ourFid - p.out.fid) / Math.abs(p.out.fid)).toExponential(1)}`,
    );
  };

  // smaller d: both
  {
    const sa = gaussianStats({ data: features(rng, 4 * smallD, smallD, 0), dim: smallD });
    const sb = gaussianStats({ data: features(rng, 4 * smallD, smallD, 0.05), dim: smallD });
    const e = time(() => symmetricEigen(sa.cov, smallD, { vectors: true }));
    const f = time(() => frechetDistance(sa, sb));
    peerRow(smallD, sa, sb, f.ms, e.ms, true);
  }
  // full d: ours, and the peer unless disabled
  peerRow(d, ca.out, cb.out, fr.ms, eig.ms, peerFull);
  log(`[${engine}; ${cpu}]`);
  return rows;
}

/** The suite for the runner (`pnpm bench metrics [--quick] [--no-peer-2048=1] [--small-d=512]`). */
export const metricsSuite: BenchSuite = {
  name: "metrics",
  description: "FID 10 000 vs 10 000 features, d = 2048: covariance, eigensolver and Fréchet distance vs ml-matrix (also at d = 512)",
  async run(ctx): Promise<SuiteResult> {
    const out = await runMetricsBench({
      quick: ctx.quick,
      peerFull: ctx.options["no-peer-2048"] === undefined && !ctx.quick,
      ...(ctx.options["small-d"] !== undefined ? { smallD: Number(ctx.options["small-d"]) } : {}),
      log: ctx.log,
    });
    const rows: BenchRow[] = [];
    for (const r of out) {
      const label = `d=${r.d} ${r.case}${r.n !== undefined ? ` (n=${r.n})` : ""}`;
      rows.push({ variant: `${label}, Atlas`, backend: "js-float64", steps: 1, msPerStep: r.atlasMs, ...(r.ratio !== undefined ? { ratio: r.ratio } : {}) });
      if (r.peerMs !== undefined) rows.push({ variant: `${label}, ml-matrix`, backend: "js-float64", steps: 1, msPerStep: r.peerMs, ratio: 1, ...(r.relDiff !== undefined ? { note: `|ΔFID|/FID ${r.relDiff.toExponential(1)}` } : {}) });
    }
    return {
      suite: "metrics",
      description: this.description,
      backend: "js-float64 (no tfjs)",
      rows,
      notes: [
        "ratio on an Atlas row = ml-matrix time / Atlas time for the same step in this run (peer rows = 1)",
        `${out[0]?.engine ?? ""}; ${out[0]?.cpu ?? ""}`,
      ],
      extra: { rows: out },
    };
  },
};

const isMain = typeof process !== "undefined" && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const args = process.argv.slice(2);
  const rows = await runMetricsBench({ quick: args.includes("--quick"), peerFull: !args.includes("--no-peer-2048") });
  console.log(JSON.stringify(rows, null, 1));
}
