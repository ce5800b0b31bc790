/**
 * AGM benchmark (issue 6): AWAE-GAN / WAE-GAN training on MNIST at the CPU defaults.
 *
 * 1. Throughput: training samples per second (one step = an encoder/ψ/decoder Adam step and a
 *    discriminator Adam step, batch 100 as in the paper) for m = 1 (WAE-GAN, h = 16, latent R^8)
 *    and m = 8 (AWAE-GAN, h = 6, latent R^7), with the kernels `initBackend()` registers and, in
 *    the same run with steps interleaved (so the ratios survive a noisy shared machine), with
 *    the stock wasm `Tile` (before core's Tile kernel) and with the stock `Tile` and stock
 *    `Conv2DBackpropInput` (only the Conv2DBackpropFilter that wasm lacks). The epoch time this
 *    gives is 60 000 / rate (the MEASURED epoch times come from `packages/agm/scripts/train-mnist.ts`).
 *    Plus the inference throughput of reconstruction, and as a ratio the decoders' shared tail
 *    applied once to all m·n codes (what `AwaeGan.decodeAll` does) vs once per chart.
 *    Kernel ratios (wasm): the 14→28 `conv2dTranspose` of the m = 1 decoder (4h → 2h channels,
 *    batch 100) with core's Conv2DBackpropInput vs the stock one, and vs the forward `conv2d`
 *    with the same shapes; `Tile` [1,1,1,C] → [n,28,28,C] (batch norm's gradient) core vs stock.
 * 2. `--train`: an MNIST training run for m = 1 and m = 4 (CPU defaults) on a subset
 *    (`--train-size`, default 3000 images; `--epochs`, default 3; MNIST schedule rates), reporting
 *    the test reconstruction error (per-pixel MSE, argmax chart, 1000 test images) next to the
 *    paper's (0.0142 WAE-GAN; 0.0126–0.0134 AWAE-GAN after 80 epochs on 60 000 images at h = 128…34).
 *
 * Run alone: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/suites/agm.ts [--quick] [--no-throughput] [--train] [--train-size N] [--epochs E] [--lr R]`
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, loadMnist, batchImages, subsetDataset, registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import {
  AwaeGanTrainer,
  AWAE_GAN_SCHEDULES,
  chartConfidence,
  cpuAwaeGanOptions,
  createAwaeGan,
  reconstructionError,
  trainAwaeGan,
} from "@atlas/agm";
import type { BenchRow, BenchSuite, SuiteContext, SuiteResult } from "../framework.js";
import { withRatios } from "../framework.js";

/** One throughput row. */
export interface AgmThroughputRow {
  case: "throughput";
  charts: number;
  h: number;
  latentDim: number;
  /** Trainable parameters of encoders + decoders (what the paper's Table 1 counts). */
  parameters: number;
  discriminatorParameters: number;
  batchSize: number;
  stepsTimed: number;
  /** Kernel set of this row: core's kernels, stock Tile, or stock Tile + stock Conv2DBackpropInput. */
  kernels: string;
  /** Training samples per second (both optimiser steps). */
  trainSamplesPerSecond: number;
  /** 60 000 / rate: the epoch time this rate implies (the measured ones come from train-mnist.ts). */
  estimatedEpochSeconds: number;
  /** Reconstruction (inference mode, argmax chart) samples per second. */
  inferenceSamplesPerSecond: number;
  /** Tail applied per chart / tail applied once on the concatenation (time ratio, forward pass). */
  sharedTailSpeedup: number;
  backend: string;
}

/** One training row (`--train`). */
export interface AgmTrainRow {
  case: "train";
  charts: number;
  h: number;
  trainImages: number;
  epochs: number;
  learningRate: number;
  seconds: number;
  /** Per-pixel MSE on 1000 MNIST test images (argmax chart). */
  testReconstructionError: number;
  /** Table 1 of the paper (MNIST) for the same m (80 epochs, 60 000 images, paper widths). */
  paperReconstructionError: number;
  /** Mean of max_y ψ_y(x) on the test images. */
  meanChartConfidence: number;
  chartCounts: number[];
  backend: string;
}

