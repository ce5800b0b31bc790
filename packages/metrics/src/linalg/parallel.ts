/**
 * Worker threads for the matrix products, behind a synchronous API.
 *
 * One shared WebAssembly memory holds the operands (when they are not already in it, they are
 * copied in), their packed copies and each thread's tile output; every thread instantiates the same
 * generated SIMD kernels on it (a single thread uses it too, without workers). A product is cut
 * into row blocks of C ("parts"); the calling thread and the workers
 * claim parts with an atomic counter (so a busy or not-yet-started worker only means the others do
 * more), and the caller waits with `Atomics.wait` until all parts are done. Each entry of C is the
 * same sum in the same order whichever thread computes it, so results are bitwise identical to the
 * single-thread product.
 *
 * Workers are created on first use through core's `spawnWorker` (Node: worker_threads, `unref()`ed
 * so they never keep a process alive; a cross-origin-isolated page: Web Workers). Where neither
 * exists, or `SharedArrayBuffer` or shared WebAssembly memories are missing (a page without
 * cross-origin isolation, say) everything runs on the calling thread.
 */
import { InvalidArgumentError, type SpawnedWorker, atomicsWait, checkInteger, cpuCount, cpuLoad, spawnWorker, workerThreadsAvailable } from "@atlas/core";
import { gemmPackedCore, packPanels } from "./gemm.js";
import { sharedKernelModule, sharedRowUpdateModule } from "./simd-kernel.js";
import { tridiagRows, type RowRun } from "./eigen.js";
import { secularRoots, secularVectors, secularZhat } from "./divide-conquer.js";

const MAX_THREADS = 16;
const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB of shared memory at most
/** Doubles of each thread's own space: the kernel's tile output for edge tiles (≤ 64 tiles of 16). */
const OUT_VALUES = 64 * 16;
/** Products below this many multiply-adds run on the calling thread (dispatch costs ~0.1 ms). */
const MIN_WORK = 1 << 22;
const MAX_PARTS = 256;
const BIG = 1 << 30;

// control words (Int32Array over a SharedArrayBuffer)
const SEQ = 0;
const NEXT = 1;
const DONE = 2;
const NPARTS = 3;
const ERR = 4;
const STOP = 5;
const ACTIVE = 6;
const READY = 7;
// job parameters (Float64Array): [0] kind (1: tridiagonalisation rows, 2: secular roots,
// 3: rows of a packed product, 4: strips of a centred chunk to pack, 5: a merge's ẑ, 6: a merge's
// eigenvector rows), then the kind's parameters,
// then from P_HEAD the row starts of the parts
const P_HEAD = 16;

let configured: number | undefined;
let current: number | undefined;

function envThreads(): number | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ATLAS_THREADS;
  if (v === undefined || v === "") return undefined;
  const t = Number(v);
  return Number.isInteger(t) && t >= 1 ? Math.min(t, MAX_THREADS) : undefined;
}

/** Threads our own last threaded job used (its part of the load average). */
let recentOwn = 1;

/**
 * The default thread count: the CPU count (at most 8) less what other processes keep busy (the
 * 1-minute load average minus our own recent threads), at least 1. On a machine whose cores are
 * already busy, extra threads get no extra CPU time (the OS shares it per process group) and only
 * add waiting, so the default then stays on one thread.
 */
function autoThreads(): number {
  const cores = hardwareThreads();
  if (cores <= 1) return 1;
  const load = cpuLoad();
  const others = Math.max(0, load - recentOwn);
  return Math.max(1, Math.min(cores, Math.round(cores - others)));
}

function hardwareThreads(): number {
  return Math.max(1, Math.min(8, cpuCount()));
}

/**
 * Sets how many threads the float64 linear algebra of this package uses (products, covariances,
 * the eigensolver's back-transformation and divide-and-conquer updates, FID). The default is
 * `ATLAS_THREADS` from the environment, else the CPU cores (at most 8) that other processes leave
 * idle (by the 1-minute load average; at least 1); 1 turns the worker threads off; `undefined`
 * restores the default. Results do not depend on it (bitwise).
 *
 * @example
 * setThreads(2); // at most one worker thread besides the calling one
 */
export function setThreads(threads: number | undefined): void {
  configured = threads === undefined ? undefined : Math.min(checkInteger("threads", threads, { min: 1 }), MAX_THREADS);
}

