/** Harness entries for every runtime export of @atlas/vqflow. */
import * as tf from "@tensorflow/tfjs";
import * as vq from "@atlas/vqflow";
import type { PackageEntries } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  model: vq.VqFlow;
  dir: string;
  /** A trained vector model with the logit transform (what bitsPerDim needs). */
  logitDir: string;
  /** The same model with its chart masses measured (normalised densities). */
  massDir: string;
}

/** A tiny vector VQ-Flow: 2-D data, 2 centres, 2 RealNVP layers of one hidden layer of 4. */
const small = (): vq.VqFlowOptions => ({ dataShape: [2], codebookSize: 2, layers: 2, hidden: [4], latentDim: 2, codeDim: 2, autoencoderLayers: 1, autoencoderWidth: 4, seed: 1 });
const points = (n: number): tf.Tensor2D => tf.tensor2d(rows(n, 2));

async function fixtures(): Promise<Fx> {
  const sc = scratch("vqflow");
  const model = vq.createVqFlow(small());
  const x = points(16);
  await vq.trainVqFlow(model, x, { autoencoderEpochs: 1, epochs: 1, batchSize: 8, autoencoderBatchSize: 8 });
  x.dispose();
  const dir = sc.fresh("vqflow");
  await vq.saveVqFlow(model, dir);
  const logit = vq.createVqFlow({ ...small(), transform: "logit" });
  const u = unitPoints(16);
  await vq.trainVqFlow(logit, u, { autoencoderEpochs: 1, epochs: 1, batchSize: 8, autoencoderBatchSize: 8 });
  u.dispose();
  const logitDir = sc.fresh("vqflow-logit");
  await vq.saveVqFlow(logit, logitDir);
  logit.dispose();
  const massModel = await vq.loadVqFlow(dir);
  await massModel.measureChartMass({ samples: 64 });
  const massDir = sc.fresh("vqflow-mass");
  await vq.saveVqFlow(massModel, massDir);
  massModel.dispose();
  return { sc, model, dir, logitDir, massDir };
}

/** Pixel-like values in [0.05, 0.95] on the 1/255 grid (what the logit transform takes). */
const unitPoints = (n: number): tf.Tensor2D => tf.tensor2d(rows(n, 2).map((r) => r.map((v) => Math.round((0.05 + 0.9 * Math.min(1, v)) * 255) / 255)));

const optInt = (min: number, max?: number, size = false) => K.int({ min, ...(max !== undefined ? { max } : {}), size, optional: true });
const optNum = (b: { min?: number; max?: number; above?: number; below?: number } = {}) => K.num({ ...b, optional: true });
const dataKind = () => K.tensor({ inner: [2], make: (n) => points(n), allowInt: true, allowRows: true });

const createKeys = () =>
  K.options({
    preset: K.oneOf(["sphere", "torus", "twoRings", "mnist"]),
    dataShape: K.shape({ optional: true }),
    codebookSize: optInt(1, undefined, true),
    overlap: optInt(1),
    epsilon: optNum({ min: 0 }),
    flow: K.oneOf(["realnvp", "maf"]),
    layers: optInt(1, undefined, true),
    hidden: K.custom("hidden", () => [bad.reject("[]", []), bad.reject("[0]", [0]), bad.reject("[1e9]", [1e9]), bad.reject("'x'", "x")]),
    latentDim: optInt(1, undefined, true),
    codeDim: optInt(1, undefined, true),
    autoencoderLayers: optInt(0, undefined, true),
    autoencoderWidth: optInt(1, undefined, true),
    scaleClamp: optNum({ above: 0 }),
    chartWeights: K.oneOf(["learned", "empirical"]),
    transform: K.oneOf(["none", "logit"]),
    logitAlpha: optNum({ min: 0, below: 0.5 }),
    seed: K.int({ min: 0, optional: true }),
  });

const trainKeys = (fx: Fx) =>
  K.options({
    stages: K.custom("stages", () => [bad.reject("[]", []), bad.reject("[3]", [3]), bad.reject("'x'", "x")]),
    autoencoderEpochs: optInt(1, undefined, true),
    autoencoderBatchSize: optInt(1, undefined, true),
    autoencoderLearningRate: optNum({ above: 0 }),
    commitment: optNum({ min: 0 }),
    reviveCentres: K.bool(),
    epochs: optInt(1, undefined, true),
    batchSize: optInt(1, undefined, true),
    learningRate: optNum({ above: 0 }),
    gradientClip: optNum({ above: 0 }),
    patience: optInt(1),
    minDelta: optNum({ min: 0 }),
    dequantize: K.bool(),
    checkpointDir: K.custom("checkpointDir", () => [bad.reject("empty", ""), bad.reject("number", 3), bad.reject("path under a regular file", `${fx.sc.file}/ck`)]),
    checkpointEvery: optInt(1),
    seed: K.int({ min: 0, optional: true }),
    onProgress: K.fn(),
    onEpochEnd: K.fn(),
    signal: K.signal(),
  });

