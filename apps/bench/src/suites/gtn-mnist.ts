/**
 * The GTN paper's MNIST experiment at demo scale (d = 5): the Appendix F autoencoder on a training
 * subset, a GTN (mnist preset, 7×50 with batch norm) on its codes, and FID with @atlas/metrics's
 * built-in MNIST extractor: decoded GTN samples vs real test images, against the reconstruction FID
 * (recon-FID, the best reachable). Writes sample and interpolation grids as PNG and a JSON summary.
 *
 * Run: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/suites/gtn-mnist.ts
 *   [--train=12000] [--aeEpochs=2] [--aeLr=1e-3] [--samples=2000] [--out=bench-results/gtn-mnist]`
 * (paper scale: --train=60000 --aeEpochs=<until converged>; hours on a 2-core CPU).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batchImages, initBackend, loadMnist, saveImageGrid, subsetDataset } from "@atlas/core";
import { trainGTN, trainLatentAutoencoder } from "@atlas/gtn";
import { fid, mnistExtractor } from "@atlas/metrics";

function arg(name: string, fallback: string): string {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

const nTrain = Number(arg("train", "12000"));
const aeEpochs = Number(arg("aeEpochs", "2"));
const aeLr = Number(arg("aeLr", "1e-3"));
const samples = Number(arg("samples", "2000"));
const out = arg("out", "bench-results/gtn-mnist");
mkdirSync(out, { recursive: true });
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const t0 = performance.now();
const secs = (): string => ((performance.now() - t0) / 1000).toFixed(0);

const backend = await initBackend();
log(`backend ${backend.name} (${backend.reason})`);
const train = subsetDataset(await loadMnist("train"), { start: 0, end: nTrain });
const test = await loadMnist("test");

const ae = await trainLatentAutoencoder(train, {
  latentDim: 5,
  epochs: aeEpochs,
  learningRate: aeLr,
  seed: 1,
  onProgress: (e) => {
    if (e.phase === "epoch" || e.step % 20 === 0) log(`[${secs()} s] autoencoder epoch ${e.epoch + 1}/${e.epochs} step ${e.step}/${e.stepsPerEpoch} loss ${(e.losses.loss ?? NaN).toFixed(4)} (${e.samplesPerSecond.toFixed(0)} samples/s)`);
  },
});
const aeSeconds = (performance.now() - t0) / 1000;
const codes = ae.encode(train);
const codeData = codes.dataSync() as Float32Array;
codes.dispose();
const gtn = await trainGTN({ data: codeData, dim: 5 }, {
  preset: "mnist",
  epochs: 60,
  seed: 1,
  onProgress: (e) => {
    if (e.phase === "epoch") log(`[${secs()} s] GTN epoch ${e.epoch + 1} loss ${(e.losses.loss ?? NaN).toFixed(4)} val ${e.validationLoss?.toFixed(4)}`);
  },
});
log(`[${secs()} s] labelling took ${gtn.report?.labelSeconds.toFixed(2)} s; GTN stopped: ${gtn.report?.history.stopped} after ${gtn.report?.history.epochs.length} epochs`);

const ext = await mnistExtractor({ log });
const idx = Int32Array.from({ length: samples }, (_, i) => i);
const real = batchImages(test, idx);
const testCodes = ae.encode(real);
const recon = ae.decode(testCodes);
const y = gtn.sample(samples, 7);
const generated = ae.decode(y);
const realF = await ext.features(real);
const reconF = await ext.features(recon);
const genF = await ext.features(generated);
const reconFid = fid(realF, reconF).fid;
const gtnFid = fid(realF, genF).fid;
const reconError = ae.reconstructionError(real);

await saveImageGrid(join(out, "samples.png"), generated.slice([0, 0, 0, 0], [64, -1, -1, -1]) as tf.Tensor4D, { columns: 8, scale: 2 });
const rows: tf.Tensor4D[] = [];
const ends = gtn.sampleInputs(16, 11).arraySync();
for (let r = 0; r < 8; r++) {
  const line = gtn.interpolate(ends[2 * r] as number[], ends[2 * r + 1] as number[], 10);
  rows.push(ae.decode(line));
  line.dispose();
}
const grid = tf.concat(rows);
await saveImageGrid(join(out, "interpolations.png"), grid, { columns: 10, scale: 2 });

const summary = {
  backend: backend.name,
  trainImages: nTrain,
  aeEpochs,
  aeSeconds,
  testReconstructionMse: reconError,
  labelSeconds: gtn.report?.labelSeconds,
  gtnEpochs: gtn.report?.history.epochs.length,
  samples,
  reconFid,
  gtnFid,
  ratio: gtnFid / reconFid,
  extractor: realF.extractor,
  totalSeconds: (performance.now() - t0) / 1000,
};
writeFileSync(join(out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
console.log(JSON.stringify(summary, null, 2));
for (const t of [real, testCodes, recon, y, generated, grid, ...rows]) t.dispose();
