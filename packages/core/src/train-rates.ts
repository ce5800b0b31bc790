/**
 * Learning rates for `trainLoop`: set and read an optimiser's rate, the step schedule
 * (`initial · factor^k`) and its option check.
 */
import type * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import type { LearningRate, LearningRateSchedule } from "./train.js";
import { checkInteger, checkNumber, checkOptions } from "./validate.js";


/**
 * Set an optimiser's learning rate in place. tfjs 4.22 has `setLearningRate` only on SGD (and
 * Momentum, which extends it; they cache `-lr` as a tensor); Adam, Adamax, Adagrad, Adadelta and
 * RMSProp read their protected `learningRate` field at every `applyGradients`, so it is assigned.
 *
 * @example
 * const opt = adam(1e-3); // core's adam(), or any tf.train optimiser
 * setLearningRate(opt, 5e-4);
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  checkNumber("learningRate", learningRate, { above: 0 });
  const opt = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate?: unknown; applyGradients?: unknown };
  if (typeof opt?.applyGradients !== "function") {
    throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer, got ${describeValue(optimizer)}`);
  }
  if (typeof opt.setLearningRate === "function") opt.setLearningRate(learningRate);
  else if (typeof opt.learningRate === "number") opt.learningRate = learningRate;
  else throw new InvalidArgumentError("optimizer", `${optimizer.getClassName()} has no learning rate to set`);
}

/** An optimiser's current learning rate (tfjs keeps it in a protected field). */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown })?.learningRate;
  if (typeof lr !== "number") throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer with a learning rate, got ${describeValue(optimizer)}`);
  return lr;
}

/**
 * The learning rate of 0-based epoch `epoch` under a step schedule:
 * `initial · factor^k`, k = number of entries of `halveAtEpochs` that are ≤ `epoch`.
 *
 * @example
 * learningRateAt({ initial: 1e-3, halveAtEpochs: [5, 25, 50] }, 5); // 5e-4 (the 6th epoch)
 */
export function learningRateAt(schedule: LearningRateSchedule, epoch: number): LearningRate {
  checkSchedule(schedule, "schedule");
  checkInteger("epoch", epoch, { min: 0 });
  const factor = schedule.factor ?? 0.5;
  let k = 0;
  for (const h of schedule.halveAtEpochs ?? []) if (h <= epoch) k++;
  const scale = factor ** k;
  if (typeof schedule.initial === "number") return schedule.initial * scale;
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(schedule.initial)) out[key] = v * scale;
  return out;
}

export function checkSchedule(schedule: LearningRateSchedule, name = "learningRate"): void {
  if (schedule === undefined) throw new InvalidArgumentError(name, "expected { initial, halveAtEpochs?, factor? }, got undefined");
  checkOptions(name, schedule, ["initial", "halveAtEpochs", "factor"]);
  const init = schedule.initial;
  const plain = (v: unknown): boolean => typeof v === "object" && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
  if (typeof init === "number") checkNumber(`${name}.initial`, init, { above: 0 });
  else if (plain(init) && Object.keys(init).length > 0) {
    for (const [k, v] of Object.entries(init)) checkNumber(`${name}.initial.${k}`, v, { above: 0 });
  } else {
    throw new InvalidArgumentError(`${name}.initial`, `expected a positive number or a non-empty record of them, got ${describeValue(init)}`);
  }
  if (schedule.halveAtEpochs !== undefined) {
    if (!Array.isArray(schedule.halveAtEpochs)) {
      throw new InvalidArgumentError(`${name}.halveAtEpochs`, `expected an array of increasing epoch counts, got ${describeValue(schedule.halveAtEpochs)}`);
    }
    let prev = 0;
    for (const [i, h] of schedule.halveAtEpochs.entries()) {
      checkInteger(`${name}.halveAtEpochs[${i}]`, h, { min: 1 });
      if (i > 0 && h <= prev) {
        throw new InvalidArgumentError(`${name}.halveAtEpochs`, `expected strictly increasing epochs, got ${h} after ${prev} at index ${i}`);
      }
      prev = h;
    }
  }
  if (schedule.factor !== undefined) checkNumber(`${name}.factor`, schedule.factor, { above: 0 });
}

export function sameRate(a: LearningRate | null, b: LearningRate | null): boolean {
  if (a === null || b === null || typeof a === "number" || typeof b === "number") return a === b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

