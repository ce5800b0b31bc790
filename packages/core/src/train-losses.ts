import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";

/**
 * A step's losses left on the device: one scalar tensor, or several named ones (plain numbers may
 * be mixed in). {@link trainLoop} takes ownership: it reads them later, in one batched read with
 * the losses of other steps, and disposes them.
 */
export type StepLossTensors = tf.Scalar | Record<string, tf.Scalar | number>;

/** One dispatched step whose losses the loop has not read yet. */
export interface PendingStep {
  readonly epoch: number;
  /** Steps done in the epoch, this one included (1-based). */
  readonly step: number;
  /** Steps done in all, this one included. */
  readonly globalStep: number;
  /** Samples in the step's batch. */
  readonly samples: number;
  /** Seconds the step function took (dispatch, on an asynchronous backend). */
  readonly seconds: number;
  /** Losses that were already numbers. */
  readonly numbers: Record<string, number>;
  /** Losses still on the device: [name, scalar tensor], owned by the queue. */
  readonly tensors: readonly (readonly [string, tf.Tensor])[];
  /** Loss names in the order the step returned them. */
  readonly keys: readonly string[];
}

/** A step's losses read back, in the order the steps ran. */
export interface ReadStep {
  readonly pending: PendingStep;
  readonly losses: Record<string, number>;
}

function lossTensor(value: tf.Tensor, where: string, key: string): tf.Tensor {
  if (value.isDisposed) throw new InvalidArgumentError(where, `returned a disposed tensor for '${key}'; return it from tf.tidy (or keep it) so the loop can read it`);
  if (value.size !== 1) throw new InvalidArgumentError(where, `must return scalar losses, got a tensor of shape [${value.shape.join(", ")}] for '${key}'`);
  return value;
}

/**
 * Split what a step returned into numbers and scalar tensors. Accepts a number, a scalar tensor, or
 * a non-empty record of numbers and scalar tensors; anything else is an {@link InvalidArgumentError}
 * naming `where` (and the tensors it held are disposed, so a bad return value leaks nothing).
 */
export function splitStepLosses(result: unknown, where: string): Pick<PendingStep, "numbers" | "tensors" | "keys"> {
  const tensors: [string, tf.Tensor][] = [];
  const numbers: Record<string, number> = {};
  try {
    if (typeof result === "number") numbers.loss = result;
    else if (result instanceof tf.Tensor) tensors.push(["loss", lossTensor(result, where, "loss")]);
    else if (typeof result === "object" && result !== null && !Array.isArray(result) && Object.keys(result).length > 0) {
      for (const [k, v] of Object.entries(result)) {
        if (typeof v === "number") numbers[k] = v;
        else if (v instanceof tf.Tensor) tensors.push([k, lossTensor(v, where, k)]);
        else throw new InvalidArgumentError(where, `must return a number or a record of numbers (or scalar tensors), got ${describeValue(v)} for '${k}'`);
      }
    } else {
      throw new InvalidArgumentError(where, `must return a number or a record of numbers (the loss), or scalar tensors, got ${describeValue(result)}`);
    }
  } catch (error) {
    disposeTensorsIn(result);
    throw error;
  }
  return { numbers, tensors, keys: typeof result === "number" || result instanceof tf.Tensor ? ["loss"] : Object.keys(result as object) };
}

function disposeTensorsIn(result: unknown): void {
  if (result instanceof tf.Tensor) result.dispose();
  else if (typeof result === "object" && result !== null) {
    for (const v of Object.values(result)) if (v instanceof tf.Tensor) v.dispose();
  }
}

/**
 * The steps whose losses are still on the device, oldest first. {@link LossQueue.take} reads the
 * losses of the oldest steps with one `await data()` (their scalars concatenated on the device
 * first), so a GPU is waited on once per read, not once per loss or per step.
 */
export class LossQueue {
  private readonly pending: PendingStep[] = [];
  private tensors = 0;

  /** Steps not read yet. */
  get length(): number {
    return this.pending.length;
  }

  /** Live tensors the queue holds (for the loop's leak check). */
  get tensorCount(): number {
    return this.tensors;
  }

  push(step: PendingStep): void {
    this.pending.push(step);
    this.tensors += step.tensors.length;
  }

  /** Read (and dispose) the losses of the oldest `count` steps. */
  async take(count: number): Promise<ReadStep[]> {
    const steps = this.pending.splice(0, count);
    const ts = steps.flatMap((s) => s.tensors.map(([, t]) => t));
    this.tensors -= ts.length;
    let values: ArrayLike<number> = [];
    try {
      if (ts.length > 0) {
        const all = tf.tidy(() => tf.concat(ts.map((t) => tf.reshape(t.dtype === "float32" ? t : tf.cast(t, "float32"), [1]))));
        try {
          values = await all.data();
        } finally {
          all.dispose();
        }
      }
    } finally {
      tf.dispose(ts);
    }
    let o = 0;
    return steps.map((pending) => {
      const read: Record<string, number> = { ...pending.numbers };
      for (const [k] of pending.tensors) read[k] = values[o++] as number;
      const losses: Record<string, number> = {};
      for (const k of pending.keys) losses[k] = read[k] as number;
      return { pending, losses };
    });
  }

  /** Dispose every tensor still held (a run that stops or fails). */
  dispose(): void {
    for (const s of this.pending.splice(0)) tf.dispose(s.tensors.map(([, t]) => t));
    this.tensors = 0;
  }
}
