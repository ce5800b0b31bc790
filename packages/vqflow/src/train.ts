/**
 * Training of a VQ-Flow in the poster's two stages, each through core's `trainLoop` (shuffled
 * batches, learning-rate schedule, early stopping, checkpoint/resume, progress, abort).
 */
import * as tf from "@tensorflow/tfjs";
import {
  AtlasError,
  InvalidArgumentError,
  Rng,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  checkSignal,
  describeValue,
  joinPath,
  trainLoop,
  type EpochRecord,
  type TrainHistory,
  type TrainProgress,
  checkCreatableDir,
} from "@atlas/core";
import { FlatAdam } from "./adam.js";
import { segmentLogSumExp } from "./charts.js";
import { gatherRows, type Rows, type VqFlowData } from "./data.js";
import { restoreVqFlow, saveVqFlow } from "./io.js";
import { VqFlow } from "./model.js";
import { kMeansPlusPlus } from "./vq-autoencoder.js";
import { flowVariables, layoutOf, logProbRows, pairLogDensity, preprocess, readData, requireAlive } from "./pipeline.js";

/** A progress event of {@link trainVqFlow}: core's, with the stage it belongs to. */
export type VqFlowProgress = TrainProgress & { stage: 1 | 2 };
/** An epoch record of {@link trainVqFlow}, with its stage (and, in stage 1, the centres re-seeded at its end). */
export type VqFlowEpochRecord = EpochRecord & { stage: 1 | 2; revivedCentres?: number };

/** Options of {@link trainVqFlow}. */
export interface TrainVqFlowOptions {
  /** Stages to run, in order: 1 = the VQ autoencoder, 2 = flows and chart weights. Default [1, 2] ([2] when K = 1). */
  stages?: readonly (1 | 2)[];
  /** Stage 1 epochs (default 20 for vectors, 3 for images). */
  autoencoderEpochs?: number;
  /** Stage 1 batch size (default 256; 128 for images). */
  autoencoderBatchSize?: number;
  /** Stage 1 Adam learning rate (default 1e-3). */
  autoencoderLearningRate?: number;
  /** β of the commitment term (default 0.25). */
  commitment?: number;
  /** Re-seed centres that no point of a sample is nearest to, after each stage-1 epoch (default true). */
  reviveCentres?: boolean;
  /** Stage 2 epochs (default 50 for vectors, 5 for images). */
  epochs?: number;
  /** Stage 2 batch size (default 256; 100 for images). */
  batchSize?: number;
  /** Stage 2 Adam learning rate (default 1e-3; 1e-4 for images). */
  learningRate?: number;
  /** Stage 2: halve the learning rate after these epoch counts (default none). */
  halveLearningRateAt?: readonly number[];
  /** Stage 2: clip gradients to this global norm (default: no clipping). */
  gradientClip?: number;
  /** Held-out data: stage 2's validation loss is its mean NLL (nats), stage 1's its VQ reconstruction MSE. */
  validation?: VqFlowData;
  /** Stage 2 early stopping: epochs without a validation improvement (default 5; needs `validation`). */
  patience?: number;
  /** Smallest validation improvement that counts (default 0). */
  minDelta?: number;
  /** Images: uniform dequantisation of 8-bit pixels in every step (default true). */
  dequantize?: boolean;
  /** Checkpoints of each stage in `<dir>/stage1` and `<dir>/stage2`, resumed from when present. */
  checkpointDir?: string;
  /** Epochs between checkpoints (default 1). */
  checkpointEvery?: number;
  /** Seed of batch order, dequantisation noise, k-means++ and re-seeding (default 0). */
  seed?: number;
  onProgress?: (event: VqFlowProgress) => void;
  onEpochEnd?: (record: VqFlowEpochRecord) => void | Promise<void>;
  /** Stops training between steps. */
  signal?: AbortSignal;
}

/** What {@link trainVqFlow} returns: core's history of each stage that ran (null for a stage not run). */
export interface VqFlowTrainResult {
  stage1: TrainHistory | null;
  stage2: TrainHistory | null;
}

