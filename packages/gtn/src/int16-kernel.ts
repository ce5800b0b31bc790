/**
 * Exact int16 dot products with the candidate-list rule fused in, as a WebAssembly SIMD module
 * generated here byte by byte (encoding helpers from `@atlas/core`). Used by the `'blocks'`
 * labelling strategy as a filter: see `Int16Scorer` in labels/scorers.ts for the error bound and why the
 * rule keeps every candidate the float64 check needs.
 *
 * x is packed in groups of 4 columns, each group k-pair interleaved: for pair p the 8 int16
 * [x₀,₂ₚ, x₀,₂ₚ₊₁, x₁,₂ₚ, x₁,₂ₚ₊₁, x₂,₂ₚ, x₂,₂ₚ₊₁, x₃,₂ₚ, x₃,₂ₚ₊₁] at byte 16p of the group, so one
 * `i32x4.dot_i16x8_s` against the splat of (y₂ₚ, y₂ₚ₊₁) gives the 4 columns' partial sums for that
 * pair (no horizontal sums). The kernel walks column tiles (C groups = 4C columns) and, inside each,
 * strips of R y rows; an R × 4C tile of sums lives in R·C v128 accumulators. After a tile, each
 * row's sums are compared with the row's threshold (`i32x4.ge_s`, and-ed with the columns'
 * validity mask, `v128.any_true`); rows with a sum that reaches it are noted, and after the strip
 * their sums ≥ the threshold are offered one by one to `emit`, which keeps the row's top L and
 * buffer (see {@link buildModule}). All integer arithmetic: the sums are exact.
 */
import {
  WASM_HEADER,
  WASM_POOL_MAX_PAGES,
  i32Const as i32,
  localGet as get,
  localSet as set,
  localTee as tee,
  memarg,
  section,
  simdOp as simd,
  uleb,
  wasmName,
  wasmSimdAvailable,
  wasmThreadPool,
  type WasmThreadPool,
} from "@atlas/core";

/** Tile rows (y) and column groups (4 x columns each): R·C = 8 accumulators, 16 v128 registers in all. */
const R = 4;
const C = 2;
const PAGE = 65536;
const INT32_MAX = 2 ** 31 - 1;

/** The padded dimension: d rounded up to even (one k-pair per int32 lane). */
export function paddedDim(d: number): number {
  return d + (d % 2);
}

/** Bytes per part for the notes of one strip: R rows of [state, threshold address, column, lane bits, 4C sums]. */
const PEND_PART_BYTES = R * (16 + 16 * C) + 64;
/** Row-state words (i32) before the top-L array: filled, write pointer, buffer end, overflow flag, buffer start, 3 spare. */
const STATE_HEAD = 8;

/**
 * Two functions. kernel(xp, col, tiles, yp, strips, rows, stride, L, band, thr): xp the first x
 * group of the first tile, col its column index, tiles the column tiles, yp the y block, strips the
 * y strips of R rows, rows the first row's state (byte address; row r's at rows + r·stride), L and
 * band the candidate count and the integer band, thr the rows' thresholds (one i32 per row), pend
 * this call's scratch for the rows to offer after each strip. See {@link Int16Dots} for the layout.
 * Each valid lane whose sum is ≥ its row's threshold (read once per tile) is offered to emit.
 *
 * emit(state, thr, col, sum, L, band): insert the sum into the row's descending top L; once L sums
 * were seen, t = top[L − 1] − band (saturating at −2³¹) and the row's threshold rises to t; if the
 * sum is still ≥ the threshold, append [col, sum] to the row's buffer (compacting it to the entries
 * ≥ the threshold when full; if that frees nothing the row overflows: its flag is set, its threshold
 * becomes 2³¹ − 1, and the caller rescans it).
 */
