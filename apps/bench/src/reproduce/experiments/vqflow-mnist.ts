/**
 * VQ-Flows poster, MNIST: FID over training of RealNVP vs VQ-RealNVP and MAF vs VQ-MAF, 3 trials,
 * mean ± std (the poster's figure; it gives no numbers and no sizes). Each training (variant ×
 * seed) is a part; inside one, the model and the evaluations are checkpointed after every epoch.
 * The training and evaluation live in `suites/vqflow-mnist-trials.ts`, shared with the vqflow
 * bench suite's `--parts=mnist`.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  MNIST_SIZES,
  MNIST_VARIANTS,
  loadMnistEvaluation,
  mnistPanels,
  mnistTable,
  mnistVerdict,
  pm,
  runMnistTrial,
  summarizeMnist,
  type MnistTrial,
} from "../../suites/vqflow-mnist-trials.js";
import { savePanels } from "../../suites/vqflow-plots.js";
import { settingsHash, writeJsonAtomic, writeTextAtomic } from "../files.js";
import type { Experiment, FigureRef, ReportRow } from "../types.js";
import { pick } from "./common.js";
import { experimentMnistExtractor } from "./mnist-extractor.js";

/** Colours of the figures, as the captions name them (PALETTE order). */
const COLOUR_NAMES: Record<string, string> = { RealNVP: "blue", "VQ-RealNVP": "orange", MAF: "green", "VQ-MAF": "red" };

