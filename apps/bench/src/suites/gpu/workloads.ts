/**
 * The workloads of the `gpu` bench suite, on whatever tfjs backend is active: browser-safe (no
 * Node imports) so that the same code runs in Node (wasm here, WebGPU on Dawn on the GPU machine)
 * and in Chromium (WebGPU; SwiftShader without a GPU).
 *
 * - `ae-128`, `ae-1024`: one training step (Adam 1e-3, MSE) of the GTN paper's MNIST autoencoder
 *   (Appendix F, `gtnMnistAutoencoder({ latentDim: 5 })`) at batch 128 and 1024.
 * - `awae-m1`, `awae-m4`, `awae-m8`: one `AwaeGanTrainer.step` of the AGM paper's AWAE-GAN at the
 *   paper's widths (`paperAwaeGanOptions(m)`: h = 128, 64, 48) at batch 100; an MNIST epoch is 600
 *   such steps.
 * - `bn-grad`: one batch-norm layer (core's `batchNormalization`, as the AWAE-GAN and the AE's latent
 *   use it) in training, forward + backward to x, γ and β, on a 100×14×14×64 activation: Atlas's
 *   fused `AtlasBatchNormGrad` (webgpu) against tfjs's composed gradient (`--kernels=stock`).
 * - `act-grad`: a Swish activation (core's `activate`, as after each AWAE-GAN batch norm), forward +
 *   backward, on a 100×14×14×64 activation: Atlas's one-kernel `AtlasActivationGrad` (webgpu) against
 *   tfjs's 7-kernel chain (`--kernels=stock`).
 * - `adam-ae`: Adam's update alone (core's `adam()`) of the App. F autoencoder's weights with fixed
 *   gradients: the fused `AtlasAdamUpdate` (webgpu) against tfjs's per-variable chain (`--kernels=stock`).
 * - `geodesic-decode`: the decoding of a geodesic graph build's edge weights — `decodedCurveLengths`
 *   (the routine `buildGeodesicGraph` uses) through the App. F decoder, 16 points per edge,
 *   4096 points per decoder call (the build's defaults); throughput in decoded points per second.
 *
 * Timing: GPU work is asynchronous, so a step is timed until a result that depends on all of its
 * kernels has been read back. The AE loop awaits the last step's loss only (the optimizer's update
 * kernels are queued before that read, and the queue runs in order), so per-step read-back
 * latency is not counted; the AWAE-GAN trainer reads its step statistics itself every step (what
 * a user gets); the curve lengths are read back by `decodedCurveLengths`.
 */
import * as tf from "@tensorflow/tfjs";
import { AwaeGanTrainer, createAwaeGan, paperAwaeGanOptions } from "@atlas/agm";
import { Rng, activate, adam, batchNormalization, gtnMnistAutoencoder, singleChartAtlas } from "@atlas/core";
import { decodedCurveLengths } from "@atlas/geodesic";

/**
 * Time `steps` calls of `step` after `warmup` (each warm-up read back, so compilation is done):
 * the timed steps are dispatched back to back and only the last one's scalar is read, so the time
 * covers the whole queue without a read per step. Returns ms per step and that last value.
 */
async function timeScalarSteps(step: () => tf.Scalar, steps: number, warmup: number): Promise<{ ms: number; value: number }> {
  for (let i = 0; i < warmup; i++) {
    const s = step();
    await s.data();
    s.dispose();
  }
  const t0 = performance.now();
  let last: tf.Scalar | undefined;
  try {
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = step();
    }
    const value = (await last!.data())[0]!;
    return { ms: (performance.now() - t0) / steps, value };
  } finally {
    last?.dispose();
  }
}

/** One measured workload on one backend/kernel variant. */
export interface GpuRow {
  workload: string;
  /** `"webgpu, Atlas kernels"`, `"webgpu, stock kernels"`, `"wasm, Atlas kernels"`, `"PyTorch (cuda)"`, … */
  variant: string;
  backend: string;
  /** Samples per step (or decoded points per call). */
  batch: number;
  steps: number;
  msPerStep?: number;
  /** Samples (decoded points for geodesic-decode) per second. */
  throughput?: number;
  unit?: string;
  note?: string;
}

/** How long to measure. */
export interface GpuPlan {
  /** Timed steps (default per workload). */
  steps?: number;
  /** Untimed steps before (default 2; pipelines compile in the first). */
  warmup?: number;
  /** Scale down sizes that take minutes on a CPU (SwiftShader, wasm): fewer steps/edges. */
  quick?: boolean;
}

