/**
 * Harness entries for @atlas/vqflow's main entry points: createVqFlow, trainVqFlow, VqFlow#logProb
 * and loadVqFlow. The other exports are listed in `exempt` until they get entries.
 */
import * as tf from "@tensorflow/tfjs";
import * as vq from "@atlas/vqflow";
import type { PackageEntries } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  model: vq.VqFlow;
  dir: string;
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
  return { sc, model, dir };
}

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

const entries = [
  entry<Fx>("vqflow.createVqFlow", () => [s("options", createKeys(), small)], (a) => vq.createVqFlow(a[0] as vq.VqFlowOptions), { maxFast: 60, timeoutMs: 30_000 }),
  entry<Fx>(
    "vqflow.trainVqFlow",
    (fx) => [s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("number", 3)]), () => undefined), s("data", dataKind(), (own) => own(points(8))), s("options", trainKeys(fx), () => ({ autoencoderEpochs: 1, epochs: 1, batchSize: 4, autoencoderBatchSize: 4 }))],
    (a, _fx, r: vq.VqFlow) => vq.trainVqFlow(a[0] === undefined ? r : (a[0] as vq.VqFlow), a[1] as tf.Tensor, a[2] as vq.TrainVqFlowOptions),
    { receiver: fresh, disposed: "none", maxFast: 60, timeoutMs: 60_000 },
  ),
  entry<Fx>(
    "vqflow.VqFlow#logProb",
    () => [s("x", dataKind(), (own) => own(points(5))), s("options", K.options({ batchSize: optInt(1, undefined, true) }), () => ({}))],
    (a, _fx, r: vq.VqFlow) => r.logProb(a[0] as tf.Tensor, a[1] as vq.EvaluateOptions),
    { receiver: fresh },
  ),
  entry<Fx>("vqflow.loadVqFlow", (fx) => [c("dir", K.dir("read", { file: fx.sc.file, missing: fx.sc.missing }), fx.dir)], (a) => vq.loadVqFlow(a[0] as string)),
];

const LATER = "not covered yet: the harness covers vqflow's main entry points (createVqFlow, trainVqFlow, logProb, loadVqFlow) first";
const pe: PackageEntries<Fx> = {
  pkg: "vqflow",
  fixtures,
  entries,
  exempt: Object.fromEntries(
    ["VqFlow", "VqFlow#bitsPerDim", "VqFlow#chartPosterior", "VqFlow#chartWeights", "VqFlow#chartsOf", "VqFlow#decode", "VqFlow#dispose", "VqFlow#encode", "VqFlow#isDisposed", "VqFlow#measureChartMass", "VqFlow#partition", "VqFlow#sample", "VqFlow#sampleWithCharts", "chartMembership", "ksStatistics", "mmd", "parameterCount", "restoreVqFlow", "saveVqFlow"].map((k) => [k, LATER]),
  ),
};
export default pe;