export const vqflowMnist: Experiment = {
  id: "vqflow-mnist",
  title: "MNIST: FID over training, RealNVP vs VQ-RealNVP and MAF vs VQ-MAF, 3 trials (poster figure)",
  paper: "VQ-Flows",
  description:
    "The VQ-Flows poster plots the FID of samples (lower is better) after each training epoch of RealNVP and VQ-RealNVP (panel a) and of MAF and VQ-MAF (panel b) on MNIST, mean ± std over 3 trials, and claims that the VQ variants reach lower FID; it gives no numbers and no sizes. We train the four variants with the package's `mnist` preset (RealNVP/MAF with L = 5 layers, hidden 512, logit transform; the VQ variants with K = 10 charts, m = 1, ε = 0.1, a conv VQ autoencoder trained 3 epochs first; the plain flows are `codebookSize: 1`), seeds 0, 1 and 2, and after every epoch measure bits/dim on the held-out images (dequantised, the logit transform's Jacobian included) and the FID of samples against held-out images with the built-in MNIST extractor of @atlas/metrics (a classifier trained by the package, not Inception: our FIDs are comparable with each other, not with Inception FIDs). At cpu scale: the first 10 000 training images, 1 000 test images, 5 epochs, 1 000 samples per FID; `--scale paper`: all 60 000 / 10 000 images, 30 epochs, 10 000 samples.",
  estimate: {
    cpu: "≈ 4.1 h (12 trainings, each RealNVP ≈ 14 min, VQ-RealNVP ≈ 13, MAF ≈ 28, VQ-MAF ≈ 29; measured in the cpu-scale run of 2026-12-05, two processes on the 2 cores at load 3–9)",
    paper: "GPU (12 trainings of 60 000 images × 30 epochs, FID of 10 000 samples after each)",
    quick: "≈ 1 min",
  },
  // measured 2026-12-05 in the cpu-scale run (two processes sharing the shared 2-core machine, load
  // 3–9): 5 × (train + evaluation) per training, mean of the 3 seeds — RealNVP 14.3 min, VQ-RealNVP
  // 12.9 (with stage 1), MAF 28.0 and VQ-MAF 29.4 (MAF's evaluation samples pixel by pixel: 30–110 s
  // an epoch); the result's total, every part's time summed: 14 661 s.
  cpuSeconds: 14_700,
  parallel: true,
  async run(ctx) {
    const s = pick(ctx, MNIST_SIZES);
    const ext = await experimentMnistExtractor(ctx);
    const ev = await loadMnistEvaluation(s, ext);
    const trials: MnistTrial[] = [];
    const secondsOf = new Map<string, number>();
    // the 12 trainings in report order; `--jobs` runners take them from different starting points
    const units = MNIST_VARIANTS.filter((x) => s.variants.includes(x.name)).flatMap((v) => Array.from({ length: s.seeds }, (_, seed) => ({ variant: v.name, seed })));
    const done = new Map<string, { value: MnistTrial; seconds: number }>();
    await ctx.units(units, async ({ variant, seed }) => {
      const settings = { ...s, variant, seed, extractor: ext.id };
      const checkpointDir = join(ctx.work, "checkpoints", `vqflow-mnist-${variant}-seed${seed}-${settingsHash(settings)}`);
      const part = await ctx.part(`vqflow-mnist/${variant}-seed${seed}`, settings, () =>
        runMnistTrial(ev, s, variant, seed, { checkpointDir, log: (l) => ctx.log(l), onProgress: ctx.training(`${variant} seed ${seed}`) }),
      );
      // the part is stored: its checkpoints are no longer needed
      if (!part.reused) await rm(checkpointDir, { recursive: true, force: true });
      done.set(`${variant}/${seed}`, part);
    });
    for (const { variant, seed } of units) {
      const part = done.get(`${variant}/${seed}`)!;
      trials.push(part.value);
      secondsOf.set(variant, (secondsOf.get(variant) ?? 0) + part.seconds);
    }
    const summary = summarizeMnist(trials, s.variants);
    const { verdict, sentences } = mnistVerdict(summary);
    const epochs = Math.min(...summary.map((x) => x.epochs.length));
    const realCount = Math.min(s.test, s.fidSamples);
    const seeds = `${Array.from({ length: s.seeds }, (_, i) => i).join(", ")} (model and training); samples 1000 + seed; dequantisation 0`;
    const rows: ReportRow[] = [];
    for (const x of summary) {
      const last = x.epochs.at(-1);
      if (!last) continue;
      const common = {
        scale: `${s.train.toLocaleString("en-US")} training / ${s.test.toLocaleString("en-US")} test images, ${last.epoch} epoch(s), FID of ${s.fidSamples.toLocaleString("en-US")} samples vs ${realCount.toLocaleString("en-US")} test images; ${x.parameters.toLocaleString("en-US")} parameters${s.model ? ` (reduced flow: ${JSON.stringify(s.model)})` : ""}`,
        seeds,
        seconds: secondsOf.get(x.variant) ?? 0,
        backend: ctx.backend,
      };
      const isVq = x.variant.startsWith("VQ-");
      rows.push(
        {
          quantity: `Bits/dim on the test images after ${last.epoch} epoch(s), mean ± std over ${x.seeds} seeds — ${x.variant}`,
          paper: "not in the poster",
          ours: pm(last.bitsPerDim, 3),
          ...common,
        },
        {
          quantity: `FID (built-in MNIST extractor) after ${last.epoch} epoch(s), mean ± std over ${x.seeds} seeds — ${x.variant}`,
          paper: isVq ? "figure only, no number: below the plain flow's curve" : "figure only, no number",
          ours: pm(last.fid, 2),
          ...common,
          note: `${x.trainSecondsPerEpoch.toFixed(0)} s training + ${x.evalSecondsPerEpoch.toFixed(0)} s evaluation per epoch`,
        },
      );
    }
    rows.push({
      quantity: "Poster's claim: the VQ variants reach lower FID than their plain flows",
      paper: "yes (figure, 3 trials)",
      ours: verdict,
      scale: `${s.train.toLocaleString("en-US")} training images, ${epochs} epoch(s)`,
      seeds,
      seconds: [...secondsOf.values()].reduce((a, b) => a + b, 0),
      backend: ctx.backend,
      note: "decided at the last epoch: a difference of the means of at least 2 standard errors",
    });

    await mkdir(ctx.dir, { recursive: true });
    const figures: FigureRef[] = [];
    const shown = summary.map((x) => `${x.variant} ${COLOUR_NAMES[x.variant]}`).join(", ");
    await savePanels(join(ctx.dir, "fid.png"), mnistPanels(summary, "fid"), 2);
    figures.push({ file: "fid.png", caption: `The poster's figure: FID (lower is better; y) after each epoch (x = 1, 2, …), mean over seeds with ±1 std shaded; left (a) the RealNVP pair, right (b) the MAF pair; ${shown}.` });
    await savePanels(join(ctx.dir, "bits-per-dim.png"), mnistPanels(summary, "bitsPerDim"), 2);
    figures.push({ file: "bits-per-dim.png", caption: `Bits/dim on the test images (y) after each epoch (x), mean ± 1 std shaded; left the RealNVP pair, right the MAF pair; ${shown}.` });
    await writeTextAtomic(join(ctx.dir, "table.md"), `${mnistTable(summary)}\n`);
    await writeJsonAtomic(join(ctx.dir, "trials.json"), { summary, trials });

    const notes = [
      `The poster's claim, from these numbers: ${verdict}.`,
      ...sentences,
      ...summary.map((x) => `${x.variant} by epoch (bits/dim; FID): ${x.epochs.map((e) => `${e.epoch}: ${pm(e.bitsPerDim, 3)}; ${pm(e.fid, 2)}`).join(" · ")}.`),
      ...trials.filter((t) => t.stopped !== "completed").map((t) => `${t.variant} seed ${t.seed} stopped after ${t.epochs.length} of ${s.epochs} epochs (${t.stopped}): its variant's rows are at the epochs every seed reached.`),
      `Built-in extractor ${ext.id}: ${(ext.testAccuracy * 100).toFixed(2)}% test accuracy. Per-epoch table: table.md; every trial's numbers: trials.json (both beside the figures).`,
    ];
    return { rows, figures, notes, settings: { ...s, extractor: ext.id, extractorAccuracy: ext.testAccuracy } };
  },
};