interface Workload {
  name: string;
  /** One step, for tf.profile (built and disposed inside). */
  profileStep?: () => Promise<() => Promise<void>>;
  batch: number;
  unit: string;
  describe: string;
  /** Default timed steps (full, quick). */
  steps: [number, number];
  /** Build, time `steps` steps after `warmup`, dispose. Returns milliseconds per step and a note. */
  run(steps: number, warmup: number, quick: boolean): Promise<{ msPerStep: number; batch?: number; note?: string }>;
}

/** The App. F autoencoder's training step at `batch`. */
function aeWorkload(batch: number): Workload {
  return {
    name: `ae-${batch}`,
    async profileStep() {
      const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
      const optimizer = adam(1e-3);
      const x = tf.tensor4d(new Rng(0).uniformArray(batch * 28 * 28), [batch, 28, 28, 1]);
      const step = async (): Promise<void> => {
        const l = optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar, true)!;
        await l.data();
        l.dispose();
      };
      await step();
      return async () => {
        await step();
        x.dispose();
        encoder.dispose();
        decoder.dispose();
        optimizer.dispose();
      };
    },
    batch,
    unit: "samples",
    describe: `GTN App. F autoencoder train step (Adam, MSE), batch ${batch}`,
    steps: [20, 3],
    async run(steps, warmup) {
      const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
      const optimizer = adam(1e-3);
      const x = tf.tensor4d(new Rng(0).uniformArray(batch * 28 * 28), [batch, 28, 28, 1]);
      const step = (): tf.Scalar => optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar, true)!;
      try {
        const { ms, value: loss } = await timeScalarSteps(step, steps, warmup);
        if (!Number.isFinite(loss)) throw new Error(`training diverged (loss ${loss})`);
        return { msPerStep: ms, note: `loss ${loss.toFixed(4)}` };
      } finally {
        x.dispose();
        encoder.dispose();
        decoder.dispose();
        optimizer.dispose();
      }
    },
  };
}

/** One AWAE-GAN step at the paper's width for `m` charts, batch 100. */
function awaeWorkload(m: 1 | 4 | 8): Workload {
  return {
    name: `awae-m${m}`,
    async profileStep() {
      const model = createAwaeGan(paperAwaeGanOptions(m, { seed: 1 }));
      const trainer = new AwaeGanTrainer(model, { seed: 2 });
      const x = tf.tensor4d(new Rng(3).uniformArray(100 * 28 * 28), [100, 28, 28, 1]);
      await trainer.step(x);
      return async () => {
        await trainer.step(x);
        x.dispose();
        trainer.dispose();
        model.dispose();
      };
    },
    batch: 100,
    unit: "samples",
    describe: `AWAE-GAN paper width m = ${m} (paperAwaeGanOptions), AwaeGanTrainer.step, batch 100`,
    steps: [5, 1],
    async run(steps, warmup) {
      const model = createAwaeGan(paperAwaeGanOptions(m, { seed: 1 }));
      const trainer = new AwaeGanTrainer(model, { seed: 2 });
      const x = tf.tensor4d(new Rng(3).uniformArray(100 * 28 * 28), [100, 28, 28, 1]);
      try {
        for (let i = 0; i < warmup; i++) await trainer.step(x);
        const t0 = performance.now();
        let rec = Number.NaN;
        for (let i = 0; i < steps; i++) rec = (await trainer.step(x)).reconstruction;
        const ms = (performance.now() - t0) / steps;
        if (!Number.isFinite(rec)) throw new Error(`training diverged (reconstruction ${rec})`);
        return { msPerStep: ms, note: `MNIST epoch (600 steps) ≈ ${((600 * ms) / 1000).toFixed(1)} s; ${model.countParameters().encodersAndDecoders.toLocaleString("en-US")} params` };
      } finally {
        x.dispose();
        trainer.dispose();
        model.dispose();
      }
    },
  };
}

/** A batch-norm layer's training forward + backward (x, γ, β) on a 100×14×14×64 activation. */
const bnWorkload: Workload = {
  name: "bn-grad",
  batch: 100,
  unit: "samples",
  describe: "batch-norm layer (core's batchNormalization) in training, forward + backward to x, γ, β, activation 100×14×14×64",
  steps: [20, 3],
  async run(steps, warmup) {
    const shape: [number, number, number, number] = [100, 14, 14, 64];
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = new Rng(5);
    const layer = batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const x0 = tf.tensor4d(rng.normalArray(size), shape);
    const x = tf.variable(x0);
    x0.dispose();
    const w = tf.tensor4d(rng.normalArray(size), shape);
    layer.build(shape);
    const vars = [x, ...layer.trainableWeights.map((v) => v.read() as tf.Variable)];
    // Σ of every gradient: one scalar that depends on all of the step's kernels
    const step = (): tf.Scalar =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)), vars);
        return tf.addN([value, ...vars.map((v) => tf.sum(grads[v.name]!))]) as tf.Scalar;
      });
    try {
      const { ms, value: check } = await timeScalarSteps(step, steps, warmup);
      if (!Number.isFinite(check)) throw new Error(`non-finite gradient sum ${check}`);
      return { msPerStep: ms, note: `${tf.getKernel("AtlasBatchNormGrad", tf.getBackend()) ? "fused AtlasBatchNormGrad" : "tfjs's composed gradient"}` };
    } finally {
      for (const v of layer.weights) v.dispose();
      x.dispose();
      w.dispose();
    }
  },
};