const OPTION_KEYS = [
  "stages",
  "autoencoderEpochs",
  "autoencoderBatchSize",
  "autoencoderLearningRate",
  "commitment",
  "reviveCentres",
  "epochs",
  "batchSize",
  "learningRate",
  "halveLearningRateAt",
  "gradientClip",
  "validation",
  "patience",
  "minDelta",
  "dequantize",
  "checkpointDir",
  "checkpointEvery",
  "seed",
  "onProgress",
  "onEpochEnd",
  "signal",
] as const;

/** Points encoded to seed and revive the codebook. */
const CODEBOOK_SAMPLE = 4096;
const MAX_EPOCHS = 100_000;

interface Settings {
  stages: (1 | 2)[];
  aeEpochs: number;
  aeBatch: number;
  aeLr: number;
  beta: number;
  revive: boolean;
  epochs: number;
  batch: number;
  lr: number;
  halveAt: number[];
  clip: number | null;
  patience: number;
  minDelta: number;
  dequantize: boolean;
  ckDir: string | null;
  ckEvery: number;
  seed: number;
}

function settings(model: VqFlow, o: TrainVqFlowOptions): Settings {
  const image = model.dataShape.length === 3;
  let stages: (1 | 2)[];
  if (o.stages === undefined) stages = model.charts > 1 ? [1, 2] : [2];
  else {
    if (!Array.isArray(o.stages) || o.stages.length === 0 || o.stages.length > 2) throw new InvalidArgumentError("options.stages", `expected [1], [2] or [1, 2], got ${describeValue(o.stages)}`);
    stages = o.stages.map((s, i) => {
      if (s !== 1 && s !== 2) throw new InvalidArgumentError(`options.stages[${i}]`, `expected 1 or 2, got ${describeValue(s)}`);
      return s;
    });
    if (stages.length === 2 && !(stages[0] === 1 && stages[1] === 2)) throw new InvalidArgumentError("options.stages", `expected [1], [2] or [1, 2] (in order, no repeats), got [${stages.join(", ")}]`);
  }
  if (stages.includes(1) && model.charts === 1) throw new InvalidArgumentError("options.stages", "stage 1 trains the VQ autoencoder, which a one-chart model (codebookSize 1, a plain flow) does not have: use stages [2]");
  if (!stages.includes(1) && model.charts > 1 && model.state.stage1Epochs === 0) {
    throw new AtlasError("NOT_TRAINED", "options.stages: stage 2 needs the chart centres of stage 1, which has not run on this model: include stage 1");
  }
  const halveAt = o.halveLearningRateAt ?? [];
  if (!Array.isArray(halveAt)) throw new InvalidArgumentError("options.halveLearningRateAt", `expected an array of epoch counts, got ${describeValue(halveAt)}`);
  halveAt.forEach((h, i) => {
    checkInteger(`options.halveLearningRateAt[${i}]`, h, { min: 1 });
    if (i > 0 && h <= (halveAt[i - 1] as number)) throw new InvalidArgumentError("options.halveLearningRateAt", "expected strictly increasing epoch counts");
  });
  if (o.checkpointDir !== undefined && (typeof o.checkpointDir !== "string" || o.checkpointDir.trim() === "")) {
    throw new InvalidArgumentError("options.checkpointDir", `expected a directory path, got ${describeValue(o.checkpointDir)}`);
  }
  if (o.onProgress !== undefined) checkFunction("options.onProgress", o.onProgress);
  if (o.onEpochEnd !== undefined) checkFunction("options.onEpochEnd", o.onEpochEnd);
  if (o.signal !== undefined) checkSignal("options.signal", o.signal);
  if (o.reviveCentres !== undefined && typeof o.reviveCentres !== "boolean") throw new InvalidArgumentError("options.reviveCentres", `expected true or false, got ${describeValue(o.reviveCentres)}`);
  if (o.dequantize !== undefined && typeof o.dequantize !== "boolean") throw new InvalidArgumentError("options.dequantize", `expected true or false, got ${describeValue(o.dequantize)}`);
  if (o.patience !== undefined && o.validation === undefined) throw new InvalidArgumentError("options.patience", "early stopping watches the validation NLL: give options.validation too");
  return {
    stages,
    aeEpochs: checkInteger("options.autoencoderEpochs", o.autoencoderEpochs ?? (image ? 3 : 20), { min: 1, max: MAX_EPOCHS }),
    aeBatch: checkInteger("options.autoencoderBatchSize", o.autoencoderBatchSize ?? (image ? 128 : 256), { min: 1, max: 65_536 }),
    aeLr: checkNumber("options.autoencoderLearningRate", o.autoencoderLearningRate ?? 1e-3, { above: 0, max: 10 }),
    beta: checkNumber("options.commitment", o.commitment ?? 0.25, { min: 0, max: 1e3 }),
    revive: o.reviveCentres ?? true,
    epochs: checkInteger("options.epochs", o.epochs ?? (image ? 5 : 50), { min: 1, max: MAX_EPOCHS }),
    batch: checkInteger("options.batchSize", o.batchSize ?? (image ? 100 : 256), { min: 1, max: 65_536 }),
    lr: checkNumber("options.learningRate", o.learningRate ?? (image ? 1e-4 : 1e-3), { above: 0, max: 10 }),
    halveAt: [...halveAt],
    clip: o.gradientClip === undefined ? null : checkNumber("options.gradientClip", o.gradientClip, { above: 0 }),
    patience: checkInteger("options.patience", o.patience ?? 5, { min: 0, max: MAX_EPOCHS }),
    minDelta: checkNumber("options.minDelta", o.minDelta ?? 0, { min: 0 }),
    dequantize: model.config.transform === "logit" && (o.dequantize ?? true),
    ckDir: o.checkpointDir ?? null,
    ckEvery: checkInteger("options.checkpointEvery", o.checkpointEvery ?? 1, { min: 1, max: MAX_EPOCHS }),
    seed: checkInteger("options.seed", o.seed ?? 0, { min: 0, max: 2 ** 53 - 1 }),
  };
}

