/**
 * The VQ-Flows MNIST experiment (the poster's FID-over-training figure), in one place for both of
 * its front ends: `pnpm reproduce vqflow-mnist` (resumable parts, the report) and the vqflow bench
 * suite's `--parts=mnist`. RealNVP vs VQ-RealNVP and MAF vs VQ-MAF (the `mnist` preset; the plain
 * flows are `codebookSize: 1`), several seeds each; after every epoch of stage 2, bits/dim on the
 * held-out images and the FID of samples (the built-in MNIST extractor of @atlas/metrics); the mean
 * ± std over seeds per epoch, the poster's two-panel plot, a table, and whether the poster's claim
 * (the VQ variants reach lower FID) holds in the numbers.
 *
 * One training ({@link runMnistTrial}) is resumable at epoch grain: with a `checkpointDir`, the
 * model and optimiser are checkpointed after every epoch (trainVqFlow's checkpoint/resume through
 * core's training loop) and each epoch's evaluation is stored beside them before the checkpoint is
 * written, so an interrupted training loses at most the epoch it was in.
 */
import { join } from "node:path";
import { loadMnist, subsetDataset, type Dataset } from "@atlas/core";
import { fid, type BuiltinExtractor } from "@atlas/metrics";
import type * as tf from "@tensorflow/tfjs";
import { createVqFlow, trainVqFlow, type TrainVqFlowOptions, type VqFlowOptions } from "@atlas/vqflow";
import { readJson, writeJsonAtomic } from "../reproduce/files.js";
import { PALETTE, linePlot, type Canvas, type Rgb } from "./vqflow-plots.js";

/** The four variants of the poster's figure, in its order (panel a: RealNVP, panel b: MAF). */
export const MNIST_VARIANTS = [
  { name: "RealNVP", flow: "realnvp", charts: false },
  { name: "VQ-RealNVP", flow: "realnvp", charts: true },
  { name: "MAF", flow: "maf", charts: false },
  { name: "VQ-MAF", flow: "maf", charts: true },
] as const;

export type MnistVariant = (typeof MNIST_VARIANTS)[number]["name"];

/** The plain flow and its VQ version, as the poster pairs them. */
export const MNIST_PAIRS: readonly (readonly [MnistVariant, MnistVariant])[] = [
  ["RealNVP", "VQ-RealNVP"],
  ["MAF", "VQ-MAF"],
];

/** Sizes of one run of the experiment. */
export interface MnistSizes {
  /** Training images (the first `train` of MNIST's training split). */
  train: number;
  /** Held-out images (the first `test` of the test split): bits/dim on all, FID against the first `fidSamples`. */
  test: number;
  /** Stage-2 (flow) epochs; an evaluation after each. */
  epochs: number;
  /** Samples per FID evaluation (and real test images they are compared with, at most `test`). */
  fidSamples: number;
  /** Seeds 0 … seeds − 1 per variant. */
  seeds: number;
  variants: readonly MnistVariant[];
  /** Stage-1 (VQ autoencoder) epochs; trainVqFlow's image default (3) when absent. */
  autoencoderEpochs?: number;
  /** Overrides of the `mnist` preset (the quick size uses a small flow). */
  model?: Pick<VqFlowOptions, "layers" | "hidden" | "codeDim" | "autoencoderFilters">;
}

const ALL = MNIST_VARIANTS.map((v) => v.name);

/**
 * `cpu`: 10 000 / 1 000 images, 5 epochs, 1 000 samples, 3 seeds, the `mnist` preset (L = 5, hidden
 * 512, K = 10, 3 autoencoder epochs); `paper`: the full MNIST (60 000 / 10 000), 30 epochs, 10 000
 * samples (the poster gives no sizes: the usual full-size FID protocol, for a GPU); `quick`: a smoke
 * test (a one-layer flow, 200 images, 2 epochs, 2 seeds).
 */
export const MNIST_SIZES: Readonly<Record<"cpu" | "paper" | "quick", MnistSizes>> = {
  cpu: { train: 10_000, test: 1_000, epochs: 5, fidSamples: 1_000, seeds: 3, variants: ALL },
  paper: { train: 60_000, test: 10_000, epochs: 30, fidSamples: 10_000, seeds: 3, variants: ALL },
  quick: { train: 200, test: 200, epochs: 2, fidSamples: 200, seeds: 2, variants: ALL, autoencoderEpochs: 1, model: { layers: 1, hidden: [32], codeDim: 4, autoencoderFilters: [4, 8] } },
};

