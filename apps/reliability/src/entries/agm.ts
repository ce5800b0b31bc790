/** Harness entries for every runtime export of @atlas/agm. */
import * as tf from "@tensorflow/tfjs";
import * as agm from "@atlas/agm";
import type { PackageEntries } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  gan: agm.AwaeGan;
  ganDir: string;
  vae: agm.AtlasVae;
  vaeDir: string;
  imageGan: agm.AwaeGan;
}

const D = 4;
const ganOptions = (): agm.AwaeGanOptions => ({ charts: 2, latentDim: 2, h: 2, dataShape: [D], seed: 1 });
const vaeOptions = (): agm.AtlasVaeOptions => ({ charts: 2, latentDim: 2, dataShape: [D], hidden: [4], seed: 1 });
const data = (n: number): tf.Tensor2D => tf.tensor2d(rows(n, D));

async function fixtures(): Promise<Fx> {
  const sc = scratch("agm");
  const gan = agm.createAwaeGan(ganOptions());
  const ganDir = sc.fresh("gan");
  await agm.saveAwaeGan(ganDir, gan);
  const vae = agm.createAtlasVae(vaeOptions());
  const vaeDir = sc.fresh("vae");
  await agm.saveAtlasVae(vaeDir, vae);
  return { sc, gan, ganDir, vae, vaeDir, imageGan: agm.createAwaeGan({ charts: 2, latentDim: 2, h: 1, dataShape: [4, 4, 1], seed: 0 }) };
}

const paths = (fx: Fx): { file: string; missing: string } => ({ file: fx.sc.file, missing: fx.sc.missing });
const opts = K.options;
const optInt = (min?: number, max?: number, size = false) => K.int({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), size, optional: true });
const optNum = (b: { min?: number; max?: number; above?: number; below?: number } = {}) => K.num({ ...b, optional: true });
const xKind = (minRows = 1) => K.tensor({ inner: [D], minRows, make: (n) => data(n), allowInt: true });
const zKind = () => K.tensor({ inner: [2], make: (n) => tf.zeros([n, 2]), allowInt: true });
const psiKind = (anyInner = false) => K.tensor({ inner: [2], make: (n) => tf.fill([n, 2], 0.5), anyInner });
const LOSS = "a synchronous loss inside the training step: shapes and dtypes are checked, values are not read (NaN passes through, as in tfjs ops)";
const chart = () => K.int({ min: 0, max: 1 });
const modelKind = (fx: Fx, other: unknown) => K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("a model of the other kind", other), bad.reject("number", 3)]);
const dataKind = () =>
  K.custom("data", () => [
    ...xKind(2).bad(),
    bad.reject("{ data, n, dim } with NaN", { data: [Number.NaN, 0, 0, 0, 1, 1, 1, 1], n: 2, dim: D }),
    bad.reject("{ data, n, dim } with n too large", { data: [0, 0, 0, 0], n: 3, dim: D }),
    // 8 values for a [2, 3, 3, 1] set (18 needed); [2, 2, 2, 1] would be 2 samples of 4 values, valid for dataShape [4]
    bad.reject("{ images, shape } of the wrong size", { images: new Float32Array(8), shape: [2, 3, 3, 1] }),
    bad.reject("{ images: number[] }", { images: [0, 0], shape: [2, 1] }),
  ]);

const ganConfigKeys = () =>
  opts(
    {
      charts: K.int({ min: 1, size: true }),
      latentDim: optInt(1, undefined, true),
      // issue 16 item 3: h = 4096 is inside the documented range, but this configuration would have
      // ~4.5·10⁹ weights (it allocated for 35 s, then broke the wasm backend): refused by size
      h: K.custom("h", () => [bad.reject("4096 (in range; ~4.5e9 weights for charts 2, latentDim 2, dataShape [4])", 4096), ...optInt(1, undefined, true).bad()]),
      dataShape: K.shape({ optional: true }),
      outputActivation: K.oneOf(["sigmoid", "linear"]),
      seed: K.seed(),
    },
    ["charts"],
  );