/** Options of {@link runAgmBench}. */
export interface AgmBenchOptions {
  /** Fewer timed steps. */
  quick?: boolean;
  /** Skip part 1 (throughput). */
  skipThroughput?: boolean;
  /** Also run the MNIST training (part 2). */
  train?: boolean;
  trainSize?: number;
  epochs?: number;
  /** Learning rate of the training run (discriminators: half); default the paper's MNIST 2e-4. */
  learningRate?: number;
  log?: (line: string) => void;
}

/** One kernel timing row (wasm only). */
export interface AgmKernelRow {
  case: "kernel";
  what: string;
  /** Mean milliseconds per call. */
  ms: number;
  /** Milliseconds of the row it is compared with / this row's (> 1: this row is faster). */
  speedupVsReference?: number;
  reference?: string;
  backend: string;
}

const PAPER_MNIST: Record<number, number> = { 1: 0.0142, 2: 0.0134, 4: 0.0129, 8: 0.0126, 16: 0.0129 };

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function timeAsyncMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One training step read back in full: dispatched, then its four losses read with one `data()`. */
async function fullStep(trainer: AwaeGanTrainer, x: tf.Tensor): Promise<void> {
  const losses = trainer.stepDeferred(x);
  const all = tf.stack(Object.values(losses));
  try {
    await all.data();
  } finally {
    tf.dispose([all, ...Object.values(losses)]);
  }
}

/** The kernel sets the throughput rows compare (wasm only; on other backends only "core"). */
const KERNEL_SETS: readonly { name: string; stock: string[] }[] = [
  { name: "core kernels (initBackend)", stock: [] },
  { name: "stock Tile", stock: ["Tile"] },
  { name: "stock Tile + stock Conv2DBackpropInput", stock: ["Tile", "Conv2DBackpropInput"] },
];

function useKernels(backend: string, stock: readonly string[]): void {
  if (backend !== "wasm") return;
  registerAtlasKernels("wasm");
  if (stock.length > 0) restoreStockKernels("wasm", { kernels: stock });
}

async function throughput(charts: number, steps: number, backend: string, log: (s: string) => void): Promise<AgmThroughputRow[]> {
  const train = await loadMnist("train");
  const model = createAwaeGan({ ...cpuAwaeGanOptions(charts), seed: 0 });
  const trainer = new AwaeGanTrainer(model, { learningRate: 2e-4, discriminatorLearningRate: 1e-4, seed: 0 });
  const batchSize = AWAE_GAN_SCHEDULES.mnist.batchSize;
  const batch = (k: number): tf.Tensor => batchImages(train, Int32Array.from({ length: batchSize }, (_, i) => (k * batchSize + i) % train.shape[0]));
  const sets = backend === "wasm" ? KERNEL_SETS : KERNEL_SETS.slice(0, 1);
  try {
    // warm-up: one step with each kernel set (XNNPACK operator caches, optimizer slots)
    for (const set of sets) {
      useKernels(backend, set.stock);
      const warm = batch(0);
      await fullStep(trainer, warm);
      warm.dispose();
    }
    // timed steps, interleaved across the kernel sets (the step's cost does not depend on the weights)
    const ms = sets.map(() => 0);
    for (let k = 1; k <= steps; k++) {
      for (const [j, set] of sets.entries()) {
        useKernels(backend, set.stock);
        const x = batch(k);
        ms[j]! += await timeAsyncMs(() => fullStep(trainer, x));
        x.dispose();
      }
    }
    useKernels(backend, []);
    const rates = ms.map((t) => (steps * batchSize) / (t / 1000));

    const x = batch(steps + 1);
    const testSet = { images: (await x.data()) as Float32Array, shape: [batchSize, 28, 28, 1] };
    await reconstructionError(model, testSet); // warm-up
    const inferMs = await timeAsyncMs(() => reconstructionError(model, testSet));
    // shared tail: once on the m·n concatenation vs once per chart
    const codes = Array.from({ length: charts }, (_, y) => tf.tidy(() => model.nets.chartEncoders[y]!.apply(model.nets.trunk.apply(x, { training: false }), { training: false }) as tf.Tensor2D));
    const perChart = (): void =>
      tf.tidy(() => {
        for (let y = 0; y < charts; y++) model.nets.tail.apply(model.nets.chartDecoders[y]!.apply(codes[y]!, { training: false }), { training: false });
      });
    const shared = (): void => tf.tidy(() => void model.decodeAll(codes, false));
    perChart();
    shared();
    let perMs = 0;
    let sharedMs = 0;
    for (let r = 0; r < 3; r++) {
      perMs += timeMs(perChart);
      sharedMs += timeMs(() => shared());
    }
    tf.dispose([x, ...codes]);
    const count = model.countParameters();
    const rows = sets.map((set, j): AgmThroughputRow => ({
      case: "throughput",
      charts,
      h: model.config.h,
      latentDim: model.latentDim,
      parameters: count.encodersAndDecoders,
      discriminatorParameters: count.discriminators,
      batchSize,
      stepsTimed: steps,
      kernels: set.name,
      trainSamplesPerSecond: rates[j]!,
      estimatedEpochSeconds: 60_000 / rates[j]!,
      inferenceSamplesPerSecond: batchSize / (inferMs / 1000),
      sharedTailSpeedup: perMs / sharedMs,
      backend,
    }));
    for (const row of rows) {
      log(
        `AWAE-GAN m=${charts} h=${row.h} d=${row.latentDim} (${row.parameters} enc+dec params), ${row.kernels}: train ${row.trainSamplesPerSecond.toFixed(1)} samples/s ` +
          `(${(row.trainSamplesPerSecond / rows[0]!.trainSamplesPerSecond).toFixed(2)}× core) → 60k/rate = ${(row.estimatedEpochSeconds / 60).toFixed(1)} min per epoch [${backend}]`,
      );
    }
    log(`  reconstruct ${rows[0]!.inferenceSamplesPerSecond.toFixed(0)} samples/s; shared tail vs per-chart tail ${rows[0]!.sharedTailSpeedup.toFixed(2)}×`);
    return rows;
  } finally {
    useKernels(backend, []);
    trainer.dispose();
    model.dispose();
  }
}

