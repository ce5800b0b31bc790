/**
 * Registering Atlas's kernels on a tfjs backend, and putting the stock ones back (benchmarks and
 * tests compare against the stock kernels).
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "../errors.js";
import { makeConv2DBackpropFilter } from "./conv2d-backprop-filter.js";
import { makeConv2DBackpropInput } from "./conv2d-backprop-input.js";

/** The backends Atlas registers kernels on. */
export const ATLAS_KERNEL_BACKENDS: readonly string[] = ["wasm", "cpu"];

/** The kernels Atlas provides, by tfjs kernel name, each built for a given backend. */
const FACTORIES: ReadonlyArray<[string, (backendName: string) => tf.KernelFunc]> = [
  ["Conv2DBackpropFilter", makeConv2DBackpropFilter],
  ["Conv2DBackpropInput", makeConv2DBackpropInput],
];

/** Kernel configs that were registered before ours (the stock ones), by `name/backend`; `null` when none was. */
const stock = new Map<string, tf.KernelConfig | null>();

const key = (name: string, backendName: string): string => `${name}/${backendName}`;

function checkBackendName(backendName: unknown): string {
  if (typeof backendName !== "string" || !ATLAS_KERNEL_BACKENDS.includes(backendName)) {
    throw new InvalidArgumentError(
      "backendName",
      `expected one of ${ATLAS_KERNEL_BACKENDS.map((b) => `'${b}'`).join(", ")}, got ${describeValue(backendName)}`,
    );
  }
  return backendName;
}

/**
 * Register Atlas's kernels (`Conv2DBackpropFilter` built from the backend's Transpose/Conv2D) on a
 * backend, replacing the stock kernel where there is one. Idempotent.
 *
 * @param backendName `'wasm'` or `'cpu'`
 * @returns the names of the kernels registered by this call (empty when they already were)
 * @example
 * registerAtlasKernels("wasm"); // conv nets can now train on the wasm backend
 */
export function registerAtlasKernels(backendName: string): string[] {
  checkBackendName(backendName);
  const done: string[] = [];
  for (const [name, make] of FACTORIES) {
    const k = key(name, backendName);
    if (stock.has(k)) continue;
    const previous = tf.getKernel(name, backendName);
    stock.set(k, previous ?? null);
    if (previous !== undefined) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: make(backendName) });
    done.push(name);
  }
  return done;
}

/**
 * Put back the kernels that were registered before {@link registerAtlasKernels} (the stock ones;
 * none for a kernel the backend lacks). Benchmarks use it to time the stock path. Idempotent.
 *
 * @param backendName `'wasm'` or `'cpu'`
 * @returns the names of the kernels restored by this call
 * @example
 * restoreStockKernels("cpu"); // time the stock CPU Conv2DBackpropFilter
 * registerAtlasKernels("cpu"); // and ours again
 */
export function restoreStockKernels(backendName: string): string[] {
  checkBackendName(backendName);
  const done: string[] = [];
  for (const [name] of FACTORIES) {
    const k = key(name, backendName);
    if (!stock.has(k)) continue;
    const previous = stock.get(k);
    stock.delete(k);
    tf.unregisterKernel(name, backendName);
    if (previous) tf.registerKernel(previous);
    done.push(name);
  }
  return done;
}

/** Whether {@link registerAtlasKernels} is in effect for `backendName`. */
export function atlasKernelsRegistered(backendName: string): boolean {
  return FACTORIES.every(([name]) => stock.has(key(name, backendName)));
}
