/**
 * Backend selection: the fastest TensorFlow.js backend that loads here, and why the faster ones did
 * not. Node: tfjs-node-gpu → tfjs-node → WebGPU (Dawn, through the optional `webgpu` package) →
 * wasm → cpu. A browser: WebGPU → WebGL → wasm → cpu.
 */
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, describeValue } from "./errors.js";
import { ATLAS_KERNEL_BACKENDS, registerAtlasKernels } from "./kernels/registry.js";
import { guardWasmHeap } from "./wasm-heap.js";
import { environment } from "./platform/platform.js";
import { checkOptions } from "./validate.js";

/**
 * A backend Atlas can run on: `'node-gpu'` (`@tensorflow/tfjs-node-gpu`, CUDA), `'node'`
 * (`@tensorflow/tfjs-node`, libtensorflow on the CPU), `'webgpu'` (`@tensorflow/tfjs-backend-webgpu`;
 * in Node on Dawn from the `webgpu` package), `'webgl'` (browsers), `'wasm'`
 * (`@tensorflow/tfjs-backend-wasm`, XNNPACK with SIMD), `'cpu'` (plain JavaScript, always there).
 */
export type BackendChoice = "node-gpu" | "node" | "webgpu" | "webgl" | "wasm" | "cpu";

/** Where {@link initBackend} runs: it decides the order of backends tried. */
export type BackendRuntime = "node" | "browser";

/** The backends {@link initBackend} tries, fastest first, in Node and in a browser. */
export const BACKEND_ORDER: { readonly node: readonly BackendChoice[]; readonly browser: readonly BackendChoice[] } = {
  node: ["node-gpu", "node", "webgpu", "wasm", "cpu"],
  browser: ["webgpu", "webgl", "wasm", "cpu"],
};

/** What {@link initBackend} chose. */
export interface BackendInfo {
  /** The backend in use. */
  name: BackendChoice;
  /** The tfjs backend name (`tf.getBackend()`): `'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'` or `'cpu'`. */
  tfBackend: string;
  /** Which backends were tried, in order, and why each one that was passed over failed. */
  reason: string;
  /** The WebGPU adapter, when the backend is `'webgpu'` and the adapter says what it is. */
  adapter?: { vendor: string; architecture: string; isFallbackAdapter?: boolean };
}

/** Loads a package by name (the default is `(name) => import(name)`); a seam for tests and bundles. */
export type PackageLoader = (packageName: string) => Promise<unknown>;

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Force one backend (overrides `ATLAS_BACKEND`): a {@link BackendChoice}, a tfjs backend name
   * (`'tensorflow'`, `'webgpu'`, `'webgl'`, `'wasm'`, `'cpu'`), `'tensorflow-gpu'`, or a package
   * name; `'auto'` (the default) tries them in {@link BACKEND_ORDER}. Forcing one that cannot load
   * is an error.
   */
  backend?: BackendChoice | "auto" | (string & {});
  /** Environment to read `ATLAS_BACKEND` from (default: the process's, where there is one). */
  env?: Record<string, string | undefined>;
  /**
   * How packages are loaded (default: dynamic `import()`). Tests inject failures here; in a bundle
   * without import maps, import the backend packages in your app instead (they register themselves).
   */
  load?: PackageLoader;
  /** Which order to use (default: `'node'` when `process.versions.node` exists, else `'browser'`). */
  runtime?: BackendRuntime;
}

/** The package each backend comes from (undefined: part of `@tensorflow/tfjs`). */
const PACKAGES: Record<BackendChoice, string | undefined> = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  webgl: undefined,
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: undefined,
};

const TF_NAMES: Record<BackendChoice, string> = {
  "node-gpu": "tensorflow",
  node: "tensorflow",
  webgpu: "webgpu",
  webgl: "webgl",
  wasm: "wasm",
  cpu: "cpu",
};