/**
 * The thread count in effect: the `threads` option of the running call, else {@link setThreads},
 * else `ATLAS_THREADS`, else the idle CPU cores (at most 8, at least 1; see {@link setThreads}).
 *
 * @example
 * getThreads(); // 2 on an idle 2-core machine, 1 on a busy one
 */
export function getThreads(): number {
  return current ?? configured ?? envThreads() ?? autoThreads();
}

/** The CPU count the default starts from (at most 8), for benchmarks that compare thread counts. */
export function cpuThreads(): number {
  return hardwareThreads();
}

/** Validates a `threads` option (undefined = the package setting). */
export function checkThreads(threads: unknown): number | undefined {
  if (threads === undefined) return undefined;
  if (typeof threads !== "number") throw new InvalidArgumentError("threads", `expected a positive integer, got ${typeof threads}`);
  return Math.min(checkInteger("threads", threads, { min: 1 }), MAX_THREADS);
}

/**
 * Runs `f` with `threads` in effect for the products it calls (undefined: the setting in effect,
 * resolved once here, so one call uses one thread count throughout).
 */
export function withThreads<T>(threads: number | undefined, f: () => T): T {
  if (threads === undefined && current !== undefined) return f();
  const saved = current;
  current = threads ?? getThreads();
  try {
    return f();
  } finally {
    current = saved;
  }
}

interface Pool {
  memory: WebAssembly.Memory;
  buffers: WeakSet<ArrayBufferLike>;
  f64: Float64Array;
  ctrl: Int32Array;
  params: Float64Array;
  workers: SpawnedWorker[];
  run: ((a: number, b: number, kc: number, tiles: number) => void) | null;
  /** The kernel that adds whole tiles straight into C (see `gemmPackedCore`), with `run`. */
  runC: ((a: number, b: number, kc: number, tiles: number, c: number, ldc: number, alpha: number) => void) | null;
  /** The SIMD strip packer (see `packPanels`), element indices. */
  pack4: ((src: number, ld: number, kc: number, dst: number) => void) | null;
  module: WebAssembly.Module | undefined;
  rowRun: RowRun | null;
  rowModule: WebAssembly.Module | undefined;
  top: number;
  broken: boolean;
}

let pool: Pool | null | undefined;

function workerSource(): string {
  return `// helpers that a transpiler's keep-names mode may have put into the function's source text
var __name = (f) => f;
const packed = (${gemmPackedCore.toString()});
const packRows = (${packPanels.toString()});
const packCentred = (${packCentredTransposed.toString()});
const tri = (${tridiagRows.toString()});
const sec = (${secularRoots.toString()});
const zhat = (${secularZhat.toString()});
const svec = (${secularVectors.toString()});
const { memory, ctrlBuf, paramBuf, module, rowModule, id, outBase } = workerData;
const ctrl = new Int32Array(ctrlBuf);
const par = new Float64Array(paramBuf);
let run = null;
let runC = null;
let pack4 = null;
if (module) {
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const kernel = ex.kernel, kernelC = ex.kernelC, packStrip = ex.pack4;
  const out8 = outBase * 8;
  run = (a, b, kc, t) => kernel(a * 8, b * 8, kc, t, out8);
  runC = (a, b, kc, t, c, ldc, alpha) => kernelC(a * 8, b * 8, kc, t, c * 8, ldc * 8, alpha);
  pack4 = (src, ld, kc, dst) => packStrip(src * 8, ld * 8, kc, dst * 8);
}
let rowRun = null;
if (rowModule) {
  const ru = new WebAssembly.Instance(rowModule, { env: { memory } }).exports.rowBlock;
  rowRun = (a, stride, v, w, v2, p, len, count) => ru(a * 8, stride, v * 8, w * 8, v2 * 8, p * 8, len, count);
}
Atomics.add(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  if (Atomics.load(ctrl, ${STOP}) !== 0) break;
  seen = Atomics.load(ctrl, ${SEQ});
  if (id > Atomics.load(ctrl, ${ACTIVE})) continue;
  let F = new Float64Array(memory.buffer);
  for (;;) {
    const p = Atomics.add(ctrl, ${NEXT}, 1);
    if (p >= Atomics.load(ctrl, ${NPARTS})) break;
    const r0 = par[${P_HEAD} + p], r1 = par[${P_HEAD} + p + 1];
    try {
      if (F.buffer !== memory.buffer) F = new Float64Array(memory.buffer);
      if (par[0] === 1) {
        tri(F, par[1], par[2], r0, r1, par[3], par[4], par[5], par[6], par[7] + p * par[1], rowRun);
      } else if (par[0] === 2) {
        sec(F, par[1], par[2], par[3], par[4], r0, r1, par[5]);
      } else if (par[0] === 5) {
        zhat(F.subarray(par[1], par[1] + 7 * par[2]), par[2], par[3], r0, r1);
      } else if (par[0] === 6) {
        svec(F.subarray(par[1], par[1] + 7 * par[2]), par[2], F, par[4], r0, r1);
      } else if (par[0] === 4) {
        packCentred(F, par[1], par[2], par[3], par[4], par[5], r0, r1, par[6]);
      } else if (par[0] === 3) {
        packed(r1 - r0, par[1], par[2], F, par[3], par[4], r0, par[5], par[6], par[7] + r0 * par[8], par[8], par[9], par[10] !== 0, outBase, run, runC, par[11], par[12], par[13], packRows, pack4);
      }
    } catch (e) {
      console.error(e);
      Atomics.store(ctrl, ${ERR}, 1);
    }
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
}
`;
}