/**
 * Train a VQ-Flow (VQ-Flows poster; VQFLOW-SPEC §1–4). Stage 1 trains the VQ autoencoder on the
 * VQ-VAE loss with a straight-through gradient (codebook from k-means++ on the first encodings,
 * centres that win no point re-seeded after each epoch), then freezes it. Stage 2 maximises
 * Σ_i log p(x_i) of eq. (2) over the flow, the conformal embeddings and the chart weights: each
 * step reads the batch's chart membership once and runs one flow pass over all (point, chart)
 * pairs. Early stopping on the validation NLL keeps the best weights. Checkpoints (model, Adam
 * state, loop state) resume exactly.
 *
 * @example
 * const model = createVqFlow({ preset: "sphere" });
 * const { stage2 } = await trainVqFlow(model, sphere(5000, 0, { noise: 0.05 }), { validation: held, onProgress: progressBar() });
 */
export async function trainVqFlow(model: VqFlow, data: VqFlowData, options: TrainVqFlowOptions = {}): Promise<VqFlowTrainResult> {
  if (!(model instanceof VqFlow)) throw new InvalidArgumentError("model", `expected a VqFlow (createVqFlow), got ${describeValue(model)}`);
  requireAlive(model);
  const o = checkOptions("options", options, OPTION_KEYS);
  const s = settings(model, o);
  if (s.ckDir !== null) await checkCreatableDir("options.checkpointDir", s.ckDir);
  const rows = await readData(model, "data", data);
  const validation = o.validation === undefined ? null : await readData(model, "options.validation", o.validation);
  const result: VqFlowTrainResult = { stage1: null, stage2: null };
  if (s.stages.includes(1)) result.stage1 = await trainStage1(model, rows, validation, s, o);
  if (s.stages.includes(2) && !(result.stage1 && result.stage1.stopped !== "completed")) result.stage2 = await trainStage2(model, rows, validation, s, o);
  return result;
}


/** Encodings E(x) of (up to) `count` rows drawn by `rng`, as host rows `[m, e]`. */
async function sampleEncodings(model: VqFlow, rows: Rows, count: number, rng: Rng): Promise<{ codes: Float32Array; n: number }> {
  const ae = model.autoencoder!;
  const m = Math.min(count, rows.n);
  const idx = rows.n <= count ? Int32Array.from({ length: rows.n }, (_, i) => i) : rng.choice(rows.n, m);
  const codes = new Float32Array(m * ae.codeDim);
  for (let start = 0; start < m; start += 1024) {
    const end = Math.min(m, start + 1024);
    const x = gatherRows(rows, idx.subarray(start, end));
    const e = ae.encode(x);
    codes.set(await e.data(), start * ae.codeDim);
    tf.dispose([x, e]);
  }
  return { codes, n: m };
}