const ALIASES: Record<string, BackendChoice | "auto"> = {
  "": "auto",
  auto: "auto",
  "node-gpu": "node-gpu",
  gpu: "node-gpu",
  "tensorflow-gpu": "node-gpu",
  "tfjs-node-gpu": "node-gpu",
  "@tensorflow/tfjs-node-gpu": "node-gpu",
  node: "node",
  tensorflow: "node",
  "tfjs-node": "node",
  "@tensorflow/tfjs-node": "node",
  webgpu: "webgpu",
  "tfjs-backend-webgpu": "webgpu",
  "@tensorflow/tfjs-backend-webgpu": "webgpu",
  webgl: "webgl",
  "tfjs-backend-webgl": "webgl",
  "@tensorflow/tfjs-backend-webgl": "webgl",
  wasm: "wasm",
  "tfjs-backend-wasm": "wasm",
  "@tensorflow/tfjs-backend-wasm": "wasm",
  cpu: "cpu",
  "tfjs-backend-cpu": "cpu",
  "@tensorflow/tfjs-backend-cpu": "cpu",
};

/** Every name `ATLAS_BACKEND` and `options.backend` accept (for documentation and messages). */
export const BACKEND_NAMES: readonly string[] = Object.keys(ALIASES).filter((k) => k !== "");

const defaultLoader: PackageLoader = (name) => import(/* @vite-ignore */ name);

let current: { request: BackendChoice | "auto"; info: BackendInfo } | undefined;
let kernelsLoaded: Promise<unknown> | undefined;

function parseChoice(argument: string, value: unknown): BackendChoice | "auto" {
  const choice = typeof value === "string" ? ALIASES[value.trim().toLowerCase()] : undefined;
  if (choice === undefined) {
    throw new InvalidArgumentError(
      argument,
      `expected one of 'auto', ${[...new Set([...BACKEND_ORDER.node, ...BACKEND_ORDER.browser])].map((b) => `'${b}'`).join(", ")} ` +
        `(or 'tensorflow', 'tensorflow-gpu', a package name), got ${describeValue(value)}`,
    );
  }
  return choice;
}

function detectRuntime(): BackendRuntime {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === "string" ? "node" : "browser";
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n").find((l) => l.trim() !== "") ?? text;
  // shorten absolute paths to their last four parts: the file name says what is missing
  const short = line.replace(/\/(?:[^\s/]+\/){3,}([^\s/]+\/){2}[^\s/]+/g, (m) => `…/${m.split("/").slice(-4).join("/")}`);
  return short.trim().slice(0, 240);
}

/**
 * Run `fn` with tfjs's warnings captured: "kernel already registered" lines (hundreds, after a
 * native package failed and the other one registers the same kernels) are dropped, and a backend's
 * "Initialization of backend X failed" and its error are collected for the reason instead.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => {
    const first = args[0];
    if (typeof first === "string" && / is already registered$/.test(first)) return;
    if (typeof first === "string" && /^Initialization of backend \S+ failed$/.test(first)) {
      warnings.push(first);
      return;
    }
    if (warnings.length > 0 && warnings.length < 2) {
      warnings.push(firstLine(first instanceof Error ? first : String(first)));
      return;
    }
    warn(...args);
  };
  try {
    return { value: await fn(), warnings };
  } finally {
    console.warn = warn;
  }
}

interface GpuLike {
  requestAdapter(options?: unknown): Promise<AdapterLike | null>;
}
interface AdapterLike {
  info?: { vendor?: string; architecture?: string };
  isFallbackAdapter?: boolean;
}

function adapterInfo(adapter: AdapterLike): NonNullable<BackendInfo["adapter"]> {
  const info: NonNullable<BackendInfo["adapter"]> = { vendor: adapter.info?.vendor ?? "", architecture: adapter.info?.architecture ?? "" };
  if (typeof adapter.isFallbackAdapter === "boolean") info.isFallbackAdapter = adapter.isFallbackAdapter;
  return info;
}

function describeAdapter(a: NonNullable<BackendInfo["adapter"]>): string {
  const name = [a.vendor, a.architecture].filter((s) => s !== "").join(" ") || "unnamed";
  return `adapter ${name}${a.isFallbackAdapter ? " (fallback)" : ""}`;
}

/**
 * WebGPU's precondition: a GPU object with an adapter. In Node the optional package `webgpu` (Dawn)
 * provides it, and its globals (`GPUBufferUsage`, …, `navigator.gpu`) are installed for tfjs's
 * WebGPU backend only once an adapter exists. Resolves to the adapter or the reason there is none.
 */