function createPool(): Pool | null {
  try {
    if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined" || typeof WebAssembly === "undefined") return null;
    if (!workerThreadsAvailable()) return null;
    const initial = Math.ceil(((MAX_THREADS + 1) * OUT_VALUES * 8) / PAGE) + 1;
    const memory = new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer)) return null;
    const module = sharedKernelModule(initial, MAX_PAGES);
    let run: Pool["run"] = null;
    let runC: Pool["runC"] = null;
    let pack4: Pool["pack4"] = null;
    if (module) {
      const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
      const kernel = ex.kernel as (a: number, b: number, kc: number, t: number, out: number) => void;
      const kernelC = ex.kernelC as (a: number, b: number, kc: number, t: number, c: number, ldc: number, alpha: number) => void;
      const out8 = 0;
      run = (a, b, kc, t) => kernel(a * 8, b * 8, kc, t, out8);
      runC = (a, b, kc, t, c, ldc, alpha) => kernelC(a * 8, b * 8, kc, t, c * 8, ldc * 8, alpha);
      const packStrip = ex.pack4 as (src: number, ld: number, kc: number, dst: number) => void;
      pack4 = (src, ld, kc, dst) => packStrip(src * 8, ld * 8, kc, dst * 8);
    }
    const rowModule = sharedRowUpdateModule(initial, MAX_PAGES);
    let rowRun: RowRun | null = null;
    if (rowModule) {
      const ru = (new WebAssembly.Instance(rowModule, { env: { memory } }).exports.rowBlock) as (...args: number[]) => void;
      rowRun = (a, stride, v, w, v2, pp, len, count) => ru(a * 8, stride, v * 8, w * 8, v2 * 8, pp * 8, len, count);
    }
    const buffers = new WeakSet<ArrayBufferLike>();
    buffers.add(memory.buffer);
    return {
      memory,
      buffers,
      f64: new Float64Array(memory.buffer),
      ctrl: new Int32Array(new SharedArrayBuffer(64)),
      params: new Float64Array(new SharedArrayBuffer((P_HEAD + MAX_PARTS + 1) * 8)),
      workers: [],
      run,
      runC,
      pack4,
      module,
      rowRun,
      rowModule,
      top: (MAX_THREADS + 1) * OUT_VALUES,
      broken: false,
    };
  } catch {
    return null;
  }
}

function ensureWorkers(p: Pool, count: number): void {
  if (p.broken) return;
  while (p.workers.length < count) {
    const id = p.workers.length + 1;
    try {
      const data = { memory: p.memory, ctrlBuf: p.ctrl.buffer, paramBuf: p.params.buffer, module: p.module, rowModule: p.rowModule, id, outBase: id * OUT_VALUES };
      const w = spawnWorker(workerSource(), data, `atlas-metrics-gemm-${id}`);
      if (!w) {
        p.broken = true;
        return;
      }
      w.onFailure(() => {
        p.broken = true;
      });
      p.workers.push(w);
    } catch {
      p.broken = true;
      return;
    }
  }
}

