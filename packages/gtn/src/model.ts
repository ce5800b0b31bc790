import * as tf from "@tensorflow/tfjs";
import {
  adam,
  joinPath,
  CorruptFileError,
  FileNotFoundError,
  checkAllocation,
  checkArray,
  checkModelSize,
  checkBoolean,
  checkOptions,
  checkPath,
  checkTensor,
  InvalidArgumentError,
  ShapeMismatchError,
  checkInteger,
  checkNumber,
  checkOneOf,
  describeValue,
  loadModel,
  loadOptimizer,
  loadState,
  mlp,
  saveModel,
  saveOptimizer,
  saveState,
  readMatrix,
  toMatrix,
  toRng,
  trainLoop,
  resolveSavedDir,
  writeDirAtomic,
  type MatrixInput,
  type RngLike,
  type TrainHistory,
  type TrainProgress,
} from "@atlas/core";
import { checkTrainerOptions } from "./check.js";
import { kMeans } from "./kmeans.js";
import { gtnLabels, type GtnLabelMethod } from "./labels/index.js";

/** Sizes and optimiser settings of the MLP `h` (paper Appendix Table 2). */
export interface GtnArchitecture {
  hiddenLayers: number;
  width: number;
  /** Batch norm after each hidden activation. */
  batchNorm: boolean;
  learningRate: number;
  batchSize: number;
}

/** The paper's named settings (Appendix Table 2). */
export type GtnPreset = "swissRoll" | "uniform" | "mnist" | "celeba" | "cifar10";

/**
 * Appendix Table 2 of the GTN paper. Every `h` uses LeakyReLU(0.5) on its hidden layers, MSE and
 * Adam; CIFAR-10 keeps CelebA's learning rate and batch size (the paper changed only the width).
 */
export const GTN_PRESETS: Readonly<Record<GtnPreset, Readonly<GtnArchitecture>>> = {
  swissRoll: { hiddenLayers: 4, width: 6, batchNorm: false, learningRate: 1e-3, batchSize: 250 },
  uniform: { hiddenLayers: 6, width: 6, batchNorm: false, learningRate: 1e-3, batchSize: 250 },
  mnist: { hiddenLayers: 7, width: 50, batchNorm: true, learningRate: 1e-3, batchSize: 128 },
  celeba: { hiddenLayers: 26, width: 1200, batchNorm: true, learningRate: 5e-5, batchSize: 200 },
  cifar10: { hiddenLayers: 26, width: 1500, batchNorm: true, learningRate: 5e-5, batchSize: 200 },
};

/** Options for {@link trainGTN}. */
export interface TrainGtnOptions extends Partial<GtnArchitecture> {
  /** Architecture preset (default `'mnist'`); the fields above override it. */
  preset?: GtnPreset;
  /** Most epochs (default 100); early stopping usually ends sooner. */
  epochs?: number;
  /**
   * Epoch counts after which Adam's learning rate is halved (default none: constant, as the paper's
   * Table 2). Strictly increasing integers ≥ 1, as core's `trainLoop` schedule.
   */
  halveLearningRateAt?: readonly number[];
  /** Early-stopping patience in epochs on the validation MSE (default 3, as the paper). */
  patience?: number;
  /** Fraction of the labelled pairs held out for validation (default 0.1; 0 disables early stopping). */
  validationFraction?: number;
  /** Seed or Rng for the normal samples, clustering, split, initialisation and shuffling (default 0). */
  seed?: RngLike;
  /** Standardise each axis of the data before labelling (default true, as the paper). */
  standardize?: boolean;
  /**
   * Number of clusters (default 1: plain GTN). With k ≥ 2 this is the clustered GTN of Appendix C:
   * seeded k-means++ on the (standardised) data; each cluster gets normal samples with that
   * cluster's mean and per-axis std; labelling inside each cluster; one `h` for all.
   */
  clusters?: number;
  /** Labelling method (default `'fast'`; same labels as `'scan'`). */
  labelMethod?: GtnLabelMethod;
  /**
   * Tie tolerance ε of {@link gtnLabels} (default 0: the paper's Algorithm 1 literally): x whose
   * cosine with y is within ε of the best count as tied, and the tie goes to the smallest norm, as
   * the paper intends. Used for every cluster of a clustered GTN.
   */
  cosineTolerance?: number;
  /**
   * Algorithm 1 sorts both sets by norm (default true). `false` labels without sorting, the
   * ablation of the paper's Figure 11 (see `gtnLabels`' `sortByNorm`).
   */
  sortByNorm?: boolean;
  /**
   * Momentum of `h`'s batch norms in tfjs's convention (moving = momentum · moving + (1 − momentum)
   * · batch). Default 0.9: PyTorch's default `momentum=0.1`, which the paper's code uses (tfjs's
   * own default is 0.99).
   */
  batchNormMomentum?: number;
  /** ε of `h`'s batch norms. Default 1e-5, PyTorch's (tfjs's own default is 1e-3). */
  batchNormEpsilon?: number;
  /** Progress after each step and epoch (core's `trainLoop` events). */
  onProgress?: (event: TrainProgress) => void;
  /** Checkpoints of `h` and Adam every `every` epochs in `dir`; a rerun with the same data and seed resumes. */
  checkpoint?: { dir: string; every?: number; resume?: boolean };
  /** Stops training between steps (the GTN keeps the weights reached). */
  signal?: AbortSignal;
}