async function webgpuAdapter(runtime: BackendRuntime, load: PackageLoader): Promise<{ adapter: AdapterLike } | { failure: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  let gpu = nav?.gpu;
  let install: (() => void) | undefined;
  if (gpu === undefined) {
    if (runtime === "browser") return { failure: "this browser has no WebGPU (navigator.gpu is undefined; Chromium needs a GPU or --enable-unsafe-webgpu)" };
    let mod: { create?: (flags: string[]) => GpuLike; globals?: Record<string, unknown>; default?: { create?: (flags: string[]) => GpuLike; globals?: Record<string, unknown> } };
    try {
      mod = (await load("webgpu")) as typeof mod;
    } catch (err) {
      return { failure: `the optional package 'webgpu' (Dawn, WebGPU for Node) did not load (${firstLine(err)})` };
    }
    const create = mod.create ?? mod.default?.create;
    const globals = mod.globals ?? mod.default?.globals ?? {};
    if (typeof create !== "function") return { failure: "the package 'webgpu' has no create() (expected the npm package 'webgpu', Dawn)" };
    try {
      gpu = create([]);
    } catch (err) {
      return { failure: `webgpu's create([]) threw (${firstLine(err)})` };
    }
    const found = gpu;
    install = () => {
      Object.assign(globalThis, globals);
      const previous = (globalThis as { navigator?: object }).navigator;
      Object.defineProperty(globalThis, "navigator", {
        value: { ...(previous ?? {}), userAgent: (previous as { userAgent?: string } | undefined)?.userAgent ?? "node", gpu: found },
        configurable: true,
        writable: true,
      });
    };
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (err) {
    return { failure: `requestAdapter() threw (${firstLine(err)})` };
  }
  if (!adapter) {
    return {
      failure:
        runtime === "node"
          ? "the 'webgpu' package (Dawn) found no GPU adapter (no Vulkan, Metal or D3D12 device it can use)"
          : "navigator.gpu.requestAdapter() gave no adapter (no usable GPU; headless Chromium without --enable-unsafe-webgpu)",
    };
  }
  install?.();
  return { adapter };
}

/** Try one backend; resolves to `{ adapter? }` on success or `{ failure }` with the reason. */
async function tryBackend(choice: BackendChoice, runtime: BackendRuntime, load: PackageLoader): Promise<{ failure?: string; adapter?: BackendInfo["adapter"] }> {
  const pkg = PACKAGES[choice];
  const tfName = TF_NAMES[choice];
  let adapter: BackendInfo["adapter"];
  if (choice === "webgpu") {
    const found = await webgpuAdapter(runtime, load);
    if ("failure" in found) return { failure: found.failure };
    adapter = adapterInfo(found.adapter);
  }
  const registered = (): boolean => tf.findBackendFactory(tfName) !== null || tf.findBackend(tfName) !== null;
  // In a browser a backend is in the page when the app imported its package (it registers itself);
  // only then is a bare-specifier import() pointless. In Node, loading is cheap and gives errors.
  if (pkg !== undefined && !(runtime === "browser" && registered())) {
    try {
      await quietly(() => load(pkg));
    } catch (err) {
      const line = firstLine(err);
      const hint =
        runtime === "browser" && /resolve module specifier|Failed to fetch dynamically imported module|Cannot find module|Importing a module script failed/i.test(line)
          ? `: it is not in this page; add \`import "${pkg}"\` to your app so your bundler includes it`
          : "";
      return { failure: `${pkg} did not load (${line})${hint}` };
    }
  }
  if (!registered()) {
    if (choice === "webgl") return { failure: "no 'webgl' backend is registered (@tensorflow/tfjs registers it only in a browser)" };
    return { failure: `${pkg ?? "@tensorflow/tfjs"} loaded but registered no '${tfName}' backend${choice === "webgpu" ? " (it registers only where navigator.gpu exists when it is imported)" : ""}` };
  }
  let warnings: string[] = [];
  try {
    const r = await quietly(async () => {
      const ok = await tf.setBackend(tfName);
      if (ok) await tf.ready();
      return ok;
    });
    warnings = r.warnings;
    if (!r.value) {
      const why = warnings[1] ?? "the backend could not initialise";
      const hint = choice === "wasm" && runtime === "browser" ? "; are its .wasm files served where setWasmPaths points?" : "";
      return { failure: `tf.setBackend('${tfName}') failed (${why}${hint})` };
    }
  } catch (err) {
    return { failure: `tf.setBackend('${tfName}') threw (${firstLine(err)})` };
  }
  if (tf.getBackend() !== tfName) return { failure: `tf.setBackend('${tfName}') left '${tf.getBackend()}' active` };
  return adapter ? { adapter } : {};
}

/**
 * Pick and initialise the fastest TensorFlow.js backend that loads, and register Atlas's kernels
 * (`Conv2DBackpropFilter` and `Conv2DBackpropInput` built from Conv2D, so conv nets train on wasm
 * and run fast on cpu). In Node: `@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`, WebGPU
 * (`@tensorflow/tfjs-backend-webgpu` on Dawn, when the optional package `webgpu` is installed and
 * finds an adapter), `@tensorflow/tfjs-backend-wasm`, then `cpu`. In a browser: WebGPU (where
 * `navigator.gpu` gives an adapter), WebGL, wasm, `cpu` — each one that your app imported (or that
 * `@tensorflow/tfjs` brings: webgl, cpu). Optional packages that fail to load fall through to the
 * next. `ATLAS_BACKEND` (or `options.backend`) forces one. Idempotent: a second call returns the
 * first call's answer unless it asks for another backend.
 *
 * @returns the backend in use and a `reason` naming each one tried and why it failed
 * @throws AtlasError (`BACKEND_UNAVAILABLE`) when a forced backend cannot load, naming it and why
 * @example
 * const { name, reason } = await initBackend();
 * console.log(`backend: ${name} (${reason})`);
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  checkOptions("options", options, ["backend", "env", "load", "runtime"]);
  if (options.env !== undefined && (options.env === null || typeof options.env !== "object")) {
    throw new InvalidArgumentError("options.env", `expected a record of environment variables, got ${describeValue(options.env)}`);
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
  if (options.runtime !== undefined && options.runtime !== "node" && options.runtime !== "browser") {
    throw new InvalidArgumentError("options.runtime", `expected 'node' or 'browser', got ${describeValue(options.runtime)}`);
  }
  const load = options.load ?? defaultLoader;
  const runtime = options.runtime ?? detectRuntime();

  // idempotent: the same request gets the first answer while that backend is still active; a custom
  // loader (tests of the fall-through) always selects again and is not remembered
  if (options.load === undefined && current !== undefined && current.request === forced && tf.getBackend() === current.info.tfBackend) {
    for (const b of ATLAS_KERNEL_BACKENDS) registerAtlasKernels(b);
    return { ...current.info };
  }

  const failures: string[] = [];
  const candidates = forced === "auto" ? BACKEND_ORDER[runtime] : [forced];
  for (const choice of candidates) {
    const result = await tryBackend(choice, runtime, load);
    if (result.failure === undefined) {
      // Register our kernels only now: a backend package registers its stock kernels when it is
      // imported, replacing any registered before it. (registerAtlasKernels is idempotent.)
      kernelsLoaded ??= import("./kernels/kernels.js");
      await kernelsLoaded;
      for (const b of ATLAS_KERNEL_BACKENDS) registerAtlasKernels(b);
      // a full wasm heap: an OutOfMemoryError instead of tfjs-wasm writing a tensor at address 0
      if (tf.getBackend() === "wasm") guardWasmHeap();
      const tried = failures.length ? `; passed over: ${failures.join("; ")}` : "";
      const why = forced === "auto" ? `first backend that loaded (${runtime} order: ${BACKEND_ORDER[runtime].join(" → ")})` : `forced by ${forcedBy}`;
      const on = result.adapter ? `, ${describeAdapter(result.adapter)}` : "";
      const info: BackendInfo = { name: choice, tfBackend: tf.getBackend(), reason: `${choice}: ${why}${on}${tried}` };
      if (result.adapter) info.adapter = result.adapter;
      current = options.load === undefined ? { request: forced, info } : undefined;
      return { ...info };
    }
    failures.push(`${choice}: ${result.failure}`);
  }
  const last = failures[failures.length - 1] ?? "";
  throw new AtlasError(
    "BACKEND_UNAVAILABLE",
    forced === "auto"
      ? `no TensorFlow.js backend could be initialised: ${failures.join("; ")}`
      : `backend '${forced}' (forced by ${forcedBy}) is unavailable: ${last.replace(/^[^:]*: /, "")}. ` +
        `Install ${forced === "webgpu" && runtime === "node" ? "@tensorflow/tfjs-backend-webgpu and webgpu" : (PACKAGES[forced] ?? "@tensorflow/tfjs")} or unset ${forcedBy} to fall back automatically.`,
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