function view(p: Pool): Float64Array {
  if (p.f64.buffer !== p.memory.buffer) {
    p.f64 = new Float64Array(p.memory.buffer);
    p.buffers.add(p.memory.buffer);
  }
  return p.f64;
}

/** Grow the shared memory to hold `elements` doubles; false if it cannot. */
function ensure(p: Pool, elements: number): boolean {
  const need = Math.ceil((elements * 8) / PAGE);
  const have = p.memory.buffer.byteLength / PAGE;
  if (need <= have) return true;
  if (need > MAX_PAGES) return false;
  try {
    p.memory.grow(need - have);
  } catch {
    return false;
  }
  view(p);
  return true;
}

function activePool(threads: number | undefined): Pool | undefined {
  const t = threads ?? getThreads();
  if (t <= 1) {
    recentOwn = 1;
    return undefined;
  }
  if (pool === undefined) pool = createPool();
  if (!pool || pool.broken) return undefined;
  ensureWorkers(pool, t - 1);
  return pool;
}

/**
 * Scratch space in the shared memory for large work arrays that the products then use in place
 * (no copying), or undefined when running single-threaded. Allocations are a stack: take a
 * {@link scratchMark} first and {@link scratchRelease} it when done (also on errors).
 */
export function scratch(length: number): Float64Array | undefined {
  const p = productPool(getThreads());
  if (!p) return undefined;
  const at = (p.top + 1) & ~1;
  if (!ensure(p, at + length)) return undefined;
  p.top = at + length;
  const f = view(p);
  const out = f.subarray(at, at + length);
  out.fill(0);
  return out;
}

/** The current top of the scratch stack (see {@link scratch}). */
export function scratchMark(): number {
  return pool ? pool.top : 0;
}

/** Free everything allocated since `mark` (see {@link scratch}). */
export function scratchRelease(mark: number): void {
  if (pool && mark > 0 && mark <= pool.top) pool.top = mark;
}

/**
 * C (+)= alpha·A·Bᵀ in the shared memory on t ≥ 1 threads, if the product is large enough and the
 * generated kernels are available; returns false (having done nothing) otherwise, and the caller
 * runs its single-thread loops. C's untouched entries (above the diagonal with `lower`) are left as
 * they were.
 *
 * The operands are packed (panel-major 4-row strips, see `packPanels`) in the shared memory: B
 * once, straight from where it is (copied in first when it lives elsewhere), before the threads
 * start; each thread packs its own rows of A (A copied in first when it lives elsewhere), then
 * reads both there and adds whole tiles straight into C (`gemmPackedCore`): nothing is packed twice
 * and there is no JavaScript pass over C for whole tiles. With A = B (a Gram product) the one packed
 * copy serves both.
 */