function buildModule(dp: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const pairs = dp / 2;
  const groupBytes = dp * 8 + 16; // 4 columns × dp int16, then the group's validity mask
  const rowBytes = dp * 2;
  const ADD = [0x6a];
  const SUB = [0x6b];
  const MUL = [0x6c];
  const LT_S = [0x48];
  const GT_S = [0x4a];
  const GE_S32 = [0x4e];
  const EQ = [0x46];
  const IF = [0x04, 0x40];
  const ELSE = [0x05];
  const END = [0x0b];
  const BR_IF = (depth: number): number[] => [0x0d, depth];
  const BR = (depth: number): number[] => [0x0c, depth];
  const RETURN = [0x0f];
  const V_LOAD = (offset: number): number[] => simd(0x00, ...memarg(4, offset));
  const V_LOAD32_SPLAT = (offset: number): number[] => simd(0x09, ...memarg(2, offset));
  const I32_STORE = (offset: number): number[] => [0x36, ...memarg(2, offset)];
  const I32_LOAD = (offset: number): number[] => [0x28, ...memarg(2, offset)];
  const EXTRACT = (lane: number): number[] => simd(0x1b, lane); // i32x4.extract_lane
  const DOT = simd(0xba); // i32x4.dot_i16x8_s
  const I32X4_ADD = simd(0xae);
  const GE_S = simd(0x3f); // i32x4.ge_s
  const AND = simd(0x4e);
  const OR = simd(0x50);
  const ANY_TRUE = simd(0x53);
  const BITMASK = simd(0xa4); // i32x4.bitmask
  const V_STORE = (offset: number): number[] => simd(0x0b, ...memarg(4, offset));
  const SHL = [0x74];
  const ORI = [0x72];
  const ANDI = [0x71];
  const CTZ = [0x68];
  const GE_U = [0x4f];
  const PEND_BYTES = 16 + 16 * C;

  // ---- kernel ----
  const XP = 0, COL = 1, TILES = 2, YP = 3, STRIPS = 4, ROWS = 5, STRIDE = 6, LL = 7, BAND = 8, THR = 9, PEND = 10;
  const YI = 11, TI = 12, S = 13, XK = 14, YK = 15, KC = 16, TH = 17, RB = 18, PW = 19, PR = 20, BITS = 21, LANE = 22; // i32 locals
  const ACC = 23; // v128 locals: acc(r, c) = ACC + r·C + c
  const XV = ACC + R * C; // C of them
  const YS = XV + C;
  const T = YS + 1;
  const M = T + 1; // C masks of the current row
  const VALID = M + C; // C validity masks of the current tile
  const LAST = VALID + C - 1;
  const acc = (r: number, c: number): number => ACC + r * C + c;
  const code: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) for (const b of p) code.push(b);
  };
  const pair = (xb: number, yb: number): void => {
    for (let c = 0; c < C; c++) emit(get(xb), V_LOAD(c * groupBytes), set(XV + c));
    for (let r = 0; r < R; r++) {
      emit(get(yb), V_LOAD32_SPLAT(r * rowBytes), set(YS));
      for (let c = 0; c < C; c++) emit(get(acc(r, c)), get(XV + c), get(YS), DOT, I32X4_ADD, set(acc(r, c)));
    }
  };
  emit([0x02, 0x40]); // block $done
  emit(get(TILES), [0x45], BR_IF(0));
  emit(get(STRIPS), [0x45], BR_IF(0));
  emit([0x03, 0x40]); // loop $tile
  emit(get(YP), set(YI), get(ROWS), set(TI), get(THR), set(TH), get(STRIPS), set(S), get(PEND), set(PW));
  emit([0x03, 0x40]); // loop $strip
  for (let a = 0; a < R * C; a++) emit(simd(0x0c, ...new Array<number>(16).fill(0)), set(ACC + a));
  // one k-pair per turn: TurboFan unrolls this small loop itself and keeps the 8 accumulators, the
  // C x vectors and the y splat in registers; a body unrolled by hand (static offsets) measured 3×
  // slower, its scheduler hoisting loads and spilling (10 vs 28 GMAC/s at d = 100, bench machine)
  emit(get(XP), set(XK), get(YI), set(YK), i32(pairs), set(KC));
  emit([0x03, 0x40]); // loop $k
  pair(XK, YK);
  emit(get(XK), i32(16), ADD, set(XK));
  emit(get(YK), i32(4), ADD, set(YK));
  emit(get(KC), i32(1), SUB, tee(KC), BR_IF(0));
  emit(END); // loop $k
  emit(get(TI), set(RB));
  // the tile's validity masks, loaded here (not kept live through the k loop: register pressure)
  for (let c = 0; c < C; c++) emit(get(XP), V_LOAD(c * groupBytes + dp * 8), set(VALID + c));
  for (let r = 0; r < R; r++) {
    emit(get(TH), V_LOAD32_SPLAT(4 * r), set(T));
    for (let c = 0; c < C; c++) emit(get(acc(r, c)), get(T), GE_S, get(VALID + c), AND, set(M + c));
    emit(get(M), ...Array.from({ length: C - 1 }, (_, c) => [...get(M + c + 1), ...OR]));
    // some valid lane reaches the threshold: note the row (state, threshold address, first column,
    // lane bits, the 4C sums) for the offers after the strip, where no vector is live across the calls
    emit(ANY_TRUE, IF);
    emit(get(PW), get(RB), I32_STORE(0));
    emit(get(PW), get(TH), i32(4 * r), ADD, I32_STORE(4));
    emit(get(PW), get(COL), I32_STORE(8));
    emit(get(PW), get(M), BITMASK);
    for (let c = 1; c < C; c++) emit(get(M + c), BITMASK, i32(4 * c), SHL, ORI);
    emit(I32_STORE(12));
    for (let c = 0; c < C; c++) emit(get(PW), get(acc(r, c)), V_STORE(16 + 16 * c));
    emit(get(PW), i32(PEND_BYTES), ADD, set(PW));
    emit(END); // if
    if (r < R - 1) emit(get(RB), get(STRIDE), ADD, set(RB));
  }
  // the offers of this strip, lane by lane (bits in column order)
  emit(get(PEND), set(PR));
  emit([0x02, 0x40], [0x03, 0x40]); // block loop over the noted rows
  emit(get(PR), get(PW), GE_U, BR_IF(1));
  emit(get(PR), I32_LOAD(12), set(BITS));
  emit([0x02, 0x40], [0x03, 0x40]); // block loop over the lane bits
  emit(get(BITS), [0x45], BR_IF(1));
  emit(get(BITS), CTZ, set(LANE));
  emit(get(PR), I32_LOAD(0), get(PR), I32_LOAD(4), get(PR), I32_LOAD(8), get(LANE), ADD);
  emit(get(PR), get(LANE), i32(2), SHL, ADD, I32_LOAD(16), get(LL), get(BAND), [0x10, 0x01]); // call emit
  emit(get(BITS), get(BITS), i32(1), SUB, ANDI, set(BITS), BR(0));
  emit(END, END);
  emit(get(PR), i32(PEND_BYTES), ADD, set(PR), BR(0));
  emit(END, END);
  emit(get(PEND), set(PW));
  emit(get(YI), i32(R * rowBytes), ADD, set(YI));
  emit(get(TI), get(STRIDE), i32(R), MUL, ADD, set(TI));
  emit(get(TH), i32(4 * R), ADD, set(TH));
  emit(get(S), i32(1), SUB, tee(S), BR_IF(0));
  emit(END); // loop $strip
  emit(get(XP), i32(C * groupBytes), ADD, set(XP));
  emit(get(COL), i32(4 * C), ADD, set(COL));
  emit(get(TILES), i32(1), SUB, tee(TILES), BR_IF(0));
  emit(END); // loop $tile
  emit(END); // block $done
  emit(END); // function
  const kernelBody = [0x02, 0x0c, 0x7f, ...uleb(LAST - ACC + 1), 0x7b, ...code];

  // ---- emit(state, thr, col, sum, L, band) ----
  const ST = 0, TP = 1, CL = 2, SUM = 3, EL = 4, EB = 5;
  const FILLED = 6, I = 7, A = 8, TT = 9, WP = 10, RD = 11, EN = 12, V = 13; // i32 locals
  code.length = 0;
  const TOP = STATE_HEAD * 4; // byte offset of top[0] in the state
  emit(get(ST), I32_LOAD(12), IF, RETURN, END); // overflowed: nothing more
  emit(i32(-1), set(I));
  emit(get(ST), I32_LOAD(0), tee(FILLED), get(EL), LT_S, IF);
  emit(get(FILLED), set(I), get(ST), get(FILLED), i32(1), ADD, tee(FILLED), I32_STORE(0));
  emit(ELSE);
  emit(get(SUM), get(ST), get(EL), i32(4), MUL, ADD, I32_LOAD(TOP - 4), GT_S, IF, get(EL), i32(1), SUB, set(I), END);
  emit(END);
  emit(get(I), i32(0), GE_S32, IF); // insert at i, shifting smaller ones down
  emit([0x02, 0x40], [0x03, 0x40]); // block loop
  emit(get(I), [0x45], BR_IF(1)); // i == 0 → done
  emit(get(ST), get(I), i32(4), MUL, ADD, tee(A), I32_LOAD(TOP - 4), tee(TT), get(SUM), GE_S32, BR_IF(1)); // top[i−1] ≥ sum → done
  emit(get(A), get(TT), I32_STORE(TOP));
  emit(get(I), i32(1), SUB, set(I), BR(0));
  emit(END, END);
  emit(get(ST), get(I), i32(4), MUL, ADD, get(SUM), I32_STORE(TOP));
  emit(get(FILLED), get(EL), EQ, IF); // L seen: t = top[L−1] − band (saturating); the row's threshold rises to t
  emit(get(ST), get(EL), i32(4), MUL, ADD, I32_LOAD(TOP - 4), set(TT));
  emit(i32(-(2 ** 31)), get(TT), get(EB), SUB, get(TT), i32(-(2 ** 31)), get(EB), ADD, LT_S, [0x1b], tee(TT)); // select(−2³¹, tt − band, tt < −2³¹ + band)
  emit(get(TP), I32_LOAD(0), GT_S, IF, get(TP), get(TT), I32_STORE(0), END);
  emit(END);
  emit(END);
  emit(get(SUM), get(TP), I32_LOAD(0), LT_S, IF, RETURN, END); // below the threshold now
  emit(get(ST), I32_LOAD(4), tee(WP), get(ST), I32_LOAD(8), EQ, IF); // buffer full: compact
  emit(get(TP), I32_LOAD(0), set(TT), get(ST), I32_LOAD(16), tee(RD), set(A), get(WP), set(EN));
  emit([0x02, 0x40], [0x03, 0x40]);
  emit(get(RD), get(EN), GE_S32, BR_IF(1));
  emit(get(RD), I32_LOAD(4), tee(V), get(TT), GE_S32, IF);
  emit(get(A), get(RD), I32_LOAD(0), I32_STORE(0), get(A), get(V), I32_STORE(4), get(A), i32(8), ADD, set(A));
  emit(END);
  emit(get(RD), i32(8), ADD, set(RD), BR(0));
  emit(END, END);
  emit(get(A), set(WP));
  emit(get(WP), get(ST), I32_LOAD(8), EQ, IF); // nothing freed: overflow (the row is rescanned; stop its emissions)
  emit(get(ST), i32(1), I32_STORE(12), get(TP), i32(2 ** 31 - 1), I32_STORE(0), get(ST), get(WP), I32_STORE(4), RETURN);
  emit(END);
  emit(END);
  emit(get(WP), get(CL), I32_STORE(0), get(WP), get(SUM), I32_STORE(4));
  emit(get(ST), get(WP), i32(8), ADD, I32_STORE(4));
  emit(END);
  const emitBody = [0x01, 0x08, 0x7f, ...code];

  const types = section(1, [0x02, 0x60, 0x0b, ...new Array<number>(11).fill(0x7f), 0x00, 0x60, 0x06, ...new Array<number>(6).fill(0x7f), 0x00]);
  const funcs = section(3, [0x02, 0x00, 0x01]);
  const codeSec = section(10, [0x02, ...uleb(kernelBody.length), ...kernelBody, ...uleb(emitBody.length), ...emitBody]);
  if (shared) {
    // the thread pool's memory: imported, shared, 1 … WASM_POOL_MAX_PAGES pages
    const limits = [0x03, ...uleb(1), ...uleb(WASM_POOL_MAX_PAGES)];
    return Uint8Array.from([
      ...WASM_HEADER,
      ...types,
      ...section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, ...limits]),
      ...funcs,
      ...section(7, [0x01, ...wasmName("kernel"), 0x00, 0x00]),
      ...codeSec,
    ]);
  }
  return Uint8Array.from([
    ...WASM_HEADER,
    ...types,
    ...funcs,
    ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page to start, grown by the caller
    ...section(7, [0x02, ...wasmName("kernel"), 0x00, 0x00, ...wasmName("memory"), 0x02, 0x00]),
    ...codeSec,
  ]);
}