/** The data and the real side of FID, shared by every training of a run. */
export interface MnistEvaluation {
  train: Dataset;
  test: Dataset;
  extractor: BuiltinExtractor;
  /** Features of the first min(test, fidSamples) test images. */
  real: Awaited<ReturnType<BuiltinExtractor["features"]>>;
}

/** Load the images of `s` and the real features FID compares with. */
export async function loadMnistEvaluation(s: MnistSizes, extractor: BuiltinExtractor): Promise<MnistEvaluation> {
  const train = subsetDataset(await loadMnist("train"), { start: 0, end: s.train });
  const test = subsetDataset(await loadMnist("test"), { start: 0, end: s.test });
  const real = await extractor.features(subsetDataset(test, { start: 0, end: Math.min(s.test, s.fidSamples) }));
  return { train, test, extractor, real };
}

/** One epoch's evaluation of one training. */
export interface MnistEpoch {
  /** 1-based. */
  epoch: number;
  /** Mean bits/dim on the held-out images (dequantised, logit transform's Jacobian included). */
  bitsPerDim: number;
  fid: number;
  /** Seconds of this epoch's training steps (core's loop: steps and loss reads only). */
  trainSeconds: number;
  /** Seconds of this epoch's evaluation (bits/dim, sampling, features, FID). */
  evalSeconds: number;
}

/** One training of one variant and seed. */
export interface MnistTrial {
  variant: MnistVariant;
  seed: number;
  parameters: number;
  /** Charts K (1 for the plain flows). */
  charts: number;
  /** Seconds of stage 1 (the VQ autoencoder; 0 for the plain flows). */
  autoencoderSeconds: number;
  epochs: MnistEpoch[];
  /** Why stage 2 stopped (`completed`, or e.g. `non-finite-loss`: fewer epochs then). */
  stopped: string;
}

/** The model of a variant and seed (the `mnist` preset plus the sizes' overrides). */
export function mnistModelOptions(s: MnistSizes, variant: MnistVariant, seed: number): VqFlowOptions {
  const v = MNIST_VARIANTS.find((x) => x.name === variant);
  if (!v) throw new Error(`unknown MNIST variant '${variant}'; expected one of ${ALL.join(", ")}`);
  return { preset: "mnist", flow: v.flow, seed, ...(s.model ?? {}), ...(v.charts ? {} : { codebookSize: 1 }) };
}

/** Options of {@link runMnistTrial}. */
export interface MnistTrialOptions {
  /** Checkpoints and per-epoch evaluations: an interrupted training resumes from its last finished epoch. */
  checkpointDir?: string;
  log?: (line: string) => void;
  onProgress?: TrainVqFlowOptions["onProgress"];
}

type StoredEvaluations = { epochs: (MnistEpoch | null)[] };

/**
 * Train one variant with one seed and evaluate it after every stage-2 epoch. The evaluation uses
 * fixed seeds (bits/dim dequantisation 0, samples 1000 + seed), so a resumed training re-evaluates
 * a re-run epoch to the same numbers.
 */
