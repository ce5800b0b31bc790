/**
 * The vqflow suite's MNIST part (the poster's FID-over-training figure): RealNVP vs VQ-RealNVP and
 * MAF vs VQ-MAF, `--mnist-seeds` trials each (3), bits/dim on held-out images and FID (the built-in
 * MNIST extractor of @atlas/metrics) of samples after every epoch, mean ± std over the trials, as a
 * table and PNG plots (`bench-results/vqflow-mnist-fid.png`, `-bpd.png`).
 *
 * CPU scale (default): 10 000 training images, 1 000 test images, 5 epochs, 1 000 samples for FID,
 * the `mnist` preset (L = 5, hidden 512, K = 10, 3 autoencoder epochs). `--full`: 60 000 / 10 000
 * images, 30 epochs, 10 000 samples (for a GPU). Every size can be set: `--mnist-train`,
 * `--mnist-test`, `--mnist-epochs`, `--fid-samples`, `--mnist-seeds`, `--mnist-variants`.
 */
import { writeFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs";
import { loadMnist, subsetDataset, type Dataset } from "@atlas/core";
import { fid, mnistExtractor } from "@atlas/metrics";
import { createVqFlow, trainVqFlow } from "@atlas/vqflow";
import type { BenchRow, SuiteContext } from "../framework.js";
import { Canvas, PALETTE, linePlot, savePanels, type Rgb } from "./vqflow-plots.js";

interface Trial {
  variant: string;
  seed: number;
  bitsPerDim: number[];
  fid: number[];
  seconds: number[];
}

const VARIANTS = [
  { name: "RealNVP", flow: "realnvp", charts: false },
  { name: "VQ-RealNVP", flow: "realnvp", charts: true },
  { name: "MAF", flow: "maf", charts: false },
  { name: "VQ-MAF", flow: "maf", charts: true },
] as const;

function int(o: Record<string, string>, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} expects a positive integer, got '${v}'`);
  return n;
}

const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
const std = (a: readonly number[]): number => (a.length < 2 ? 0 : Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1)));

export async function runMnistPart(ctx: SuiteContext, rows: BenchRow[], notes: string[], resultsDir: string): Promise<unknown> {
  const o = ctx.options;
  const full = o.full === "true";
  const q = ctx.quick;
  const nTrain = int(o, "mnist-train", full ? 60_000 : q ? 1000 : 10_000);
  const nTest = int(o, "mnist-test", full ? 10_000 : q ? 300 : 1000);
  const epochs = int(o, "mnist-epochs", full ? 30 : q ? 1 : 5);
  const nFid = int(o, "fid-samples", full ? 10_000 : q ? 300 : 1000);
  const seeds = int(o, "mnist-seeds", q ? 1 : 3);
  const names = (o["mnist-variants"] ?? VARIANTS.map((v) => v.name).join(",")).split(",");
  const train = subsetDataset(await loadMnist("train"), { start: 0, end: nTrain });
  const test = subsetDataset(await loadMnist("test"), { start: 0, end: nTest });
  const extractor = await mnistExtractor();
  const realFeatures = await extractor.features(subsetDataset(test, { start: 0, end: Math.min(nTest, nFid) }) as Dataset);
  ctx.log(`  MNIST: ${nTrain} train / ${nTest} test images, ${epochs} epochs, ${nFid} samples for FID, ${seeds} seeds`);
  const trials: Trial[] = [];
  for (const v of VARIANTS.filter((x) => names.includes(x.name))) {
    for (let seed = 0; seed < seeds; seed++) {
      const model = createVqFlow({ preset: "mnist", flow: v.flow, seed, ...(v.charts ? {} : { codebookSize: 1 }) });
      const trial: Trial = { variant: v.name, seed, bitsPerDim: [], fid: [], seconds: [] };
      let t0 = performance.now();
      try {
        await trainVqFlow(model, train, {
          epochs,
          seed,
          onEpochEnd: async (record) => {
            if (record.stage !== 2) return;
            trial.seconds.push((performance.now() - t0) / 1000);
            const bpd = await model.bitsPerDim(test, { seed: 0 });
            const x = (await model.sample(nFid, 1000 + seed)) as tf.Tensor4D;
            const f = fid(realFeatures, await extractor.features(x)).fid;
            x.dispose();
            trial.bitsPerDim.push(mean(Array.from(bpd)));
            trial.fid.push(f);
            ctx.log(`    ${v.name} seed ${seed} epoch ${record.epoch + 1}: ${trial.bitsPerDim.at(-1)!.toFixed(3)} bits/dim, FID ${f.toFixed(2)}, ${trial.seconds.at(-1)!.toFixed(0)} s`);
            t0 = performance.now();
          },
        });
      } finally {
        model.dispose();
      }
      trials.push(trial);
    }
  }
  // mean ± std per variant and epoch
  const summary = VARIANTS.filter((x) => names.includes(x.name)).map((v, vi) => {
    const mine = trials.filter((t) => t.variant === v.name);
    const at = (k: "bitsPerDim" | "fid", e: number): number[] => mine.map((t) => t[k][e]).filter((x): x is number => x !== undefined);
    const epochsRun = Math.min(...mine.map((t) => t.fid.length));
    const per = Array.from({ length: epochsRun }, (_, e) => ({ epoch: e + 1, bitsPerDim: [mean(at("bitsPerDim", e)), std(at("bitsPerDim", e))], fid: [mean(at("fid", e)), std(at("fid", e))] }));
    return { variant: v.name, colour: PALETTE[vi] as Rgb, epochs: per, secondsPerEpoch: mean(mine.flatMap((t) => t.seconds)) };
  });
  for (const s of summary) {
    const last = s.epochs.at(-1);
    if (!last) continue;
    rows.push({
      variant: `MNIST ${s.variant}`,
      backend: tf.getBackend(),
      steps: last.epoch,
      msPerStep: s.secondsPerEpoch * 1000,
      note: `after ${last.epoch} epochs: ${last.bitsPerDim[0]!.toFixed(3)} ± ${last.bitsPerDim[1]!.toFixed(3)} bits/dim, FID ${last.fid[0]!.toFixed(2)} ± ${last.fid[1]!.toFixed(2)} (${seeds} seeds); ${s.secondsPerEpoch.toFixed(0)} s/epoch incl. evaluation`,
    });
  }
  const plot = (k: "fid" | "bitsPerDim"): Canvas => linePlot(summary.map((s) => ({ mean: s.epochs.map((e) => e[k][0]!), std: s.epochs.map((e) => e[k][1]!), colour: s.colour })));
  await savePanels(`${resultsDir}/vqflow-mnist-fid.png`, [plot("fid")], 1);
  await savePanels(`${resultsDir}/vqflow-mnist-bpd.png`, [plot("bitsPerDim")], 1);
  const table = [
    "| variant | epoch | bits/dim (mean ± std) | FID (mean ± std) |",
    "|---|---|---|---|",
    ...summary.flatMap((s) => s.epochs.map((e) => `| ${s.variant} | ${e.epoch} | ${e.bitsPerDim[0]!.toFixed(3)} ± ${e.bitsPerDim[1]!.toFixed(3)} | ${e.fid[0]!.toFixed(2)} ± ${e.fid[1]!.toFixed(2)} |`)),
  ].join("\n");
  await writeFile(`${resultsDir}/vqflow-mnist.md`, `${table}\n`);
  notes.push(`MNIST (${nTrain} train, ${nTest} test, ${epochs} epochs, ${nFid} samples, ${seeds} seeds): plots → ${resultsDir}/vqflow-mnist-fid.png and -bpd.png (colours: ${summary.map((s, i) => `${s.variant} ${["blue", "orange", "green", "red"][i]}`).join(", ")}), table → ${resultsDir}/vqflow-mnist.md`);
  return { settings: { nTrain, nTest, epochs, nFid, seeds }, trials, summary: summary.map(({ colour: _c, ...s }) => s) };
}
