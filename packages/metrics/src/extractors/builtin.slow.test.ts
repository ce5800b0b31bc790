// Slow (ATLAS_SLOW=1): trains the built-in classifiers once (minutes on a CPU backend) and caches
// them under $ATLAS_CACHE_DIR or ~/.cache/atlas; later runs load them.
import * as tf from "@tensorflow/tfjs";
import { batchImages, initBackend, loadFashionMnist, loadMnist, type Dataset } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { STANDARD_TRAINING_DATA, datasetFingerprint, fashionMnistExtractor, fid, inceptionScore, mnistExtractor, precisionRecall, type BuiltinExtractor } from "../index.js";

beforeAll(async () => {
  const info = await initBackend();
  console.log(`backend: ${info.name} (${info.reason})`);
});

async function check(ext: BuiltinExtractor, test: Dataset, minAccuracy: number, minIs: number): Promise<void> {
  console.log(`${ext.id}: test accuracy ${(ext.testAccuracy * 100).toFixed(2)}% (${ext.trainedNow ? "trained now" : "from cache"} at ${ext.cachePath})`);
  expect(ext.testAccuracy).toBeGreaterThanOrEqual(minAccuracy);
  const half = tf.tidy(() => batchImages(test, Int32Array.from({ length: 2000 }, (_, i) => i)));
  const other = tf.tidy(() => batchImages(test, Int32Array.from({ length: 2000 }, (_, i) => 2000 + i)));
  const noise = tf.randomUniform([2000, 28, 28, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const fa = await ext.features(half);
  const fb = await ext.features(other);
  const fn = await ext.features(noise);
  expect(fa.dim).toBe(128);
  const same = fid(fa, fb);
  const far = fid(fa, fn);
  console.log(`${ext.id}: FID(test[0:2000], test[2000:4000]) = ${same.fid.toFixed(3)}, FID(test, uniform noise) = ${far.fid.toFixed(1)}`);
  expect(same.extractor).toBe(ext.id);
  expect(far.fid).toBeGreaterThan(20 * same.fid);
  const is = inceptionScore(await ext.logits(half));
  console.log(`${ext.id}: IS(test[0:2000]) = ${is.mean.toFixed(3)} ± ${is.std.toFixed(3)}`);
  expect(is.mean).toBeGreaterThan(minIs);
  const pr = precisionRecall(fa, fb, { k: 3 });
  console.log(`${ext.id}: precision/recall(test halves) = ${pr.precision.toFixed(3)} / ${pr.recall.toFixed(3)}`);
  expect(pr.precision).toBeGreaterThan(0.6);
  half.dispose();
  other.dispose();
  noise.dispose();
}

describe("built-in extractors (trained from a fixed seed, cached)", () => {
  it("MNIST: ≥ 98% test accuracy; FID/IS/PR behave", async () => {
    const ext = await mnistExtractor({ log: (l) => console.log(l) });
    await check(ext, await loadMnist("test"), 0.98, 8);
    ext.dispose();
  }, 3_600_000);
  it("Fashion-MNIST's standard training split has the pinned fingerprint (scripts/dataset_fingerprints.py)", async () => {
    expect(await datasetFingerprint(await loadFashionMnist("train"))).toBe(STANDARD_TRAINING_DATA["fashion-mnist"]);
  }, 120_000);
  it("Fashion-MNIST: ≥ 88% test accuracy; FID/IS/PR behave", async () => {
    const ext = await fashionMnistExtractor({ log: (l) => console.log(l) });
    // real Fashion-MNIST images are classified less confidently, so their IS is lower than MNIST's
    await check(ext, await loadFashionMnist("test"), 0.88, 6);
    ext.dispose();
  }, 3_600_000);
});