/** Re-seed centres nearest to no encoding of a sample: D²-sampled encodings (k-means++ style). */
async function reviveCentres(model: VqFlow, rows: Rows, rng: Rng): Promise<number> {
  const ae = model.autoencoder!;
  const { codes, n } = await sampleEncodings(model, rows, CODEBOOK_SAMPLE, rng);
  const e = ae.codeDim;
  const K = ae.charts;
  const book = Float32Array.from(await ae.codebook.data());
  const wins = new Int32Array(K);
  const near = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let bk = 0;
    for (let k = 0; k < K; k++) {
      let d = 0;
      for (let j = 0; j < e; j++) d += ((codes[i * e + j] as number) - (book[k * e + j] as number)) ** 2;
      if (d < best) {
        best = d;
        bk = k;
      }
    }
    wins[bk] = (wins[bk] as number) + 1;
    near[i] = best;
  }
  let revived = 0;
  for (let k = 0; k < K; k++) {
    if ((wins[k] as number) > 0) continue;
    const total = near.reduce((a, b) => a + b, 0);
    let pick = rng.int(n);
    if (total > 0) {
      let r = rng.next() * total;
      for (let i = 0; i < n; i++) {
        r -= near[i] as number;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    }
    book.set(codes.subarray(pick * e, (pick + 1) * e), k * e);
    near[pick] = 0;
    revived++;
  }
  if (revived > 0) tf.tidy(() => ae.codebook.assign(tf.tensor2d(book, [K, e])));
  return revived;
}

/** VQ reconstruction MSE D(v_k*(x)) vs x, mean per value (stage 1's validation loss). */
async function vqReconstructionError(model: VqFlow, rows: Rows): Promise<number> {
  const ae = model.autoencoder!;
  let total = 0;
  for (let start = 0; start < rows.n; start += 1024) {
    const end = Math.min(rows.n, start + 1024);
    const idx = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const err = tf.tidy(() => {
      const x = gatherRows(rows, idx);
      const oneHot = tf.oneHot(ae.nearest(x), ae.charts).toFloat() as tf.Tensor2D;
      return tf.sum(tf.square(tf.sub(ae.decode(tf.matMul(oneHot, ae.codebook as tf.Tensor2D)), x)));
    });
    total += (await err.data())[0] as number;
    err.dispose();
  }
  return total / (rows.n * rows.dim);
}

function checkpointFor(model: VqFlow, dir: string | null, every: number, optimizer: FlatAdam): Parameters<typeof trainLoop>[0]["checkpoint"] {
  if (dir === null) return undefined;
  return {
    dir,
    every,
    save: async (d: string) => {
      await saveVqFlow(model, joinPath(d, "model"));
      await optimizer.save(joinPath(d, "adam"));
    },
    load: async (d: string) => {
      await restoreVqFlow(joinPath(d, "model"), model);
      await optimizer.load(joinPath(d, "adam"));
    },
  };
}