/** Compiled modules by (dp, shared). */
const modules = new Map<string, WebAssembly.Module>();
/** The single-thread instances (each with its own memory) by padded dimension. */
const instances = new Map<number, WebAssembly.Instance>();
/** The pool's handle of each shared module. */
const poolHandles = new WeakMap<WebAssembly.Module, number>();

function moduleFor(dp: number, shared: boolean): WebAssembly.Module {
  const key = `${dp}${shared ? "s" : ""}`;
  let module = modules.get(key);
  if (!module) {
    module = new WebAssembly.Module(buildModule(dp, shared));
    modules.set(key, module);
  }
  return module;
}

/**
 * Int16 dot products of a block of y rows against the packed remaining x columns, keeping per row
 * the exact L largest sums of the valid columns and every sum ≥ (the L-th largest) − band — the
 * candidate list's rule in integers. With a thread pool, the block's row strips are cut into
 * `parts` ranges run over the calling thread and the workers; each row belongs to one part and sees
 * all columns in order, so nothing depends on which thread ran what (and the threads share no
 * state). Create with {@link Int16Dots.create}.
 *
 * Memory layout (bytes): the rows' thresholds (i32), the row states (filled, write pointer, buffer
 * end, overflow flag, buffer start, 3 spare, then the top L), the y block (rows of dp int16, padded
 * to a multiple of R with zero rows whose threshold is 2³¹ − 1), each part's notes of the rows to
 * offer after a strip, the row buffers ([column, sum] pairs), then x: groups of 4 columns, k-pair interleaved (for pair p the 8 int16 [x₀,₂ₚ, x₀,₂ₚ₊₁,
 * x₁,₂ₚ, …, x₃,₂ₚ₊₁] at byte 16p), each followed by its validity mask (4 × i32: −1 valid, 0 taken or
 * padding).
 */