/** A Swish activation's forward + backward (core's `activate`, as after each AWAE-GAN batch norm) on a 100×14×14×64 activation. */
const activationWorkload: Workload = {
  name: "act-grad",
  batch: 100,
  unit: "samples",
  describe: "Swish x·σ(x) (core's activate, as the AWAE-GAN's layers), forward + backward to x, activation 100×14×14×64",
  steps: [20, 3],
  async run(steps, warmup) {
    const shape: [number, number, number, number] = [100, 14, 14, 64];
    const size = shape.reduce((a, b) => a * b, 1);
    const rng = new Rng(7);
    const x = tf.tensor4d(rng.normalArray(size, 0, 2), shape);
    const w = tf.tensor4d(rng.normalArray(size), shape);
    // Σ of the gradient: one scalar that depends on all of the step's kernels
    const step = (): tf.Scalar => tf.tidy(() => tf.sum(tf.grad((v: tf.Tensor) => activate(v, "swish"))(x, w)) as tf.Scalar);
    try {
      const { ms, value: check } = await timeScalarSteps(step, steps, warmup);
      if (!Number.isFinite(check)) throw new Error(`non-finite gradient sum ${check}`);
      return { msPerStep: ms, note: `${tf.getKernel("AtlasActivationGrad", tf.getBackend()) ? "fused AtlasActivationGrad" : "tfjs's composed gradient"}` };
    } finally {
      tf.dispose([x, w]);
    }
  },
};

/** Adam's update of the App. F autoencoder's weights (fixed gradients), one update per step. */
const adamWorkload: Workload = {
  name: "adam-ae",
  batch: 1,
  unit: "updates",
  describe: "Adam update (core's adam()) of the GTN App. F autoencoder's weights with fixed gradients; throughput in updates/s",
  steps: [20, 3],
  async run(steps, warmup) {
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
    const vars = [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as tf.Variable);
    const rng = new Rng(6);
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.tensor(rng.normalArray(v.size, 0, 1e-2), v.shape) }));
    const optimizer = adam(1e-3);
    // Σ of every variable: one scalar that depends on every update of the step (pairwise adds: an
    // addN of 14 tensors exceeds WebGPU's default 8 storage buffers per shader stage)
    const check = (): tf.Scalar => tf.tidy(() => vars.map((v) => tf.sum(v)).reduce((a, b) => tf.add(a, b)) as tf.Scalar);
    try {
      for (let i = 0; i < warmup; i++) {
        optimizer.applyGradients(grads);
        const c = check();
        await c.data();
        c.dispose();
      }
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) optimizer.applyGradients(grads);
      const c = check();
      const total = (await c.data())[0]!;
      c.dispose();
      const ms = (performance.now() - t0) / steps;
      if (!Number.isFinite(total)) throw new Error(`non-finite weights (Σ ${total})`);
      return { msPerStep: ms, note: `${vars.length} variables; ${tf.getKernel("AtlasAdamUpdate", tf.getBackend()) ? "fused AtlasAdamUpdate" : "tfjs's per-variable chain"}` };
    } finally {
      tf.dispose(grads.map((g) => g.tensor));
      optimizer.dispose();
      encoder.dispose();
      decoder.dispose();
    }
  },
};