export function parallelGemm(
  m: number,
  n: number,
  k: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  alpha: number,
  accumulate: boolean,
  lower: boolean,
  threads: number | undefined,
): boolean {
  const work = lower ? (m * n * k) / 2 : m * n * k;
  if (work < MIN_WORK || m < 16) return false;
  const t = threads ?? getThreads();
  const p = productPool(t);
  // the threaded product needs the generated kernels (WebAssembly SIMD); without them the calling
  // thread runs the plain-JS tile loops
  if (!p || !p.runC || !p.run) return false;
  const mark = p.top;
  try {
    const rowLen = (i: number): number => (lower ? Math.min(n, i + 1) : n);
    const aRows4 = Math.ceil(m / 4) * 4;
    const same = A === B && aOff === bOff && lda === ldb && n <= m;
    const bRows4 = same ? aRows4 : Math.ceil(n / 4) * 4;
    const aAt = (p.top + 1) & ~1;
    const bAt = same ? aAt : aAt + aRows4 * k;
    const cInPlace = p.buffers.has(C.buffer);
    const aInPlace = p.buffers.has(A.buffer);
    const cAt = bAt + (same ? aRows4 * k : bRows4 * k);
    const aCopy = cAt + (cInPlace ? 0 : m * n);
    // B (or A = B) is packed from the shared memory by the SIMD strip packer: copied in first
    // when it lives elsewhere (a copy is a memcpy per row, far cheaper than packing in JavaScript)
    const bInPlace = p.buffers.has(B.buffer);
    const bRows = same ? m : n;
    const bCopy = aCopy + (same || aInPlace ? 0 : m * k);
    const end = bCopy + (bInPlace ? 0 : bRows * k);
    if (!ensure(p, end)) return false;
    p.top = end;
    let f = view(p);
    let aSrc = -1;
    let ldaS = lda;
    let bSrc = B.byteOffset / 8 + bOff;
    let ldbS = ldb;
    if (!bInPlace) {
      for (let i = 0; i < bRows; i++) f.set(B.subarray(bOff + i * ldb, bOff + i * ldb + k), bCopy + i * k);
      bSrc = bCopy;
      ldbS = k;
    }
    packPanels(f, bSrc, ldbS, bRows, k, f, same ? aAt : bAt, 0, bRows, p.pack4);
    if (!same) {
      if (aInPlace) aSrc = A.byteOffset / 8 + aOff;
      else {
        for (let i = 0; i < m; i++) f.set(A.subarray(aOff + i * lda, aOff + i * lda + k), aCopy + i * k);
        aSrc = aCopy;
        ldaS = k;
      }
    }
    let c0: number;
    let ldcc: number;
    if (cInPlace) {
      c0 = C.byteOffset / 8 + cOff;
      ldcc = ldc;
      if (!accumulate) for (let i = 0; i < m; i++) f.fill(0, c0 + i * ldc, c0 + i * ldc + rowLen(i));
    } else {
      c0 = cAt;
      ldcc = n;
      for (let i = 0; i < m; i++) {
        const len = rowLen(i);
        if (accumulate) f.set(C.subarray(cOff + i * ldc, cOff + i * ldc + len), cAt + i * n);
        else f.fill(0, cAt + i * n, cAt + i * n + len);
      }
    }
    runPacked(p, t, m, n, k, aAt, aRows4, bAt, bRows4, c0, ldcc, alpha, lower, aSrc, ldaS);
    if (!cInPlace) {
      f = view(p);
      for (let i = 0; i < m; i++) C.set(f.subarray(cAt + i * n, cAt + i * n + rowLen(i)), cOff + i * ldc);
    }
    return true;
  } finally {
    p.top = mark;
  }
}

/**
 * The pool for a product on t threads: with t = 1 the shared memory and its kernels without any
 * worker (the packed product path then serves one thread too), else {@link activePool}.
 */
function productPool(t: number): Pool | undefined {
  if (t > 1) return activePool(t);
  recentOwn = 1;
  if (pool === undefined) pool = createPool();
  if (!pool || !pool.runC) return undefined;
  return pool;
}

/**
 * Runs the packed product (everything already in the shared memory: B packed at `bAt`, A packed
 * at `aAt` or, with `aSrc` ≥ 0, row-major at `aSrc` with stride `lda` and packed by the threads;
 * C at `c0` with stride `ldc`) on t threads, in guided row blocks.
 */
function runPacked(p: Pool, t: number, m: number, n: number, k: number, aAt: number, aRows4: number, bAt: number, bRows4: number, c0: number, ldc: number, alpha: number, lower: boolean, aSrc: number, lda: number): void {
  // job kind 3 and its parameters, as the worker source reads them
  p.params.set([3, n, k, aAt, aRows4, bAt, bRows4, c0, ldc, alpha, lower ? 1 : 0, aSrc, lda, m]);
  const f = view(p);
  const run = p.run as NonNullable<Pool["run"]>;
  const runC = p.runC as NonNullable<Pool["runC"]>;
  const mainPart = (r0: number, r1: number): void =>
    gemmPackedCore(r1 - r0, n, k, f, aAt, aRows4, r0, bAt, bRows4, c0 + r0 * ldc, ldc, alpha, lower, 0, run, runC, aSrc, lda, m, packPanels, p.pack4);
  if (t > 1) runParts(p, t, guidedParts(m, lower, t), mainPart);
  else mainPart(0, m);
}

/**
 * The scatter of a chunk of feature rows about a shift c, `S (lower) += (X − c)ᵀ(X − c)` for the
 * `rows` rows of the row-major n×d `x` from row `r0` (c = `shift`), on the threads, and the column
 * sums of X − c added to `sums` (each feature's rows in order, so the bits do not depend on the
 * thread count): the chunk is copied into the shared memory, the threads write the shifted values
 * straight into the packed layout of (X − c)ᵀ ({@link packCentredTransposed}, the same values as
 * shifting and transposing first), and the packed Gram product adds into `S`. `S` and `sums` must
 * live in the shared memory ({@link scratch}). False (nothing done) without the pool's kernels.
 */
