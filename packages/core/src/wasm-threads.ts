/**
 * Worker threads that run exports of generated WebAssembly modules on one shared memory, behind a
 * synchronous API (for kernels like `@atlas/gtn`'s int16 dot products).
 *
 * A job is a list of parts, each a call `export(...args)`. The calling thread and the workers claim
 * parts with an atomic counter, so a busy or not-yet-started worker only means the others do more,
 * and the caller waits with `Atomics.wait` until every part is done. Which thread runs a part never
 * matters to a caller that gives each part its own output region and reads them in part order.
 * Workers are created on first use (Node: worker_threads, `unref()`ed so they never keep a process
 * alive; a cross-origin-isolated page: Web Workers, see platform/workers.ts). Where neither exists,
 * or `SharedArrayBuffer` or shared WebAssembly memories are missing (a page without cross-origin
 * isolation, say), {@link wasmThreadPool} returns undefined.
 */
import { type SpawnedWorker, atomicsWait, spawnWorker, workerThreadsAvailable } from "./platform/workers.js";
import { checkInteger } from "./validate.js";

const PAGE = 65536;
/** Most threads a pool runs (workers + the calling thread). */
const MAX_POOL_THREADS = 256;
/** Largest shared memory (pages of 64 KiB): 2 GiB, reserved as address space, committed as grown. */
export const WASM_POOL_MAX_PAGES = 32768;
const MAX_PARTS = 256;
const MAX_ARGS = 12;
const SLOT = MAX_ARGS + 2; // [handle, argument count, arguments…]

// NEXT packs the job's tag (its SEQ, 14 bits), its part count and the next part to claim (9 bits
// each), so a worker that saw one job can never claim a part of the next one
const TAG_SHIFT = 18;
const TAG_MASK = 0x3fff;
const END_SHIFT = 9;
const PART_MASK = 0x1ff;
const packNext = (seq: number, end: number, next: number): number => (((seq & TAG_MASK) << TAG_SHIFT) | (end << END_SHIFT) | next) | 0;

// control words (Int32Array over a SharedArrayBuffer)
const SEQ = 0;
const NEXT = 1;
const END = 2;
const DONE = 3;
const ERR = 4;
const STOP = 5;
const BY_WORKERS = 6;

function workerSource(): string {
  return `const { memory, ctrlBuf, argBuf, modules } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const args = new Float64Array(argBuf);
const fns = [];
const instantiate = ({ handle, module, name }) => {
  fns[handle] = new WebAssembly.Instance(module, { env: { memory } }).exports[name];
};
// the modules loaded before this worker started; later ones arrive as messages (Node): the loop
// below never returns to the event loop, so it reads them synchronously when a part names a
// handle it has not instantiated yet (a Web Worker gets none: the pool starts new workers instead)
modules.forEach(instantiate);
function have(handle) {
  for (let m; fns[handle] === undefined && (m = nextMessage()) !== undefined; ) instantiate(m);
  return fns[handle] !== undefined;
}
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  seen = Atomics.load(ctrl, ${SEQ});
  for (;;) {
    // claim a part of the job whose start this worker saw (the tag), and only one it can run
    const cur = Atomics.load(ctrl, ${NEXT});
    if (cur >>> ${TAG_SHIFT} !== (seen & ${TAG_MASK})) break;
    const p = cur & ${PART_MASK};
    if (p >= ((cur >>> ${END_SHIFT}) & ${PART_MASK}) || !have(args[p * ${SLOT}])) break;
    if (Atomics.compareExchange(ctrl, ${NEXT}, cur, cur + 1) !== cur) continue;
    try {
      const o = p * ${SLOT};
      const f = fns[args[o]];
      const n = args[o + 1];
      const a = [];
      for (let i = 0; i < n; i++) a.push(args[o + 2 + i]);
      f(...a);
    } catch (e) {
      console.error(e);
      Atomics.store(ctrl, ${ERR}, 1);
    }
    Atomics.add(ctrl, ${BY_WORKERS}, 1);
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
`;
}

/** A pool of worker threads sharing one WebAssembly memory; see {@link wasmThreadPool}. */
export interface WasmThreadPool {
  /** Threads that run parts: the calling thread plus the workers. */
  readonly threads: number;
  /** The shared memory every instance imports as `env.memory` (limits: 1 … {@link WASM_POOL_MAX_PAGES} pages, shared). */
  readonly memory: WebAssembly.Memory;
  /** Grows the memory to at least `bytes` (false if it cannot); views of the old buffer keep working. */
  reserve(bytes: number): boolean;
  /**
   * Registers export `name` of a module compiled against an imported shared memory `env.memory`
   * (limits 1 … {@link WASM_POOL_MAX_PAGES}): instantiated on the calling thread now, on each worker
   * at its first part. Returns the handle for {@link WasmThreadPool.run}.
   */
  load(module: WebAssembly.Module, name: string): number;
  /**
   * Calls the export of `handle` once per entry of `parts` (each at most 12 numeric arguments, at
   * most 256 parts), spread over the calling thread and the workers; returns when all are done.
   * The memory belongs to the caller until this returns; parts must not write the same bytes.
   * Throws if a worker dies holding a part, or when no part finishes for a minute (keep parts short).
   */
  run(handle: number, parts: readonly (readonly number[])[]): void;
  /** Parts of the last {@link WasmThreadPool.run} that worker threads ran (0 until a worker has started). */
  readonly workerParts: number;
}