/** Curve-length decoding of geodesic-graph edges (the build's step 4) through the App. F decoder. */
const geodesicWorkload: Workload = {
  name: "geodesic-decode",
  batch: 4096,
  unit: "decoded points",
  describe: "decodedCurveLengths through the App. F decoder: 16 points per edge, 4096 points per call",
  steps: [3, 1],
  async run(steps, warmup, quick) {
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
    const model = singleChartAtlas({
      latentDim: 5,
      dataShape: [28, 28, 1],
      encode: (x) => encoder.apply(x) as tf.Tensor2D,
      decode: (z) => decoder.apply(z) as tf.Tensor,
    });
    const edges = quick ? 512 : 8192;
    const rng = new Rng(4);
    const a = rng.uniformArray(edges * 5, -1, 1);
    const b = rng.uniformArray(edges * 5, -1, 1);
    const stepsPerEdge = 15;
    const run = (): Promise<Float64Array> => decodedCurveLengths(model, 0, a, b, 5, stepsPerEdge, 4096);
    try {
      for (let i = 0; i < warmup; i++) await run();
      const t0 = performance.now();
      let lengths: ArrayLike<number> = new Float64Array(0);
      for (let i = 0; i < steps; i++) lengths = await run();
      const ms = (performance.now() - t0) / steps;
      const points = edges * (stepsPerEdge + 1);
      if (!Array.from(lengths).every(Number.isFinite)) throw new Error("non-finite curve length");
      // throughput per decoded point: report ms per 4096-point call
      return { msPerStep: (ms * 4096) / points, note: `${edges} edges × 16 points per run, ${(ms / 1000).toFixed(2)} s a run` };
    } finally {
      encoder.dispose();
      decoder.dispose();
    }
  },
};

/** Every workload, by name, in the order they run. */
// the AWAE-GAN last: at m = 4 and 8, batch 100, a step does not fit wasm's 4 GiB heap (agm refuses
// it up front; before, tfjs-wasm wrote the unallocatable tensor at address 0 and the module aborted)
export const GPU_WORKLOADS: readonly Workload[] = [aeWorkload(128), aeWorkload(1024), bnWorkload, activationWorkload, adamWorkload, geodesicWorkload, awaeWorkload(1), awaeWorkload(4), awaeWorkload(8)];

/** The workload names (for `--workloads=`). */
export const GPU_WORKLOAD_NAMES: readonly string[] = GPU_WORKLOADS.map((w) => w.name);

/**
 * Run the named workloads on the active backend, labelled `variant`. A workload that fails (e.g. a
 * synchronous read on a GPU tensor in Node) gives a row with its error as the note.
 */
export async function runGpuWorkloads(names: readonly string[], variant: string, plan: GpuPlan = {}, log: (m: string) => void = () => {}): Promise<GpuRow[]> {
  const rows: GpuRow[] = [];
  const backend = tf.getBackend();
  for (const name of names) {
    const w = GPU_WORKLOADS.find((x) => x.name === name);
    if (w === undefined) throw new Error(`unknown gpu workload '${name}' (have ${GPU_WORKLOAD_NAMES.join(", ")})`);
    const steps = plan.steps ?? w.steps[plan.quick ? 1 : 0];
    const warmup = plan.warmup ?? (plan.quick ? 1 : 2);
    log(`  ${w.name} on ${variant}: ${warmup} warm-up + ${steps} timed…`);
    const before = tf.memory().numTensors;
    try {
      const r = await w.run(steps, warmup, plan.quick ?? false);
      const batch = r.batch ?? w.batch;
      rows.push({ workload: w.name, variant, backend, batch, steps, msPerStep: r.msPerStep, throughput: (batch * 1000) / r.msPerStep, unit: w.unit, ...(r.note ? { note: r.note } : {}) });
      log(`    ${r.msPerStep.toFixed(1)} ms/step, ${((batch * 1000) / r.msPerStep).toFixed(0)} ${w.unit}/s`);
    } catch (err) {
      const msg = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
      rows.push({ workload: w.name, variant, backend, batch: w.batch, steps: 0, note: `failed: ${msg.slice(0, 160)}` });
      log(`    failed: ${msg}`);
    }
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) log(`    (${leaked} tensors left behind)`);
  }
  return rows;
}

/**
 * Kernel time of one step of workload `name` under tf.profile (after one warm-up step), by kernel,
 * largest first. On WebGPU the times come from GPU timestamp queries where the device offers them.
 */
export async function profileWorkload(name: string): Promise<Record<string, number>> {
  const w = GPU_WORKLOADS.find((x) => x.name === name);
  if (w?.profileStep === undefined) throw new Error(`no profile for '${name}'`);
  const step = await w.profileStep();
  const info = await tf.profile(() => step());
  const ms: Record<string, number> = {};
  for (const k of info.kernels) {
    if (k.name.endsWith("__op")) continue;
    const t = Number(k.kernelTimeMs);
    if (Number.isFinite(t)) ms[k.name] = (ms[k.name] ?? 0) + t;
  }
  return Object.fromEntries(Object.entries(ms).sort((a, b) => b[1] - a[1]));
}

/** Workload descriptions, for the suite's notes. */
export function describeWorkloads(names: readonly string[]): string[] {
  return GPU_WORKLOADS.filter((w) => names.includes(w.name)).map((w) => `${w.name}: ${w.describe}`);
}