const fresh = (fx: Fx): Promise<vq.VqFlow> => vq.loadVqFlow(fx.dir);

const fresh2 = (dir: (fx: Fx) => string) => (fx: Fx): Promise<vq.VqFlow> => vq.loadVqFlow(dir(fx));
const SYNC = "a synchronous AtlasModel method (no reads in library code): shapes, dtypes, the chart and training are checked, values are not read (NaN passes through, as in tfjs ops)";
const chart = () => K.int({ min: 0, max: 1 });
const zKind = () => K.tensor({ inner: [2], make: (n) => tf.zeros([n, 2]), allowInt: true });
const evalKeys = () => K.options({ batchSize: optInt(1, 65_536, true), normalized: K.bool() });
const sampleKeys = () => K.options({ batchSize: optInt(1, 65_536, true), normalized: K.bool(), maxRounds: optInt(1, 100_000) });
const pointSet = () => K.matrix({ dim: 2, minRows: 2, make: (n) => rows(n, 2) });
const modelKind = () =>
  K.custom("model", () => [
    bad.reject("null", null),
    bad.reject("{}", {}),
    bad.reject("number", 3),
    bad.rejectMake("a disposed VqFlow", () => {
      const m = vq.createVqFlow(small());
      m.dispose();
      return m;
    }),
  ]);
const codesKind = (inner: number) => K.tensor({ inner: [inner], make: (n) => tf.zeros([n, inner]) });
type Extra = Partial<Parameters<typeof entry<Fx>>[3]>;
const method = (name: string, slots: (fx: Fx) => ReturnType<typeof s>[], call: (r: vq.VqFlow, a: unknown[]) => unknown, extra: Extra = {}) =>
  entry<Fx>(`vqflow.VqFlow#${name}`, slots, (a, _fx, r: vq.VqFlow) => call(r, a), { receiver: fresh, ...extra });