export class Int16Dots {
  /** Rows per tile strip and columns per tile. */
  static readonly R: number = R;
  static readonly tileCols: number = 4 * C;
  /** int16 values per row (d padded with zeros). */
  readonly dp: number;
  /** Column ranges per call (1 without a pool). */
  readonly parts: number;
  /** Threads that run the parts (1: the calling thread only). */
  readonly threads: number;
  /** Candidates per row (the top L). */
  readonly L: number;
  /** Entries a row buffer holds. */
  readonly capacity: number;
  private readonly rowsP: number;
  /** Byte address of row i's threshold: thrByte + 4i. */
  private readonly thrByte = 0;
  /** Byte address of row i's state: stateByte + i·stride. */
  private readonly stateByte: number;
  private readonly stride: number;
  private readonly yByte: number;
  private readonly bufByte: number;
  /** Byte address of part p's notes of the rows to offer after a strip (R of them at most). */
  private readonly pendByte: number;
  private readonly xByte: number;
  private readonly groupBytes: number;
  private readonly maxRows: number;
  private readonly xCols: number;
  private packed = 0;
  private band = 0;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: ((...a: number[]) => void) | undefined;
  private readonly pool: { pool: WasmThreadPool; handle: number } | undefined;
  private readonly args: number[][];
  /** Views of the memory. */
  i16: Int16Array;
  i32: Int32Array;

