/**
 * `trainLoop`'s option checks: every option is checked, with the argument's name, before any
 * work starts; and the validation loss read as a number.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { Rng, toRng } from "./rng.js";
import type { TrainLoopOptions } from "./train.js";
import { checkSchedule } from "./train-rates.js";
import { checkAllocation, checkBoolean, checkInteger, checkNumber, checkOptions, checkPath, checkSignal } from "./validate.js";


function isFn(v: unknown): v is (...args: never[]) => unknown {
  return typeof v === "function";
}

function isOptimizer(v: unknown): v is tf.Optimizer {
  return typeof (v as { applyGradients?: unknown } | null)?.applyGradients === "function";
}

export type OptimizerSet = { kind: "list"; list: tf.Optimizer[] } | { kind: "record"; record: Record<string, tf.Optimizer> };

const LOOP_KEYS = ["size", "batchSize", "epochs", "seed", "rng", "dropLast", "step", "validate", "learningRate", "optimizers", "onLearningRate", "earlyStopping", "checkpoint", "onProgress", "onEpochEnd", "signal", "leakCheck", "readLossesEvery"] as const;

export function checkLoopOptions(o: TrainLoopOptions): { rng: Rng; stepsPerEpoch: number; optimizers: OptimizerSet | null } {
  if (o === undefined) throw new InvalidArgumentError("options", "expected { size, batchSize, epochs, step, … }, got undefined");
  checkOptions("options", o, LOOP_KEYS);
  if (o.leakCheck !== undefined) checkBoolean("leakCheck", o.leakCheck);
  const size = checkInteger("size", o.size, { min: 1 });
  // each epoch's order is a permutation of 0…size−1 (an Int32Array)
  checkAllocation("size", size, 4);
  const batchSize = checkInteger("batchSize", o.batchSize, { min: 1 });
  checkInteger("epochs", o.epochs, { min: 1 });
  if (o.dropLast !== undefined && typeof o.dropLast !== "boolean") throw new InvalidArgumentError("dropLast", `expected a boolean, got ${describeValue(o.dropLast)}`);
  const stepsPerEpoch = o.dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
  if (stepsPerEpoch === 0) throw new InvalidArgumentError("batchSize", `with dropLast, batchSize (${batchSize}) must be at most size (${size}), or no batch is left`);
  if (!isFn(o.step)) throw new InvalidArgumentError("step", `expected a function (batch, ctx) => loss, got ${describeValue(o.step)}`);
  if (o.validate !== undefined && !isFn(o.validate)) throw new InvalidArgumentError("validate", `expected a function, got ${describeValue(o.validate)}`);
  if (o.seed !== undefined && o.rng !== undefined) throw new InvalidArgumentError("rng", "give either seed or rng, not both");
  if (o.rng !== undefined && !(o.rng instanceof Rng)) throw new InvalidArgumentError("rng", `expected an Rng, got ${describeValue(o.rng)}`);
  const rng = o.rng ?? toRng(o.seed ?? 0, "seed");

  let optimizers: OptimizerSet | null = null;
  if (o.learningRate !== undefined) checkSchedule(o.learningRate);
  if (o.optimizers !== undefined) {
    if (o.learningRate === undefined) throw new InvalidArgumentError("optimizers", "only used to follow a learning-rate schedule: give learningRate too");
    const given = o.optimizers;
    if (isOptimizer(given)) optimizers = { kind: "list", list: [given] };
    else if (Array.isArray(given)) {
      given.forEach((g, i) => {
        if (!isOptimizer(g)) throw new InvalidArgumentError(`optimizers[${i}]`, `expected a tf.Optimizer, got ${describeValue(g)}`);
      });
      optimizers = { kind: "list", list: [...given] };
    } else if (typeof given === "object" && given !== null) {
      for (const [k, g] of Object.entries(given)) {
        if (!isOptimizer(g)) throw new InvalidArgumentError(`optimizers.${k}`, `expected a tf.Optimizer, got ${describeValue(g)}`);
      }
      optimizers = { kind: "record", record: { ...(given as Record<string, tf.Optimizer>) } };
    } else {
      throw new InvalidArgumentError("optimizers", `expected an optimizer, an array or a record of them, got ${describeValue(given)}`);
    }
    const init = o.learningRate.initial;
    if (typeof init !== "number") {
      if (optimizers.kind !== "record") throw new InvalidArgumentError("optimizers", "learningRate.initial is a record: give optimizers as a record with the same keys");
      const a = Object.keys(init).sort().join(",");
      const b = Object.keys(optimizers.record).sort().join(",");
      if (a !== b) throw new InvalidArgumentError("optimizers", `expected the keys of learningRate.initial (${a}), got ${b}`);
    }
  }
  if (o.onLearningRate !== undefined && !isFn(o.onLearningRate)) throw new InvalidArgumentError("onLearningRate", `expected a function, got ${describeValue(o.onLearningRate)}`);

  const es = o.earlyStopping;
  if (es !== undefined) {
    checkOptions("earlyStopping", es, ["patience", "minDelta", "onImprovement", "restoreBest"]);
    checkInteger("earlyStopping.patience", es.patience, { min: 0 });
    if (es.minDelta !== undefined) checkNumber("earlyStopping.minDelta", es.minDelta, { min: 0 });
    if (o.validate === undefined) throw new InvalidArgumentError("earlyStopping", "stops on the validation loss: give validate too");
    if (es.onImprovement !== undefined && !isFn(es.onImprovement)) throw new InvalidArgumentError("earlyStopping.onImprovement", `expected a function, got ${describeValue(es.onImprovement)}`);
    if (es.restoreBest !== undefined && !isFn(es.restoreBest)) throw new InvalidArgumentError("earlyStopping.restoreBest", `expected a function, got ${describeValue(es.restoreBest)}`);
  }
  const ck = o.checkpoint;
  if (ck !== undefined) {
    checkOptions("checkpoint", ck, ["dir", "every", "save", "load", "resume", "saveOnAbort"]);
    checkPath("checkpoint.dir", ck.dir);
    checkInteger("checkpoint.every", ck.every, { min: 1 });
    if (!isFn(ck.save)) throw new InvalidArgumentError("checkpoint.save", `expected a function (dir) => Promise<void>, got ${describeValue(ck.save)}`);
    if (!isFn(ck.load)) throw new InvalidArgumentError("checkpoint.load", `expected a function (dir) => Promise<void>, got ${describeValue(ck.load)}`);
    if (ck.resume !== undefined) checkBoolean("checkpoint.resume", ck.resume);
    if (ck.saveOnAbort !== undefined) checkBoolean("checkpoint.saveOnAbort", ck.saveOnAbort);
  }
  if (o.onProgress !== undefined && !isFn(o.onProgress)) throw new InvalidArgumentError("onProgress", `expected a function, got ${describeValue(o.onProgress)}`);
  if (o.readLossesEvery !== undefined) checkInteger("readLossesEvery", o.readLossesEvery, { min: 1, max: 1_000_000 });
  if (o.onEpochEnd !== undefined && !isFn(o.onEpochEnd)) throw new InvalidArgumentError("onEpochEnd", `expected a function, got ${describeValue(o.onEpochEnd)}`);
  if (o.signal !== undefined) checkSignal("signal", o.signal);
  return { rng, stepsPerEpoch, optimizers };
}

/** A validation loss as a number: a scalar tensor is read (one `await data()`) and disposed. */
export async function readValidationLoss(v: unknown): Promise<number> {
  if (v instanceof tf.Tensor) {
    try {
      if (v.size !== 1) throw new InvalidArgumentError("validate", `must return a number or a scalar tensor (the validation loss), got a tensor of shape [${v.shape.join(", ")}]`);
      return (await v.data())[0] as number;
    } finally {
      v.dispose();
    }
  }
  if (typeof v !== "number") throw new InvalidArgumentError("validate", `must return a number (the validation loss), got ${describeValue(v)}`);
  return v;
}

