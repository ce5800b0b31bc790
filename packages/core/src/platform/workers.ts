/**
 * Threads over shared memory, wherever they exist: Node's `worker_threads` (installed by the Node
 * entry) or, in a cross-origin-isolated page (where `SharedArrayBuffer` exists), Web Workers. The
 * thread pools of `@atlas/core` (`wasmThreadPool`) and `@atlas/metrics` spawn through here.
 *
 * A worker runs `body`, a classic script (no imports), with `workerData` (what the spawner was
 * given: structured-cloneable, so shared memories, `SharedArrayBuffer`s and `WebAssembly.Module`s
 * travel) and `nextMessage()` (a message posted to it since, or undefined; Node reads them
 * synchronously, a browser worker never has any — pass everything in `workerData`) in scope.
 * Blocking with `Atomics.wait` is allowed in every worker.
 */
import { InvalidArgumentError, describeValue } from "../errors.js";
import { checkInteger, checkNumber, checkString } from "../validate.js";
import { platform } from "./platform.js";

/** A spawned worker thread. */
export interface SpawnedWorker {
  /** `"node"` (worker_threads: `nextMessage()` works) or `"web"` (a Web Worker: it does not). */
  readonly kind: "node" | "web";
  postMessage(message: unknown): void;
  /** Called once when the worker fails or exits. */
  onFailure(listener: () => void): void;
  /** Stop it; resolves once it has stopped (Node) or at once (a Web Worker stops synchronously). */
  terminate(): Promise<void>;
}

/** How the platform spawns one (the Node entry installs worker_threads). */
export type WorkerSpawner = (body: string, workerData: unknown, name: string) => SpawnedWorker;

const WEB_PRELUDE = `"use strict";
const nextMessage = () => undefined;
self.onmessage = (event) => {
  self.onmessage = null;
  const workerData = event.data;
  (() => {
`;
const WEB_EPILOGUE = `
  })();
};
`;

function webWorkersUsable(): boolean {
  const g = globalThis as { Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown }; crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  return typeof g.Worker === "function" && typeof g.Blob === "function" && typeof g.URL?.createObjectURL === "function" && g.crossOriginIsolated === true && typeof g.SharedArrayBuffer === "function";
}

const spawnWeb: WorkerSpawner = (body, workerData, name) => {
  const url = URL.createObjectURL(new Blob([WEB_PRELUDE, body, WEB_EPILOGUE], { type: "text/javascript" }));
  const worker = new Worker(url, { name });
  URL.revokeObjectURL(url);
  worker.postMessage(workerData);
  return {
    kind: "web",
    postMessage: (m) => worker.postMessage(m),
    onFailure: (listener) => {
      worker.addEventListener("error", () => listener(), { once: true });
      worker.addEventListener("messageerror", () => listener(), { once: true });
    },
    terminate: () => {
      worker.terminate();
      return Promise.resolve();
    },
  };
};

/**
 * Whether {@link spawnWorker} can start threads that share memory here: Node (through its entry),
 * or a cross-origin-isolated page with Web Workers.
 */
export function workerThreadsAvailable(): boolean {
  return platform().spawnWorker !== undefined || webWorkersUsable();
}

/**
 * Start a worker thread running `body` with `workerData` (see the module comment), or undefined
 * where threads with shared memory are unavailable (a page without cross-origin isolation).
 * `body` must be a string (a script; its own errors surface through `onFailure`), `name` a
 * non-empty string, and `workerData` structured-cloneable (no functions, symbols or class
 * instances with private state): anything else is an InvalidArgumentError naming the argument,
 * and no thread is started.
 *
 * @example
 * const w = spawnWorker(`Atomics.store(new Int32Array(workerData), 0, 1);`, sab, "demo");
 */
export function spawnWorker(body: string, workerData: unknown, name: string): SpawnedWorker | undefined {
  checkString("body", body, { allowEmpty: true });
  checkString("name", name);
  const node = platform().spawnWorker;
  const spawn = node ?? (webWorkersUsable() ? spawnWeb : undefined);
  if (!spawn) return undefined;
  try {
    return spawn(body, workerData, name);
  } catch (error) {
    // structured cloning fails synchronously, before a thread exists (Node and browsers alike)
    if ((error as { name?: string })?.name === "DataCloneError") {
      throw new InvalidArgumentError("workerData", `must be structured-cloneable (shared memories, typed arrays, plain objects…), got ${describeValue(workerData)}: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

let canBlock: boolean | undefined;

/**
 * `Atomics.wait(array, index, value, timeoutMs)` where this thread may block; on a browser's main
 * thread, which may not, a spin on `Atomics.load` with the same result and timeout. `array` must be
 * an Int32Array over a SharedArrayBuffer, `index` within it, `value` an int32 and `timeoutMs` a
 * finite number ≥ 0 (NaN or Infinity would wait forever); checked before waiting.
 *
 * @example
 * atomicsWait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // "timed-out" after 10 ms
 */
export function atomicsWait(array: Int32Array, index: number, value: number, timeoutMs: number): "ok" | "not-equal" | "timed-out" {
  const Shared = (globalThis as { SharedArrayBuffer?: new (n: number) => ArrayBufferLike }).SharedArrayBuffer;
  if (!(array instanceof Int32Array) || Shared === undefined || !(array.buffer instanceof Shared)) {
    throw new InvalidArgumentError("array", `expected an Int32Array over a SharedArrayBuffer, got ${describeValue(array)}`);
  }
  if (array.length === 0) throw new InvalidArgumentError("array", "expected at least one element, got an empty Int32Array");
  checkInteger("index", index, { min: 0, max: array.length - 1 });
  checkInteger("value", value, { min: -(2 ** 31), max: 2 ** 31 - 1 });
  checkNumber("timeoutMs", timeoutMs, { min: 0 });
  if (canBlock !== false) {
    try {
      const r = Atomics.wait(array, index, value, timeoutMs);
      canBlock = true;
      return r;
    } catch (error) {
      if (canBlock === true) throw error;
      canBlock = false;
    }
  }
  if (Atomics.load(array, index) !== value) return "not-equal";
  const end = performance.now() + timeoutMs;
  while (Atomics.load(array, index) === value) {
    if (performance.now() >= end) return "timed-out";
  }
  return "ok";
}

/** Logical CPUs: Node's `availableParallelism()`, a browser's `navigator.hardwareConcurrency`, else 1. */
export function cpuCount(): number {
  const fromPlatform = platform().cpuCount?.();
  if (fromPlatform !== undefined) return Math.max(1, fromPlatform);
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

/** The 1-minute load average (Node, on systems that have one), else 0 (unknown). */
export function cpuLoad(): number {
  return platform().loadAverage?.() ?? 0;
}
