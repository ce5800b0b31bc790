/**
 * Suite `gtn-autoencoder`: one training step (Adam 1e-3, MSE, batch 128) of the GTN paper's MNIST
 * autoencoder (Appendix F, `gtnMnistAutoencoder` from @atlas/core) on synthetic 28×28 data, in
 * samples/s, on the backend `initBackend()` selects — beside, in the same run, the stock CPU backend
 * (the straightforward baseline), the cpu backend with Atlas's Conv2DBackpropFilter, wasm with only
 * the filter kernel (stock Conv2DBackpropInput: the "first version"), stock wasm (cannot train), and,
 * when Debian's python3-torch is installed, the same network in PyTorch on the same CPU.
 */
import { execFile } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { Rng, gtnMnistAutoencoder, initBackend, registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import type { BenchRow, BenchSuite, SuiteContext, SuiteResult } from "../framework.js";
import { timeSteps, withRatios } from "../framework.js";

const BATCH = 128;
const LATENT_DIM = 5;
const BASELINE = "cpu, stock kernels";

interface Plan {
  steps: number;
  warmup: number;
}

function int(options: Record<string, string>, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} expects a non-negative integer, got '${v}'`);
  return n;
}

/** Train-step timing of the Appendix F autoencoder on the current backend. */
async function measureStep(plan: Plan, images: Float32Array, profile = false): Promise<{ msPerStep: number; loss: number; kernels?: Record<string, number> }> {
  const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: LATENT_DIM, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(images, [BATCH, 28, 28, 1]);
  let loss = Number.NaN;
  const step = (): void => {
    loss = tf.tidy(() => {
      const l = optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x)) as tf.Tensor) as tf.Scalar, true)!;
      return l.dataSync()[0] as number;
    });
  };
  try {
    const { msPerStep } = await timeSteps(step, plan.steps, plan.warmup);
    if (!Number.isFinite(loss)) throw new Error(`training diverged (loss ${loss})`);
    if (!profile) return { msPerStep, loss };
    // one more step under tf.profile: milliseconds per kernel, summed over the step
    const info = await tf.profile(() => step());
    const kernels: Record<string, number> = {};
    // names ending in __op are op-level wrappers whose time includes their kernels: skip them
    for (const k of info.kernels) if (!k.name.endsWith("__op")) kernels[k.name] = (kernels[k.name] ?? 0) + Number(k.kernelTimeMs);
    const sorted = Object.fromEntries(Object.entries(kernels).sort((a, b) => b[1] - a[1]).map(([n, t]) => [n, Math.round(t * 10) / 10]));
    return { msPerStep, loss, kernels: sorted };
  } finally {
    x.dispose();
    encoder.dispose();
    decoder.dispose();
    optimizer.dispose();
  }
}

function row(variant: string, backend: string, plan: Plan, msPerStep: number, note?: string): BenchRow {
  return { variant, backend, steps: plan.steps, msPerStep, throughput: (BATCH * 1000) / msPerStep, unit: "samples", ...(note ? { note } : {}) };
}

async function runVariant(
  ctx: SuiteContext,
  rows: BenchRow[],
  variant: string,
  backend: string,
  plan: Plan,
  images: Float32Array,
  setup: () => void | Promise<void>,
  teardown: () => void | Promise<void> = () => {},
  profile?: (kernels: Record<string, number>) => void,
): Promise<void> {
  if (plan.steps === 0) return;
  ctx.log(`  ${variant}: ${plan.warmup} warm-up + ${plan.steps} timed step(s)…`);
  await tf.setBackend(backend);
  await setup();
  try {
    const { msPerStep, kernels } = await measureStep(plan, images, profile !== undefined);
    rows.push(row(variant, backend, plan, msPerStep));
    if (kernels && profile) profile(kernels);
    ctx.log(`    ${(msPerStep / 1000).toFixed(2)} s/step, ${((BATCH * 1000) / msPerStep).toFixed(1)} samples/s`);
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    rows.push({ variant, backend, steps: 0, note: `cannot train: ${msg.slice(0, 120)}` });
    ctx.log(`    failed: ${msg}`);
  } finally {
    await teardown();
  }
}

async function pytorchRow(ctx: SuiteContext, plan: Plan): Promise<BenchRow | undefined> {
  if (plan.steps === 0) return undefined;
  const script = fileURLToPath(new URL("./gtn_autoencoder_torch.py", import.meta.url));
  const python = ctx.options.python ?? "/usr/bin/python3";
  ctx.log(`  PyTorch (${python}): ${plan.warmup} warm-up + ${plan.steps} timed step(s)…`);
  try {
    const { stdout } = await promisify(execFile)(python, [script, String(plan.steps), String(plan.warmup), String(LATENT_DIM), String(int(ctx.options, "torch-threads", cpus().length))], { timeout: 600_000 });
    const r = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { msPerStep: number; threads: number; version: string; parameters: number };
    return { ...row("PyTorch, same network", "pytorch", plan, r.msPerStep), note: `torch ${r.version}, ${r.threads} threads, ${r.parameters} parameters` };
  } catch (err) {
    ctx.log(`    PyTorch not measured: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
    return { variant: "PyTorch, same network", backend: "pytorch", steps: 0, note: "not measured: python3-torch unavailable (apt-get install python3-torch)" };
  }
}

