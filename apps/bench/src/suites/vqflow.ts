/**
 * Suite `vqflow` (issue 13): VQ-Flows against their plain flows, and the flow's speed.
 *
 * - `perf` (default): flow training samples/s of a plain RealNVP (`codebookSize: 1`) through
 *   `trainVqFlow`, beside the same RealNVP written in PyTorch (`vqflow_realnvp_torch.py`, Debian's
 *   python3-torch) right after it in the same run, at the toy size (d = 3, L = 8, hidden 64×2,
 *   batch 256) and at MNIST size (d = 784, L = 5, hidden 512, batch 100); VQ-RealNVP (K = 8) training
 *   throughput; `logProb` throughput for n = 100 000 toy points (K = 1 and K = 8).
 * - `toy` (default): sphere S², torus, two linked rings in R³ (noise 0.05): RealNVP vs VQ-RealNVP
 *   and MAF vs VQ-MAF — test NLL, MMD² to held-out data, the fraction of samples within 0.1 of the
 *   true manifold, ∫ eq. (2) (= 1 − the share of draws outside their chart), training time;
 *   PNG scatter plots of samples in three views (`bench-results/vqflow-<set>.png`).
 * - `mnist` (`--parts=mnist`, see vqflow-mnist.ts): bits/dim and FID over epochs.
 *
 * Options: `--parts=perf,toy[,mnist]`, `--toy-train` (5000), `--toy-test` (2000), `--toy-epochs`
 * (40), `--toy-ae-epochs` (20), `--sets=sphere,torus,twoRings`, `--perf-steps` (30),
 * `--torch-threads` (2), `--python` (/usr/bin/python3), `--quick`.
 */
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { Rng, initBackend, sphere, torus, twoRings } from "@atlas/core";
import { createVqFlow, mmd, trainVqFlow, type VqFlow, type VqFlowOptions } from "@atlas/vqflow";
import type { BenchRow, BenchSuite, SuiteContext, SuiteResult } from "../framework.js";
import { runMnistPart } from "./vqflow-mnist.js";
import { savePanels, scatterViews } from "./vqflow-plots.js";

const RESULTS_DIR = fileURLToPath(new URL("../../bench-results", import.meta.url));
const NOISE = 0.05;
/** A sample counts as on the manifold within this distance (2σ of the data noise). */
const TOLERANCE = 0.1;

