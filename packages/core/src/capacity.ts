/**
 * How much the active tfjs backend can hold, and the check every model builder makes before it
 * allocates a weight: a network too large for the backend is an error naming the size argument,
 * never a minutes-long allocation that ends in "memory access out of bounds" and leaves the wasm
 * backend unusable for the rest of the process.
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "./errors.js";
import { MAX_ALLOCATION_BYTES, checkArgName, checkString } from "./validate.js";

/** Address space of the WebAssembly backend (wasm32): every tensor lives in one 4 GiB heap. */
const WASM_HEAP_BYTES = 2 ** 32;
/** What we assume any other backend (plain JS arrays, native, GPU) can hold: 16 GiB. */
const DEFAULT_CAPACITY_BYTES = 2 ** 34;

/**
 * Bytes the active backend can still hold for new tensors (an upper estimate): the wasm heap's 4 GiB
 * less the bytes of the live tensors; 16 GiB less them elsewhere.
 *
 * @example
 * backendCapacityBytes(); // ≈ 4.29e9 on a fresh wasm backend
 */
export function backendCapacityBytes(): number {
  const total = tf.getBackend() === "wasm" ? WASM_HEAP_BYTES : DEFAULT_CAPACITY_BYTES;
  return Math.max(0, total - tf.memory().numBytes);
}

/**
 * Check, before building, that a network of `parameters` float32 weights fits the backend with
 * room to train it: weights, gradients and two Adam slots (4 × the weights) within
 * {@link backendCapacityBytes}, and no more than {@link MAX_ALLOCATION_BYTES} for the weights.
 * `name` is the size argument the error names (e.g. `"options.h"`, `"options.width"`).
 *
 * @example
 * checkModelSize("options.width", inputDim * width + width * outputDim, "the MLP");
 */
export function checkModelSize(name: string, parameters: number, what = "the network"): void {
  checkArgName(name);
  if (typeof parameters !== "number" || Number.isNaN(parameters) || parameters < 0) throw new InvalidArgumentError("parameters", `expected a count ≥ 0, got ${describeValue(parameters)}`);
  checkString("what", what);
  const bytes = parameters * 4;
  const capacity = backendCapacityBytes();
  const budget = Math.min(MAX_ALLOCATION_BYTES, capacity / 4);
  if (!Number.isFinite(bytes) || bytes > budget) {
    const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
    throw new InvalidArgumentError(
      name,
      `${what} would have ${Number.isFinite(parameters) ? Math.round(parameters).toLocaleString("en-US") : "unbounded"} weights (${Number.isFinite(bytes) ? gib(bytes) : "∞"}); ` +
        `the ${tf.getBackend()} backend can train at most ${gib(budget)} of weights here (weights, gradients and Adam's two slots must fit in ${gib(capacity)})`,
    );
  }
}