/** One cluster of a clustered GTN: its sampling weight and the normal it samples `y` from. */
export interface GtnCluster {
  weight: number;
  mean: Float64Array;
  std: Float64Array;
}

/** What {@link trainGTN} measured. */
export interface GtnTrainingReport {
  history: TrainHistory;
  /** Seconds spent in gtnLabels. */
  labelSeconds: number;
  /** Training and validation pair counts. */
  trainSize: number;
  validationSize: number;
}

const GTN_FORMAT = "atlas-gtn";

/**
 * A trained Generative Topological Network: the MLP `h` from N(0, I) (or, clustered, a mixture of
 * normals) to the data, with the data's standardisation undone on output.
 */
export class GTN {
  /** Filled by {@link trainGTN}; null for a loaded model. */
  report: GtnTrainingReport | null = null;

  constructor(
    /** The network h: standardised latent space → standardised data space. */
    readonly h: tf.LayersModel,
    readonly latentDim: number,
    /** Per-axis mean and std used to standardise the data (zeros and ones when not standardised). */
    readonly mean: Float64Array,
    readonly std: Float64Array,
    /** Clusters of a clustered GTN, or null. */
    readonly clusters: readonly GtnCluster[] | null,
    readonly architecture: Readonly<GtnArchitecture>,
  ) {
    checkGtnParts(h, latentDim, mean, std, clusters, architecture);
  }

  /**
   * Draws `count` inputs of `h`: N(0, I), or for a clustered GTN a cluster by weight then
   * N(mean_c, diag(std_c²)).
   */
  sampleInputs(count: number, seed: RngLike): tf.Tensor2D {
    checkLive(this);
    checkInteger("count", count, { min: 1 });
    checkAllocation("count", count * this.latentDim, 8);
    const rng = toRng(seed);
    const d = this.latentDim;
    const y = rng.normalArray(count * d);
    if (this.clusters) {
      const picks = rng.choice(this.clusters.length, count, { replace: true, weights: this.clusters.map((c) => c.weight) });
      for (let i = 0; i < count; i++) {
        const c = this.clusters[picks[i] as number] as GtnCluster;
        for (let k = 0; k < d; k++) y[i * d + k] = (c.mean[k] as number) + (c.std[k] as number) * (y[i * d + k] as number);
      }
    }
    return tf.tensor2d(y, [count, d]);
  }

  /**
   * Generates `count` samples (paper Algorithm 2): h(y), y drawn as in {@link GTN.sampleInputs}.
   *
   * @example
   * const x = gtn.sample(1000, 7); // tf.Tensor2D [1000, d] in the data's units
   */
  sample(count: number, seed: RngLike): tf.Tensor2D {
    const y = this.sampleInputs(count, seed);
    try {
      return this.map(y);
    } finally {
      y.dispose();
    }
  }