  private constructor(dp: number, maxRows: number, nCols: number, L: number, threads: number) {
    this.dp = dp;
    this.L = L;
    this.capacity = Math.max(256, 4 * L);
    const pool = threads > 1 ? wasmThreadPool(threads) : undefined;
    this.threads = pool ? pool.threads : 1;
    // two parts (row ranges) per thread: a worker descheduled mid-call holds back a small part only
    this.parts = pool ? 2 * this.threads : 1;
    const rowsP = Math.ceil(maxRows / R) * R;
    const tile = 4 * C;
    this.rowsP = rowsP;
    this.maxRows = maxRows;
    this.xCols = Math.ceil(nCols / tile) * tile;
    this.groupBytes = dp * 8 + 16;
    const align = (b: number): number => Math.ceil(b / 64) * 64;
    this.stride = (STATE_HEAD + L) * 4;
    const thrBytes = align(rowsP * 4);
    const stateBytes = align(rowsP * this.stride);
    const yBytes = align(rowsP * dp * 2);
    const bufBytes = rowsP * this.capacity * 8;
    const pendBytes = this.parts * PEND_PART_BYTES;
    this.stateByte = thrBytes;
    this.yByte = thrBytes + stateBytes;
    this.pendByte = this.yByte + yBytes;
    this.bufByte = this.pendByte + pendBytes;
    this.xByte = align(this.bufByte + bufBytes);
    const bytes = this.xByte + (this.xCols / 4) * this.groupBytes;
    if (pool) {
      if (!pool.reserve(bytes)) throw new RangeError("the shared memory cannot hold the data");
      const module = moduleFor(dp, true);
      let handle = poolHandles.get(module);
      if (handle === undefined) {
        handle = pool.load(module, "kernel");
        poolHandles.set(module, handle);
      }
      this.memory = pool.memory;
      this.pool = { pool, handle };
      this.kernel = undefined;
    } else {
      // one instance per dimension is kept between calls (like the pool's memory): a fresh memory
      // costs a page fault per 4 KiB touched, ~10 ms per call at n = 8000, d = 100 on the bench VM
      let instance = instances.get(dp);
      if (!instance) {
        instance = new WebAssembly.Instance(moduleFor(dp, false), {});
        instances.clear(); // only the latest dimension's memory stays
        instances.set(dp, instance);
      }
      this.memory = instance.exports.memory as WebAssembly.Memory;
      this.memory.grow(Math.ceil(Math.max(0, bytes - this.memory.buffer.byteLength) / PAGE));
      this.kernel = instance.exports.kernel as (...a: number[]) => void;
      this.pool = undefined;
    }
    this.i16 = new Int16Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.args = Array.from({ length: this.parts }, () => new Array<number>(11).fill(0));
  }