const vaeConfigKeys = () =>
  opts(
    {
      charts: K.int({ min: 1, size: true }),
      latentDim: K.int({ min: 1, size: true }),
      dataShape: K.shape(),
      hidden: K.custom("hidden", () => [bad.reject("[0]", [0]), bad.reject("[1e9]", [1e9]), bad.reject("'x'", "x"), bad.reject("null", null)]),
      likelihood: K.oneOf(["bernoulli", "gaussian"]),
      sigma: optNum({ above: 0 }),
      seed: K.seed(),
    },
    ["charts", "latentDim", "dataShape"],
  );
const lossKeys = {
  lambda: optNum({ min: 0 }),
  chartBalance: optNum({ min: 0 }),
  cost: K.oneOf(["l2", "l2sq"]),
  beta1: optNum({ min: 0, below: 1 }),
  beta2: optNum({ min: 0, below: 1 }),
  seed: K.seed(),
};
const commonKeys = (fx: Fx) => ({
  seed: K.seed(),
  validation: dataKind(),
  checkpointDir: K.custom("dir", () => [bad.reject("empty", ""), bad.reject("number", 3), bad.reject("path under a regular file", `${fx.sc.file}/ck`)]),
  checkpointEvery: optInt(1),
  onProgress: K.fn(),
  onEpochEnd: K.fn(),
  signal: K.signal(),
});

const freshGan = (fx: Fx): Promise<agm.AwaeGan> => agm.loadAwaeGan(fx.ganDir);
const freshVae = (fx: Fx): Promise<agm.AtlasVae> => agm.loadAtlasVae(fx.vaeDir);

type Extra = Partial<Parameters<typeof entry<Fx>>[3]>;
const SYNC = "a synchronous model method: shapes and dtypes are checked, values are not read (NaN passes through, as in tfjs ops)";
const DISPOSE: Extra = { disposed: "accept", noLeakCheck: "dispose frees the receiver's weights" };
const ganMethod = (name: string, slots: (fx: Fx) => ReturnType<typeof s>[], call: (r: agm.AwaeGan, a: unknown[]) => unknown, extra: Extra = {}) => entry<Fx>(`agm.AwaeGan#${name}`, slots, (a, _fx, r: agm.AwaeGan) => call(r, a), { receiver: freshGan, passesNonFinite: SYNC, ...extra });
const vaeMethod = (name: string, slots: (fx: Fx) => ReturnType<typeof s>[], call: (r: agm.AtlasVae, a: unknown[]) => unknown, extra: Extra = {}) => entry<Fx>(`agm.AtlasVae#${name}`, slots, (a, _fx, r: agm.AtlasVae) => call(r, a), { receiver: freshVae, passesNonFinite: SYNC, ...extra });