class Pool implements WasmThreadPool {
  readonly memory: WebAssembly.Memory;
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(64));
  private readonly args = new Float64Array(new SharedArrayBuffer(MAX_PARTS * SLOT * 8));
  private readonly workers: SpawnedWorker[] = [];
  private readonly local: ((...a: number[]) => void)[] = [];
  private readonly modules: { module: WebAssembly.Module; name: string }[] = [];
  private broken = false;

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
  }

  get workerParts(): number {
    return Atomics.load(this.ctrl, BY_WORKERS);
  }

  get threads(): number {
    return this.broken ? 1 : this.workers.length + 1;
  }

  ensureWorkers(count: number): void {
    while (!this.broken && this.workers.length < count) {
      try {
        const modules = this.modules.map((m, handle) => ({ handle, module: m.module, name: m.name }));
        const w = spawnWorker(workerSource(), { memory: this.memory, ctrlBuf: this.ctrl.buffer, argBuf: this.args.buffer, modules }, `atlas-wasm-${this.workers.length + 1}`);
        if (!w) {
          this.broken = true;
          return;
        }
        w.onFailure(() => {
          if (this.workers.includes(w)) this.broken = true;
        });
        this.workers.push(w);
      } catch {
        this.broken = true;
      }
    }
  }

  reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > WASM_POOL_MAX_PAGES) return false;
    try {
      this.memory.grow(pages);
      return true;
    } catch {
      return false;
    }
  }

  load(module: WebAssembly.Module, name: string): number {
    const handle = this.modules.length;
    const f = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports[name];
    if (typeof f !== "function") throw new TypeError(`the module has no export ${name}`);
    this.local.push(f as (...a: number[]) => void);
    this.modules.push({ module, name });
    if (this.workers.some((w) => w.kind === "web")) {
      // a Web Worker blocked in Atomics.wait never reads messages: replace the workers by ones
      // that get every module at their start (between jobs, so none holds a part)
      const count = this.workers.length;
      for (const w of this.workers.splice(0)) void w.terminate();
      this.ensureWorkers(count);
    } else {
      for (const w of this.workers) w.postMessage({ handle, module, name });
    }
    return handle;
  }

  run(handle: number, parts: readonly (readonly number[])[]): void {
    const f = this.local[handle];
    if (!f) throw new RangeError(`no module ${handle}`);
    if (parts.length > MAX_PARTS) throw new RangeError(`at most ${MAX_PARTS} parts`);
    const { ctrl, args } = this;
    Atomics.store(ctrl, BY_WORKERS, 0);
    if (this.broken || this.workers.length === 0 || parts.length <= 1) {
      for (const a of parts) f(...a);
      return;
    }
    for (let p = 0; p < parts.length; p++) {
      const a = parts[p] as readonly number[];
      if (a.length > MAX_ARGS) throw new RangeError(`at most ${MAX_ARGS} arguments`);
      const o = p * SLOT;
      args[o] = handle;
      args[o + 1] = a.length;
      for (let i = 0; i < a.length; i++) args[o + 2 + i] = a[i] as number;
    }
    Atomics.store(ctrl, ERR, 0);
    Atomics.store(ctrl, DONE, 0);
    const seq = Atomics.load(ctrl, SEQ) + 1;
    Atomics.store(ctrl, END, parts.length);
    Atomics.store(ctrl, NEXT, packNext(seq, parts.length, 0));
    Atomics.store(ctrl, SEQ, seq);
    Atomics.notify(ctrl, SEQ);
    let error: unknown;
    let stalls = 0;
    for (;;) {
      const p = Atomics.add(ctrl, NEXT, 1) & PART_MASK; // workers claim only below the count, so this never wraps
      if (p >= parts.length) break;
      try {
        f(...(parts[p] as readonly number[]));
      } catch (e) {
        error ??= e;
      }
      Atomics.add(ctrl, DONE, 1);
    }
    for (let last = -1; ; ) {
      const done = Atomics.load(ctrl, DONE);
      if (done >= parts.length) break;
      if (done !== last) stalls = 0;
      last = done;
      // a worker that died holding a part never finishes it: fail instead of waiting forever (its
      // 'error'/'exit' events cannot run while this thread waits, so also give up after a minute
      // in which no part finished)
      if (atomicsWait(ctrl, DONE, done, 1000) === "timed-out" && (this.broken || ++stalls > 60)) {
        throw new Error("a worker thread stopped before finishing its part");
      }
    }
    if (error !== undefined) throw error;
    if (Atomics.load(ctrl, ERR) !== 0) throw new Error("a worker thread failed (see its error above)");
  }
}

let pool: Pool | null | undefined;

/**
 * The process-wide pool with at least `threads` − 1 workers (created on first use), or undefined
 * where worker threads or shared WebAssembly memories are unavailable, or for `threads` ≤ 1.
 *
 * @example
 * const pool = wasmThreadPool(2);
 * if (pool) {
 *   const h = pool.load(module, "kernel"); // module imports env.memory (shared, 1 … WASM_POOL_MAX_PAGES)
 *   pool.run(h, [[0, 512], [512, 512]]);   // kernel(0, 512) and kernel(512, 512), in parallel
 * }
 */
export function wasmThreadPool(threads: number): WasmThreadPool | undefined {
  checkInteger("threads", threads, { min: 1, max: MAX_POOL_THREADS });
  if (threads <= 1) return undefined;
  if (pool === undefined) {
    pool = null;
    try {
      if (typeof SharedArrayBuffer !== "undefined" && typeof Atomics !== "undefined" && typeof WebAssembly !== "undefined" && workerThreadsAvailable()) {
        const memory = new WebAssembly.Memory({ initial: 1, maximum: WASM_POOL_MAX_PAGES, shared: true });
        if (memory.buffer instanceof SharedArrayBuffer) pool = new Pool(memory);
      }
    } catch {
      pool = null;
    }
  }
  if (!pool) return undefined;
  pool.ensureWorkers(threads - 1);
  return pool.threads > 1 ? pool : undefined;
}
