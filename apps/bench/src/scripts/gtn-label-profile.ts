/**
 * Times gtnLabels on the bench's data (standardised 10-cluster Gaussian mixture x, N(0, I) y) for
 * profiling: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/scripts/gtn-label-profile.ts n=60000 d=5 [eps=0] [reps=1] [strategy=auto]`
 * (add `--cpu-prof` to node through NODE_OPTIONS to get a profile).
 */
import { initBackend } from "@atlas/core";
import { gtnLabels } from "@atlas/gtn";
import { labelBenchData } from "../suites/gtn.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=") as [string, string]));
const n = Number(args.n ?? 60000);
const d = Number(args.d ?? 5);
const eps = Number(args.eps ?? 0);
const reps = Number(args.reps ?? 1);
const strategy = (args.strategy ?? "auto") as "auto" | "tree" | "blocks";
const extra = { ...(args.block ? { blockSize: Number(args.block) } : {}), ...(args.L ? { candidates: Number(args.L) } : {}), ...(args.gemm ? { gemm: args.gemm as "tfjs" | "float64" } : {}) };
await initBackend();

const { x: { data: x }, y: { data: y } } = labelBenchData(n, d, n + d);
let ref: Int32Array | null = null;
for (let r = 0; r < reps; r++) {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const out = await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { cosineTolerance: eps, strategy, ...extra });
  const cpu = process.cpuUsage(c0);
  console.log(`n=${n} d=${d} eps=${eps} ${strategy}: ${(performance.now() - t).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu`);
  if (ref && !out.every((v, i) => v === ref?.[i])) throw new Error("not deterministic");
  ref = out;
}
if (args.check) {
  const t = performance.now();
  const s = await gtnLabels({ data: x, dim: d }, { data: y, dim: d }, { cosineTolerance: eps, method: "scan" });
  console.log(`scan ${(performance.now() - t).toFixed(0)} ms, identical ${s.every((v, i) => v === ref?.[i])}`);
}