  /** h(y) in the data's units, for any `y` of dimension latentDim (inference mode). */
  map(y: MatrixInput | tf.Tensor2D): tf.Tensor2D {
    checkLive(this);
    let input: tf.Tensor2D;
    let owned = false;
    if (y instanceof tf.Tensor) {
      input = checkTensor("y", y, { inner: [this.latentDim], dtypes: ["float32"] }) as tf.Tensor2D;
    } else {
      const m = toMatrix("y", y, { dim: this.latentDim });
      input = tf.tensor2d(Float32Array.from(m.data), [m.n, m.dim]);
      owned = true;
    }
    try {
      return tf.tidy(() => {
        const out = this.h.predict(input, { batchSize: 4096 }) as tf.Tensor2D;
        return out.mul(tf.tensor1d(Float32Array.from(this.std))).add(tf.tensor1d(Float32Array.from(this.mean))) as tf.Tensor2D;
      });
    } finally {
      if (owned) input.dispose();
    }
  }

  /**
   * h along the straight line from y0 to y1 (`steps` points, both ends included): the paper's
   * interpolation, continuous because h is.
   */
  interpolate(y0: ArrayLike<number>, y1: ArrayLike<number>, steps: number): tf.Tensor2D {
    checkLive(this);
    const d = this.latentDim;
    checkArray("y0", y0, { length: d });
    checkArray("y1", y1, { length: d });
    checkInteger("steps", steps, { min: 2 });
    checkAllocation("steps", steps * d, 4);
    const line = new Float32Array(steps * d);
    for (let s = 0; s < steps; s++) {
      const t = s / (steps - 1);
      for (let k = 0; k < d; k++) line[s * d + k] = (1 - t) * (y0[k] as number) + t * (y1[k] as number);
    }
    const y = tf.tensor2d(line, [steps, d]);
    try {
      return this.map(y);
    } finally {
      y.dispose();
    }
  }

  /** Save `h` and the standardisation/clusters to `dir` (atomically). */
  async save(dir: string): Promise<void> {
    checkLive(this);
    checkPath("dir", dir);
    await writeDirAtomic(dir, async (temp) => {
      await saveModel(joinPath(temp, "h"), this.h);
      await saveState(joinPath(temp, "gtn"), {
        json: {
          format: GTN_FORMAT,
          version: 1,
          latentDim: this.latentDim,
          mean: Array.from(this.mean),
          std: Array.from(this.std),
          clusters: this.clusters?.map((c) => ({ weight: c.weight, mean: Array.from(c.mean), std: Array.from(c.std) })) ?? null,
          architecture: this.architecture,
        },
      });
    }, { argument: "dir" });
  }

  /** Load a GTN saved by {@link GTN.save}; CorruptFileError when the files do not describe one. */
  static async load(dir: string): Promise<GTN> {
    checkPath("dir", dir);
    // core's recovery rule: a save killed between its renames left the complete version beside `dir`
    const root = await resolveSavedDir("dir", dir);
    const { json, tensors } = await loadState(joinPath(root, "gtn"));
    for (const t of Object.values(tensors)) t.dispose();
    const file = joinPath(root, "gtn", "state.json");
    const j = json as Record<string, unknown> | null;
    if (!j || j.format !== GTN_FORMAT) throw new CorruptFileError(file, `not a GTN (expected format '${GTN_FORMAT}')`);
    const d = j.latentDim;
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1) throw new CorruptFileError(file, "latentDim must be a positive integer");
    const vec = (v: unknown, what: string): Float64Array => {
      if (!Array.isArray(v) || v.length !== d || !v.every((a) => typeof a === "number" && Number.isFinite(a))) {
        throw new CorruptFileError(file, `${what} must be ${d} finite numbers`);
      }
      return Float64Array.from(v as number[]);
    };
    const positive = (v: Float64Array, what: string): Float64Array => {
      const i = v.findIndex((s) => !(s > 0));
      if (i >= 0) throw new CorruptFileError(file, `${what}[${i}] must be > 0 (a standard deviation), got ${v[i]}`);
      return v;
    };
    const mean = vec(j.mean, "mean");
    const std = positive(vec(j.std, "std"), "std");
    let clusters: GtnCluster[] | null = null;
    if (j.clusters !== null) {
      if (!Array.isArray(j.clusters) || j.clusters.length < 1) throw new CorruptFileError(file, "clusters must be null or a non-empty array");
      clusters = j.clusters.map((c: unknown, i: number) => {
        const r = c as Record<string, unknown>;
        if (typeof r?.weight !== "number" || !Number.isFinite(r.weight) || !(r.weight >= 0)) throw new CorruptFileError(file, `clusters[${i}].weight must be a finite number ≥ 0`);
        return { weight: r.weight, mean: vec(r.mean, `clusters[${i}].mean`), std: positive(vec(r.std, `clusters[${i}].std`), `clusters[${i}].std`) };
      });
    }
    const a = j.architecture as GtnArchitecture | undefined;
    if (!a || typeof a.hiddenLayers !== "number" || typeof a.width !== "number") throw new CorruptFileError(file, "architecture missing");
    const h = await loadModel(joinPath(root, "h"));
    const inShape = h.inputs[0]?.shape;
    const outShape = h.outputs[0]?.shape;
    if (inShape?.[1] !== d || outShape?.[1] !== d) {
      h.dispose();
      throw new CorruptFileError(joinPath(root, "h", "model.json"), `h must map [n, ${d}] to [n, ${d}]`);
    }
    try {
      return new GTN(h, d, mean, std, clusters, a);
    } catch (error) {
      h.dispose();
      throw new CorruptFileError(file, (error as Error).message);
    }
  }

  /** Frees `h`'s weights; a second call does nothing, any other method afterwards is an error. */
  dispose(): void {
    if (DISPOSED.has(this)) return;
    DISPOSED.add(this);
    this.h.dispose();
  }
}