export async function runMnistTrial(ev: MnistEvaluation, s: MnistSizes, variant: MnistVariant, seed: number, options: MnistTrialOptions = {}): Promise<MnistTrial> {
  const model = createVqFlow(mnistModelOptions(s, variant, seed));
  const evalFile = options.checkpointDir === undefined ? undefined : join(options.checkpointDir, "evaluations.json");
  const stored: StoredEvaluations = (evalFile && (await readJson<StoredEvaluations>(evalFile))) || { epochs: [] };
  try {
    const result = await trainVqFlow(model, ev.train, {
      epochs: s.epochs,
      seed,
      ...(s.autoencoderEpochs !== undefined ? { autoencoderEpochs: s.autoencoderEpochs } : {}),
      ...(options.checkpointDir !== undefined ? { checkpointDir: options.checkpointDir } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onEpochEnd: async (record) => {
        if (record.stage !== 2) return;
        const t0 = performance.now();
        const bpd = await model.bitsPerDim(ev.test, { seed: 0 });
        const x = await model.sample(s.fidSamples, 1000 + seed);
        let generated;
        try {
          generated = await ev.extractor.features(x as tf.Tensor4D);
        } finally {
          x.dispose();
        }
        let sum = 0;
        for (const b of bpd) sum += b;
        const e: MnistEpoch = { epoch: record.epoch + 1, bitsPerDim: sum / bpd.length, fid: fid(ev.real, generated).fid, trainSeconds: record.seconds, evalSeconds: (performance.now() - t0) / 1000 };
        stored.epochs[record.epoch] = e;
        // stored before trainLoop writes this epoch's checkpoint: a checkpoint never runs ahead of its evaluations
        if (evalFile) await writeJsonAtomic(evalFile, stored);
        options.log?.(`${variant} seed ${seed} epoch ${e.epoch}/${s.epochs}: ${e.bitsPerDim.toFixed(3)} bits/dim, FID ${e.fid.toFixed(2)} (train ${e.trainSeconds.toFixed(0)} s, evaluation ${e.evalSeconds.toFixed(0)} s)`);
      },
    });
    const history = result.stage2;
    if (!history) throw new Error(`${variant} seed ${seed}: stage 2 did not run (stage 1 stopped: ${result.stage1?.stopped})`);
    const epochs = stored.epochs.slice(0, history.epochs.length);
    const missing = epochs.length < history.epochs.length ? epochs.length : epochs.findIndex((e) => !e);
    if (missing >= 0) {
      throw new Error(`${variant} seed ${seed}: the checkpoint in ${options.checkpointDir} holds epoch ${missing + 1} but not its evaluation (${evalFile} was removed?): delete the directory to retrain`);
    }
    return {
      variant,
      seed,
      parameters: model.params.entries().reduce((n, [, w]) => n + w.size, 0),
      charts: model.charts,
      autoencoderSeconds: (result.stage1?.epochs ?? []).reduce((t, e) => t + e.seconds, 0),
      epochs: epochs as MnistEpoch[],
      stopped: history.stopped,
    };
  } finally {
    model.dispose();
  }
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanStd(values: readonly number[]): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const m = values.reduce((a, b) => a + b, 0) / n;
  return [m, n < 2 ? 0 : Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1))];
}

/** Mean ± std over seeds of one variant, per epoch (epochs that every seed reached). */
export interface MnistSummary {
  variant: MnistVariant;
  seeds: number;
  epochs: { epoch: number; bitsPerDim: [number, number]; fid: [number, number] }[];
  /** Mean seconds per epoch, training and evaluation. */
  trainSecondsPerEpoch: number;
  evalSecondsPerEpoch: number;
  parameters: number;
}

/** Summarise trials per variant (in `variants`' order). */
export function summarizeMnist(trials: readonly MnistTrial[], variants: readonly MnistVariant[]): MnistSummary[] {
  return variants.map((variant) => {
    const mine = trials.filter((t) => t.variant === variant);
    const reached = mine.length ? Math.min(...mine.map((t) => t.epochs.length)) : 0;
    const per = (e: number, k: "bitsPerDim" | "fid"): [number, number] => meanStd(mine.map((t) => t.epochs[e]![k]));
    const all = mine.flatMap((t) => t.epochs);
    return {
      variant,
      seeds: mine.length,
      epochs: Array.from({ length: reached }, (_, e) => ({ epoch: e + 1, bitsPerDim: per(e, "bitsPerDim"), fid: per(e, "fid") })),
      trainSecondsPerEpoch: meanStd(all.map((e) => e.trainSeconds))[0],
      evalSecondsPerEpoch: meanStd(all.map((e) => e.evalSeconds))[0],
      parameters: mine[0]?.parameters ?? 0,
    };
  });
}

/** The colour of a variant in every plot (PALETTE by its index in {@link MNIST_VARIANTS}). */
export function variantColour(variant: MnistVariant): Rgb {
  return PALETTE[MNIST_VARIANTS.findIndex((v) => v.name === variant)] as Rgb;
}

/** The poster's figure: one panel per pair (a: RealNVP / VQ-RealNVP, b: MAF / VQ-MAF), mean ± std over seeds by epoch. */
export function mnistPanels(summary: readonly MnistSummary[], key: "fid" | "bitsPerDim"): Canvas[] {
  return MNIST_PAIRS.map((pair) => summary.filter((s) => pair.includes(s.variant)))
    .filter((series) => series.length > 0)
    .map((series) => linePlot(series.map((s) => ({ mean: s.epochs.map((e) => e[key][0]), std: s.epochs.map((e) => e[key][1]), colour: variantColour(s.variant) }))));
}

/** `2.459 ± 0.002` (digits after the point). */
export function pm([m, s]: readonly [number, number], digits: number): string {
  return `${m.toFixed(digits)} ± ${s.toFixed(digits)}`;
}