export function scatterChunk(x: Float64Array, r0: number, rows: number, d: number, shift: Float64Array, S: Float64Array, sums: Float64Array): boolean {
  if (d < 16 || (d * d * rows) / 2 < MIN_WORK) return false;
  const t = getThreads();
  const p = productPool(t);
  if (!p || !p.runC || !p.run || !p.buffers.has(S.buffer) || !p.buffers.has(sums.buffer)) return false;
  const mark = p.top;
  try {
    const d4 = Math.ceil(d / 4) * 4;
    const xAt = (p.top + 1) & ~1;
    const meanAt = xAt + rows * d;
    const packAt = (meanAt + d + 1) & ~1;
    const end = packAt + d4 * rows;
    if (!ensure(p, end)) return false;
    p.top = end;
    const f = view(p);
    f.set(x.subarray(r0 * d, (r0 + rows) * d), xAt);
    f.set(shift.subarray(0, d), meanAt);
    const sumAt = sums.byteOffset / 8;
    const strips = d4 / 4;
    p.params.set([4, xAt, rows, d, meanAt, packAt, sumAt]); // job kind 4, as the worker source reads it
    const mainPart = (s0: number, s1: number): void => packCentredTransposed(f, xAt, rows, d, meanAt, packAt, s0, s1, sumAt);
    if (t > 1) {
      const parts = Math.min(strips, 4 * t);
      const starts = Array.from({ length: parts + 1 }, (_, q) => Math.round((q * strips) / parts));
      runParts(p, t, starts, mainPart);
    } else mainPart(0, strips);
    runPacked(p, t, d, d, rows, packAt, d4, packAt, d4, S.byteOffset / 8, d, 1, true, -1, 0);
    return true;
  } finally {
    p.top = mark;
  }
}

/**
 * Strips `s0 … s1 − 1` (features 4s … 4s + 3) of the packed (panel-major, see `packPanels`) layout
 * of (X − c)ᵀ, for the `rows` × `d` row-major X at `F[xAt…]` and c at `F[meanAt…]`: element
 * (sample p, feature j) goes to panel ⌊p/256⌋, strip ⌊j/4⌋, slot 4(p mod 256) + j mod 4; features
 * past d are zeros. Each feature's values are also added, row by row, to `F[sumAt + j]`.
 * Self-contained (worker threads run it from its source text).
 */
export function packCentredTransposed(F: Float64Array, xAt: number, rows: number, d: number, meanAt: number, at: number, s0: number, s1: number, sumAt: number): void {
  const KCc = 256;
  const d4 = Math.ceil(d / 4) * 4;
  const jEnd = Math.min(d, 4 * s1);
  for (let pc = 0; pc < rows; pc += KCc) {
    const kc = Math.min(KCc, rows - pc);
    const panel = at + d4 * pc;
    for (let q = 0; q < kc; q++) {
      const src = xAt + (pc + q) * d;
      let j = 4 * s0;
      for (; j + 4 <= jEnd; j += 4) {
        const o = panel + j * kc + 4 * q;
        const x0 = (F[src + j] as number) - (F[meanAt + j] as number);
        const x1 = (F[src + j + 1] as number) - (F[meanAt + j + 1] as number);
        const x2 = (F[src + j + 2] as number) - (F[meanAt + j + 2] as number);
        const x3 = (F[src + j + 3] as number) - (F[meanAt + j + 3] as number);
        F[o] = x0;
        F[o + 1] = x1;
        F[o + 2] = x2;
        F[o + 3] = x3;
        F[sumAt + j] = (F[sumAt + j] as number) + x0;
        F[sumAt + j + 1] = (F[sumAt + j + 1] as number) + x1;
        F[sumAt + j + 2] = (F[sumAt + j + 2] as number) + x2;
        F[sumAt + j + 3] = (F[sumAt + j + 3] as number) + x3;
      }
      if (j < 4 * s1 && j < d4) {
        const o = panel + j * kc + 4 * q;
        for (let u = 0; u < 4; u++) {
          if (j + u < d) {
            const v = (F[src + j + u] as number) - (F[meanAt + j + u] as number);
            F[o + u] = v;
            F[sumAt + j + u] = (F[sumAt + j + u] as number) + v;
          } else F[o + u] = 0;
        }
      }
    }
  }
}

