/** Harness entries for every runtime export of @atlas/metrics. */
import * as tf from "@tensorflow/tfjs";
import * as core from "@atlas/core";
import * as metrics from "@atlas/metrics";
import type { PackageEntries } from "../entry.js";
import { K, bad, type Kind } from "../kinds.js";
import { c, entry, flat, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  cacheDir: string;
  data: { train: core.Dataset; test: core.Dataset };
  extractor: metrics.BuiltinExtractor;
  layersDir: string;
  acc: metrics.GaussianAccumulator;
  statsA: metrics.GaussianStats;
  statsB: metrics.GaussianStats;
}

const tinyDataset = (n: number, seed: number): core.Dataset => {
  const rng = new core.Rng(seed);
  return core.createDataset({ name: `tiny-${seed}`, images: rng.uniformArray(n * 28 * 28), shape: [n, 28, 28, 1], labels: Int32Array.from({ length: n }, (_, i) => i % 10), classes: core.MNIST_CLASSES });
};

async function fixtures(): Promise<Fx> {
  const sc = scratch("metrics");
  const cacheDir = sc.fresh("cache");
  const data = { train: tinyDataset(20, 1), test: tinyDataset(10, 2) };
  const extractor = await metrics.mnistExtractor({ cacheDir, epochs: 1, data });
  // a plain layers model for loadFeatureExtractor
  const layersDir = sc.fresh("layers");
  const input = tf.input({ shape: [8, 8, 1] });
  const flatL = tf.layers.flatten({ name: "flat" }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: "logits", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(flatL) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  await core.saveModel(layersDir, model);
  model.dispose();
  const acc = new metrics.GaussianAccumulator();
  acc.add(rows(6, 3));
  return { sc, cacheDir, data, extractor, layersDir, acc, statsA: metrics.gaussianStats(rows(8, 3)), statsB: metrics.gaussianStats(rows(8, 3, 4)) };
}

const paths = (fx: Fx): { file: string; missing: string } => ({ file: fx.sc.file, missing: fx.sc.missing });
const opts = K.options;
const optInt = (min?: number, max?: number, size = false) => K.int({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), size, optional: true });
const features = (dim = 3, minRows = 2) => K.matrix({ dim, minRows, make: (n) => rows(n, dim) });
// a thread count above the package's maximum (64) is clamped to it, by design: a valid value
/** gemmNT addresses sub-blocks through offsets and strides: an array longer than needed is valid. */
const longerOk = (kind: Kind): Kind => ({
  ...kind,
  bad: () =>
    kind.bad().map((b) => {
      const m = /^length (\d+) \(expected (\d+)\)$/.exec(b.label);
      return m && Number(m[1]) > Number(m[2]) ? { ...b, reject: false } : b;
    }),
});
const threadsKey = () => optInt(1, undefined, true);
const statsKind = () =>
  K.custom("stats", () => [
    bad.reject("null", null),
    bad.reject("{}", {}),
    bad.reject("mean with NaN", { mean: [Number.NaN, 0], cov: [1, 0, 0, 1], n: 3 }),
    bad.reject("cov of the wrong size", { mean: [0, 0], cov: [1, 0, 0], n: 3 }),
    bad.reject("cov not symmetric", { mean: [0, 0], cov: [1, 5, 0, 1], n: 3 }),
    bad.reject("cov not positive semi-definite", { mean: [0, 0], cov: [1, 0, 0, -4], n: 3 }),
    bad.reject("n: 1", { mean: [0, 0], cov: [1, 0, 0, 1], n: 1 }),
  ]);
const imagesKind = (size: number) =>
  K.custom("images", () => [
    ...K.tensor({ inner: [size, size, 1], make: (n) => tf.fill([n, size, size, 1], 0.5) }).bad(),
    bad.reject("{ images, shape } with NaN", { images: new Float32Array(size * size).fill(Number.NaN), shape: [1, size, size, 1] }),
    bad.reject("{ images, shape } of the wrong size", { images: new Float32Array(3), shape: [1, size, size, 1] }),
    bad.reject("pixels out of [0, 1]", { images: new Float32Array(size * size).fill(300), shape: [1, size, size, 1] }),
  ]);
