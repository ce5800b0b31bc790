// Node-only: the demo's VQ-Flow stage — a VQ-Flow (the poster's MNIST preset) on a fraction of an
// MNIST epoch: samples, samples of each chart, bits/dim of test images.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng, encodeImageGrid, subsetDataset, type Dataset, type TrainProgress } from "@atlas/core";
import { createVqFlow, saveVqFlow, trainVqFlow } from "@atlas/vqflow";
import { writeFileAtomic } from "../files.js";
import { InterruptedError, type Runtime } from "../runtime.js";
import type { DemoConfig } from "./config.js";

/** What the demo records of its VQ-Flow. */
export interface DemoVqFlowResult {
  available: true;
  charts: number;
  flow: string;
  layers: number;
  trainImages: number;
  autoencoderEpochs: number;
  epochs: number;
  trainSeconds: number;
  /** Mean bits/dim of `testImages` dequantised test images (8-bit pixels: 8 is uniform noise). */
  bitsPerDim: number;
  testImages: number;
  /** p_k, the learned chart weights. */
  chartWeights: number[];
  images: { samples: string; chartSamples: string };
}

/** The VQ-Flow's model directory inside the demo directory. */
export const VQFLOW_MODEL = join("vqflow", "model");

export async function demoVqFlow(trainAll: Dataset, test: Dataset, config: DemoConfig, seed: number, out: string, rt: Runtime): Promise<DemoVqFlowResult> {
  const train = subsetDataset(trainAll, { start: 0, end: config.vqTrainImages });
  const evalSet = subsetDataset(test, { start: 0, end: config.evalImages });
  const model = createVqFlow({ preset: "mnist", seed });
  try {
    const bars: Partial<Record<1 | 2, ((e: TrainProgress) => void) | undefined>> = {};
    const t0 = performance.now();
    const h = await rt.checkpointing(() =>
      trainVqFlow(model, train, {
        autoencoderEpochs: config.vqAutoencoderEpochs,
        epochs: config.vqEpochs,
        seed,
        checkpointDir: join(out, "vqflow", "checkpoint"),
        signal: rt.signal,
        onProgress: (e) => {
          if (!(e.stage in bars)) bars[e.stage] = rt.trainProgress(e.stage === 1 ? "vqflow autoencoder" : "vqflow flows");
          bars[e.stage]?.(e);
        },
      }),
    );
    const trainSeconds = (performance.now() - t0) / 1000;
    if (h.stage1?.stopped === "aborted" || h.stage2?.stopped === "aborted") {
      const sig = (rt.signal.reason as NodeJS.Signals | undefined) ?? "SIGINT";
      throw new InterruptedError(sig, `interrupted by ${sig} while training the VQ-Flow; checkpoint saved in ${join(out, "vqflow", "checkpoint")} — continue with 'atlas demo --resume' (same --out)`);
    }
    await saveVqFlow(model, join(out, VQFLOW_MODEL));
    await fs.rm(join(out, "vqflow", "checkpoint"), { recursive: true, force: true });
    const bpd = await model.bitsPerDim(evalSet, { seed });
    const bitsPerDim = bpd.reduce((a, b) => a + b, 0) / bpd.length;
    // 48 mixture samples (k ~ p_k, x = g_k(z)), then 6 draws of each chart's map g_k
    const samples = await model.sample(48, seed);
    const samplesPng = join("vqflow", "samples.png");
    await writeFileAtomic(join(out, samplesPng), encodeImageGrid({ data: (await samples.data()) as Float32Array, shape: [48, 28, 28, 1] }, { columns: 12, scale: 2 }));
    samples.dispose();
    const per = 6;
    const z = tf.tensor2d(new Rng(seed + 1).normalArray(per * model.latentDim), [per, model.latentDim]);
    const rows = Array.from({ length: model.charts }, (_, k) => model.decode(z, k));
    const grid = tf.concat(rows, 0);
    const chartSamples = join("vqflow", "chart-samples.png");
    await writeFileAtomic(join(out, chartSamples), encodeImageGrid({ data: (await grid.data()) as Float32Array, shape: [per * model.charts, 28, 28, 1] }, { columns: per * 2, scale: 2 }));
    tf.dispose([z, grid, ...rows]);
    const chartWeights = Array.from(await model.chartWeights());
    rt.log(`vqflow: ${model.charts} charts, trained on ${config.vqTrainImages} images in ${trainSeconds.toFixed(0)} s; ${bitsPerDim.toFixed(3)} bits/dim on ${config.evalImages} test images`);
    return {
      available: true,
      charts: model.charts,
      flow: model.config.flow,
      layers: model.config.layers,
      trainImages: config.vqTrainImages,
      autoencoderEpochs: config.vqAutoencoderEpochs,
      epochs: config.vqEpochs,
      trainSeconds,
      bitsPerDim,
      testImages: config.evalImages,
      chartWeights,
      images: { samples: samplesPng, chartSamples },
    };
  } finally {
    model.dispose();
  }
}
