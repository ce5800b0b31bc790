/**
 * Backend selection: the fastest TensorFlow.js backend that loads on this machine, and why.
 */
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, describeValue } from "./errors.js";
import { ATLAS_KERNEL_BACKENDS, registerAtlasKernels } from "./kernels/registry.js";
import { environment } from "./platform/platform.js";

/** The backends {@link initBackend} knows, fastest first. */
export const BACKEND_ORDER: readonly BackendChoice[] = ["node-gpu", "node", "wasm", "cpu"];

/**
 * A backend Atlas can run on: `'node-gpu'` (`@tensorflow/tfjs-node-gpu`, CUDA), `'node'`
 * (`@tensorflow/tfjs-node`, libtensorflow on the CPU), `'wasm'` (`@tensorflow/tfjs-backend-wasm`,
 * XNNPACK with SIMD), `'cpu'` (plain JavaScript, always there).
 */
export type BackendChoice = "node-gpu" | "node" | "wasm" | "cpu";

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** The backend in use. */
  name: BackendChoice;
  /** The tfjs backend name (`tf.getBackend()`): `'tensorflow'`, `'wasm'` or `'cpu'`. */
  tfBackend: string;
  /** Which backends were tried, in order, and why each one that was passed over failed. */
  reason: string;
}

/** Loads a package by name (the default is `(name) => import(name)`); a seam for tests. */
export type PackageLoader = (packageName: string) => Promise<unknown>;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Force one backend (overrides `ATLAS_BACKEND`); `'auto'` (the default) tries them in
   * {@link BACKEND_ORDER}. Forcing one that cannot load is an error.
   */
  backend?: BackendChoice | "auto";
  /** Environment to read `ATLAS_BACKEND` from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** How packages are loaded (default: dynamic `import()`). Tests inject failures here. */
  load?: PackageLoader;
}

const PACKAGES: Record<BackendChoice, string | undefined> = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: undefined,
};

const TF_NAMES: Record<BackendChoice, string> = {
  "node-gpu": "tensorflow",
  node: "tensorflow",
  wasm: "wasm",
  cpu: "cpu",
};

const ALIASES: Record<string, BackendChoice | "auto"> = {
  "": "auto",
  auto: "auto",
  "node-gpu": "node-gpu",
  gpu: "node-gpu",
  "tfjs-node-gpu": "node-gpu",
  "@tensorflow/tfjs-node-gpu": "node-gpu",
  node: "node",
  tensorflow: "node",
  "tfjs-node": "node",
  "@tensorflow/tfjs-node": "node",
  wasm: "wasm",
  "@tensorflow/tfjs-backend-wasm": "wasm",
  cpu: "cpu",
};

const defaultLoader: PackageLoader = (name) => import(/* @vite-ignore */ name);

let current: { request: BackendChoice | "auto"; info: BackendInfo } | undefined;
let kernelsLoaded: Promise<unknown> | undefined;

function parseChoice(argument: string, value: unknown): BackendChoice | "auto" {
  const choice = typeof value === "string" ? ALIASES[value.trim().toLowerCase()] : undefined;
  if (choice === undefined) {
    throw new InvalidArgumentError(
      argument,
      `expected one of 'auto', ${BACKEND_ORDER.map((b) => `'${b}'`).join(", ")}, got ${describeValue(value)}`,
    );
  }
  return choice;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? text;
  // shorten absolute paths to their last four parts: the file name says what is missing
  const short = line.replace(/\/(?:[^\s/]+\/){3,}([^\s/]+\/){2}[^\s/]+/g, (m) => `…/${m.split("/").slice(-4).join("/")}`);
  return short.trim().slice(0, 240);
}

/**
 * Run `fn` with tfjs's "kernel already registered" warnings silenced: after a native package failed
 * to load, loading the other one re-registers the same `tensorflow` kernels (hundreds of lines).
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && / is already registered$/.test(args[0])) return;
    warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/** Try one backend; resolves to undefined on success or the reason it failed. */
async function tryBackend(choice: BackendChoice, load: PackageLoader): Promise<string | undefined> {
  const pkg = PACKAGES[choice];
  if (pkg !== undefined) {
    try {
      await quietly(() => load(pkg));
    } catch (err) {
      return `${pkg} did not load (${firstLine(err)})`;
    }
  }
  const tfName = TF_NAMES[choice];
  if (tf.findBackendFactory(tfName) === null && tf.findBackend(tfName) === null) {
    return `${pkg ?? "tfjs"} loaded but registered no '${tfName}' backend`;
  }
  try {
    const ok = await tf.setBackend(tfName);
    if (!ok) return `tf.setBackend('${tfName}') failed (the backend could not initialise)`;
    await tf.ready();
  } catch (err) {
    return `tf.setBackend('${tfName}') threw (${firstLine(err)})`;
  }
  if (tf.getBackend() !== tfName) return `tf.setBackend('${tfName}') left '${tf.getBackend()}' active`;
  return undefined;
}