async function trainStage1(model: VqFlow, rows: Rows, validation: Rows | null, s: Settings, o: TrainVqFlowOptions): Promise<TrainHistory> {
  const ae = model.autoencoder!;
  const seedRng = new Rng(s.seed);
  if (model.state.stage1Epochs === 0) {
    const { codes, n } = await sampleEncodings(model, rows, CODEBOOK_SAMPLE, seedRng.fork());
    const centres = kMeansPlusPlus(codes, n, ae.codeDim, ae.charts, seedRng.fork());
    tf.tidy(() => ae.codebook.assign(tf.tensor2d(centres, [ae.charts, ae.codeDim])));
  }
  const vars = ae.variables();
  const optimizer = new FlatAdam(vars, s.aeLr);
  let revived = 0;
  try {
    return await trainLoop({
      size: rows.n,
      batchSize: Math.min(s.aeBatch, rows.n),
      epochs: s.aeEpochs,
      seed: s.seed,
      learningRate: { initial: s.aeLr },
      onLearningRate: (lr) => {
        optimizer.learningRate = lr as number;
      },
      step: async (batch) => {
        const x = gatherRows(rows, batch);
        try {
          const packed = tf.tidy(() => {
            let terms: tf.Scalar[] = [];
            const { value, grads } = tf.variableGrads(() => {
              const l = ae.loss(x, s.beta);
              terms = [tf.keep(l.reconstruction), tf.keep(l.codebook), tf.keep(l.commitment)];
              return l.loss;
            }, vars);
            optimizer.apply(vars.map((v) => grads[v.name]));
            const out = tf.stack([value, ...terms]);
            tf.dispose(terms);
            return out;
          });
          const v = await packed.data();
          packed.dispose();
          return { loss: v[0] as number, reconstruction: v[1] as number, codebook: v[2] as number, commitment: v[3] as number };
        } finally {
          x.dispose();
        }
      },
      ...(validation ? { validate: () => vqReconstructionError(model, validation) } : {}),
      checkpoint: checkpointFor(model, s.ckDir === null ? null : joinPath(s.ckDir, "stage1"), s.ckEvery, optimizer),
      onProgress: (e) => o.onProgress?.({ ...e, stage: 1 }),
      onEpochEnd: async (record) => {
        revived = s.revive ? await reviveCentres(model, rows, new Rng(s.seed * 7919 + record.epoch + 1)) : 0;
        model.state.stage1Epochs++;
        await o.onEpochEnd?.({ ...record, stage: 1, revivedCentres: revived });
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    optimizer.dispose();
  }
}

/** Fit the fixed standardisation of the (transformed) training data: per-coordinate mean and std. */
async function fitStandardization(model: VqFlow, rows: Rows, rng: Rng, dequantize: boolean): Promise<void> {
  const D = rows.dim;
  const sum = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let start = 0; start < rows.n; start += 4096) {
    const end = Math.min(rows.n, start + 4096);
    const x = batchValues(rows, Int32Array.from({ length: end - start }, (_, i) => start + i), dequantize, rng);
    const t = tf.tidy(() => {
      if (model.config.transform !== "logit") return tf.tensor2d(x, [end - start, D]);
      const a = model.config.logitAlpha;
      const p = tf.add(tf.mul(tf.tensor2d(x, [end - start, D]), 1 - 2 * a), a);
      return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
    });
    const v = await t.data();
    t.dispose();
    for (let i = 0; i < end - start; i++) {
      for (let j = 0; j < D; j++) {
        const y = v[i * D + j] as number;
        sum[j] = (sum[j] as number) + y;
        sq[j] = (sq[j] as number) + y * y;
      }
    }
  }
  const shift = new Float32Array(D);
  const logScale = new Float32Array(D);
  let meanVariance = 0;
  for (let j = 0; j < D; j++) {
    const mean = (sum[j] as number) / rows.n;
    const variance = Math.max((sq[j] as number) / rows.n - mean * mean, 0);
    shift[j] = mean;
    logScale[j] = 0.5 * Math.log(Math.max(variance, 1e-6));
    meanVariance += variance / D;
  }
  // d < D: one common scale (a similarity), see VqFlow.dataLogScale
  if (model.embedding) logScale.fill(0.5 * Math.log(Math.max(meanVariance, 1e-6)));
  tf.tidy(() => {
    model.dataShift.assign(tf.tensor1d(shift));
    model.dataLogScale.assign(tf.tensor1d(logScale));
  });
  model.state.standardized = true;
}

/** Host rows of a batch, dequantised for images: x̃ = (255x + u)/256. */
function batchValues(rows: Rows, batch: ArrayLike<number>, dequantize: boolean, rng: Rng): Float32Array {
  const D = rows.dim;
  const out = new Float32Array(batch.length * D);
  for (let i = 0; i < batch.length; i++) out.set(rows.values.subarray((batch[i] as number) * D, ((batch[i] as number) + 1) * D), i * D);
  if (dequantize) for (let i = 0; i < out.length; i++) out[i] = (Math.round((out[i] as number) * 255) + rng.next()) / 256;
  return out;
}

/** Initial chart logits: log of the share of training points nearest to each centre. */
async function chartShares(model: VqFlow, rows: Rows): Promise<Float32Array> {
  const ae = model.autoencoder!;
  const counts = new Float64Array(ae.charts);
  for (let start = 0; start < rows.n; start += 4096) {
    const end = Math.min(rows.n, start + 4096);
    const x = gatherRows(rows, Int32Array.from({ length: end - start }, (_, i) => start + i));
    const k = ae.nearest(x);
    const v = await k.data();
    tf.dispose([x, k]);
    for (const c of v) counts[c as number] = (counts[c as number] as number) + 1;
  }
  return Float32Array.from(counts, (c) => Math.log(Math.max(c / rows.n, 1e-4)));
}

async function trainStage2(model: VqFlow, rows: Rows, validation: Rows | null, s: Settings, o: TrainVqFlowOptions): Promise<TrainHistory> {
  const seedRng = new Rng(s.seed + 1);
  if (!model.state.standardized) await fitStandardization(model, rows, seedRng.fork(), s.dequantize);
  if (model.state.stage2Epochs === 0 && model.chartLogits) {
    const logits = await chartShares(model, rows);
    tf.tidy(() => model.chartLogits!.assign(tf.tensor1d(logits)));
  }
  const vars = flowVariables(model);
  const optimizer = new FlatAdam(vars, s.lr);
  let best: tf.Tensor[] | null = null;
  const validationNll = async (): Promise<number> => {
    if (!validation) return Number.NaN;
    const v = s.dequantize ? { ...validation, values: batchValues(validation, Int32Array.from({ length: validation.n }, (_, i) => i), true, new Rng(s.seed + 2)) } : validation;
    const lp = await logProbRows(model, v, model.dataShape.length === 3 ? 256 : 4096);
    let total = 0;
    for (const l of lp) total += l;
    return -total / lp.length;
  };
  try {
    return await trainLoop({
      size: rows.n,
      batchSize: Math.min(s.batch, rows.n),
      epochs: s.epochs,
      seed: s.seed,
      learningRate: { initial: s.lr, halveAtEpochs: s.halveAt },
      onLearningRate: (lr) => {
        optimizer.learningRate = lr as number;
      },
      step: async (batch, ctx) => {
        const x = tf.tensor2d(batchValues(rows, batch, s.dequantize, ctx.rng), [batch.length, rows.dim]);
        try {
          const layout = await layoutOf(model, x);
          const loss = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => {
              const { y, logDet } = preprocess(model, x);
              const yPairs = tf.gather(y, tf.tensor1d(layout.pairPoint, "int32"));
              const lse = segmentLogSumExp(pairLogDensity(model, yPairs as tf.Tensor2D, layout.pairChart), layout);
              return tf.neg(tf.mean(tf.add(lse, tf.gather(logDet, tf.tensor1d(layout.order, "int32"))))) as tf.Scalar;
            }, vars);
            const clipped = clipGradients(grads, s.clip);
            optimizer.apply(vars.map((v) => clipped[v.name]));
            return value;
          });
          const v = (await loss.data())[0] as number;
          loss.dispose();
          return { nll: v };
        } finally {
          x.dispose();
        }
      },
      ...(validation
        ? {
            validate: validationNll,
            earlyStopping: {
              patience: s.patience,
              minDelta: s.minDelta,
              onImprovement: () => {
                tf.dispose(best ?? []);
                best = vars.map((v) => tf.clone(v));
              },
              restoreBest: () => {
                if (best) best.forEach((b, i) => (vars[i] as tf.Variable).assign(b));
              },
            },
          }
        : {}),
      checkpoint: checkpointFor(model, s.ckDir === null ? null : joinPath(s.ckDir, "stage2"), s.ckEvery, optimizer),
      onProgress: (e) => o.onProgress?.({ ...e, stage: 2 }),
      onEpochEnd: async (record) => {
        model.state.stage2Epochs++;
        model.state.chartMass = null;
        await o.onEpochEnd?.({ ...record, stage: 2 });
      },
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } finally {
    optimizer.dispose();
    tf.dispose(best ?? []);
  }
}

/** Scale all gradients so that their global norm is at most `clip` (no host read). */
function clipGradients(grads: tf.NamedTensorMap, clip: number | null): tf.NamedTensorMap {
  if (clip === null) return grads;
  const list = Object.values(grads);
  const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(clip, tf.maximum(norm, 1e-12)));
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)]));
}