/**
 * Row blocks for a product of m rows on t threads, by guided self-scheduling: each block takes
 * about 1/(2t) of the work still left (a lower triangle's rows weigh i + 1), at least 1/64 of the
 * whole and 8 rows, in multiples of 4 rows. Blocks are claimed in order, so the last ones are
 * small: a thread that the OS parks in the middle of one (a loaded machine) holds the others up
 * only briefly.
 */
export function guidedParts(m: number, lower: boolean, t: number): number[] {
  const weight = (i: number): number => (lower ? i + 1 : 1);
  const total = lower ? (m * (m + 1)) / 2 : m;
  const minWork = total / 64;
  const starts: number[] = [0];
  let left = total;
  let r = 0;
  while (r < m && starts.length <= MAX_PARTS) {
    const want = Math.max(left / (2 * t), minWork);
    let got = 0;
    let e = r;
    while (e < m && (got < want || e - r < 8 || (e - r) % 4 !== 0)) got += weight(e++);
    if (m - e < 8) e = m; // no sliver at the end
    starts.push(e);
    for (let i = r; i < e; i++) left -= weight(i);
    r = e;
  }
  if (starts[starts.length - 1] !== m) starts[starts.length - 1] = m;
  return starts;
}

/**
 * Runs a job cut into row blocks `starts[q] … starts[q+1]` (parameters already in `p.params` from
 * index 1): the calling thread and up to t − 1 workers claim blocks until none is left; returns
 * when all are done.
 */
function runParts(p: Pool, t: number, starts: readonly number[], mainPart: (r0: number, r1: number) => void): void {
  const np = starts.length - 1;
  recentOwn = t;
  const par = p.params;
  for (let i = 0; i <= np; i++) par[P_HEAD + i] = starts[i] as number;
  const ctrl = p.ctrl;
  Atomics.store(ctrl, ERR, 0);
  Atomics.store(ctrl, DONE, 0);
  Atomics.store(ctrl, NPARTS, np);
  Atomics.store(ctrl, ACTIVE, t - 1);
  Atomics.store(ctrl, NEXT, 0);
  Atomics.add(ctrl, SEQ, 1);
  Atomics.notify(ctrl, SEQ);
  let failure: unknown;
  for (;;) {
    const part = Atomics.add(ctrl, NEXT, 1);
    if (part >= np) break;
    try {
      mainPart(starts[part] as number, starts[part + 1] as number);
    } catch (e) {
      failure ??= e;
    }
    Atomics.add(ctrl, DONE, 1);
  }
  for (;;) {
    const done = Atomics.load(ctrl, DONE);
    if (done >= np) break;
    atomicsWait(ctrl, DONE, done, 100);
  }
  Atomics.store(ctrl, NEXT, BIG);
  if (failure !== undefined) throw failure;
  if (Atomics.load(ctrl, ERR) !== 0) throw new Error("@atlas/metrics: a worker thread failed");
}

/** Shared work space for the threaded tridiagonalisation (see {@link tridiagonalize}). */
export interface SharedRows {
  /** The whole shared memory as float64; the work space starts at `base`. */
  readonly f64: Float64Array;
  readonly base: number;
  /** The SIMD row update bound to the shared memory (null: the JavaScript loop). */
  readonly run: RowRun | null;
  /** Row blocks `starts[q] … starts[q+1]` of step k2 (parameters: see {@link tridiagRows}). */
  rows(n: number, k2: number, starts: readonly number[], aBase: number, vrow: number, wOff: number, v2row: number, ppBase: number): void;
}

/** `elements` doubles of shared scratch for a threaded tridiagonalisation, or undefined single-threaded. */
export function sharedRows(elements: number): SharedRows | undefined {
  const t = getThreads();
  const p = activePool(t);
  if (!p) return undefined;
  const at = (p.top + 1) & ~1;
  if (!ensure(p, at + elements)) return undefined;
  p.top = at + elements;
  const f = view(p);
  return {
    f64: f,
    base: at,
    run: p.rowRun,
    rows(n, k2, starts, aBase, vrow, wOff, v2row, ppBase) {
      const par = p.params;
      par[0] = 1;
      par[1] = n;
      par[2] = k2;
      par[3] = aBase;
      par[4] = vrow;
      par[5] = wOff;
      par[6] = v2row;
      par[7] = ppBase;
      let q = 0;
      runParts(p, t, starts, (r0, r1) => {
        // the part index is found from its first row (parts are claimed in any order)
        q = starts.indexOf(r0);
        tridiagRows(f, n, k2, r0, r1, aBase, vrow, wOff, v2row, ppBase + q * n, p.rowRun);
      });
    },
  };
}

