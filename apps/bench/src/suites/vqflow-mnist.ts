/**
 * The vqflow suite's MNIST part (the poster's FID-over-training figure): RealNVP vs VQ-RealNVP and
 * MAF vs VQ-MAF, bits/dim and FID after every epoch, mean ± std over seeds, as a table and PNG plots
 * (`bench-results/vqflow-mnist-fid.png`, `-bpd.png`). The training and evaluation are those of
 * `pnpm reproduce vqflow-mnist` (`vqflow-mnist-trials.ts`), which is the resumable way to run it;
 * this part runs them in one go, without checkpoints.
 *
 * Sizes: `MNIST_SIZES.cpu` by default (10 000 training / 1 000 test images, 5 epochs, 1 000 samples
 * for FID, 3 seeds, the `mnist` preset), `--full` the paper scale (60 000 / 10 000, 30 epochs,
 * 10 000 samples), `--quick` the smoke size. Every size can be set: `--mnist-train`,
 * `--mnist-test`, `--mnist-epochs`, `--fid-samples`, `--mnist-seeds`, `--mnist-variants`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs";
import { mnistExtractor } from "@atlas/metrics";
import type { BenchRow, SuiteContext } from "../framework.js";
import { MNIST_SIZES, MNIST_VARIANTS, loadMnistEvaluation, mnistPanels, mnistTable, mnistVerdict, pm, runMnistTrial, summarizeMnist, type MnistSizes, type MnistTrial, type MnistVariant } from "./vqflow-mnist-trials.js";
import { savePanels } from "./vqflow-plots.js";

function int(o: Record<string, string>, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} expects a positive integer, got '${v}'`);
  return n;
}

/** The sizes of a suite run from its options. */
export function mnistSuiteSizes(options: Record<string, string>, quick: boolean): MnistSizes {
  const base = options.full === "true" ? MNIST_SIZES.paper : quick ? MNIST_SIZES.quick : MNIST_SIZES.cpu;
  const names = MNIST_VARIANTS.map((v) => v.name) as readonly string[];
  const variants = (options["mnist-variants"]?.split(",") ?? base.variants).map((n) => {
    if (!names.includes(n)) throw new Error(`--mnist-variants: unknown variant '${n}'; expected some of ${names.join(",")}`);
    return n as MnistVariant;
  });
  return {
    ...base,
    train: int(options, "mnist-train", base.train),
    test: int(options, "mnist-test", base.test),
    epochs: int(options, "mnist-epochs", base.epochs),
    fidSamples: int(options, "fid-samples", base.fidSamples),
    seeds: int(options, "mnist-seeds", base.seeds),
    variants,
  };
}

export async function runMnistPart(ctx: SuiteContext, rows: BenchRow[], notes: string[], resultsDir: string): Promise<unknown> {
  const s = mnistSuiteSizes(ctx.options, ctx.quick);
  const ev = await loadMnistEvaluation(s, await mnistExtractor());
  ctx.log(`  MNIST: ${s.train} train / ${s.test} test images, ${s.epochs} epochs, ${s.fidSamples} samples for FID, ${s.seeds} seeds`);
  const trials: MnistTrial[] = [];
  for (const variant of s.variants) {
    for (let seed = 0; seed < s.seeds; seed++) trials.push(await runMnistTrial(ev, s, variant, seed, { log: (l) => ctx.log(`    ${l}`) }));
  }
  const summary = summarizeMnist(trials, s.variants);
  for (const x of summary) {
    const last = x.epochs.at(-1);
    if (!last) continue;
    const perEpoch = x.trainSecondsPerEpoch + x.evalSecondsPerEpoch;
    rows.push({
      variant: `MNIST ${x.variant}`,
      backend: tf.getBackend(),
      steps: last.epoch,
      msPerStep: perEpoch * 1000,
      note: `after ${last.epoch} epochs: ${pm(last.bitsPerDim, 3)} bits/dim, FID ${pm(last.fid, 2)} (${x.seeds} seeds); ${perEpoch.toFixed(0)} s/epoch incl. evaluation`,
    });
  }
  // `--parts=mnist` alone: no other part has created the results directory
  await mkdir(resultsDir, { recursive: true });
  await savePanels(`${resultsDir}/vqflow-mnist-fid.png`, mnistPanels(summary, "fid"), 2);
  await savePanels(`${resultsDir}/vqflow-mnist-bpd.png`, mnistPanels(summary, "bitsPerDim"), 2);
  await writeFile(`${resultsDir}/vqflow-mnist.md`, `${mnistTable(summary)}\n`);
  const { verdict, sentences } = mnistVerdict(summary);
  notes.push(
    `MNIST (${s.train} train, ${s.test} test, ${s.epochs} epochs, ${s.fidSamples} samples, ${s.seeds} seeds): plots → ${resultsDir}/vqflow-mnist-fid.png and -bpd.png (left the RealNVP pair, right the MAF pair; RealNVP blue, VQ-RealNVP orange, MAF green, VQ-MAF red), table → ${resultsDir}/vqflow-mnist.md`,
    `MNIST, the poster's claim (lower FID with charts): ${verdict}. ${sentences.join(" ")}`,
  );
  return { settings: s, trials, summary, verdict };
}
