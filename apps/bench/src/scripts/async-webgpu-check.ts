/**
 * The asynchronous read paths on TensorFlow.js's WebGPU backend in Node (Dawn, the `webgpu`
 * package), where any synchronous read of a GPU tensor throws (`OffscreenCanvas is not defined`):
 * every trainer, the evaluation, GTN labelling with the tfjs product, a geodesic graph build and a
 * query with a tensor end, each run briefly; then the GTN Appendix F autoencoder trained through
 * `trainLoop` with the loss read inside the step (`await loss.data()` each step) vs left on the
 * device (`readLossesEvery` 1 and 10), batch 128 and 1024, in samples/s.
 *
 * Not a unit test (no GPU here): bundle it and run it on the GPU machine as ../shared/gpu/README.md
 * describes; it prints one JSON object (and writes it to $OUT/async-webgpu.json when OUT is set).
 * `--backend=cpu` runs the same on the CPU backend (a smoke test of the script itself).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as TF from "@tensorflow/tfjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const backendName = args.backend ?? "webgpu";
if (backendName === "webgpu") {
  const { create, globals } = (await import("webgpu" as string)) as { create: (o: string[]) => unknown; globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  (globalThis as { navigator?: unknown }).navigator = { gpu: create([]), userAgent: "node" };
  await import("@tensorflow/tfjs-backend-webgpu" as string);
}
const tf = await import("@tensorflow/tfjs");
const core = await import("@atlas/core");
const { gtnLabels, trainGTN, trainLatentAutoencoder } = await import("@atlas/gtn");
const agm = await import("@atlas/agm");
const { buildGeodesicGraph } = await import("@atlas/geodesic");

await tf.setBackend(backendName);
await tf.ready();
if (backendName !== "webgpu") core.registerAtlasKernels(backendName as "cpu" | "wasm");
const report: Record<string, unknown> = { backend: tf.getBackend(), node: process.versions.node };
const t0 = performance.now();
const secs = (): number => Math.round(performance.now() - t0) / 1000;

// A synchronous read of a GPU tensor really is impossible here (the reason for all of this).
try {
  const t = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])));
  t.dataSync();
  t.dispose();
  report.syncRead = "worked";
} catch (error) {
  report.syncRead = `throws: ${(error as Error).message.split("\n")[0]}`;
}

async function check(name: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  try {
    const value = await fn();
    report[name] = { ok: true, seconds: (performance.now() - start) / 1000, value };
  } catch (error) {
    report[name] = { ok: false, seconds: (performance.now() - start) / 1000, error: String((error as Error).stack ?? error).split("\n").slice(0, 6).join(" | ") };
  }
  console.error(`[${secs()} s] ${name}: ${JSON.stringify(report[name]).slice(0, 300)}`);
}

const rng = new core.Rng(0);
const images = (n: number): Float32Array => Float32Array.from(rng.uniformArray(n * 784));
const ring = agm.ringImages(400, { size: 28, seed: 1 });

await check("awaeGanTrainer.step", async () => {
  const model = agm.createAwaeGan({ ...agm.cpuAwaeGanOptions(4), seed: 0 });
  const trainer = new agm.AwaeGanTrainer(model, { seed: 0 });
  const x = tf.tensor4d(ring.images.subarray(0, 100 * 784), [100, 28, 28, 1]);
  try {
    const stats = [await trainer.step(x), await trainer.step(x)];
    const deferred = trainer.stepDeferred(x);
    const read = await tf.stack(Object.values(deferred)).data();
    tf.dispose(Object.values(deferred));
    return { stats, deferred: Array.from(read) };
  } finally {
    x.dispose();
    trainer.dispose();
    model.dispose();
  }
});

await check("trainAwaeGan+evaluation", async () => {
  const model = agm.createAwaeGan({ ...agm.cpuAwaeGanOptions(4), seed: 0 });
  try {
    const data = { images: ring.images.subarray(0, 300 * 784), shape: [300, 28, 28, 1] };
    const validation = { images: ring.images.subarray(300 * 784), shape: [100, 28, 28, 1] };
    const history = await agm.trainAwaeGan(model, data, { epochs: 1, batchSize: 100, validation });
    const rec = await agm.reconstructionError(model, validation);
    const conf = await agm.chartConfidence(model, validation);
    return { stopped: history.stopped, losses: history.epochs[0]?.losses, validationLoss: history.epochs[0]?.validationLoss, mse: rec.mse, chartCounts: Array.from(conf.chartCounts) };
  } finally {
    model.dispose();
  }
});

await check("trainAtlasVae", async () => {
  const vae = agm.createAtlasVae({ charts: 2, latentDim: 2, dataShape: [8], seed: 0 });
  try {
    const pts = core.circle(256, 1, { embedDim: 8 });
    const history = await agm.trainAtlasVae(vae, pts, { epochs: 2, batchSize: 64 });
    return { stopped: history.stopped, losses: history.epochs.at(-1)?.losses };
  } finally {
    vae.dispose();
  }
});

await check("trainLatentAutoencoder", async () => {
  const x = tf.tensor4d(images(512), [512, 28, 28, 1]);
  try {
    const ae = await trainLatentAutoencoder(x, { latentDim: 5, epochs: 1, batchSize: 128 });
    const err = await ae.reconstructionError(x);
    ae.dispose();
    return { losses: ae.history?.epochs[0]?.losses, reconstructionError: err };
  } finally {
    x.dispose();
  }
});

await check("gtnLabels tfjs product + tensor inputs", async () => {
  const n = 4000;
  const d = 100;
  const x = tf.tensor2d(rng.normalArray(n * d), [n, d]);
  const y = tf.tensor2d(rng.normalArray(n * d), [n, d]);
  try {
    const viaTf = await gtnLabels(x, y, { strategy: "blocks", gemm: "tfjs" });
    const viaF64 = await gtnLabels(x, y, { strategy: "blocks", gemm: "float64" });
    return { identical: viaTf.every((v, i) => v === viaF64[i]) };
  } finally {
    tf.dispose([x, y]);
  }
});

await check("trainGTN", async () => {
  const latents = tf.tensor2d(rng.normalArray(2000 * 5), [2000, 5]);
  try {
    const gtn = await trainGTN(latents, { preset: "mnist", epochs: 3, seed: 1 });
    return { stopped: gtn.report?.history.stopped, epochs: gtn.report?.history.epochs.length, validationLoss: gtn.report?.history.epochs.at(-1)?.validationLoss };
  } finally {
    latents.dispose();
  }
});

await check("buildGeodesicGraph+shortestPath", async () => {
  const model = agm.createAwaeGan({ ...agm.cpuAwaeGanOptions(2), seed: 0 });
  const x = tf.tensor4d(ring.images.subarray(0, 300 * 784), [300, 28, 28, 1]);
  const end = tf.tensor3d(ring.images.subarray(300 * 784, 301 * 784), [28, 28, 1]);
  try {
    const graph = await buildGeodesicGraph(model, x, { k: 8, knn: "exact", steps: 5 });
    const path = await graph.shortestPath(0, end);
    return { nodes: graph.stats().nodes, edges: graph.stats().edges, pathLength: path.length, timings: graph.timings };
  } finally {
    tf.dispose([x, end]);
    model.dispose();
  }
});

// Timing: the Appendix F autoencoder trained through trainLoop, the loss read three ways.
const timing: Record<string, unknown>[] = [];
for (const batch of (args.batches ?? "128,1024").split(",").map(Number)) {
  const steps = Number(args.steps ?? (backendName === "webgpu" ? 20 : 2));
  const { encoder, decoder } = core.gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(images(batch), [batch, 28, 28, 1]);
  const lossOf = (): TF.Scalar =>
    tf.tidy(() => optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as TF.Tensor) as TF.Scalar, true) as TF.Scalar);
  const variants: [string, Partial<import("@atlas/core").TrainLoopOptions>][] = [
    ["await loss.data() in every step", { step: async () => (await lossOf().data())[0] as number }],
    ["tensor loss, readLossesEvery 1", { step: lossOf }],
    ["tensor loss, readLossesEvery 10", { step: lossOf, readLossesEvery: 10 }],
  ];
  try {
    for (const [name, options] of variants) {
      // one warm-up epoch, then the timed one (each epoch ends with a read that waits for the GPU)
      await core.trainLoop({ size: 2, batchSize: 1, epochs: 1, step: () => 0, ...options, seed: 0 } as import("@atlas/core").TrainLoopOptions);
      const start = performance.now();
      const h = await core.trainLoop({ size: steps, batchSize: 1, epochs: 1, step: () => 0, ...options, seed: 0 } as import("@atlas/core").TrainLoopOptions);
      const ms = performance.now() - start;
      timing.push({ batch, variant: name, steps, msPerStep: ms / steps, samplesPerSecond: (batch * steps * 1000) / ms, loss: h.epochs[0]?.losses.loss });
      console.error(`[${secs()} s] batch ${batch} ${name}: ${((batch * steps * 1000) / ms).toFixed(0)} samples/s`);
    }
  } catch (error) {
    timing.push({ batch, error: String(error) });
  } finally {
    x.dispose();
    encoder.dispose();
    decoder.dispose();
    optimizer.dispose();
  }
}
report.timing = timing;
report.totalSeconds = secs();
const json = JSON.stringify(report, null, 1);
console.log(json);
if (process.env.OUT) await writeFile(join(process.env.OUT, "async-webgpu.json"), json);