export const gtnAutoencoderSuite: BenchSuite = {
  name: "gtn-autoencoder",
  description: `training step of the GTN Appendix F MNIST autoencoder (Adam, MSE, batch ${BATCH}, d = ${LATENT_DIM}), synthetic 28×28 data`,
  async run(ctx): Promise<SuiteResult> {
    const q = ctx.quick;
    const o = ctx.options;
    const images = new Rng(0).uniformArray(BATCH * 28 * 28);
    const selected = await initBackend();
    ctx.log(`initBackend: ${selected.name} (${selected.reason})`);
    const rows: BenchRow[] = [];
    const tfName = selected.tfBackend;

    // 1. the selected backend with Atlas kernels (what users get)
    let kernelMs: Record<string, number> | undefined;
    await runVariant(
      ctx,
      rows,
      `${selected.name}, Atlas kernels (initBackend)`,
      tfName,
      { steps: int(o, "steps", q ? 2 : 10), warmup: 2 },
      images,
      () => {},
      () => {},
      o.profile === "false" ? undefined : (k) => (kernelMs = k),
    );
    // 2. PyTorch on the same CPU, right after, for a fair comparison under the same load
    if (o.pytorch !== "false") {
      const py = await pytorchRow(ctx, { steps: int(o, "torch-steps", q ? 2 : 10), warmup: 2 });
      if (py) rows.push(py);
    }
    if (tfName === "wasm") {
      // 3. wasm with only the filter kernel (stock, loop-based Conv2DBackpropInput)
      await runVariant(
        ctx,
        rows,
        "wasm, Atlas Conv2DBackpropFilter only",
        "wasm",
        { steps: int(o, "filter-only-steps", q ? 1 : 4), warmup: 1 },
        images,
        () => void restoreStockKernels("wasm", { kernels: ["Conv2DBackpropInput"] }),
        () => void registerAtlasKernels("wasm"),
      );
      // 4. stock wasm: no Conv2DBackpropFilter, so it cannot train a conv net
      await runVariant(ctx, rows, "wasm, stock kernels", "wasm", { steps: 1, warmup: 0 }, images, () => void restoreStockKernels("wasm"), () => void registerAtlasKernels("wasm"));
    }
    // 5. cpu with Atlas's Conv2DBackpropFilter
    await runVariant(ctx, rows, "cpu, Atlas kernels", "cpu", { steps: int(o, "cpu-steps", 1), warmup: q ? 0 : 1 }, images, () => void registerAtlasKernels("cpu"));
    // 6. the baseline: stock cpu (its Conv2DBackpropFilter takes minutes per step: one step, no warm-up)
    await runVariant(ctx, rows, BASELINE, "cpu", { steps: int(o, "stock-steps", 1), warmup: 0 }, images, () => void restoreStockKernels("cpu"), () => void registerAtlasKernels("cpu"));
    await tf.setBackend(tfName);

    const top = kernelMs ? Object.entries(kernelMs).slice(0, 6).map(([n, t]) => `${n} ${t} ms`).join(", ") : undefined;
    const notes = [
      ...(top ? [`kernel time in one profiled ${selected.name} step (tf.profile): ${top}`] : []),
      "one run, all variants in sequence on the same machine; the stock-cpu baseline is a single step (10–20 minutes on a loaded 2-core machine), so its first-step overhead is negligible; skip it with --stock-steps=0",
      "kernels called inside Atlas's kernels (their Conv2D/Transpose) are counted in Conv2DBackpropInput/Filter, not in Conv2D",
      "target: PyTorch speed on this 2-core CPU (~109 samples/s measured earlier, ENVIRONMENT.md); the PyTorch row, when present, is measured in this run",
    ];
    return { suite: this.name, description: this.description, backend: selected.name, baseline: BASELINE, rows: withRatios(rows, BASELINE), notes, ...(kernelMs ? { extra: { kernelMsPerStep: kernelMs } } : {}) };
  },
};
