/**
 * Registering Atlas's kernels on a tfjs backend, and putting the stock ones back (benchmarks and
 * tests compare against the stock kernels).
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, describeValue } from "../errors.js";
import { makeConv2DBackpropFilter } from "./conv2d-backprop-filter.js";
import { makeConv2DBackpropInput } from "./conv2d-backprop-input.js";
import { makeTile } from "./tile.js";
import { makeWebGpuConv2DBackpropFilter } from "./webgpu/conv2d-backprop-filter.js";
import { makeWebGpuConv2DBackpropInput } from "./webgpu/conv2d-backprop-input.js";
import { makeWebGpuBatchNormGrad } from "./webgpu/batch-norm-grad.js";
import { BATCH_NORM_GRAD_KERNEL, MOVING_AVERAGE_KERNEL } from "../batch-norm.js";
import { makeWebGpuMovingAverage } from "./webgpu/moving-average.js";
import { makeWebGpuAdamUpdate } from "./webgpu/adam-update.js";
import { ADAM_UPDATE_KERNEL } from "../adam.js";
import { makeWebGpuActivationGrad, makeWebGpuSwish } from "./webgpu/activation-grad.js";
import { ACTIVATION_GRAD_KERNEL, SWISH_KERNEL } from "../activation.js";
import { checkOptions, checkString } from "../validate.js";

/**
 * The backends Atlas registers kernels on. On `webgpu` only once the backend itself is registered
 * (`@tensorflow/tfjs-backend-webgpu` imported): that package registers its stock kernels when it
 * is imported, and registering ours before it would only get them replaced.
 */
export const ATLAS_KERNEL_BACKENDS: readonly string[] = ["wasm", "cpu", "webgpu"];

/**
 * The kernels Atlas provides, by tfjs kernel name, each built for a given backend, and the backends
 * where each one is faster than the stock kernel. `Conv2DBackpropInput` only on wasm: the cpu
 * backend's Conv2D is a plain loop, so the sub-pixel form is ~5× slower there than the stock kernel.
 * `Tile` (block copies; batch normalisation's gradient tiles to the activation shape) only on wasm,
 * whose stock `Tile` indexes every output element on its own. On webgpu, WGSL implicit-GEMM
 * kernels for both convolution gradients (kernels/webgpu/); they hand the cases they do not cover
 * (NCHW, non-float32) to the stock kernel, passed to `make` as `stockKernel`. Also on webgpu
 * `AtlasBatchNormGrad`, a kernel of Atlas's own (no stock one): the whole backward pass of a
 * training-mode batch-norm layer in two passes over the data, which core's `batchNormalization`
 * layer differentiates through while it is registered (batch-norm.ts), and `AtlasAdamUpdate`, one
 * variable's Adam step in 3 dispatches instead of ~14, which core's `adam()` uses (adam.ts), and
 * `AtlasActivationGrad`, the gradient of ReLU, LeakyReLU and Swish in one dispatch instead of 2–7,
 * which core's `activate()` and activation layers differentiate through (activation.ts), and
 * `AtlasMovingAverage`, the batch-norm layer's moving-statistic update in one dispatch instead of 3,
 * and `AtlasSwish`, Swish's forward x·σ(x) in one dispatch instead of 3 (activation.ts).
 */
const FACTORIES: ReadonlyArray<{
  name: string;
  make: (backendName: string, stockKernel: () => tf.KernelFunc | undefined) => tf.KernelFunc;
  backends: readonly string[];
}> = [
  { name: "Conv2DBackpropFilter", make: (b, s) => (b === "webgpu" ? makeWebGpuConv2DBackpropFilter(s) : makeConv2DBackpropFilter(b)), backends: ["wasm", "cpu", "webgpu"] },
  { name: "Conv2DBackpropInput", make: (b, s) => (b === "webgpu" ? makeWebGpuConv2DBackpropInput(s) : makeConv2DBackpropInput(b)), backends: ["wasm", "webgpu"] },
  { name: "Tile", make: makeTile, backends: ["wasm"] },
  { name: BATCH_NORM_GRAD_KERNEL, make: () => makeWebGpuBatchNormGrad(), backends: ["webgpu"] },
  { name: ADAM_UPDATE_KERNEL, make: () => makeWebGpuAdamUpdate(), backends: ["webgpu"] },
  { name: ACTIVATION_GRAD_KERNEL, make: () => makeWebGpuActivationGrad(), backends: ["webgpu"] },
  { name: MOVING_AVERAGE_KERNEL, make: () => makeWebGpuMovingAverage(), backends: ["webgpu"] },
  { name: SWISH_KERNEL, make: () => makeWebGpuSwish(), backends: ["webgpu"] },
];

/** The names of the kernels Atlas registers on `backendName` (`'wasm'`, `'cpu'` or `'webgpu'`). */
export function atlasKernelNames(backendName: string): string[] {
  checkString("backendName", backendName);
  return FACTORIES.filter((f) => f.backends.includes(backendName)).map((f) => f.name);
}