/**
 * Pick and initialise the fastest TensorFlow.js backend that loads — `@tensorflow/tfjs-node-gpu`,
 * `@tensorflow/tfjs-node`, `@tensorflow/tfjs-backend-wasm`, then the plain CPU backend — and register
 * Atlas's kernels (`Conv2DBackpropFilter` and `Conv2DBackpropInput` built from Conv2D, so conv nets
 * train on wasm and run fast on cpu). The native packages are optional peers: any error loading
 * them falls through to the next. `ATLAS_BACKEND` (or `options.backend`) forces one. Idempotent:
 * a second call returns the first call's answer unless it asks for another backend.
 *
 * @returns the backend in use and a `reason` naming each one tried and why it failed
 * @throws AtlasError (`BACKEND_UNAVAILABLE`) when a forced backend cannot load, naming it and why
 * @example
 * const { name, reason } = await initBackend();
 * console.log(`backend: ${name} (${reason})`);
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  if (options === null || typeof options !== "object") {
    throw new InvalidArgumentError("options", `expected an object, got ${describeValue(options)}`);
  }
  const env = options.env ?? environment();
  let forced: BackendChoice | "auto";
  let forcedBy: string;
  if (options.backend !== undefined) {
    forced = parseChoice("options.backend", options.backend);
    forcedBy = "options.backend";
  } else {
    forced = parseChoice("ATLAS_BACKEND", env.ATLAS_BACKEND ?? "auto");
    forcedBy = "ATLAS_BACKEND";
  }
  if (options.load !== undefined && typeof options.load !== "function") {
    throw new InvalidArgumentError("options.load", `expected a function, got ${describeValue(options.load)}`);
  }
  const load = options.load ?? defaultLoader;

  // idempotent: the same request gets the first answer while that backend is still active; a custom
  // loader (tests of the fall-through) always selects again and is not remembered
  if (options.load === undefined && current !== undefined && current.request === forced && tf.getBackend() === current.info.tfBackend) {
    for (const b of ATLAS_KERNEL_BACKENDS) registerAtlasKernels(b);
    return { ...current.info };
  }

  const failures: string[] = [];
  const candidates = forced === "auto" ? BACKEND_ORDER : [forced];
  for (const choice of candidates) {
    const failure = await tryBackend(choice, load);
    if (failure === undefined) {
      // Register our kernels only now: a backend package registers its stock kernels when it is
      // imported, replacing any registered before it. (registerAtlasKernels is idempotent.)
      kernelsLoaded ??= import("./kernels/kernels.js");
      await kernelsLoaded;
      for (const b of ATLAS_KERNEL_BACKENDS) registerAtlasKernels(b);
      const tried = failures.length ? `; passed over: ${failures.join("; ")}` : "";
      const why = forced === "auto" ? `first backend that loaded` : `forced by ${forcedBy}`;
      const info: BackendInfo = { name: choice, tfBackend: tf.getBackend(), reason: `${choice}: ${why}${tried}` };
      current = options.load === undefined ? { request: forced, info } : undefined;
      return { ...info };
    }
    failures.push(`${choice}: ${failure}`);
  }
  const last = failures[failures.length - 1] ?? "";
  throw new AtlasError(
    "BACKEND_UNAVAILABLE",
    forced === "auto"
      ? `no TensorFlow.js backend could be initialised: ${failures.join("; ")}`
      : `backend '${forced}' (forced by ${forcedBy}) is unavailable: ${last.replace(/^[^:]*: /, "")}. ` +
        `Install ${PACKAGES[forced] ?? "@tensorflow/tfjs"} or unset ${forcedBy} to fall back automatically.`,
  );
}

/**
 * Memory in use by tensors, plus the size of the wasm heap when the wasm backend is active (it grows
 * and never shrinks, so a flat value over many steps means no leak inside the backend).
 *
 * @example
 * const { numTensors, wasmHeapBytes } = backendMemory();
 */
export function backendMemory(): { numTensors: number; numBytes: number; wasmHeapBytes?: number } {
  const m = tf.memory();
  const out: { numTensors: number; numBytes: number; wasmHeapBytes?: number } = { numTensors: m.numTensors, numBytes: m.numBytes };
  if (tf.getBackend() === "wasm") {
    const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
    if (heap) out.wasmHeapBytes = heap.buffer.byteLength;
  }
  return out;
}