const DISPOSED = new WeakSet<GTN>();

function checkLive(g: GTN): void {
  if (DISPOSED.has(g)) throw new InvalidArgumentError("this", "the GTN has been disposed");
}

/** The constructor's arguments: a network from latentDim to latentDim, finite standardisation, valid clusters. */
function checkGtnParts(h: unknown, latentDim: unknown, mean: unknown, std: unknown, clusters: unknown, architecture: unknown): void {
  if (!(h instanceof tf.LayersModel)) throw new InvalidArgumentError("h", `expected a tf.LayersModel, got ${describeValue(h)}`);
  const d = checkInteger("latentDim", latentDim, { min: 1 });
  if (h.inputs[0]?.shape[1] !== d || h.outputs[0]?.shape[1] !== d) {
    throw new ShapeMismatchError("h", `expected a network from [n, ${d}] to [n, ${d}], got [${h.inputs[0]?.shape.join(", ")}] → [${h.outputs[0]?.shape.join(", ")}]`);
  }
  const vector = (name: string, v: unknown, positive: boolean): void => {
    if (!(v instanceof Float64Array)) throw new InvalidArgumentError(name, `expected a Float64Array of ${d} values, got ${describeValue(v)}`);
    checkArray(name, v, { length: d });
    if (positive && !v.every((x) => x > 0)) throw new InvalidArgumentError(name, "expected standard deviations > 0");
  };
  vector("mean", mean, false);
  vector("std", std, true);
  if (clusters !== null) {
    if (!Array.isArray(clusters) || clusters.length === 0) throw new InvalidArgumentError("clusters", `expected null or a non-empty array of { weight, mean, std }, got ${describeValue(clusters)}`);
    clusters.forEach((c: unknown, i: number) => {
      const r = c as Partial<GtnCluster> | null;
      if (r === null || typeof r !== "object") throw new InvalidArgumentError(`clusters[${i}]`, `expected { weight, mean, std }, got ${describeValue(c)}`);
      checkNumber(`clusters[${i}].weight`, r.weight, { min: 0 });
      vector(`clusters[${i}].mean`, r.mean, false);
      vector(`clusters[${i}].std`, r.std, true);
    });
  }
  const a = architecture as Partial<GtnArchitecture> | null;
  if (a === null || typeof a !== "object") throw new InvalidArgumentError("architecture", `expected { hiddenLayers, width, batchNorm, learningRate, batchSize }, got ${describeValue(architecture)}`);
  checkInteger("architecture.hiddenLayers", a.hiddenLayers, { min: 0 });
  checkInteger("architecture.width", a.width, { min: 1 });
  checkBoolean("architecture.batchNorm", a.batchNorm);
  checkNumber("architecture.learningRate", a.learningRate, { above: 0 });
  checkInteger("architecture.batchSize", a.batchSize, { min: 1 });
}

