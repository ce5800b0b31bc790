/** Harness entries for every runtime export of @atlas/gtn. */
import * as tf from "@tensorflow/tfjs";
import * as core from "@atlas/core";
import * as gtn from "@atlas/gtn";
import type { PackageEntries } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, flat, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  model: gtn.GTN;
  gtnDir: string;
  ae: gtn.LatentAutoencoder;
  aeDir: string;
  images: () => tf.Tensor4D;
}

const images = (n: number): tf.Tensor4D => tf.tidy(() => tf.linspace(0, 1, n * 8 * 8).reshape([n, 8, 8, 1]) as tf.Tensor4D);

async function fixtures(): Promise<Fx> {
  const sc = scratch("gtn");
  const model = await gtn.trainGTN(rows(40, 2), { preset: "swissRoll", epochs: 1, seed: 1 });
  const gtnDir = sc.fresh("gtn");
  await model.save(gtnDir);
  const x = images(4);
  const ae = await gtn.trainLatentAutoencoder(x, { latentDim: 2, epochs: 1, batchSize: 4 });
  x.dispose();
  const aeDir = sc.fresh("ae");
  await ae.save(aeDir);
  return { sc, model, gtnDir, ae, aeDir, images: () => images(3) };
}

const paths = (fx: Fx): { file: string; missing: string } => ({ file: fx.sc.file, missing: fx.sc.missing });
const opts = K.options;
const optInt = (min?: number, max?: number, size = false) => K.int({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), size, optional: true });
const optNum = (b: { min?: number; max?: number; above?: number; below?: number } = {}) => K.num({ ...b, optional: true });
const matrix = (dim: number, minRows = 1) => K.matrix({ dim, minRows, make: (n) => rows(n, dim) });
const imageKind = () => K.tensor({ inner: [8, 8, 1], make: (n) => images(n) });
const latentTensor = (d: number, allowRows = false) => K.tensor({ inner: [d], make: (n) => tf.zeros([n, d]), allowRows });

const checkpointKind = (fx: Fx) =>
  opts({ dir: K.custom("dir", () => [bad.reject("empty", ""), bad.reject("number", 3), bad.reject("path under a regular file", `${fx.sc.file}/ck`)]), every: K.int({ min: 1, optional: true }), resume: K.bool() }, ["dir"], () => ({ dir: fx.sc.fresh("ck") }));

const trainGtnKeys = (fx: Fx) =>
  opts({
    preset: K.oneOf(["swissRoll", "uniform", "mnist", "celeba", "cifar10"]),
    hiddenLayers: optInt(0, undefined, true),
    width: optInt(1, undefined, true),
    batchNorm: K.bool(),
    learningRate: optNum({ above: 0 }),
    batchSize: optInt(1, undefined, true),
    epochs: optInt(1, undefined, true),
    halveLearningRateAt: K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("[3, 2]", [3, 2]), bad.reject("'x'", "x")]),
    patience: optInt(1),
    validationFraction: optNum({ min: 0, below: 1 }),
    seed: K.seed(),
    standardize: K.bool(),
    clusters: optInt(1, undefined, true),
    labelMethod: K.oneOf(["fast", "scan"]),
    cosineTolerance: optNum({ min: 0 }),
    sortByNorm: K.bool(),
    batchNormMomentum: optNum({ min: 0, max: 1 }),
    batchNormEpsilon: optNum({ above: 0 }),
    onProgress: K.fn(),
    checkpoint: checkpointKind(fx),
    signal: K.signal(),
  });

const aeKeys = (fx: Fx) =>
  opts(
    {
      latentDim: K.int({ min: 1, size: true }),
      epochs: optInt(1, undefined, true),
      batchSize: optInt(1, undefined, true),
      learningRate: optNum({ above: 0 }),
      weightDecay: optNum({ min: 0 }),
      seed: K.seed(),
      onProgress: K.fn(),
      checkpoint: checkpointKind(fx),
      signal: K.signal(),
    },
    ["latentDim"],
  );

const SYNC = "a synchronous tensor method: it does not read its input (no synchronous reads in library code), NaN in gives NaN out as in tfjs";
const DISPOSE = "dispose frees the receiver's weights";

const freshGtn = (fx: Fx): Promise<gtn.GTN> => gtn.GTN.load(fx.gtnDir);
const freshAe = (fx: Fx): Promise<gtn.LatentAutoencoder> => gtn.LatentAutoencoder.load(fx.aeDir);