const entries = [
  entry<Fx>("vqflow.createVqFlow", () => [s("options", createKeys(), small)], (a) => vq.createVqFlow(a[0] as vq.VqFlowOptions), { maxFast: 60, timeoutMs: 30_000 }),
  entry<Fx>("vqflow.VqFlow", () => [s("config", createKeys(), small)], (a) => new vq.VqFlow(a[0] as vq.VqFlowOptions), { maxFast: 60, timeoutMs: 30_000 }),
  entry<Fx>("vqflow.parameterCount", () => [s("options", createKeys(), small)], (a) => vq.parameterCount(a[0] as vq.VqFlowOptions), { maxFast: 60 }),
  entry<Fx>(
    "vqflow.trainVqFlow",
    (fx) => [s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("number", 3)]), () => undefined), s("data", dataKind(), (own) => own(points(8))), s("options", trainKeys(fx), () => ({ autoencoderEpochs: 1, epochs: 1, batchSize: 4, autoencoderBatchSize: 4 }))],
    (a, _fx, r: vq.VqFlow) => vq.trainVqFlow(a[0] === undefined ? r : (a[0] as vq.VqFlow), a[1] as tf.Tensor, a[2] as vq.TrainVqFlowOptions),
    { receiver: fresh, disposed: "none", maxFast: 60, timeoutMs: 60_000 },
  ),
  method("logProb", () => [s("x", dataKind(), (own) => own(points(5))), s("options", evalKeys(), () => ({}))], (r, a) => r.logProb(a[0] as tf.Tensor, a[1] as vq.EvaluateOptions)),
  entry<Fx>(
    "vqflow.VqFlow#bitsPerDim",
    () => [s("x", K.tensor({ inner: [2], make: (n) => unitPoints(n), allowInt: true, allowRows: true }), (own) => own(unitPoints(4))), s("options", K.options({ batchSize: optInt(1, 65_536, true), normalized: K.bool(), seed: K.int({ min: 0, optional: true }), dequantize: K.bool() }), () => ({ seed: 1 }))],
    (a, _fx, r: vq.VqFlow) => r.bitsPerDim(a[0] as tf.Tensor, a[1] as vq.EvaluateOptions),
    { receiver: fresh2((fx) => fx.logitDir) },
  ),
  entry<Fx>(
    "vqflow.VqFlow#chartPosterior",
    () => [s("x", dataKind(), (own) => own(points(5))), s("options", evalKeys(), () => ({ normalized: true }))],
    (a, _fx, r: vq.VqFlow) => r.chartPosterior(a[0] as tf.Tensor, a[1] as vq.EvaluateOptions),
    { receiver: fresh2((fx) => fx.massDir) },
  ),
  method("chartsOf", () => [s("x", dataKind(), (own) => own(points(5))), s("options", K.options({ batchSize: optInt(1, 65_536, true) }), () => ({}))], (r, a) => r.chartsOf(a[0] as tf.Tensor, a[1] as { batchSize?: number })),
  method("chartWeights", () => [], (r) => r.chartWeights()),
  method("partition", () => [s("x", dataKind(), (own) => own(points(3)))], (r, a) => r.partition(a[0] as tf.Tensor), { passesNonFinite: SYNC }),
  method("encode", () => [s("x", dataKind(), (own) => own(points(3))), c("chart", chart(), 1)], (r, a) => r.encode(a[0] as tf.Tensor, a[1] as number), { passesNonFinite: SYNC }),
  method("decode", () => [s("z", zKind(), (own) => own(tf.zeros([3, 2]))), c("chart", chart(), 0)], (r, a) => r.decode(a[0] as tf.Tensor2D, a[1] as number), { passesNonFinite: SYNC }),
  method(
    "sample",
    () => [c("n", K.int({ min: 1, size: true }), 5), c("seed", K.seed(), 3), s("options", sampleKeys(), () => ({}))],
    (r, a) => r.sample(a[0] as number, a[1] as number, a[2] as vq.SampleOptions),
  ),
  method(
    "sampleWithCharts",
    () => [c("n", K.int({ min: 1, size: true }), 5), c("seed", K.seed(), 3), s("options", sampleKeys(), () => ({ normalized: true, maxRounds: 1000 }))],
    (r, a) => r.sampleWithCharts(a[0] as number, a[1] as number, a[2] as vq.SampleOptions),
  ),
  method("measureChartMass", () => [s("options", K.options({ samples: optInt(1, undefined, true), seed: K.int({ min: 0, optional: true }), batchSize: optInt(1, 65_536, true) }), () => ({ samples: 32 }))], (r, a) => r.measureChartMass(a[0] as { samples?: number })),
  method("isDisposed", () => [], (r) => r.isDisposed, { disposed: "accept" }),
  method("dispose", () => [], (r) => r.dispose(), { disposed: "accept", noLeakCheck: "dispose frees the receiver's weights" }),
  entry<Fx>(
    "vqflow.chartMembership",
    () => [s("codes", codesKind(2), (own) => own(tf.tensor2d([[0, 0], [1, 0.2], [0.4, 1]]))), s("centres", codesKind(2), (own) => own(tf.tensor2d([[0, 0], [1, 0], [0, 1]]))), c("overlap", K.int({ min: 1, max: 3 }), 2), c("epsilon", K.num({ min: 0 }), 0.5)],
    (a) => vq.chartMembership(a[0] as tf.Tensor2D, a[1] as tf.Tensor2D, a[2] as number, a[3] as number),
    { passesNonFinite: "a synchronous tensor function (no reads in library code): shapes and dtypes are checked, values are not read" },
  ),
  entry<Fx>("vqflow.mmd", () => [s("a", pointSet(), () => rows(6, 2)), s("b", pointSet(), () => rows(5, 2, 3)), s("options", K.options({ bandwidth: optNum({ above: 0 }) }), () => ({}))], (a) => vq.mmd(a[0] as vq.PointSet, a[1] as vq.PointSet, a[2] as { bandwidth?: number })),
  entry<Fx>("vqflow.ksStatistics", () => [s("a", pointSet(), () => rows(6, 2)), s("b", pointSet(), () => rows(5, 2, 3))], (a) => vq.ksStatistics(a[0] as vq.PointSet, a[1] as vq.PointSet)),
  entry<Fx>("vqflow.saveVqFlow", (fx) => [s("model", modelKind(), () => fx.model), s("dir", K.dir("write", { file: fx.sc.file, missing: fx.sc.missing }), () => fx.sc.fresh("save"))], (a) => vq.saveVqFlow(a[0] as vq.VqFlow, a[1] as string)),
  entry<Fx>("vqflow.loadVqFlow", (fx) => [c("dir", K.dir("read", { file: fx.sc.file, missing: fx.sc.missing }), fx.dir)], (a) => vq.loadVqFlow(a[0] as string)),
  entry<Fx>(
    "vqflow.restoreVqFlow",
    (fx) => [c("dir", K.dir("read", { file: fx.sc.file, missing: fx.sc.missing }), fx.dir), s("model", modelKind(), () => undefined)],
    (a, _fx, r: vq.VqFlow) => vq.restoreVqFlow(a[0] as string, a[1] === undefined ? r : (a[1] as vq.VqFlow)),
    { receiver: fresh, disposed: "none", fileArgs: ["dir"] },
  ),
];

const pe: PackageEntries<Fx> = {
  pkg: "vqflow",
  fixtures,
  entries,
  exempt: {},
};
export default pe;
