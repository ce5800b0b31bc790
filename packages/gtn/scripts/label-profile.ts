/**
 * Times gtnLabels on the bench's data (standardised 10-cluster Gaussian mixture x, N(0, I) y) for
 * profiling: `tsx --conditions=@atlas/source scripts/label-profile.ts n=60000 d=5 [eps=0] [reps=1] [strategy=auto]`
 * (add `--cpu-prof` to node through NODE_OPTIONS to get a profile).
 */
import { initBackend, Rng } from "@atlas/core";
import { gtnLabels } from "../src/index.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const n = Number(args.n ?? 60000);
const d = Number(args.d ?? 5);
const eps = Number(args.eps ?? 0);
const reps = Number(args.reps ?? 1);
const strategy = (args.strategy ?? "auto") as "auto" | "tree" | "blocks";
const extra = { ...(args.block ? { blockSize: Number(args.block) } : {}), ...(args.L ? { candidates: Number(args.L) } : {}), ...(args.gemm ? { gemm: args.gemm as "tfjs" | "float64" } : {}) };
await initBackend();

const rng = new Rng(n + d);
const k = 10;
const centres = Float64Array.from(rng.normalArray(k * d, 0, 2));
const scales = Float64Array.from(rng.uniformArray(k * d, 0.3, 1.2));
const x = new Float64Array(n * d);
for (let i = 0; i < n; i++) {
  const c = rng.int(k);
  for (let j = 0; j < d; j++) x[i * d + j] = (centres[c * d + j] as number) + (scales[c * d + j] as number) * rng.normal();
}
for (let j = 0; j < d; j++) {
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i * d + j] as number;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((x[i * d + j] as number) - m) ** 2;
  const s = Math.sqrt(v / n);
  for (let i = 0; i < n; i++) x[i * d + j] = ((x[i * d + j] as number) - m) / s;
}
const y = Float64Array.from(rng.normalArray(n * d));
let ref: Int32Array | null = null;
for (let r = 0; r < reps; r++) {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const out = gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { cosineTolerance: eps, strategy, ...extra });
  const cpu = process.cpuUsage(c0);
  console.log(`n=${n} d=${d} eps=${eps} ${strategy}: ${(performance.now() - t).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu`);
  if (ref && !out.every((v, i) => v === ref?.[i])) throw new Error("not deterministic");
  ref = out;
}
if (args.check) {
  const t = performance.now();
  const s = gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { cosineTolerance: eps, method: "scan" });
  console.log(`scan ${(performance.now() - t).toFixed(0)} ms, identical ${s.every((v, i) => v === ref?.[i])}`);
}