function int(o: Record<string, string>, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} expects a non-negative integer, got '${v}'`);
  return n;
}

type ToySet = "sphere" | "torus" | "twoRings";

/** The toy set, its distance to the true manifold, and plot bounds. */
const TOY: Record<ToySet, { draw: (n: number, seed: number) => { data: Float32Array; n: number; dim: number }; distance: (x: number, y: number, z: number) => number; bounds: [number, number] }> = {
  sphere: { draw: (n, s) => sphere(n, s, { noise: NOISE }), distance: (x, y, z) => Math.abs(Math.hypot(x, y, z) - 1), bounds: [-1.4, 1.4] },
  torus: {
    draw: (n, s) => torus(n, s, { noise: NOISE }),
    distance: (x, y, z) => Math.abs(Math.hypot(Math.hypot(x, y) - 2, z) - 1),
    bounds: [-3.3, 3.3],
  },
  twoRings: {
    draw: (n, s) => twoRings(n, s, { noise: NOISE }),
    distance: (x, y, z) => Math.min(Math.hypot(Math.hypot(x, y) - 1, z), Math.hypot(Math.hypot(x - 1, z) - 1, y)),
    bounds: [-1.4, 2.4],
  },
};

const VARIANTS: { name: string; flow: "realnvp" | "maf"; charts: boolean }[] = [
  { name: "RealNVP", flow: "realnvp", charts: false },
  { name: "VQ-RealNVP", flow: "realnvp", charts: true },
  { name: "MAF", flow: "maf", charts: false },
  { name: "VQ-MAF", flow: "maf", charts: true },
];

/** One toy result. */
export interface ToyRow {
  set: ToySet;
  variant: string;
  parameters: number;
  epochs: number;
  trainSeconds: number;
  testNll: number;
  mmd2: number;
  onManifold: number;
  /** ∫ eq. (2) = 1 − Σ p_k (1 − M_k) (1 for a plain flow). */
  integral: number;
  chartsPerPoint: number;
}

function onManifold(points: Float32Array, distance: (x: number, y: number, z: number) => number): number {
  let inside = 0;
  const n = points.length / 3;
  for (let i = 0; i < n; i++) if (distance(points[3 * i] as number, points[3 * i + 1] as number, points[3 * i + 2] as number) <= TOLERANCE) inside++;
  return inside / n;
}

async function meanChartsPerPoint(model: VqFlow, test: { data: Float32Array; n: number; dim: number }): Promise<number> {
  if (model.charts === 1) return 1;
  const m = await model.chartsOf(test);
  const total = (await tf.sum(tf.cast(m, "int32")).data())[0] as number;
  m.dispose();
  return total / test.n;
}

async function runToy(ctx: SuiteContext, rows: BenchRow[], notes: string[]): Promise<ToyRow[]> {
  const o = ctx.options;
  const q = ctx.quick;
  const nTrain = int(o, "toy-train", q ? 1000 : 5000);
  const nTest = int(o, "toy-test", q ? 500 : 2000);
  const epochs = int(o, "toy-epochs", q ? 3 : 40);
  const aeEpochs = int(o, "toy-ae-epochs", q ? 3 : 20);
  const sets = (o.sets ?? "sphere,torus,twoRings").split(",") as ToySet[];
  const out: ToyRow[] = [];
  await mkdir(RESULTS_DIR, { recursive: true });
  for (const set of sets) {
    const spec = TOY[set];
    if (!spec) throw new Error(`--sets: unknown set '${set}'`);
    const train = spec.draw(nTrain, 0);
    const test = spec.draw(nTest, 1);
    const panels = scatterViews(test.data, null, spec.bounds);
    for (const v of VARIANTS) {
      const options: VqFlowOptions = { preset: set, flow: v.flow, seed: 0, ...(v.charts ? {} : { codebookSize: 1 }) };
      const model = createVqFlow(options);
      try {
        ctx.log(`  ${set} / ${v.name}: ${nTrain} points, ≤ ${epochs} epochs…`);
        const t0 = performance.now();
        const r = await trainVqFlow(model, train, { epochs, autoencoderEpochs: aeEpochs, validation: test, patience: 5, seed: 0 });
        const seconds = (performance.now() - t0) / 1000;
        const lp = await model.logProb(test);
        const nll = -lp.reduce((a, b) => a + b, 0) / lp.length;
        const { x, charts } = await model.sampleWithCharts(nTest, 1);
        const pts = (await x.data()) as Float32Array;
        x.dispose();
        const mass = model.charts > 1 ? await model.measureChartMass({ samples: 5000, seed: 2 }) : null;
        const row: ToyRow = {
          set,
          variant: v.name,
          parameters: model.params.entries().reduce((s, [, w]) => s + w.size, 0),
          epochs: r.stage2?.epochs.length ?? 0,
          trainSeconds: seconds,
          testNll: nll,
          mmd2: mmd({ data: pts, dim: 3 }, test, { bandwidth: 0.2 }).mmd2,
          onManifold: onManifold(pts, spec.distance),
          integral: mass ? 1 - mass.outside : 1,
          chartsPerPoint: await meanChartsPerPoint(model, test),
        };
        out.push(row);
        rows.push({ variant: `${set}: ${v.name}`, backend: tf.getBackend(), steps: row.epochs, msPerStep: (seconds * 1000) / Math.max(1, row.epochs), note: `test NLL ${nll.toFixed(3)} nats, MMD² ${row.mmd2.toFixed(4)}, on manifold ${(row.onManifold * 100).toFixed(1)}%, ∫eq.2 ${row.integral.toFixed(3)}, ${seconds.toFixed(0)} s` });
        ctx.log(`    NLL ${nll.toFixed(3)}, MMD² ${row.mmd2.toFixed(4)}, within ${TOLERANCE}: ${(row.onManifold * 100).toFixed(1)}%, ∫ eq.2 = ${row.integral.toFixed(3)}, ${row.chartsPerPoint.toFixed(2)} charts/point, ${seconds.toFixed(0)} s`);
        panels.push(...scatterViews(pts, v.charts ? charts : null, spec.bounds));
      } finally {
        model.dispose();
      }
    }
    const path = `${RESULTS_DIR}/vqflow-${set}.png`;
    await savePanels(path, panels, 3);
    notes.push(`${set}: scatter plots (rows: held-out data, RealNVP, VQ-RealNVP, MAF, VQ-MAF; columns x–y, x–z, y–z; VQ samples coloured by chart) → ${path}`);
    const data = onManifold(test.data, spec.distance);
    notes.push(`${set}: held-out data within ${TOLERANCE} of the manifold: ${(data * 100).toFixed(1)}% (the reference for the samples' fraction)`);
  }
  return out;
}