/** Kernel ratios on wasm: conv2dTranspose with core's vs the stock Conv2DBackpropInput (and vs the forward conv), Tile core vs stock. */
function kernelRatios(reps: number, backend: string, log: (s: string) => void): AgmKernelRow[] {
  if (backend !== "wasm") return [];
  const h = cpuAwaeGanOptions(1).h ?? 16;
  const n = AWAE_GAN_SCHEDULES.mnist.batchSize;
  const dy = tf.randomNormal([n, 14, 14, 4 * h], 0, 1, "float32", 1) as tf.Tensor4D; // decoder input of the 14→28 layer
  const w = tf.randomNormal([4, 4, 2 * h, 4 * h], 0, 0.1, "float32", 2) as tf.Tensor4D; // [k, k, out=2h, in=4h]
  const img = tf.randomNormal([n, 28, 28, 2 * h], 0, 1, "float32", 3) as tf.Tensor4D;
  const inv = tf.randomNormal([1, 1, 1, 2 * h], 0, 1, "float32", 4) as tf.Tensor4D;
  const time = (fn: () => tf.Tensor): number => {
    tf.dispose(fn()); // warm-up
    let ms = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const out = fn();
      out.dataSync();
      ms += performance.now() - t0;
      out.dispose();
    }
    return ms / reps;
  };
  const transpose = (): tf.Tensor => tf.conv2dTranspose(dy, w, [n, 28, 28, 2 * h], 2, "same");
  const forward = (): tf.Tensor => tf.conv2d(img, w, 2, "same");
  const tile = (): tf.Tensor => tf.tile(inv, [4 * n, 28, 28, 1]);
  const ms: Record<string, number> = {};
  // interleave the kernel sets over a few rounds
  for (let round = 0; round < 2; round++) {
    useKernels(backend, []);
    ms.coreT = (ms.coreT ?? 0) + time(transpose);
    ms.fwd = (ms.fwd ?? 0) + time(forward);
    ms.coreTile = (ms.coreTile ?? 0) + time(tile);
    useKernels(backend, ["Tile", "Conv2DBackpropInput"]);
    ms.stockT = (ms.stockT ?? 0) + time(transpose);
    ms.stockTile = (ms.stockTile ?? 0) + time(tile);
  }
  useKernels(backend, []);
  tf.dispose([dy, w, img, inv]);
  const rows: AgmKernelRow[] = [
    { case: "kernel", what: `conv2dTranspose 14→28, ${4 * h}→${2 * h} ch, batch ${n}: core Conv2DBackpropInput`, ms: ms.coreT! / 2, reference: "stock Conv2DBackpropInput", speedupVsReference: ms.stockT! / ms.coreT!, backend },
    { case: "kernel", what: `conv2dTranspose 14→28, ${4 * h}→${2 * h} ch, batch ${n}: stock Conv2DBackpropInput`, ms: ms.stockT! / 2, backend },
    { case: "kernel", what: `conv2d 28→14 (the same layer's forward shapes), batch ${n}`, ms: ms.fwd! / 2, reference: "core conv2dTranspose", speedupVsReference: ms.coreT! / ms.fwd!, backend },
    { case: "kernel", what: `Tile [1,1,1,${2 * h}] → [${4 * n},28,28,${2 * h}]: core`, ms: ms.coreTile! / 2, reference: "stock Tile", speedupVsReference: ms.stockTile! / ms.coreTile!, backend },
    { case: "kernel", what: `Tile [1,1,1,${2 * h}] → [${4 * n},28,28,${2 * h}]: stock`, ms: ms.stockTile! / 2, backend },
  ];
  for (const r of rows) log(`kernel ${r.what}: ${r.ms.toFixed(1)} ms${r.speedupVsReference !== undefined ? ` (${r.speedupVsReference.toFixed(2)}× vs ${r.reference})` : ""} [${backend}]`);
  return rows;
}