/** Markdown table: variant, epoch, bits/dim and FID (mean ± std). */
export function mnistTable(summary: readonly MnistSummary[]): string {
  return [
    "| variant | epoch | bits/dim (mean ± std) | FID (mean ± std) |",
    "|---|---|---|---|",
    ...summary.flatMap((s) => s.epochs.map((e) => `| ${s.variant} | ${e.epoch} | ${pm(e.bitsPerDim, 3)} | ${pm(e.fid, 2)} |`)),
  ].join("\n");
}

/** How a VQ variant compares with its plain flow on one measure at the last epoch (lower is better). */
export interface MnistComparison {
  plain: MnistVariant;
  vq: MnistVariant;
  measure: "fid" | "bitsPerDim";
  /** plain − VQ at the last common epoch (positive: the VQ variant is better). */
  difference: number;
  /** Standard error of that difference, √(s²_plain/n + s²_VQ/n). */
  standardError: number;
  /** `better` / `worse` when |difference| ≥ 2 standard errors (and > 0), else `within noise`. */
  outcome: "better" | "worse" | "within noise";
  /** Epochs at which the VQ variant's mean is lower, of those compared. */
  lowerAt: number;
  epochs: number;
}

/** Compare each pair of the poster on `measure` (pairs with both variants present). */
export function compareMnist(summary: readonly MnistSummary[], measure: "fid" | "bitsPerDim"): MnistComparison[] {
  const out: MnistComparison[] = [];
  for (const [plainName, vqName] of MNIST_PAIRS) {
    const plain = summary.find((s) => s.variant === plainName);
    const vq = summary.find((s) => s.variant === vqName);
    if (!plain || !vq) continue;
    const epochs = Math.min(plain.epochs.length, vq.epochs.length);
    if (epochs === 0) continue;
    const a = plain.epochs[epochs - 1]![measure];
    const b = vq.epochs[epochs - 1]![measure];
    const difference = a[0] - b[0];
    const standardError = Math.sqrt(a[1] ** 2 / Math.max(1, plain.seeds) + b[1] ** 2 / Math.max(1, vq.seeds));
    const decided = difference !== 0 && Math.abs(difference) >= 2 * standardError;
    let lowerAt = 0;
    for (let e = 0; e < epochs; e++) if (vq.epochs[e]![measure][0] < plain.epochs[e]![measure][0]) lowerAt++;
    out.push({ plain: plainName, vq: vqName, measure, difference, standardError, outcome: decided ? (difference > 0 ? "better" : "worse") : "within noise", lowerAt, epochs });
  }
  return out;
}

/** One sentence per comparison, and the verdict on the poster's claim (lower FID with charts). */
export function mnistVerdict(summary: readonly MnistSummary[]): { verdict: string; sentences: string[] } {
  const fids = compareMnist(summary, "fid");
  const sentences = [...fids, ...compareMnist(summary, "bitsPerDim")].map((c) => {
    const name = c.measure === "fid" ? "FID" : "bits/dim";
    const digits = c.measure === "fid" ? 2 : 4;
    const errors = c.standardError > 0 ? `${(Math.abs(c.difference) / c.standardError).toFixed(2)} standard errors` : "standard error 0";
    const how = `${c.difference >= 0 ? "lower" : "higher"} by ${Math.abs(c.difference).toFixed(digits)} (${errors}${c.outcome === "within noise" ? ": within noise, < 2" : ""})`;
    return `${name}: ${c.vq} vs ${c.plain} after ${c.epochs} epoch(s): ${how}; the VQ mean is lower at ${c.lowerAt} of ${c.epochs} epochs.`;
  });
  let verdict: string;
  if (fids.length === 0) verdict = "not tested (no pair of a plain flow and its VQ version was run)";
  else if (fids.every((c) => c.outcome === "better")) verdict = `holds: lower FID with charts for ${fids.map((c) => c.vq).join(" and ")} (≥ 2 standard errors)`;
  else if (fids.every((c) => c.outcome === "worse")) verdict = `does not hold: higher FID with charts for ${fids.map((c) => c.vq).join(" and ")} (≥ 2 standard errors)`;
  else if (fids.every((c) => c.outcome === "within noise")) verdict = "undecided: the FID differences are within noise (< 2 standard errors over the seeds)";
  else verdict = `mixed: ${fids.map((c) => `${c.vq} ${c.outcome === "better" ? "lower" : c.outcome === "worse" ? "higher" : "within noise"}`).join(", ")}`;
  return { verdict, sentences };
}
