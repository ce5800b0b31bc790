/**
 * Sweep of gtnLabels' cosineTolerance on the paper's uniform-square experiment (Figure 3B):
 * per-axis KS of GTN samples against U(0,1), fraction outside, corr(‖y‖, ‖label‖), times.
 *
 * Run: cd packages/gtn && ../../apps/bench/node_modules/.bin/tsx --conditions=@atlas/source scripts/tolerance-sweep.ts n=20000 eps=0,1e-4,1e-3 [lr=1e-3] [epochs=100] [seed=2]
 */
import { initBackend, uniformSquare, disjointUniforms, Rng } from "@atlas/core";
import { gtnLabels, trainGTN, uniformSquareStats, gapFraction, ks } from "../src/index.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const n = Number(args.n ?? 20000);
const epsList = (args.eps ?? "0,1e-4,1e-3").split(",").map(Number);
const lr = Number(args.lr ?? 1e-3);
const epochs = Number(args.epochs ?? 100);
const seed = Number(args.seed ?? 2);
const batch = args.batch ? Number(args.batch) : undefined;
const extra = {
  ...(args.patience ? { patience: Number(args.patience) } : {}),
  ...(args.width ? { width: Number(args.width) } : {}),
  ...(args.layers ? { hiddenLayers: Number(args.layers) } : {}),
  ...(batch ? { batchSize: batch } : {}),
  ...(args.halve ? { halveLearningRateAt: args.halve.split(",").map(Number) } : {}),
};
const experiment = args.exp ?? "uniform";
const backend = await initBackend();
console.log(`backend ${backend.name}, n=${n}, lr=${lr}, experiment=${experiment}`);

function corrNorms(x: Float64Array, y: Float64Array, assign: Int32Array): number {
  const m = assign.length;
  const a = new Float64Array(m);
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    a[i] = Math.hypot(y[2 * i] as number, y[2 * i + 1] as number);
    const j = assign[i] as number;
    b[i] = Math.hypot(x[2 * j] as number, x[2 * j + 1] as number);
  }
  const mean = (v: Float64Array): number => v.reduce((s, t) => s + t, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < m; i++) {
    sab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    saa += ((a[i] as number) - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

for (const eps of epsList) {
  if (experiment === "uniform") {
    const data = uniformSquare(n, seed);
    // label-quality proxy on standardised data, as trainGTN labels it
    const z = Float64Array.from(data.data, (v) => (v - 0.5) / Math.sqrt(1 / 12));
    const yv = Float64Array.from(new Rng(7).normalArray(n * 2));
    let t = performance.now();
    const assign = await gtnLabels({ data: z, dim: 2 }, { data: yv, dim: 2 }, { cosineTolerance: eps });
    const labelMs = performance.now() - t;
    const corr = corrNorms(z, yv, assign);
    t = performance.now();
    const gtn = await trainGTN({ data: data.data, dim: 2 }, { preset: "uniform", learningRate: lr, epochs, seed, cosineTolerance: eps, ...extra });
    const trainS = (performance.now() - t) / 1000;
    const inputs = gtn.sampleInputs(20000, 98);
    const out = gtn.map(inputs);
    const pts = out.dataSync();
    const ys = inputs.dataSync();
    const stats = uniformSquareStats(pts);
    // where the outside samples come from: their excess distance and the norm of their input
    const excess: number[] = [];
    const yn: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const a = pts[2 * i] as number;
      const b = pts[2 * i + 1] as number;
      const e = Math.max(0, -a, a - 1, -b, b - 1);
      if (e > 0) {
        excess.push(e);
        yn.push(Math.hypot(ys[2 * i] as number, ys[2 * i + 1] as number));
      }
    }
    excess.sort((p, q) => p - q);
    yn.sort((p, q) => p - q);
    const q = (v: number[], f: number): number => +(v[Math.floor(f * (v.length - 1))] ?? NaN).toFixed(4);
    console.log("  outside: excess median/p90", q(excess, 0.5), q(excess, 0.9), "‖y‖ p10/median", q(yn, 0.1), q(yn, 0.5));
    out.dispose();
    inputs.dispose();
    const h = gtn.report?.history;
    console.log(JSON.stringify({ eps, labelMs: Math.round(labelMs), corr: +corr.toFixed(3), ks: stats.ks.map((v) => +v.toFixed(4)), outside: +stats.outside.toFixed(4), epochs: h?.epochs.length, bestVal: h?.bestValidationLoss ?? null, trainS: +trainS.toFixed(1) }));
    gtn.dispose();
  } else {
    const data = disjointUniforms(n, seed);
    const res: Record<string, unknown> = { eps };
    for (const k of args.plain === "0" ? [2] : [2, 1]) {
      const gtn = await trainGTN({ data: data.data, dim: 2 }, { preset: "uniform", learningRate: lr, epochs, seed, clusters: k, cosineTolerance: eps, ...extra });
      const inputs = gtn.sampleInputs(20000, 97);
      const out = gtn.map(inputs);
      const pts = out.dataSync();
      const g = gapFraction(pts);
      // where gap samples come from: their input's distance (in that cluster's x-std) from the
      // nearest cluster mean, towards the other cluster
      const ys = inputs.dataSync();
      const sig: number[] = [];
      if (gtn.clusters) {
        for (let i = 0; i < 20000; i++) {
          const a = pts[2 * i] as number;
          if (!(a > 1 && a < 2)) continue;
          const yx = ys[2 * i] as number;
          let best = Infinity;
          for (const c of gtn.clusters) {
            const z = Math.abs(yx - (c.mean[0] as number)) / (c.std[0] as number);
            if (z < best) best = z;
          }
          sig.push(best);
        }
        sig.sort((p, q) => p - q);
      }
      const q = (v: number[], f: number): number => +(v[Math.floor(f * (v.length - 1))] ?? NaN).toFixed(2);
      // how evenly the squares are filled: per-axis KS of the samples of each square (x < 1.5 is
      // the left one) against U(0, 1) after shifting the right one by −2
      const sq: number[][][] = [[[], []], [[], []]];
      for (let i = 0; i < 20000; i++) {
        const a = pts[2 * i] as number;
        const b = pts[2 * i + 1] as number;
        const side = a < 1.5 ? 0 : 1;
        (sq[side]?.[0] as number[]).push(a - 2 * side);
        (sq[side]?.[1] as number[]).push(b);
      }
      const cdf = (v: number): number => Math.min(1, Math.max(0, v));
      const squareKs = sq.map((axes) => axes.map((v) => +ks(v, cdf).toFixed(3)));
      out.dispose();
      inputs.dispose();
      res[k === 2 ? "clustered" : "plain"] = { gap: +g.gap.toFixed(4), outside: +g.outside.toFixed(4), epochs: gtn.report?.history.epochs.length, squareKs, ...(sig.length ? { gapInputSigma: [q(sig, 0.1), q(sig, 0.5), q(sig, 0.9)] } : {}) };
      gtn.dispose();
    }
    console.log(JSON.stringify(res));
  }
}