  /**
   * Kernel for dimension d, blocks of at most `maxRows` y rows, at most `nCols` packed columns and L
   * candidates per row, on `threads` threads where worker threads and shared memories exist (else
   * 1); undefined without WebAssembly SIMD.
   */
  static create(d: number, maxRows: number, nCols: number, L: number, threads = 1): Int16Dots | undefined {
    if (!wasmSimdAvailable()) return undefined;
    try {
      return new Int16Dots(paddedDim(d), maxRows, nCols, L, threads);
    } catch {
      return undefined;
    }
  }

  /** Packs x columns (all valid): column j is row `positions[j]` of `q` (int16 rows of dp values), j < count ≤ nCols. */
  setColumns(q: Int16Array, positions: Int32Array, count: number): void {
    if (count > this.xCols) throw new RangeError("more columns than reserved");
    const { dp, i32 } = this;
    // a k-pair of one column is one int32 in both layouts (dp is even, rows start 4-byte aligned)
    const src32 = new Int32Array(q.buffer, q.byteOffset, q.length >> 1);
    const half = dp >> 1;
    const groupInts = this.groupBytes >> 2;
    const base = this.xByte >> 2;
    const end = Math.ceil(count / (4 * C)) * 4 * C;
    for (let j = 0; j < end; j++) {
      const g = base + (j >> 2) * groupInts;
      const o = g + (j & 3);
      if (j < count) {
        const src = (positions[j] as number) * half;
        for (let p = 0; p < half; p++) i32[o + 4 * p] = src32[src + p] as number;
      } else {
        for (let p = 0; p < half; p++) i32[o + 4 * p] = 0;
      }
      i32[g + 2 * dp + (j & 3)] = j < count ? -1 : 0; // validity; the padding never counts
    }
    this.packed = count;
  }