async function trainRun(charts: number, trainSize: number, epochs: number, learningRate: number, backend: string, log: (s: string) => void): Promise<AgmTrainRow> {
  const train = subsetDataset(await loadMnist("train"), { start: 0, end: trainSize });
  const test = subsetDataset(await loadMnist("test"), { start: 0, end: 1000 });
  const model = createAwaeGan({ ...cpuAwaeGanOptions(charts), seed: 0 });
  try {
    const t0 = performance.now();
    await trainAwaeGan(model, train, {
      schedule: "mnist",
      epochs,
      learningRate,
      discriminatorLearningRate: learningRate / 2,
      halveAfter: [],
      seed: 0,
      onEpochEnd: (r) => log(`  m=${charts} epoch ${r.epoch + 1}: ${JSON.stringify(r.losses)} (${r.seconds.toFixed(0)} s)`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const err = (await reconstructionError(model, test)).mse;
    const conf = await chartConfidence(model, test);
    const row: AgmTrainRow = {
      case: "train",
      charts,
      h: model.config.h,
      trainImages: trainSize,
      epochs,
      learningRate,
      seconds,
      testReconstructionError: err,
      paperReconstructionError: PAPER_MNIST[charts] ?? Number.NaN,
      meanChartConfidence: conf.mean,
      chartCounts: Array.from(conf.chartCounts),
      backend,
    };
    log(
      `MNIST m=${charts} h=${row.h}, ${trainSize} images × ${epochs} epochs, lr ${learningRate} (${seconds.toFixed(0)} s): test reconstruction error ${err.toFixed(4)} ` +
        `(paper, 60k × 80 epochs at h=${charts === 1 ? 128 : 64}: ${row.paperReconstructionError}); mean max ψ ${conf.mean.toFixed(3)}, charts used ${row.chartCounts.join("/")} [${backend}]`,
    );
    return row;
  } finally {
    model.dispose();
  }
}

/** Runs the AGM suite and returns its rows (also logged). */
export async function runAgmBench(options: AgmBenchOptions = {}): Promise<(AgmThroughputRow | AgmTrainRow | AgmKernelRow)[]> {
  const log = options.log ?? ((s: string) => console.log(s));
  const backend = (await initBackend()).tfBackend;
  const rows: (AgmThroughputRow | AgmTrainRow | AgmKernelRow)[] = [];
  const steps = options.quick ? 2 : 5;
  if (!options.skipThroughput) {
    rows.push(...kernelRatios(options.quick ? 2 : 5, backend, log));
    for (const m of [1, 8]) rows.push(...(await throughput(m, steps, backend, log)));
  }
  if (options.train) {
    for (const m of [1, 4]) rows.push(await trainRun(m, options.trainSize ?? 3000, options.epochs ?? 3, options.learningRate ?? 2e-4, backend, log));
  }
  return rows;
}

/**
 * The suite for `pnpm bench agm [--quick] [--train] [--train-size=N] [--epochs=E] [--lr=R]`:
 * training throughput (ratios relative to m = 1), inference throughput, and with `--train` the
 * subset MNIST runs with their test reconstruction errors in the notes.
 */
export const agmSuite: BenchSuite = {
  name: "agm",
  description: "AWAE-GAN / WAE-GAN MNIST training throughput at the CPU defaults (m = 1, 8); optional subset training run (m = 1, 4)",
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const o = ctx.options;
    const num = (key: string): number | undefined => (o[key] !== undefined && o[key] !== "" ? Number(o[key]) : undefined);
    const trainSize = num("train-size");
    const epochs = num("epochs");
    const learningRate = num("lr");
    const out = await runAgmBench({
      quick: ctx.quick,
      train: o.train !== undefined,
      ...(trainSize !== undefined ? { trainSize } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(learningRate !== undefined ? { learningRate } : {}),
      log: ctx.log,
    });
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    let backend = "";
    for (const r of out) {
      backend = r.backend;
      if (r.case === "kernel") {
        notes.push(`kernel ${r.what}: ${r.ms.toFixed(1)} ms${r.speedupVsReference !== undefined ? ` (${r.speedupVsReference.toFixed(2)}× vs ${r.reference})` : ""}`);
      } else if (r.case === "throughput") {
        rows.push({
          variant: `train m=${r.charts} h=${r.h}${r.kernels === KERNEL_SETS[0]!.name ? "" : `, ${r.kernels}`}`,
          backend: r.backend,
          steps: r.stepsTimed,
          msPerStep: (1000 * r.batchSize) / r.trainSamplesPerSecond,
          throughput: r.trainSamplesPerSecond,
          unit: "samples",
          note: `batch ${r.batchSize}; ${r.kernels}; 60k/rate = ${(r.estimatedEpochSeconds / 60).toFixed(1)} min per epoch; ${r.parameters} enc+dec params`,
        });
        if (r.kernels !== KERNEL_SETS[0]!.name) continue;
        rows.push({
          variant: `reconstruct m=${r.charts} h=${r.h}`,
          backend: r.backend,
          steps: 1,
          throughput: r.inferenceSamplesPerSecond,
          unit: "samples",
          note: `shared decoder tail on all m·n codes vs per chart: ${r.sharedTailSpeedup.toFixed(2)}×`,
        });
      } else {
        notes.push(
          `MNIST m=${r.charts} h=${r.h}: ${r.trainImages} images × ${r.epochs} epochs at lr ${r.learningRate} (${r.seconds.toFixed(0)} s): test reconstruction error ${r.testReconstructionError.toFixed(4)} ` +
            `(paper: ${r.paperReconstructionError} after 80 epochs on 60k at paper widths); mean max ψ ${r.meanChartConfidence.toFixed(3)}; chart counts ${r.chartCounts.join("/")}`,
        );
      }
    }
    return {
      suite: "agm",
      description: agmSuite.description,
      backend,
      baseline: "train m=1 h=16",
      rows: withRatios(rows, "train m=1 h=16"),
      notes: [...notes, "throughput on a shared 2-core machine varies run to run (kernel sets interleaved step by step within a run); 60k/rate is not a measured epoch — packages/agm/scripts/train-mnist.ts measures whole epochs"],
    };
  },
};

const isMain = typeof process !== "undefined" && process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const args = process.argv.slice(2);
  const num = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : undefined;
  };
  const trainSize = num("--train-size");
  const epochs = num("--epochs");
  const learningRate = num("--lr");
  const rows = await runAgmBench({
    quick: args.includes("--quick"),
    train: args.includes("--train"),
    ...(trainSize !== undefined ? { trainSize } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(learningRate !== undefined ? { learningRate } : {}),
    skipThroughput: args.includes("--no-throughput"),
  });
  console.log(JSON.stringify(rows, null, 1));
}