/** Per-axis mean and population std (std 0 becomes 1, so a constant axis stays constant). */
function meanStd(data: Float64Array, rows: ArrayLike<number> | null, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  const count = rows ? rows.length : n;
  for (let r = 0; r < count; r++) {
    const i = rows ? (rows[r] as number) : r;
    for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (data[i * d + k] as number);
  }
  for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) / count;
  for (let r = 0; r < count; r++) {
    const i = rows ? (rows[r] as number) : r;
    for (let k = 0; k < d; k++) std[k] = (std[k] as number) + ((data[i * d + k] as number) - (mean[k] as number)) ** 2;
  }
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt((std[k] as number) / count);
    std[k] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/**
 * Train a GTN on data latents (paper §2, Algorithms 1 and 2): standardise, label N(0, I) samples
 * with {@link gtnLabels}, and fit the MLP `h` (LeakyReLU(0.5), batch norm after the activation
 * where the preset uses it) by MSE with Adam, with a validation split and early stopping.
 *
 * @param latents - the data, n × d (for images: the autoencoder's latent codes).
 * @example
 * const gtn = await trainGTN(codes, { preset: "mnist", seed: 1 });
 * const x = gtn.sample(64, 2);
 */
const TRAIN_GTN_KEYS = [
  "preset",
  "hiddenLayers",
  "width",
  "batchNorm",
  "learningRate",
  "batchSize",
  "epochs",
  "halveLearningRateAt",
  "patience",
  "validationFraction",
  "seed",
  "standardize",
  "clusters",
  "labelMethod",
  "cosineTolerance",
  "sortByNorm",
  "batchNormMomentum",
  "batchNormEpsilon",
  "onProgress",
  "checkpoint",
  "signal",
] as const;