const entries = [
  entry<Fx>(
    "gtn.gtnLabels",
    () => [s("x", matrix(2), () => rows(12, 2)), s("y", matrix(2), () => rows(12, 2, 3)), s("options", opts({ method: K.oneOf(["scan", "fast"]), strategy: K.oneOf(["auto", "tree", "blocks"]), gemm: K.oneOf(["auto", "int16", "float64", "tfjs"]), threads: optInt(1, 16), blockSize: optInt(1, undefined, true), candidates: optInt(1, undefined, true), cosineTolerance: optNum({ min: 0 }), sortByNorm: K.bool() }), () => ({}))],
    (a) => gtn.gtnLabels(a[0] as number[][], a[1] as number[][], a[2] as gtn.GtnLabelOptions),
  ),
  entry<Fx>(
    "gtn.kMeans",
    () => [s("data", K.array({ length: 20, make: () => flat(10, 2) }), () => flat(10, 2)), c("n", K.int({ min: 1, size: true }), 10), c("d", K.int({ min: 1, size: true }), 2), c("k", K.int({ min: 1, max: 10 }), 3), c("seed", K.seed(false), 0), s("options", opts({ maxIterations: optInt(1, undefined, true), restarts: optInt(1, undefined, true) }), () => ({}))],
    (a) => gtn.kMeans(a[0] as Float64Array, a[1] as number, a[2] as number, a[3] as number, a[4] as number, a[5] as gtn.KMeansOptions),
  ),
  entry<Fx>("gtn.ks", () => [s("sample", K.array({ make: () => [0.1, 0.5, 0.9] }), () => [0.1, 0.5, 0.9]), c("cdf", K.fn(false), (v: number) => Math.min(1, Math.max(0, v)))], (a) => gtn.ks(a[0] as number[], a[1] as (v: number) => number)),
  entry<Fx>("gtn.swissRollWithin", () => [s("theta", K.array({ make: () => [5, 6, 20] }), () => [5, 6, 20]), c("tolerance", optNum({ min: 0 }), 0.02)], (a) => gtn.swissRollWithin(a[0] as number[], a[1] as number)),
  entry<Fx>("gtn.uniformSquareStats", () => [s("points", K.array({ make: () => [0.1, 0.2, 0.5, 0.5, 0.9, 0.3] }), () => [0.1, 0.2, 0.5, 0.5, 0.9, 0.3])], (a) => gtn.uniformSquareStats(a[0] as number[])),
  entry<Fx>("gtn.gapFraction", () => [s("points", K.array({ make: () => [0.1, 0.2, 2.5, 0.5, 1.5, 0.3] }), () => [0.1, 0.2, 2.5, 0.5, 1.5, 0.3]), c("side", optNum({ above: 0 }), 1), c("gap", optNum({ min: 0 }), 1)], (a) => gtn.gapFraction(a[0] as number[], a[1] as number, a[2] as number)),
  entry<Fx>(
    "gtn.trainGTN",
    // a GTN learns latents of any dimension: rows of another dimension are valid (not a bad value)
    (fx) => [s("latents", K.matrix({ minRows: 2, make: (n) => rows(n, 2) }), () => rows(30, 2)), s("options", trainGtnKeys(fx), () => ({ preset: "swissRoll", epochs: 1 }))],
    (a) => gtn.trainGTN(a[0] as number[][], a[1] as gtn.TrainGtnOptions),
    { maxFast: 70, timeoutMs: 30_000 },
  ),
  entry<Fx>(
    "gtn.trainLatentAutoencoder",
    // a new autoencoder takes images of any shape (2 channels are valid, not a bad value)
    (fx) => [s("images", K.tensor({ inner: [8, 8, 1], make: (n) => images(n), anyInner: true }), (own) => own(images(4))), s("options", aeKeys(fx), () => ({ latentDim: 2, epochs: 1, batchSize: 4 }))],
    (a) => gtn.trainLatentAutoencoder(a[0] as tf.Tensor4D, a[1] as gtn.LatentAutoencoderOptions),
    { maxFast: 50, timeoutMs: 30_000 },
  ),
  // GTN
  entry<Fx>(
    "gtn.GTN",
    (fx) => [
      s("h", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {})]), () => fx.model.h),
      c("latentDim", K.int({ min: 1 }), 2),
      s("mean", K.array({ length: 2, make: () => new Float64Array(2) }), () => new Float64Array(2)),
      s("std", K.array({ length: 2, make: () => new Float64Array([1, 1]) }), () => new Float64Array([1, 1])),
      c("clusters", K.custom("clusters", () => [bad.reject("[]", []), bad.reject("number", 3), bad.reject("[{ weight: NaN }]", [{ weight: Number.NaN, mean: new Float64Array(2), std: new Float64Array(2) }])]), null),
      s("architecture", K.custom("architecture", () => [bad.reject("null", null), bad.reject("{}", {})]), () => ({ ...gtn.GTN_PRESETS.swissRoll })),
    ],
    (a) => {
      const g = new gtn.GTN(...(a as ConstructorParameters<typeof gtn.GTN>));
      return { latentDim: g.latentDim };
    },
  ),
  entry<Fx>("gtn.GTN#sampleInputs", () => [c("count", K.int({ min: 1, size: true }), 5), c("seed", K.seed(false), 1)], (a, fx) => fx.model.sampleInputs(a[0] as number, a[1] as number)),
  entry<Fx>("gtn.GTN#sample", () => [c("count", K.int({ min: 1, size: true }), 5), c("seed", K.seed(false), 1)], (a, _fx, r: gtn.GTN) => r.sample(a[0] as number, a[1] as number), { receiver: freshGtn }),
  entry<Fx>("gtn.GTN#map", () => [s("y", matrix(2), () => rows(3, 2))], (a, _fx, r: gtn.GTN) => r.map(a[0] as number[][]), { receiver: freshGtn, passesNonFinite: SYNC }),
  entry<Fx>("gtn.GTN#map (tensor)", () => [s("y", latentTensor(2, true), (own) => own(tf.zeros([3, 2])))], (a, _fx, r: gtn.GTN) => r.map(a[0] as tf.Tensor2D), { receiver: freshGtn, passesNonFinite: SYNC }),
  entry<Fx>(
    "gtn.GTN#interpolate",
    () => [s("y0", K.array({ length: 2, make: () => [0, 0] }), () => [0, 0]), s("y1", K.array({ length: 2, make: () => [1, 1] }), () => [1, 1]), c("steps", K.int({ min: 2, size: true }), 4)],
    (a, _fx, r: gtn.GTN) => r.interpolate(a[0] as number[], a[1] as number[], a[2] as number),
    { receiver: freshGtn },
  ),
  entry<Fx>("gtn.GTN#save", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("gtn-save"))], (a, _fx, r: gtn.GTN) => r.save(a[0] as string), { receiver: freshGtn }),
  entry<Fx>("gtn.GTN#dispose", () => [], (_a, _fx, r: gtn.GTN) => r.dispose(), { receiver: freshGtn, disposed: "accept", noLeakCheck: DISPOSE }),
  entry<Fx>("gtn.GTN.load", (fx) => [c("dir", K.dir("read", paths(fx)), fx.gtnDir)], (a) => gtn.GTN.load(a[0] as string)),
  // LatentAutoencoder
  entry<Fx>(
    "gtn.LatentAutoencoder",
    (fx) => [
      s("encoder", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {})]), () => fx.ae.encoder),
      s("decoder", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("the encoder", fx.ae.encoder)]), () => fx.ae.decoder),
      c("latentDim", K.int({ min: 1 }), 2),
      c("imageShape", K.shape(), [8, 8, 1]),
    ],
    (a) => {
      const m = new gtn.LatentAutoencoder(...(a as ConstructorParameters<typeof gtn.LatentAutoencoder>));
      return { latentDim: m.latentDim };
    },
  ),
  entry<Fx>("gtn.LatentAutoencoder#encode", () => [s("images", imageKind(), (own) => own(images(3)))], (a, _fx, r: gtn.LatentAutoencoder) => r.encode(a[0] as tf.Tensor4D), { receiver: freshAe, passesNonFinite: SYNC }),
  entry<Fx>("gtn.LatentAutoencoder#decode", () => [s("z", latentTensor(2), (own) => own(tf.zeros([3, 2])))], (a, _fx, r: gtn.LatentAutoencoder) => r.decode(a[0] as tf.Tensor2D), { receiver: freshAe, passesNonFinite: SYNC }),
  entry<Fx>("gtn.LatentAutoencoder#reconstructionError", () => [s("images", imageKind(), (own) => own(images(3)))], (a, _fx, r: gtn.LatentAutoencoder) => r.reconstructionError(a[0] as tf.Tensor4D), { receiver: freshAe }),
  entry<Fx>("gtn.LatentAutoencoder#save", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("ae-save"))], (a, _fx, r: gtn.LatentAutoencoder) => r.save(a[0] as string), { receiver: freshAe }),
  entry<Fx>("gtn.LatentAutoencoder#dispose", () => [], (_a, _fx, r: gtn.LatentAutoencoder) => r.dispose(), { receiver: freshAe, disposed: "accept", noLeakCheck: DISPOSE }),
  entry<Fx>("gtn.LatentAutoencoder.load", (fx) => [c("dir", K.dir("read", paths(fx)), fx.aeDir)], (a) => gtn.LatentAutoencoder.load(a[0] as string)),
];

void core;

const pe: PackageEntries<Fx> = {
  pkg: "gtn",
  fixtures,
  entries,
  exempt: { "LatentAutoencoder#checkImages": "private (TypeScript)" },
};
export default pe;