/**
 * Runs `job` on the threads' shared memory with `elements` doubles of its own there (at `at`,
 * released afterwards), `buf`'s first `copy` values copied in first. False (nothing done) when
 * single-threaded, when `fits` says no, or without room.
 */
function onSharedCopy(buf: Float64Array, copy: number, elements: number, job: (p: Pool, t: number, f: Float64Array, at: number) => void, fits: (p: Pool) => boolean = () => true): boolean {
  const t = getThreads();
  const p = activePool(t);
  if (!p || !fits(p)) return false;
  const mark = p.top;
  try {
    const at = (p.top + 1) & ~1;
    if (!ensure(p, at + elements)) return false;
    p.top = at + elements;
    const f = view(p);
    f.set(buf.subarray(0, copy), at);
    job(p, t, f, at);
    return true;
  } finally {
    p.top = mark;
  }
}

/**
 * The k roots of a divide-and-conquer merge's secular equation on the threads (see
 * {@link secularRoots}): `buf` holds d (k values) and w (k values), and receives the (origin, τ)
 * pairs after them. False (nothing done) when single-threaded or k is small; the roots are the same
 * bits on any thread.
 */
export function parallelSecular(buf: Float64Array, k: number, span: number): boolean {
  if (k < 256) return false;
  return onSharedCopy(buf, 2 * k, 4 * k, (p, t, f, at) => {
    p.params.set([2, at, at + k, k, span, at + 2 * k]); // job kind 2, as the worker source reads it
    runParts(p, t, guidedParts(k, false, t), (r0, r1) => secularRoots(f, at, at + k, k, span, r0, r1, at + 2 * k));
    buf.set(view(p).subarray(at + 2 * k, at + 4 * k), 2 * k);
  });
}

/**
 * A divide-and-conquer merge's ẑ (`U` undefined: {@link secularZhat}, into `buf[4k …]`) or its
 * eigenvectors (rows of `U`, which must live in the shared memory: {@link secularVectors}) on the
 * threads; `buf` is the merge's 7k-value buffer (see secularZhat). False (nothing done) when
 * single-threaded, k is small or `U` lives elsewhere; the values are the same bits on any thread.
 */
export function parallelMergeVectors(buf: Float64Array, k: number, rho: number, U: Float64Array | undefined): boolean {
  if (k < 256) return false;
  const fits = (p: Pool): boolean => !U || p.buffers.has(U.buffer);
  return onSharedCopy(
    buf,
    7 * k,
    7 * k,
    (p, t, f, at) => {
      const local = f.subarray(at, at + 7 * k);
      const uAt = U ? U.byteOffset / 8 : 0;
      p.params.set([U ? 6 : 5, at, k, rho, uAt]); // job kind 5 or 6, as the worker source reads it
      const parts = guidedParts(k, false, t);
      if (U) runParts(p, t, parts, (r0, r1) => secularVectors(local, k, f, uAt, r0, r1));
      else {
        runParts(p, t, parts, (r0, r1) => secularZhat(local, k, rho, r0, r1));
        buf.set(view(p).subarray(at + 4 * k, at + 5 * k), 4 * k);
      }
    },
    fits,
  );
}

/**
 * Stops the worker threads (they are unref()ed, so this is never needed for a process to exit;
 * use it to free them early). The next threaded call starts new ones.
 *
 * @example
 * await stopThreads();
 */
export async function stopThreads(): Promise<void> {
  const p = pool;
  pool = undefined;
  if (!p) return;
  Atomics.store(p.ctrl, STOP, 1);
  Atomics.add(p.ctrl, SEQ, 1);
  Atomics.notify(p.ctrl, SEQ);
  await Promise.all(p.workers.map((w) => w.terminate()));
}

/** Worker threads running now (for tests). */
export function workerCount(): number {
  return pool ? pool.workers.length : 0;
}