const entries = [
  entry<Fx>("agm.createAwaeGan", () => [s("options", ganConfigKeys(), ganOptions)], (a) => agm.createAwaeGan(a[0] as agm.AwaeGanOptions), { maxFast: 50, timeoutMs: 30_000 }),
  entry<Fx>("agm.resolveAwaeGanConfig", () => [s("options", ganConfigKeys(), ganOptions)], (a) => agm.resolveAwaeGanConfig(a[0] as agm.AwaeGanOptions), { maxFast: 50, timeoutMs: 30_000 }),
  entry<Fx>("agm.paperAwaeGanOptions", () => [c("charts", K.custom("charts", () => [bad.reject("3", 3), bad.reject("NaN", Number.NaN), bad.reject("'4'", "4"), bad.reject("null", null)]), 4), s("options", opts({ dataShape: K.shape({ optional: true }), seed: K.seed() }), () => ({}))], (a) => agm.paperAwaeGanOptions(a[0] as 4, a[1] as agm.AwaeGanPresetOptions)),
  entry<Fx>("agm.cpuAwaeGanOptions", () => [c("charts", K.int({ min: 1, size: true }), 4), s("options", opts({ dataShape: K.shape({ optional: true }), seed: K.seed() }), () => ({}))], (a) => agm.cpuAwaeGanOptions(a[0] as number, a[1] as agm.AwaeGanPresetOptions)),
  entry<Fx>("agm.createAtlasVae", () => [s("options", vaeConfigKeys(), vaeOptions)], (a) => agm.createAtlasVae(a[0] as agm.AtlasVaeOptions), { maxFast: 50, timeoutMs: 30_000 }),
  entry<Fx>("agm.resolveAtlasVaeConfig", () => [s("options", vaeConfigKeys(), vaeOptions)], (a) => agm.resolveAtlasVaeConfig(a[0] as agm.AtlasVaeOptions), { maxFast: 50, timeoutMs: 30_000 }),
  entry<Fx>("agm.scheduledRate", () => [c("initial", K.num({ above: 0 }), 0.1), c("halveAfter", K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("'x'", "x"), bad.reject("null", null), bad.reject("[NaN]", [Number.NaN])]), [2]), c("epoch", K.int({ min: 0 }), 3)], (a) => agm.scheduledRate(a[0] as number, a[1] as number[], a[2] as number)),
  entry<Fx>("agm.ringImages", () => [c("n", K.int({ min: 1, size: true }), 4), s("options", opts({ size: optInt(4, 256), blob: optNum({ above: 0 }), seed: K.seed() }), () => ({}))], (a) => agm.ringImages(a[0] as number, a[1] as { size?: number })),
  entry<Fx>("agm.SampleTable", () => [s("values", K.array({ length: 8, make: () => new Float32Array(8) }), () => new Float32Array(8)), c("n", K.int({ min: 1, size: true }), 2), c("sampleShape", K.shape(), [D])], (a) => new agm.SampleTable(a[0] as Float32Array, a[1] as number, a[2] as number[])),
  entry<Fx>("agm.SampleTable#batch", () => [s("indices", K.array({ make: () => [0, 1], ints: { min: 0, max: 2 } }), () => [0, 1])], (a) => new agm.SampleTable(new Float32Array(12), 3, [D]).batch(a[0] as number[])),
  entry<Fx>("agm.SampleTable#slice", () => [c("start", K.int({ min: 0, max: 3 }), 0), c("end", K.int({ min: 0, max: 3 }), 2)], (a) => new agm.SampleTable(new Float32Array(12), 3, [D]).slice(a[0] as number, a[1] as number)),
  entry<Fx>("agm.toSampleTable", () => [c("name", K.name(false), "data"), s("data", dataKind(), (own) => own(data(3))), c("dataShape", K.shape(), [D]), c("minRows", K.int({ min: 0, optional: true }), 1)], (a) => agm.toSampleTable(a[0] as string, a[1], a[2] as number[], a[3] as number)),

  // AwaeGan (the constructor is @internal, but public: it checks what it is given)
  entry<Fx>("agm.AwaeGan", (fx) => [s("config", K.custom("config", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("charts: 3 (the nets have 2)", { ...fx.gan.config, charts: 3 })]), () => fx.gan.config), s("nets", K.custom("nets", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("the nets of another config", fx.imageGan.nets)]), () => fx.gan.nets)], (a) => new agm.AwaeGan(a[0] as agm.AwaeGanConfig, a[1] as never).charts),
  entry<Fx>("agm.AtlasVae", (fx) => [s("config", K.custom("config", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("charts: 3 (the nets have 2)", { ...fx.vae.config, charts: 3 })]), () => fx.vae.config), s("nets", K.custom("nets", () => [bad.reject("null", null), bad.reject("{}", {})]), () => fx.vae.nets)], (a) => new agm.AtlasVae(a[0] as agm.AtlasVaeConfig, a[1] as never).charts),
  ganMethod("partition", () => [s("x", xKind(), (own) => own(data(3)))], (r, a) => r.partition(a[0] as tf.Tensor)),
  ganMethod("encode", () => [s("x", xKind(), (own) => own(data(3))), c("chart", chart(), 1)], (r, a) => r.encode(a[0] as tf.Tensor, a[1] as number)),
  ganMethod("encodeAll", () => [s("x", xKind(), (own) => own(data(3)))], (r, a) => r.encodeAll(a[0] as tf.Tensor)),
  ganMethod("decode", () => [s("z", zKind(), (own) => own(tf.zeros([3, 2]))), c("chart", chart(), 0)], (r, a) => r.decode(a[0] as tf.Tensor2D, a[1] as number)),
  ganMethod("discriminate", () => [s("z", zKind(), (own) => own(tf.zeros([3, 2]))), c("chart", chart(), 0)], (r, a) => r.discriminate(a[0] as tf.Tensor2D, a[1] as number)),
  ganMethod("forward", () => [s("x", xKind(), (own) => own(data(3))), c("training", K.bool(false), false)], (r, a) => r.forward(a[0] as tf.Tensor, a[1] as boolean)),
  ganMethod("decodeAll", () => [s("codes", K.custom("codes", () => [bad.reject("[]", []), bad.reject("null", null), bad.rejectMake("one code for two charts", (own) => [own(tf.zeros([2, 2]))]), bad.rejectMake("NaN codes", (own) => [own(tf.fill([2, 2], Number.NaN)), own(tf.zeros([2, 2]))]), bad.rejectMake("codes of dimension 3", (own) => [own(tf.zeros([2, 3])), own(tf.zeros([2, 3]))])]), (own) => [own(tf.zeros([2, 2])), own(tf.zeros([2, 2]))]), c("training", K.bool(false), false)], (r, a) => r.decodeAll(a[0] as tf.Tensor2D[], a[1] as boolean)),
  ganMethod("countParameters", () => [], (r) => r.countParameters()),
  ganMethod("dispose", () => [], (r) => r.dispose(), DISPOSE),
  ...(["encoderDecoderModels", "allModels"] as const).map((name) => entry<Fx>(`agm.AwaeGan#${name}`, () => [], (_a, _fx, r: agm.AwaeGan) => r[name].length, { receiver: freshGan })),
  // AtlasVae
  vaeMethod("partition", () => [s("x", xKind(), (own) => own(data(3)))], (r, a) => r.partition(a[0] as tf.Tensor)),
  vaeMethod("encode", () => [s("x", xKind(), (own) => own(data(3))), c("chart", chart(), 1)], (r, a) => r.encode(a[0] as tf.Tensor, a[1] as number)),
  vaeMethod("encodeStd", () => [s("x", xKind(), (own) => own(data(3))), c("chart", chart(), 1)], (r, a) => r.encodeStd(a[0] as tf.Tensor, a[1] as number)),
  vaeMethod("decode", () => [s("z", zKind(), (own) => own(tf.zeros([3, 2]))), c("chart", chart(), 0)], (r, a) => r.decode(a[0] as tf.Tensor2D, a[1] as number)),
  vaeMethod("negativeBound", () => [s("x", xKind(), (own) => own(data(3))), s("noise", K.custom("noise", () => [bad.reject("[]", []), bad.reject("null", null), bad.rejectMake("NaN noise", (own) => [own(tf.fill([3, 2], Number.NaN)), own(tf.zeros([3, 2]))]), bad.rejectMake("one noise tensor for two charts", (own) => [own(tf.zeros([3, 2]))]), bad.rejectMake("noise of the wrong batch size", (own) => [own(tf.zeros([2, 2])), own(tf.zeros([2, 2]))])]), (own) => [own(tf.zeros([3, 2])), own(tf.zeros([3, 2]))])], (r, a) => r.negativeBound(a[0] as tf.Tensor, a[1] as tf.Tensor2D[])),
  vaeMethod("countParameters", () => [], (r) => r.countParameters()),
  vaeMethod("dispose", () => [], (r) => r.dispose(), DISPOSE),
  entry<Fx>("agm.AtlasVae#allModels", () => [], (_a, _fx, r: agm.AtlasVae) => r.allModels.length, { receiver: freshVae }),
  // AwaeGanTrainer
  entry<Fx>(
    "agm.AwaeGanTrainer",
    (fx) => [s("model", modelKind(fx, fx.vae), () => fx.gan), s("options", opts({ ...lossKeys, learningRate: optNum({ above: 0 }), discriminatorLearningRate: optNum({ above: 0 }) }), () => ({}))],
    (a) => new agm.AwaeGanTrainer(a[0] as agm.AwaeGan, a[1] as agm.AwaeGanLossOptions),
  ),
  entry<Fx>("agm.AwaeGanTrainer#setLearningRates", () => [c("learningRate", K.num({ above: 0 }), 0.1), c("discriminatorLearningRate", K.num({ above: 0 }), 0.1)], (a, _fx, r: agm.AwaeGanTrainer) => r.setLearningRates(a[0] as number, a[1] as number), { receiver: (fx) => new agm.AwaeGanTrainer(fx.gan), disposed: "none" }),
  entry<Fx>("agm.AwaeGanTrainer#learningRates", () => [], (_a, _fx, r: agm.AwaeGanTrainer) => r.learningRates, { receiver: (fx) => new agm.AwaeGanTrainer(fx.gan), disposed: "none" }),
  entry<Fx>("agm.AwaeGanTrainer#step", () => [s("x", xKind(2), (own) => own(data(4))), c("rng", K.custom("rng", () => [bad.reject("number", 3), bad.reject("{}", {})]), undefined)], (a, _fx, r: agm.AwaeGanTrainer) => r.step(a[0] as tf.Tensor, a[1] as never), { receiver: async (fx) => new agm.AwaeGanTrainer(await freshGan(fx)), noLeakCheck: "the first step creates Adam's moment slots, kept by the trainer until dispose" }),
  entry<Fx>("agm.AwaeGanTrainer#stepDeferred", () => [s("x", xKind(2), (own) => own(data(4))), c("rng", K.custom("rng", () => [bad.reject("number", 3), bad.reject("{}", {})]), undefined)], (a, _fx, r: agm.AwaeGanTrainer) => r.stepDeferred(a[0] as tf.Tensor, a[1] as never), { receiver: async (fx) => new agm.AwaeGanTrainer(await freshGan(fx)), passesNonFinite: "stepDeferred reads nothing (the data set is checked once by the caller): NaN passes through to the losses", noLeakCheck: "the first step creates Adam's moment slots, kept by the trainer until dispose" }),
  entry<Fx>("agm.AwaeGanTrainer#dispose", () => [], (_a, _fx, r: agm.AwaeGanTrainer) => r.dispose(), { receiver: (fx) => new agm.AwaeGanTrainer(fx.gan), disposed: "accept", noLeakCheck: "dispose frees the optimizers' slots" }),
  // losses
  entry<Fx>("agm.sampleCost", () => [s("x", xKind(), (own) => own(data(3))), s("xHat", xKind(), (own) => own(data(3))), c("cost", K.oneOf(["l2", "l2sq"], false), "l2")], (a) => agm.sampleCost(a[0] as tf.Tensor, a[1] as tf.Tensor, a[2] as "l2"), { passesNonFinite: LOSS }),
  entry<Fx>(
    "agm.weightedReconstruction",
    () => [s("x", xKind(), (own) => own(data(3))), s("fwd", K.custom("fwd", () => [bad.reject("null", null), bad.reject("{}", {}), bad.rejectMake("psi of the wrong shape", (own) => ({ psi: own(tf.ones([3, 3])), codes: [], reconstructions: [own(data(3)), own(data(3))] }))]), (own) => ({ psi: own(tf.fill([3, 2], 0.5)), codes: [own(tf.zeros([3, 2])), own(tf.zeros([3, 2]))], reconstructions: [own(data(3)), own(data(3))] })), c("cost", K.oneOf(["l2", "l2sq"], false), "l2")],
    (a) => agm.weightedReconstruction(a[0] as tf.Tensor, a[1] as agm.AwaeGanForward, a[2] as "l2"),
    { passesNonFinite: LOSS },
  ),
  entry<Fx>(
    "agm.encoderAdversarial",
    (fx) => [s("model", modelKind(fx, fx.vae), () => fx.gan), s("psi", psiKind(), (own) => own(tf.fill([3, 2], 0.5))), s("codes", K.custom("codes", () => [bad.reject("[]", []), bad.reject("null", null), bad.rejectMake("one code for two charts", (own) => [own(tf.zeros([3, 2]))])]), (own) => [own(tf.zeros([3, 2])), own(tf.zeros([3, 2]))]), c("training", K.bool(false), false)],
    (a) => agm.encoderAdversarial(a[0] as agm.AwaeGan, a[1] as tf.Tensor2D, a[2] as tf.Tensor2D[], a[3] as boolean),
    { passesNonFinite: LOSS },
  ),
  entry<Fx>(
    "agm.discriminatorLoss",
    (fx) => [s("model", modelKind(fx, fx.vae), () => fx.gan), s("psi", psiKind(), (own) => own(tf.fill([3, 2], 0.5))), s("codes", K.custom("codes", () => [bad.reject("[]", []), bad.reject("null", null), bad.rejectMake("one code for two charts", (own) => [own(tf.zeros([3, 2]))])]), (own) => [own(tf.zeros([3, 2])), own(tf.zeros([3, 2]))]), s("prior", K.custom("prior", () => [bad.reject("[]", []), bad.reject("null", null), bad.rejectMake("NaN prior", (own) => [own(tf.fill([3, 2], Number.NaN)), own(tf.zeros([3, 2]))])]), (own) => [own(tf.zeros([3, 2])), own(tf.zeros([3, 2]))]), c("training", K.bool(false), false)],
    (a) => agm.discriminatorLoss(a[0] as agm.AwaeGan, a[1] as tf.Tensor2D, a[2] as tf.Tensor2D[], a[3] as tf.Tensor2D[], a[4] as boolean),
    { passesNonFinite: LOSS },
  ),
  entry<Fx>("agm.chartBalanceDivergence", () => [s("psi", psiKind(true), (own) => own(tf.fill([3, 2], 0.5)))], (a) => agm.chartBalanceDivergence(a[0] as tf.Tensor2D), { passesNonFinite: LOSS }),
  // training
  entry<Fx>(
    "agm.trainAwaeGan",
    (fx) => [s("model", modelKind(fx, fx.vae), () => fx.gan), s("data", dataKind(), (own) => own(data(4))), s("options", opts({ schedule: K.oneOf(["mnist", "fashionMnist", "cpu"]), epochs: optInt(1, undefined, true), batchSize: optInt(2, undefined, true), learningRate: optNum({ above: 0 }), discriminatorLearningRate: optNum({ above: 0 }), halveAfter: K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("'x'", "x"), bad.reject("[3, 2]", [3, 2])]), ...lossKeys, ...commonKeys(fx) }), () => ({ epochs: 1, batchSize: 2 }))],
    (a) => agm.trainAwaeGan(a[0] as agm.AwaeGan, a[1] as tf.Tensor, a[2] as agm.TrainAwaeGanOptions),
    { maxFast: 70, timeoutMs: 30_000 },
  ),
  entry<Fx>(
    "agm.trainAtlasVae",
    (fx) => [s("model", modelKind(fx, fx.gan), () => fx.vae), s("data", dataKind(), (own) => own(data(4))), s("options", opts({ epochs: optInt(1, undefined, true), batchSize: optInt(1, undefined, true), learningRate: optNum({ above: 0 }), halveAfter: K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("'x'", "x"), bad.reject("[3, 2]", [3, 2])]), ...commonKeys(fx) }), () => ({ epochs: 1, batchSize: 2 }))],
    (a) => agm.trainAtlasVae(a[0] as agm.AtlasVae, a[1] as tf.Tensor, a[2] as agm.TrainAtlasVaeOptions),
    { maxFast: 70, timeoutMs: 30_000 },
  ),
  // files
  entry<Fx>("agm.saveAwaeGan", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-gan")), s("model", modelKind(fx, fx.vae), () => fx.gan)], (a) => agm.saveAwaeGan(a[0] as string, a[1] as agm.AwaeGan)),
  entry<Fx>("agm.loadAwaeGan", (fx) => [c("dir", K.dir("read", paths(fx)), fx.ganDir)], (a) => agm.loadAwaeGan(a[0] as string)),
  entry<Fx>("agm.restoreAwaeGan", (fx) => [c("dir", K.dir("read", paths(fx)), fx.ganDir), s("model", modelKind(fx, fx.vae), () => fx.gan)], (a) => agm.restoreAwaeGan(a[0] as string, a[1] as agm.AwaeGan)),
  entry<Fx>("agm.saveAtlasVae", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-vae")), s("model", modelKind(fx, fx.gan), () => fx.vae)], (a) => agm.saveAtlasVae(a[0] as string, a[1] as agm.AtlasVae)),
  entry<Fx>("agm.loadAtlasVae", (fx) => [c("dir", K.dir("read", paths(fx)), fx.vaeDir)], (a) => agm.loadAtlasVae(a[0] as string)),
  entry<Fx>("agm.restoreAtlasVae", (fx) => [c("dir", K.dir("read", paths(fx)), fx.vaeDir), s("model", modelKind(fx, fx.gan), () => fx.vae)], (a) => agm.restoreAtlasVae(a[0] as string, a[1] as agm.AtlasVae)),
  // evaluation
  entry<Fx>("agm.reconstructionError", (fx) => [s("model", modelKind(fx, null), () => fx.gan), s("data", dataKind(), (own) => own(data(3))), s("options", opts({ mode: K.oneOf(["argmax", "weighted"]), batchSize: optInt(1, undefined, true) }), () => ({}))], (a) => agm.reconstructionError(a[0] as agm.AwaeGan, a[1] as tf.Tensor, a[2] as agm.ReconstructionErrorOptions)),
  entry<Fx>("agm.chartConfidence", (fx) => [s("model", modelKind(fx, null), () => fx.gan), s("data", dataKind(), (own) => own(data(3))), s("options", opts({ bins: optInt(1, 10_000), batchSize: optInt(1, undefined, true) }), () => ({}))], (a) => agm.chartConfidence(a[0] as agm.AwaeGan, a[1] as tf.Tensor, a[2] as { bins?: number })),
  entry<Fx>("agm.histogramImage", () => [s("counts", K.array({ make: () => [1, 3, 2] }), () => [1, 3, 2]), s("options", opts({ height: optInt(2, undefined, true), barWidth: optInt(1, undefined, true) }), () => ({}))], (a) => agm.histogramImage(a[0] as number[], a[1] as { height?: number })),
  entry<Fx>("agm.saveChartConfidencePng", (fx) => [s("path", K.filePath(paths(fx)), () => `${fx.sc.fresh("conf")}.png`), s("counts", K.array({ make: () => [1, 3, 2] }), () => [1, 3, 2]), s("options", opts({ height: optInt(2, undefined, true), barWidth: optInt(1, undefined, true), scale: optInt(1, undefined, true) }), () => ({}))], (a) => agm.saveChartConfidencePng(a[0] as string, a[1] as number[], a[2] as { height?: number })),
  entry<Fx>("agm.sampleCharts", (fx) => [s("model", modelKind(fx, null), () => fx.gan), c("perChart", K.int({ min: 1, size: true }), 2), c("seed", K.seed(), 0)], (a) => agm.sampleCharts(a[0] as agm.AwaeGan, a[1] as number, a[2] as number)),
  entry<Fx>(
    "agm.saveChartSampleGrid",
    (fx) => [s("path", K.filePath(paths(fx)), () => `${fx.sc.fresh("grid")}.png`), s("model", modelKind(fx, fx.gan), () => fx.imageGan), s("options", opts({ perChart: optInt(1, undefined, true), seed: K.seed(), scale: optInt(1, undefined, true) }), () => ({ perChart: 2 }))],
    (a) => agm.saveChartSampleGrid(a[0] as string, a[1] as agm.AwaeGan, a[2] as { perChart?: number }),
  ),
];

const pe: PackageEntries<Fx> = {
  pkg: "agm",
  fixtures,
  entries,
  exempt: {
    "AwaeGan#alive": "private (TypeScript)",
    "AwaeGan#decodeAllUnchecked": "private (TypeScript)",
    "AtlasVae#alive": "private (TypeScript)",
    "AtlasVae#meanOf": "private (TypeScript)",
    "AtlasVae#negativeBoundUnchecked": "private (TypeScript)",
    "AwaeGanTrainer#checkStep": "private (TypeScript)",
  },
};
export default pe;