export async function trainGTN(latents: MatrixInput, options: TrainGtnOptions = {}): Promise<GTN> {
  checkOptions("options", options, TRAIN_GTN_KEYS);
  checkTrainerOptions(options);
  if (options.batchNorm !== undefined) checkBoolean("options.batchNorm", options.batchNorm);
  if (options.standardize !== undefined) checkBoolean("options.standardize", options.standardize);
  const X = await readMatrix("latents", latents, { minRows: 2 });
  const preset = checkOneOf("options.preset", options.preset ?? "mnist", Object.keys(GTN_PRESETS) as GtnPreset[]);
  const base = GTN_PRESETS[preset];
  const architecture: GtnArchitecture = {
    // core's mlp allows at most 1000 hidden layers: checked here, before the labelling
    hiddenLayers: checkInteger("options.hiddenLayers", options.hiddenLayers ?? base.hiddenLayers, { min: 0, max: 1000 }),
    width: checkInteger("options.width", options.width ?? base.width, { min: 1 }),
    batchNorm: options.batchNorm ?? base.batchNorm,
    learningRate: checkNumber("options.learningRate", options.learningRate ?? base.learningRate, { above: 0 }),
    batchSize: checkInteger("options.batchSize", options.batchSize ?? base.batchSize, { min: 1 }),
  };
  const epochs = checkInteger("options.epochs", options.epochs ?? 100, { min: 1 });
  const patience = checkInteger("options.patience", options.patience ?? 3, { min: 1 });
  const validationFraction = checkNumber("options.validationFraction", options.validationFraction ?? 0.1, { min: 0, below: 1 });
  const k = checkInteger("options.clusters", options.clusters ?? 1, { min: 1, max: X.n });
  const labelMethod = checkOneOf("options.labelMethod", options.labelMethod ?? "fast", ["fast", "scan"] as const);
  const cosineTolerance = checkNumber("options.cosineTolerance", options.cosineTolerance ?? 0, { min: 0 });
  const sortByNorm = options.sortByNorm === undefined ? true : checkBoolean("options.sortByNorm", options.sortByNorm);
  const batchNormMomentum = checkNumber("options.batchNormMomentum", options.batchNormMomentum ?? 0.9, { min: 0, max: 1 });
  const batchNormEpsilon = checkNumber("options.batchNormEpsilon", options.batchNormEpsilon ?? 1e-5, { above: 0 });
  const halveAt = options.halveLearningRateAt ?? [];
  if (!Array.isArray(halveAt)) throw new InvalidArgumentError("options.halveLearningRateAt", `expected an array of increasing epoch counts, got ${describeValue(halveAt)}`);
  halveAt.forEach((e, i) => checkInteger(`options.halveLearningRateAt[${i}]`, e, { min: i === 0 ? 1 : (halveAt[i - 1] as number) + 1 }));
  if (options.checkpoint) checkInteger("options.checkpoint.every", options.checkpoint.every ?? 1, { min: 1 });
  const rng = toRng(options.seed ?? 0, "options.seed");
  const { n, dim: d } = X;
  // h is built after the labelling: its size is checked now, before any work (a width of 1e9 was
  // refused only by mlp(), after the labelling, leaving the labelled tensors behind)
  const hWeights = (layers: number): number => {
    const w = architecture.width;
    if (layers === 0) return d * d + d;
    return d * w + w + (layers - 1) * (w * w + w) + (architecture.batchNorm ? 4 * w * layers : 0) + w * d + d;
  };
  checkModelSize("options.width", hWeights(Math.min(1, architecture.hiddenLayers)), "the GTN's network h");
  checkModelSize("options.hiddenLayers", hWeights(architecture.hiddenLayers), "the GTN's network h");

  // standardisation (the paper standardises before labelling)
  const { mean, std } = options.standardize === false ? { mean: new Float64Array(d), std: new Float64Array(d).fill(1) } : meanStd(X.data, null, n, d);
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let kk = 0; kk < d; kk++) z[i * d + kk] = ((X.data[i * d + kk] as number) - (mean[kk] as number)) / (std[kk] as number);

  // labelling: y[i] (input of h) and its label target[i]
  const yRng = rng.fork();
  const clusterRng = rng.fork();
  const y = new Float32Array(n * d);
  const target = new Float32Array(n * d);
  let clusters: GtnCluster[] | null = null;
  const t0 = performance.now();
  if (k === 1) {
    const eps = Float64Array.from(yRng.normalArray(n * d));
    const assign = await gtnLabels({ data: z, dim: d }, { data: eps, dim: d }, { method: labelMethod, cosineTolerance, sortByNorm });
    y.set(eps);
    for (let i = 0; i < n; i++) target.set(z.subarray((assign[i] as number) * d, (assign[i] as number) * d + d), i * d);
  } else {
    const { assignment } = kMeans(z, n, d, k, clusterRng);
    clusters = [];
    let row = 0;
    for (let c = 0; c < k; c++) {
      const members: number[] = [];
      for (let i = 0; i < n; i++) if (assignment[i] === c) members.push(i);
      if (members.length === 0) continue;
      const m = members.length;
      const stats = meanStd(z, members, n, d);
      clusters.push({ weight: m / n, mean: stats.mean, std: stats.std });
      // label inside the cluster on its own standardised coordinates: Algorithm 1 needs both sets
      // centred at the origin; y = mean + std ⊙ eps is h's input
      const local = new Float64Array(m * d);
      for (let r = 0; r < m; r++) {
        const i = members[r] as number;
        for (let kk = 0; kk < d; kk++) local[r * d + kk] = ((z[i * d + kk] as number) - (stats.mean[kk] as number)) / (stats.std[kk] as number);
      }
      const eps = Float64Array.from(yRng.normalArray(m * d));
      const assign = await gtnLabels({ data: local, dim: d }, { data: eps, dim: d }, { method: labelMethod, cosineTolerance, sortByNorm });
      for (let r = 0; r < m; r++) {
        const i = members[assign[r] as number] as number;
        for (let kk = 0; kk < d; kk++) {
          y[row * d + kk] = (stats.mean[kk] as number) + (stats.std[kk] as number) * (eps[r * d + kk] as number);
          target[row * d + kk] = z[i * d + kk] as number;
        }
        row++;
      }
    }
  }
  const labelSeconds = (performance.now() - t0) / 1000;

  // validation split
  const order = rng.fork().permutation(n);
  const nVal = Math.min(n - 1, Math.round(validationFraction * n));
  const nTrain = n - nVal;
  const pick = (from: number, count: number, src: Float32Array): Float32Array => {
    const out = new Float32Array(count * d);
    for (let r = 0; r < count; r++) {
      const i = order[from + r] as number;
      out.set(src.subarray(i * d, i * d + d), r * d);
    }
    return out;
  };
  const yTrain = tf.tensor2d(pick(0, nTrain, y), [nTrain, d]);
  const tTrain = tf.tensor2d(pick(0, nTrain, target), [nTrain, d]);
  const yVal = nVal > 0 ? tf.tensor2d(pick(nTrain, nVal, y), [nVal, d]) : null;
  const tVal = nVal > 0 ? tf.tensor2d(pick(nTrain, nVal, target), [nVal, d]) : null;

  const h = mlp({
    inputDim: d,
    outputDim: d,
    hiddenLayers: architecture.hiddenLayers,
    width: architecture.width,
    activation: "leakyRelu",
    alpha: 0.5,
    batchNorm: architecture.batchNorm,
    batchNormOrder: "after-activation",
    batchNormMomentum,
    batchNormEpsilon,
    init: "torch",
    seed: rng.fork(),
    name: "gtn_h",
  });
  const optimizer = adam(architecture.learningRate);
  let best: tf.Tensor[] | null = null;
  const loopSeed = rng.fork();
  let history: TrainHistory;
  try {
    history = await trainLoop({
      ...(halveAt.length ? { learningRate: { initial: architecture.learningRate, halveAtEpochs: [...halveAt] }, optimizers: optimizer } : {}),
      size: nTrain,
      batchSize: architecture.batchSize,
      epochs,
      rng: loopSeed,
      step: (batch) =>
        tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const yb = tf.gather(yTrain, idx);
          const tb = tf.gather(tTrain, idx);
          // the loss stays on the device: trainLoop reads it a step later, batched
          return optimizer.minimize(() => tf.losses.meanSquaredError(tb, h.apply(yb, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
        }),
      ...(yVal && tVal
        ? {
            validate: () => tf.tidy(() => tf.losses.meanSquaredError(tVal, h.predict(yVal, { batchSize: 4096 }) as tf.Tensor) as tf.Scalar),
            earlyStopping: {
              patience,
              onImprovement: () => {
                if (best) for (const t of best) t.dispose();
                best = h.getWeights().map((w) => w.clone());
              },
              restoreBest: () => {
                if (best) h.setWeights(best);
              },
            },
          }
        : {}),
      ...(options.checkpoint
        ? {
            checkpoint: {
              dir: options.checkpoint.dir,
              every: options.checkpoint.every ?? 1,
              resume: options.checkpoint.resume ?? true,
              save: async (dir: string) => {
                await saveModel(joinPath(dir, "h"), h);
                await saveOptimizer(joinPath(dir, "adam"), optimizer);
                if (best) await saveState(joinPath(dir, "best"), { tensors: Object.fromEntries(best.map((t, i) => [`w${i}`, t])) });
              },
              load: async (dir: string) => {
                const saved = await loadModel(joinPath(dir, "h"));
                h.setWeights(saved.getWeights());
                saved.dispose();
                await loadOptimizer(joinPath(dir, "adam"), optimizer);
                let bestSaved: Record<string, tf.Tensor>;
                try {
                  ({ tensors: bestSaved } = await loadState(joinPath(dir, "best")));
                } catch (error) {
                  // no best weights bestSaved yet is normal; a corrupt best/ is not (it would silently
                  // restore the wrong weights at the end)
                  if (error instanceof FileNotFoundError) return;
                  throw error;
                }
                const shapes = h.getWeights().map((w) => w.shape);
                const keys = Object.keys(bestSaved).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
                const fits = keys.length === shapes.length && keys.every((key, i) => key === `w${i}` && tf.util.arraysEqual(bestSaved[key]!.shape, shapes[i]!));
                if (!fits) {
                  for (const t of Object.values(bestSaved)) t.dispose();
                  throw new CorruptFileError(joinPath(dir, "best", "state.json"), `the best weights (${keys.length} tensors) do not match h's ${shapes.length} weights`);
                }
                if (best) for (const t of best) t.dispose();
                best = keys.map((key) => bestSaved[key] as tf.Tensor);
              },
            },
          }
        : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // keep the weights of the best validation epoch
    if (best && history.bestEpoch !== null) h.setWeights(best);
  } catch (error) {
    h.dispose();
    throw error;
  } finally {
    yTrain.dispose();
    tTrain.dispose();
    yVal?.dispose();
    tVal?.dispose();
    optimizer.dispose();
    if (best) for (const t of best as tf.Tensor[]) t.dispose();
  }
  const gtn = new GTN(h, d, mean, std, clusters, architecture);
  gtn.report = { history, labelSeconds, trainSize: nTrain, validationSize: nVal };
  return gtn;
}