interface TorchResult {
  msPerStep: number;
  samplesPerSecond: number;
  logProbPointsPerSecond: number | null;
  threads: number;
  version: string;
  parameters: number;
}

async function torchFlow(ctx: SuiteContext, d: number, layers: number, hidden: number[], batch: number, steps: number, evalN: number): Promise<TorchResult | null> {
  const script = fileURLToPath(new URL("./vqflow_realnvp_torch.py", import.meta.url));
  const python = ctx.options.python ?? "/usr/bin/python3";
  try {
    const args = [script, String(d), String(layers), hidden.join(","), String(batch), String(steps), "3", String(int(ctx.options, "torch-threads", 2)), String(evalN)];
    const { stdout } = await promisify(execFile)(python, args, { timeout: 1_800_000 });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as TorchResult;
  } catch (err) {
    ctx.log(`    PyTorch not measured: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
    return null;
  }
}

/** Training samples/s of `trainVqFlow` on standard normal data (one epoch of `steps` batches after a warm-up epoch). */
async function tfjsTrainRate(options: VqFlowOptions, d: number, batch: number, steps: number): Promise<{ rate: number; parameters: number }> {
  const model = createVqFlow(options);
  try {
    const rng = new Rng(0);
    const n = batch * steps;
    const data = { data: rng.normalArray(n * d), n, dim: d };
    const warm = { data: data.data.subarray(0, batch * 3 * d), n: batch * 3, dim: d };
    await trainVqFlow(model, warm, { epochs: 1, autoencoderEpochs: 1, batchSize: batch, autoencoderBatchSize: batch, learningRate: 1e-3 });
    let rate = 0;
    await trainVqFlow(model, data, { stages: [2], epochs: 1, batchSize: batch, learningRate: 1e-3, onProgress: (e) => (rate = e.samplesPerSecond) });
    return { rate, parameters: model.params.list("flow/").reduce((s, w) => s + w.size, 0) };
  } finally {
    model.dispose();
  }
}

async function logProbRate(model: VqFlow, n: number): Promise<number> {
  const pts = sphere(n, 9, { noise: NOISE });
  await model.logProb({ data: pts.data.subarray(0, 3 * 4096), n: 4096, dim: 3 });
  const t0 = performance.now();
  await model.logProb(pts);
  return n / ((performance.now() - t0) / 1000);
}

async function runPerf(ctx: SuiteContext, rows: BenchRow[], notes: string[]): Promise<Record<string, unknown>> {
  const steps = int(ctx.options, "perf-steps", ctx.quick ? 5 : 30);
  const extra: Record<string, unknown> = {};
  const configs = [
    { label: "toy (d = 3, L = 8, hidden 64×2, batch 256)", d: 3, layers: 8, hidden: [64, 64], batch: 256 },
    { label: "MNIST size (d = 784, L = 5, hidden 512, batch 100)", d: 784, layers: 5, hidden: [512], batch: 100 },
  ];
  for (const c of configs) {
    ctx.log(`  RealNVP training, ${c.label}: tfjs then PyTorch, ${steps} steps each…`);
    const mine = await tfjsTrainRate({ dataShape: [c.d], codebookSize: 1, layers: c.layers, hidden: c.hidden, seed: 0 }, c.d, c.batch, steps);
    const peer = await torchFlow(ctx, c.d, c.layers, c.hidden, c.batch, steps, 0);
    const base = `RealNVP training, ${c.label}`;
    rows.push({ variant: `${base}: @atlas/vqflow`, backend: tf.getBackend(), steps, throughput: mine.rate, unit: "samples", msPerStep: (c.batch * 1000) / mine.rate, note: `${mine.parameters} parameters` });
    if (peer) {
      rows.push({ variant: `${base}: PyTorch`, backend: "pytorch", steps, throughput: peer.samplesPerSecond, unit: "samples", msPerStep: peer.msPerStep, note: `torch ${peer.version}, ${peer.threads} threads, ${peer.parameters} parameters` });
      notes.push(`${base}: @atlas/vqflow / PyTorch = ${(mine.rate / peer.samplesPerSecond).toFixed(2)}× (same run, one after the other)`);
      extra[`ratio ${c.label}`] = mine.rate / peer.samplesPerSecond;
    }
  }
  ctx.log("  VQ-RealNVP (K = 8, sphere preset) training throughput…");
  const vq = await tfjsTrainRate({ preset: "sphere", seed: 0 }, 3, 256, steps);
  rows.push({ variant: "VQ-RealNVP training (sphere preset, K = 8, L = 8, batch 256)", backend: tf.getBackend(), steps, throughput: vq.rate, unit: "samples", msPerStep: (256 * 1000) / vq.rate });

  ctx.log("  logProb throughput, n = 100 000 toy points…");
  const n = ctx.quick ? 20_000 : 100_000;
  const train = sphere(3000, 0, { noise: NOISE });
  for (const charts of [1, 8]) {
    const model = createVqFlow({ preset: "sphere", codebookSize: charts, seed: 0 });
    try {
      await trainVqFlow(model, train, { epochs: 1, autoencoderEpochs: 2 });
      const rate = await logProbRate(model, n);
      const cpp = await meanChartsPerPoint(model, sphere(2000, 3, { noise: NOISE }));
      rows.push({ variant: `logProb, n = ${n}, sphere preset, K = ${charts}`, backend: tf.getBackend(), steps: 1, throughput: rate, unit: "points", msPerStep: (n * 1000) / rate, note: `${cpp.toFixed(2)} charts per point (flow rows per point)` });
    } finally {
      model.dispose();
    }
  }
  const peerEval = await torchFlow(ctx, 3, 8, [64, 64], 256, 3, n);
  if (peerEval?.logProbPointsPerSecond) {
    rows.push({ variant: `logProb, n = ${n}, plain RealNVP: PyTorch`, backend: "pytorch", steps: 1, throughput: peerEval.logProbPointsPerSecond, unit: "points", note: `torch ${peerEval.version}, ${peerEval.threads} threads, batches of 4096, no_grad` });
  }
  return extra;
}

export const vqflowSuite: BenchSuite = {
  name: "vqflow",
  description: "VQ-Flows: RealNVP/MAF vs their VQ variants on toy 3-D sets (NLL, MMD, on-manifold share, PNG), flow training vs PyTorch, logProb throughput; --parts=mnist for bits/dim and FID over epochs",
  async run(ctx): Promise<SuiteResult> {
    const selected = await initBackend();
    ctx.log(`initBackend: ${selected.name} (${selected.reason})`);
    const parts = (ctx.options.parts ?? "perf,toy").split(",");
    const rows: BenchRow[] = [];
    const notes: string[] = ["one run on a 2-core machine shared with other jobs: absolute times are noisy, ratios are from consecutive measurements"];
    const extra: Record<string, unknown> = {};
    if (parts.includes("perf")) Object.assign(extra, await runPerf(ctx, rows, notes));
    if (parts.includes("toy")) extra.toy = await runToy(ctx, rows, notes);
    if (parts.includes("mnist")) extra.mnist = await runMnistPart(ctx, rows, notes, RESULTS_DIR);
    return { suite: this.name, description: this.description, backend: selected.name, rows, notes, extra };
  },
};