const extractOpts = () => opts({ batchSize: optInt(1, undefined, true) });
const sq = (d: number) => {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a[i * d + j] = 1 / (1 + Math.abs(i - j));
  return a;
};
const builtinKeys = (fx: Fx) =>
  opts({ cacheDir: K.custom("dir", () => [bad.reject("empty", ""), bad.reject("number", 3), bad.reject("path under a regular file", `${fx.sc.file}/cache`)]), train: K.bool(), epochs: optInt(1, undefined, true), seed: K.int({ min: 0, optional: true }), log: K.fn(), data: K.custom("data", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("{ train: 3 }", { train: 3, test: 3 })]) });

const entries = [
  entry<Fx>("metrics.gaussianStats", () => [s("features", K.matrix({ minRows: 2, make: (n) => rows(n, 3) }), () => rows(6, 3)), s("options", opts({ threads: threadsKey() }), () => ({}))], (a) => metrics.gaussianStats(a[0] as number[][], a[1] as { threads?: number })),
  entry<Fx>("metrics.GaussianAccumulator", () => [c("dim", K.int({ min: 1, optional: true, size: true }), 3)], (a) => new metrics.GaussianAccumulator(a[0] as number).dim),
  entry<Fx>("metrics.GaussianAccumulator#n", () => [], (_a, fx) => fx.acc.n),
  entry<Fx>("metrics.GaussianAccumulator#dim", () => [], (_a, fx) => fx.acc.dim),
  entry<Fx>("metrics.GaussianAccumulator#add", () => [s("batch", features(3, 1), () => rows(3, 3))], (a) => new metrics.GaussianAccumulator(3).add(a[0] as number[][]).n),
  entry<Fx>("metrics.GaussianAccumulator#merge", () => [s("other", K.custom("other", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("an accumulator of dimension 2", new metrics.GaussianAccumulator(2).add(rows(3, 2)))]), () => new metrics.GaussianAccumulator(3).add(rows(3, 3)))], (a) => new metrics.GaussianAccumulator(3).add(rows(3, 3)).merge(a[0] as metrics.GaussianAccumulator).n),
  entry<Fx>("metrics.GaussianAccumulator#stats", () => [], (_a, fx) => fx.acc.stats()),
  entry<Fx>("metrics.fid", () => [s("featuresA", features(), () => rows(8, 3)), s("featuresB", features(), () => rows(8, 3, 4)), s("options", opts({ route: K.oneOf(["eigen", "cholesky"]), threads: threadsKey() }), () => ({}))], (a) => metrics.fid(a[0] as number[][], a[1] as number[][], a[2] as metrics.FidOptions)),
  entry<Fx>("metrics.frechetDistance", (fx) => [s("statsA", statsKind(), () => fx.statsA), s("statsB", statsKind(), () => fx.statsB), s("options", opts({ route: K.oneOf(["eigen", "cholesky"]), threads: threadsKey() }), () => ({}))], (a) => metrics.frechetDistance(a[0] as metrics.GaussianStats, a[1] as metrics.GaussianStats, a[2] as metrics.FidOptions)),
  entry<Fx>("metrics.traceSqrtProduct", () => [s("covA", K.array({ length: 9, make: () => sq(3) }), () => sq(3)), s("covB", K.array({ length: 9, make: () => sq(3) }), () => sq(3)), c("d", K.int({ min: 1, size: true }), 3), s("options", opts({ route: K.oneOf(["eigen", "cholesky"]), threads: threadsKey() }), () => ({}))], (a) => metrics.traceSqrtProduct(a[0] as Float64Array, a[1] as Float64Array, a[2] as number, a[3] as metrics.FidOptions)),
  entry<Fx>("metrics.inceptionScore", () => [s("logits", K.matrix({ minRows: 1, make: (n) => rows(n, 10) }), () => rows(6, 10)), s("options", opts({ splits: optInt(1, undefined, true) }), () => ({ splits: 2 }))], (a) => metrics.inceptionScore(a[0] as number[][], a[1] as metrics.InceptionScoreOptions)),
  entry<Fx>("metrics.kid", () => [s("featuresA", features(), () => rows(8, 3)), s("featuresB", features(), () => rows(8, 3, 4)), s("options", opts({ subsets: optInt(1, undefined, true), subsetSize: optInt(2, undefined, true), seed: K.seed() }), () => ({ subsets: 3, subsetSize: 4 }))], (a) => metrics.kid(a[0] as number[][], a[1] as number[][], a[2] as metrics.KidOptions)),
  entry<Fx>("metrics.precisionRecall", () => [s("real", features(), () => rows(8, 3)), s("fake", features(), () => rows(8, 3, 4)), s("options", opts({ k: optInt(1, undefined, true) }), () => ({}))], (a) => metrics.precisionRecall(a[0] as number[][], a[1] as number[][], a[2] as metrics.PrecisionRecallOptions)),
  entry<Fx>("metrics.symmetricEigen", () => [s("a", K.array({ length: 9, make: () => sq(3) }), () => sq(3)), c("n", K.int({ min: 1, size: true }), 3), s("options", opts({ vectors: K.bool(), threads: threadsKey() }), () => ({ vectors: true }))], (a) => metrics.symmetricEigen(a[0] as Float64Array, a[1] as number, a[2] as metrics.SymmetricEigenOptions)),
  entry<Fx>("metrics.tridiagonalize", () => [s("input", K.array({ length: 9, make: () => sq(3) }), () => sq(3)), c("n", K.int({ min: 1, size: true }), 3)], (a) => metrics.tridiagonalize(a[0] as Float64Array, a[1] as number)),
  entry<Fx>("metrics.tridiagonalQL", () => [s("d", K.array({ length: 3, make: () => new Float64Array([2, 2, 2]) }), () => new Float64Array([2, 2, 2])), s("e", K.array({ length: 3, make: () => new Float64Array([1, 1, 0]) }), () => new Float64Array([1, 1, 0])), c("n", K.int({ min: 1, size: true }), 3)], (a) => metrics.tridiagonalQL(a[0] as Float64Array, a[1] as Float64Array, a[2] as number)),
  entry<Fx>("metrics.setThreads", () => [c("threads", K.int({ min: 1, optional: true }), 2)], (a) => metrics.setThreads(a[0] as number), { after: () => metrics.setThreads(undefined) }),
  entry<Fx>("metrics.getThreads", () => [], () => metrics.getThreads()),
  entry<Fx>("metrics.cpuThreads", () => [], () => metrics.cpuThreads()),
  entry<Fx>("metrics.stopThreads", () => [], () => metrics.stopThreads()),
  entry<Fx>(
    "metrics.gemmNT",
    () => [
      c("m", K.int({ min: 0, size: true }), 2),
      c("n", K.int({ min: 0, size: true }), 2),
      c("k", K.int({ min: 0, size: true }), 3),
      s("A", longerOk(K.array({ length: 6, make: () => flat(2, 3) })), () => flat(2, 3)),
      c("aOff", K.int({ min: 0 }), 0),
      c("lda", K.int({ min: 1 }), 3),
      s("B", longerOk(K.array({ length: 6, make: () => flat(2, 3, 2) })), () => flat(2, 3, 2)),
      c("bOff", K.int({ min: 0 }), 0),
      c("ldb", K.int({ min: 1 }), 3),
      s("C", longerOk(K.array({ length: 4, make: () => new Float64Array(4), finite: false })), () => new Float64Array(4)),
      c("cOff", K.int({ min: 0 }), 0),
      c("ldc", K.int({ min: 1 }), 2),
      s("options", opts({ alpha: K.num({ optional: true }), accumulate: K.bool(), lower: K.bool() }), () => ({})),
    ],
    (a) => {
      metrics.gemmNT(...(a as Parameters<typeof metrics.gemmNT>));
      return a[9];
    },
  ),
  entry<Fx>("metrics.matmul", () => [s("A", K.array({ length: 6, make: () => flat(2, 3) }), () => flat(2, 3)), s("B", K.array({ length: 6, make: () => flat(3, 2) }), () => flat(3, 2)), c("m", K.int({ min: 1, size: true }), 2), c("k", K.int({ min: 1, size: true }), 3), c("n", K.int({ min: 1, size: true }), 2)], (a) => metrics.matmul(a[0] as Float64Array, a[1] as Float64Array, a[2] as number, a[3] as number, a[4] as number)),
  entry<Fx>("metrics.gram", () => [s("A", K.array({ length: 6, make: () => flat(2, 3) }), () => flat(2, 3)), c("m", K.int({ min: 1, size: true }), 2), c("n", K.int({ min: 1, size: true }), 3)], (a) => metrics.gram(a[0] as Float64Array, a[1] as number, a[2] as number)),
  entry<Fx>("metrics.transpose", () => [s("a", K.array({ length: 6, make: () => flat(2, 3) }), () => flat(2, 3)), c("m", K.int({ min: 1, size: true }), 2), c("n", K.int({ min: 1, size: true }), 3), c("out", K.custom("out", () => [bad.reject("too short", new Float64Array(2)), bad.reject("number[]", [0]), bad.reject("null", null)]), undefined)], (a) => metrics.transpose(a[0] as Float64Array, a[1] as number, a[2] as number, a[3] as Float64Array)),
  entry<Fx>("metrics.fusedProducts", () => [], () => metrics.fusedProducts()),
  entry<Fx>(
    "metrics.loadFeatureExtractor",
    (fx) => [c("dir", K.dir("read", paths(fx)), fx.layersDir), s("options", opts({ id: K.name(), format: K.oneOf(["layers", "graph", "auto"]), inputSize: K.shape({ optional: true }), resize: K.oneOf(["bilinear", "nearest"]), normalization: K.custom("normalization", () => [bad.reject("'bogus'", "bogus"), bad.reject("{ mean: [NaN], std: [1] }", { mean: [Number.NaN], std: [1] }), bad.reject("{ mean: [0], std: [0] }", { mean: [0], std: [0] }), bad.reject("{ mean: [0, 0], std: [1, 1] } (2 channels)", { mean: [0, 0], std: [1, 1] })]), featureOutput: K.custom("layer", () => [bad.reject("'nope'", "nope"), bad.reject("number", 3), bad.reject("empty", "")]), logitsOutput: K.custom("layer", () => [bad.reject("'nope'", "nope"), bad.reject("number", 3)]) }), () => ({ featureOutput: "flat", logitsOutput: "logits" }))],
    (a) => metrics.loadFeatureExtractor(a[0] as string, a[1] as metrics.LoadFeatureExtractorOptions),
    { maxFast: 50 },
  ),
  entry<Fx>(
    "metrics.makeExtractor",
    () => [
      c("id", K.name(false), "x"),
      c("inputSize", K.shape(), [8, 8, 1]),
      c("featureDim", K.int({ min: 1 }), 64),
      c("classes", K.int({ min: 1, optional: true }), undefined),
      s("p", opts({ inputSize: K.shape(), resize: K.oneOf(["bilinear", "nearest"]), normalization: K.custom("normalization", () => [bad.reject("'bogus'", "bogus")]) }, ["inputSize"]), () => ({ inputSize: [8, 8, 1] })),
      c("run", K.fn(false), (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1])),
      c("hasLogits", K.bool(false), false),
      c("dispose", K.fn(false), () => undefined),
    ],
    async (a) => {
      const ext = metrics.makeExtractor(...(a as Parameters<typeof metrics.makeExtractor>));
      const x = tf.fill([2, 8, 8, 1], 0.5) as tf.Tensor4D;
      try {
        return (await ext.features(x)).dim;
      } finally {
        x.dispose();
      }
    },
  ),
  entry<Fx>("metrics.FeatureExtractor#features", () => [s("images", imagesKind(28), (own) => own(tf.fill([2, 28, 28, 1], 0.5))), s("options", extractOpts(), () => ({}))], (a, fx) => fx.extractor.features(a[0] as tf.Tensor4D, a[1] as metrics.ExtractOptions)),
  entry<Fx>("metrics.FeatureExtractor#logits", () => [s("images", imagesKind(28), (own) => own(tf.fill([2, 28, 28, 1], 0.5))), s("options", extractOpts(), () => ({}))], (a, fx) => fx.extractor.logits!(a[0] as tf.Tensor4D, a[1] as metrics.ExtractOptions)),
  entry<Fx>("metrics.FeatureExtractor#dispose", () => [], (_a, _fx, r: metrics.FeatureExtractor) => r.dispose(), { receiver: (fx) => metrics.mnistExtractor({ cacheDir: fx.cacheDir, epochs: 1, train: false, data: fx.data }), disposed: "accept", noLeakCheck: "dispose frees the network's weights" }),
  entry<Fx>("metrics.mnistExtractor", (fx) => [s("options", builtinKeys(fx), () => ({ cacheDir: fx.cacheDir, epochs: 1, train: false, data: fx.data }))], (a) => metrics.mnistExtractor(a[0] as metrics.BuiltinExtractorOptions), { maxFast: 40, timeoutMs: 60_000 }),
  entry<Fx>("metrics.fashionMnistExtractor", (fx) => [s("options", builtinKeys(fx), () => ({ cacheDir: fx.cacheDir, epochs: 1, data: fx.data }))], (a) => metrics.fashionMnistExtractor(a[0] as metrics.BuiltinExtractorOptions), { maxFast: 40, timeoutMs: 60_000 }),
  entry<Fx>("metrics.buildClassifier", () => [c("seed", K.int({ min: 0 }), 1)], (a) => metrics.buildClassifier(a[0] as number)),
  entry<Fx>(
    "metrics.classifierAccuracy",
    (fx) => [s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {})]), (own) => own(metrics.buildClassifier(0))), c("data", K.custom("data", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("a dataset of 8×8 images", core.createDataset({ name: "x", images: new Float32Array(64), shape: [1, 8, 8, 1], labels: Int32Array.from([0]), classes: ["a"] }))]), fx.data.test), c("batchSize", K.int({ min: 1, optional: true, size: true }), 5)],
    (a) => metrics.classifierAccuracy(a[0] as tf.LayersModel, a[1] as core.Dataset, a[2] as number),
  ),
  entry<Fx>("metrics.defaultCacheDir", () => [], () => metrics.defaultCacheDir()),
  entry<Fx>("metrics.setDefaultCacheDir", () => [c("provider", K.fn(false), () => "memory://harness-cache")], (a) => metrics.setDefaultCacheDir(a[0] as () => string), { after: () => metrics.setDefaultCacheDir(() => process.env.ATLAS_CACHE_DIR ?? "memory://harness-cache") }),
  entry<Fx>("metrics.datasetFingerprint", (fx) => [c("data", K.custom("data", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("{ images: number[] }", { images: [0], labels: Int32Array.from([0]), shape: [1, 1, 1, 1] })]), fx.data.test)], (a) => metrics.datasetFingerprint(a[0] as core.Dataset)),
  entry<Fx>("metrics.weightsFingerprint", () => [s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("number", 3)]), (own) => own(metrics.buildClassifier(0)))], (a) => metrics.weightsFingerprint(a[0] as tf.LayersModel)),
];

const pe: PackageEntries<Fx> = {
  pkg: "metrics",
  fixtures,
  entries,
  exempt: {
    "GaussianAccumulator#init": "private (TypeScript)",
    "GaussianAccumulator#noteExtractor": "private (TypeScript)",
    "GaussianAccumulator#combine": "private (TypeScript)",
  },
};
export default pe;