/** Options of {@link registerAtlasKernels} and {@link restoreStockKernels}. */
export interface AtlasKernelOptions {
  /** Only these kernels (default: all of {@link atlasKernelNames} for the backend). */
  kernels?: readonly string[];
}

function selected(backendName: string, options: AtlasKernelOptions): typeof FACTORIES {
  checkOptions("options", options, ["kernels"]);
  const available = FACTORIES.filter((f) => f.backends.includes(backendName));
  if (options.kernels === undefined) return available;
  if (!Array.isArray(options.kernels)) {
    throw new InvalidArgumentError("options.kernels", `expected an array of kernel names, got ${describeValue(options.kernels)}`);
  }
  for (const k of options.kernels) {
    if (!available.some((f) => f.name === k)) {
      throw new InvalidArgumentError(
        "options.kernels",
        `Atlas has no '${String(k)}' kernel for '${backendName}'; it has ${available.map((f) => `'${f.name}'`).join(", ")}`,
      );
    }
  }
  return available.filter((f) => options.kernels!.includes(f.name));
}

/** Kernel configs that were registered before ours (the stock ones), by `name/backend`; `null` when none was. */
const stock = new Map<string, tf.KernelConfig | null>();

/** Our kernel configs currently meant to be registered, by `name/backend`. */
const ours = new Map<string, tf.KernelConfig>();

/** Whether the kernel registered now for `name/backend` is ours (a backend package imported after us replaces it). */
function isOurs(name: string, backendName: string): boolean {
  const mine = ours.get(key(name, backendName));
  return mine !== undefined && tf.getKernel(name, backendName) === mine;
}

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
 * Register Atlas's kernels on a backend, replacing the stock kernel where there is one: on wasm
 * `Conv2DBackpropFilter` (which wasm lacks) and `Conv2DBackpropInput` (stock is a plain loop), both
 * built from the backend's XNNPACK Conv2D, and `Tile` (block copies); on cpu `Conv2DBackpropFilter`;
 * on webgpu both convolution gradients as WGSL implicit matrix products, and the fused batch-norm
 * gradient `AtlasBatchNormGrad`, Adam's update `AtlasAdamUpdate` and the activation gradient
 * `AtlasActivationGrad`, the batch-norm layer's moving-average update `AtlasMovingAverage` and Swish's forward `AtlasSwish`. Idempotent. On `'webgpu'`
 * it registers nothing (returns `[]`) until `@tensorflow/tfjs-backend-webgpu` has been imported;
 * `initBackend()` calls it after loading a backend.
 *
 * @param backendName `'wasm'`, `'cpu'` or `'webgpu'`
 * @returns the names of the kernels registered by this call (empty when they already were)
 * @example
 * registerAtlasKernels("wasm"); // conv nets can now train on the wasm backend
 */
export function registerAtlasKernels(backendName: string, options: AtlasKernelOptions = {}): string[] {
  checkBackendName(backendName);
  const chosen = selected(backendName, options);
  if (backendName === "webgpu" && tf.findBackendFactory("webgpu") === null) return [];
  const done: string[] = [];
  for (const { name, make } of chosen) {
    const k = key(name, backendName);
    if (isOurs(name, backendName)) continue;
    // whatever is registered now (and is not ours) is the stock kernel: e.g. the wasm package's,
    // when it was imported after this module registered ours (it then silently replaced ours)
    const previous = tf.getKernel(name, backendName);
    stock.set(k, previous ?? null);
    if (previous !== undefined) tf.unregisterKernel(name, backendName);
    const config: tf.KernelConfig = { kernelName: name, backendName, kernelFunc: make(backendName, () => stock.get(k)?.kernelFunc) };
    tf.registerKernel(config);
    ours.set(k, config);
    done.push(name);
  }
  return done;
}

/**
 * Put back the kernels that were registered before {@link registerAtlasKernels} (the stock ones;
 * none for a kernel the backend lacks). Benchmarks use it to time the stock path. Idempotent.
 *
 * @param backendName `'wasm'`, `'cpu'` or `'webgpu'`
 * @returns the names of the kernels restored by this call
 * @example
 * restoreStockKernels("cpu"); // time the stock CPU Conv2DBackpropFilter
 * registerAtlasKernels("cpu"); // and ours again
 */
export function restoreStockKernels(backendName: string, options: AtlasKernelOptions = {}): string[] {
  checkBackendName(backendName);
  const done: string[] = [];
  for (const { name } of selected(backendName, options)) {
    const k = key(name, backendName);
    if (!isOurs(name, backendName)) continue;
    const previous = stock.get(k);
    stock.delete(k);
    ours.delete(k);
    tf.unregisterKernel(name, backendName);
    if (previous) tf.registerKernel(previous);
    done.push(name);
  }
  return done;
}

/** Whether {@link registerAtlasKernels} is in effect for `backendName`. */
export function atlasKernelsRegistered(backendName: string): boolean {
  checkString("backendName", backendName);
  const names = atlasKernelNames(backendName);
  return names.length > 0 && names.every((name) => isOurs(name, backendName));
}
