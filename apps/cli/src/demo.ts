import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  batchImages,
  checkInteger,
  checkNumber,
  gtnMnistAutoencoder,
  initBackend,
  loadMnist,
  progressBar,
  saveImageGrid,
  saveModel,
  trainLoop,
  type BackendInfo,
  type TrainProgress,
} from "@atlas/core";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Optimiser steps (default 300). */
  steps?: number;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Latent dimension of the autoencoder (default 5, the GTN paper's MNIST setting). */
  latentDim?: number;
  /** Adam learning rate (default 1e-3, GTN Appendix F). */
  learningRate?: number;
  /** Output directory (default `out/demo`). */
  out?: string;
  seed?: number;
  /** Test images used to measure reconstruction error (default 1 000). */
  evalImages?: number;
  /** Progress events (default: a progress bar on stderr). */
  onProgress?: (event: TrainProgress) => void;
  /** Where to print the summary (default console.log). */
  log?: (line: string) => void;
}

/** What the demo produced. */
export interface DemoResult {
  backend: BackendInfo;
  steps: number;
  samplesPerSecond: number;
  /** Mean squared error per pixel on held-out test images, before and after training. */
  testMseBefore: number;
  testMseAfter: number;
  reconstructionsPng: string;
  modelDir: string;
}

function testMse(encoder: tf.LayersModel, decoder: tf.LayersModel, images: tf.Tensor4D, batch = 250): number {
  let total = 0;
  const n = images.shape[0];
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    total += tf.tidy(() => {
      const x = images.slice([i, 0, 0, 0], [size, -1, -1, -1]);
      const r = decoder.predict(encoder.predict(x) as tf.Tensor) as tf.Tensor;
      return tf.sum(tf.squaredDifference(r, x)).dataSync()[0] as number;
    });
  }
  return total / images.size;
}

/**
 * The project's main job for now: train the GTN paper's MNIST autoencoder (Appendix F) for a few
 * hundred steps on the best available backend, then write a PNG of test images (top rows) and
 * their reconstructions (bottom rows) and the trained model.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const steps = checkInteger("steps", options.steps ?? 300, { min: 1 });
  const batchSize = checkInteger("batchSize", options.batchSize ?? 32, { min: 1, max: 60_000 });
  const latentDim = checkInteger("latentDim", options.latentDim ?? 5, { min: 1 });
  const learningRate = checkNumber("learningRate", options.learningRate ?? 1e-3, { above: 0 });
  const evalImages = checkInteger("evalImages", options.evalImages ?? 1000, { min: 1, max: 10_000 });
  const seed = checkInteger("seed", options.seed ?? 0, { min: 0 });
  const out = resolve(options.out ?? "out/demo");
  const log = options.log ?? ((line: string) => console.log(line));

  const backend = await initBackend();
  log(`backend: ${backend.name} (${backend.reason})`);

  const [train, test] = await Promise.all([loadMnist("train"), loadMnist("test")]);
  log(`MNIST: ${train.shape[0]} training and ${test.shape[0]} test images`);

  const { encoder, decoder } = gtnMnistAutoencoder({ latentDim, seed });
  const params = encoder.countParams() + decoder.countParams();
  log(`autoencoder (GTN Appendix F, d = ${latentDim}): ${params.toLocaleString("en")} parameters`);
  const optimizer = tf.train.adam(learningRate);
  const evalIdx = Int32Array.from({ length: evalImages }, (_, i) => i);
  const evalX = batchImages(test, evalIdx);
  const testMseBefore = testMse(encoder, decoder, evalX);

  // `size` covers exactly `steps` batches in one pass when MNIST is big enough; otherwise more epochs.
  const perEpoch = Math.min(steps, Math.floor(train.shape[0] / batchSize));
  const epochs = Math.ceil(steps / perEpoch);
  let taken = 0;
  const controller = new AbortController();
  const started = performance.now();
  await trainLoop({
    size: perEpoch * batchSize,
    batchSize,
    epochs,
    seed,
    signal: controller.signal,
    onProgress: options.onProgress ?? progressBar({ label: "autoencoder" }),
    step: (batch) => {
      const x = batchImages(train, batch);
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      );
      const value = (loss as tf.Scalar).dataSync()[0] as number;
      tf.dispose([x, loss as tf.Scalar]);
      if (++taken >= steps) controller.abort();
      return value;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const testMseAfter = testMse(encoder, decoder, evalX);

  await mkdir(out, { recursive: true });
  const shown = 16;
  const grid = tf.tidy(() => {
    const x = evalX.slice([0, 0, 0, 0], [shown, -1, -1, -1]);
    const r = decoder.predict(encoder.predict(x) as tf.Tensor) as tf.Tensor4D;
    return tf.concat([x, r], 0) as tf.Tensor4D;
  });
  const reconstructionsPng = join(out, "reconstructions.png");
  await saveImageGrid(reconstructionsPng, grid, { columns: 8, scale: 2 });
  const modelDir = join(out, "autoencoder");
  await saveModel(join(modelDir, "encoder"), encoder);
  await saveModel(join(modelDir, "decoder"), decoder);
  tf.dispose([grid, evalX]);
  optimizer.dispose();

  const samplesPerSecond = (taken * batchSize) / seconds;
  log(`trained ${taken} steps × ${batchSize} in ${seconds.toFixed(1)} s (${samplesPerSecond.toFixed(1)} samples/s on ${backend.name})`);
  log(`test reconstruction MSE per pixel (${evalImages} images): ${testMseBefore.toFixed(4)} before → ${testMseAfter.toFixed(4)} after`);
  log(`wrote ${reconstructionsPng} (rows 1–2: test images, rows 3–4: reconstructions) and ${modelDir}/`);
  return { backend, steps: taken, samplesPerSecond, testMseBefore, testMseAfter, reconstructionsPng, modelDir };
}