  /** Column j (packed index) no longer counts: its sums are never offered. */
  invalidate(j: number): void {
    this.i32[(this.xByte >> 2) + (j >> 2) * (this.groupBytes >> 2) + 2 * this.dp + (j & 3)] = 0;
  }

  /**
   * Copies y rows q0..q0+rows of `q` into the block and resets their states (threshold −2³¹, nothing
   * kept); `band` (an integer ≥ 0) is how far below the L-th largest sum entries are kept.
   */
  setRows(q: Int16Array, q0: number, rows: number, band: number): void {
    if (rows > this.maxRows) throw new RangeError(`at most ${this.maxRows} rows`);
    const { dp, i16, i32, rowsP } = this;
    i16.set(q.subarray(q0 * dp, (q0 + rows) * dp), this.yByte >> 1);
    const rowsR = Math.ceil(rows / R) * R;
    i16.fill(0, (this.yByte >> 1) + rows * dp, (this.yByte >> 1) + rowsR * dp);
    for (let i = 0; i < rowsR; i++) i32[(this.thrByte >> 2) + i] = i < rows ? -(2 ** 31) : INT32_MAX;
    {
      for (let i = 0; i < rowsR; i++) {
        const st = (this.stateByte + i * this.stride) >> 2;
        const buf = this.bufByte + i * this.capacity * 8;
        i32[st] = 0; // filled
        i32[st + 1] = buf; // write pointer
        i32[st + 2] = buf + this.capacity * 8; // end
        i32[st + 3] = 0; // overflow
        i32[st + 4] = buf; // start
      }
    }
    this.band = band;
  }

  /** Scores the block's `rows` rows against all packed columns (see the class comment). */
  run(rows: number): void {
    const tile = 4 * C;
    const { parts } = this;
    const strips = Math.ceil(rows / R);
    const tiles = Math.ceil(this.packed / tile);
    // the parts split the rows (strips of R), each scoring all columns: a row and its state belong
    // to one part, so the threads share no thresholds and each row sees its columns in order
    const per = Math.ceil(strips / parts);
    for (let p = 0; p < parts; p++) {
      const s0 = Math.min(strips, p * per);
      const n = Math.min(strips, s0 + per) - s0;
      const a = this.args[p] as number[];
      a[0] = this.xByte;
      a[1] = 0;
      a[2] = n > 0 ? tiles : 0;
      a[3] = this.yByte + s0 * R * this.dp * 2;
      a[4] = n;
      a[5] = this.stateByte + s0 * R * this.stride;
      a[6] = this.stride;
      a[7] = this.L;
      a[8] = this.band;
      a[9] = this.thrByte + s0 * R * 4;
      a[10] = this.pendByte + p * PEND_PART_BYTES;
    }
    if (this.pool) this.pool.pool.run(this.pool.handle, this.args);
    else for (const a of this.args) (this.kernel as (...a: number[]) => void)(...a);
  }

  /** Whether row i overflowed its buffer (its entries are then incomplete). */
  overflowed(i: number): boolean {
    return this.i32[((this.stateByte + i * this.stride) >> 2) + 3] !== 0;
  }

  /** The i32 index of row i's first entry [column, sum]. */
  start(i: number): number {
    return (this.bufByte >> 2) + i * this.capacity * 2;
  }

  /** The i32 index after row i's last entry (entries in column order). */
  end(i: number): number {
    return (this.i32[((this.stateByte + i * this.stride) >> 2) + 1] as number) >> 2;
  }

  /** Row i's threshold after the last {@link Int16Dots.run}: every sum below it was dropped, and t ≤ (its L-th largest sum) − band. */
  threshold(i: number): number {
    return this.i32[(this.thrByte >> 2) + i] as number;
  }
}
