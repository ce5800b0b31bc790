/**
 * Exact int16 dot products with a fused threshold test, as a WebAssembly SIMD module generated here
 * byte by byte (encoding helpers from `@atlas/core`). Used by the `'blocks'` labelling strategy as
 * a filter: see `Int16Scorer` in labels.ts for the error bound.
 *
 * Layout in the module's memory (byte offsets fixed at creation, x region last so it can grow):
 * - thresholds: one i32 per y row of the block;
 * - y block: row-major int16 rows of `dp` values (d padded with zeros to `dp`), rows padded with
 *   zeros to a multiple of R (their threshold is 2³¹ − 1, so they never emit);
 * - output records (below);
 * - x: the remaining columns in groups of 4, each group k-pair interleaved: for pair p, the 8 int16
 *   [x₀,₂ₚ, x₀,₂ₚ₊₁, x₁,₂ₚ, x₁,₂ₚ₊₁, x₂,₂ₚ, x₂,₂ₚ₊₁, x₃,₂ₚ, x₃,₂ₚ₊₁] at byte 16p of the group, so one
 *   `i32x4.dot_i16x8_s` against the splat of (y₂ₚ, y₂ₚ₊₁) gives the 4 columns' partial sums for that
 *   pair. Columns are padded with zeros to a multiple of the tile width 4C.
 *
 * The kernel walks column tiles (C groups = 4C columns) and, inside each, strips of R y rows; each
 * R × 4C tile of sums lives in R·C v128 accumulators (no horizontal sums). After a tile, each row's
 * 4C sums are compared with that row's threshold (`i32x4.ge_s`, `v128.any_true`); only when some
 * sum reaches it are the lanes tested one by one, and each sum ≥ the threshold writes a record
 * [row, column, sum] (three i32). All integer arithmetic: the sums are exact.
 */
import { WASM_HEADER, WASM_POOL_MAX_PAGES, section, sleb, uleb, wasmName, wasmSimdAvailable, wasmThreadPool, type WasmThreadPool } from "@atlas/core";

/** Tile rows (y) and column groups (4 x columns each): R·C = 8 accumulators, 16 v128 registers in all. */
const R = 4;
const C = 2;
const PAGE = 65536;
const INT32_MAX = 2 ** 31 - 1;

/** The padded dimension: d rounded up to even (one k-pair per int32 lane). */
export function paddedDim(d: number): number {
  return d + (d % 2);
}

/**
 * kernel(xp, col, tiles, yp, strips, rows). xp: first x group of the first tile; col: its column
 * index; tiles: column tiles; yp: the y block; strips: y strips of R rows; rows: the per-row words
 * [threshold, write pointer] (byte addresses). Each sum ≥ its row's threshold is appended as
 * [column, sum] at the row's write pointer, which advances by 8.
 */
function buildModule(dp: number, shared: boolean): Uint8Array<ArrayBuffer> {
  const pairs = dp / 2;
  const groupBytes = dp * 8; // 4 columns × dp int16
  const rowBytes = dp * 2;
  const get = (i: number): number[] => [0x20, ...uleb(i)];
  const set = (i: number): number[] => [0x21, ...uleb(i)];
  const tee = (i: number): number[] => [0x22, ...uleb(i)];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
  const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];
  const ADD = [0x6a];
  const SUB = [0x6b];
  const V_LOAD = (offset: number): number[] => simd(0x00, ...memarg(4, offset));
  const V_LOAD32_SPLAT = (offset: number): number[] => simd(0x09, ...memarg(2, offset));
  const I32_STORE = (offset: number): number[] => [0x36, ...memarg(2, offset)];
  const I32_LOAD = (offset: number): number[] => [0x28, ...memarg(2, offset)];
  const EXTRACT = (lane: number): number[] => simd(0x1b, lane); // i32x4.extract_lane
  const DOT = simd(0xba); // i32x4.dot_i16x8_s
  const I32X4_ADD = simd(0xae);
  const GE_S = simd(0x3f); // i32x4.ge_s
  const OR = simd(0x50);
  const ANY_TRUE = simd(0x53);
  // params
  const XP = 0, COL = 1, TILES = 2, YP = 3, STRIPS = 4, ROWS = 5;
  // i32 locals
  const YI = 6, TI = 7, S = 8, XK = 9, YK = 10, KC = 11, TS = 12, SV = 13, WP = 14;
  // v128 locals
  const ACC = 15; // R·C of them, acc(r, c) = ACC + r·C + c
  const XV = ACC + R * C; // C
  const YS = XV + C;
  const T = YS + 1;
  const acc = (r: number, c: number): number => ACC + r * C + c;
  const code: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) for (const b of p) code.push(b);
  };
  /** One k-pair p at static offsets from the x base `xb` and y base `yb` locals. */
  const pair = (xb: number, yb: number, p: number): void => {
    for (let c = 0; c < C; c++) emit(get(xb), V_LOAD(c * groupBytes + p * 16), set(XV + c));
    for (let r = 0; r < R; r++) {
      emit(get(yb), V_LOAD32_SPLAT(r * rowBytes + p * 4), set(YS));
      for (let c = 0; c < C; c++) emit(get(acc(r, c)), get(XV + c), get(YS), DOT, I32X4_ADD, set(acc(r, c)));
    }
  };
  emit([0x02, 0x40]); // block $done
  emit(get(TILES), [0x45], [0x0d, 0x00]); // tiles == 0 → done
  emit(get(STRIPS), [0x45], [0x0d, 0x00]); // strips == 0 → done
  emit([0x03, 0x40]); // loop $tile
  emit(get(YP), set(YI), get(ROWS), set(TI), get(STRIPS), set(S));
  emit([0x03, 0x40]); // loop $strip
  for (let a = 0; a < R * C; a++) emit(simd(0x0c, ...new Array<number>(16).fill(0)), set(ACC + a));
  // one k-pair per turn: TurboFan unrolls this small loop itself and keeps the 8 accumulators, the
  // C x vectors and the y splat in registers; an unrolled body (static offsets) measured 3× slower,
  // its scheduler hoisting loads and spilling (10 vs 28 GMAC/s at d = 100 on the bench's EPYC)
  emit(get(XP), set(XK), get(YI), set(YK), i32(pairs), set(KC));
  emit([0x03, 0x40]); // loop $k
  pair(XK, YK, 0);
  emit(get(XK), i32(16), ADD, set(XK));
  emit(get(YK), i32(4), ADD, set(YK));
  emit(get(KC), i32(1), SUB, tee(KC), [0x0d, 0x00]); // br_if $k
  emit([0x0b]); // end loop $k
  for (let r = 0; r < R; r++) {
    emit(get(TI), V_LOAD32_SPLAT(r * 8), set(T));
    emit(get(acc(r, 0)), get(T), GE_S);
    for (let c = 1; c < C; c++) emit(get(acc(r, c)), get(T), GE_S, OR);
    emit(ANY_TRUE, [0x04, 0x40]); // if some lane reaches the threshold: test each lane
    emit(get(TI), I32_LOAD(r * 8), set(TS));
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < 4; j++) {
        emit(get(acc(r, c)), EXTRACT(j), tee(SV), get(TS), [0x4e], [0x04, 0x40]); // i32.ge_s; if
        emit(get(TI), I32_LOAD(r * 8 + 4), tee(WP), get(COL), i32(4 * c + j), ADD, I32_STORE(0)); // [column, sum] at the row's write pointer
        emit(get(WP), get(SV), I32_STORE(4));
        emit(get(TI), get(WP), i32(8), ADD, I32_STORE(r * 8 + 4));
        emit([0x0b]); // end if
      }
    }
    emit([0x0b]); // end if
  }
  emit(get(YI), i32(R * rowBytes), ADD, set(YI));
  emit(get(TI), i32(R * 8), ADD, set(TI));
  emit(get(S), i32(1), SUB, tee(S), [0x0d, 0x00]); // br_if $strip
  emit([0x0b]); // end loop $strip
  emit(get(XP), i32(C * groupBytes), ADD, set(XP));
  emit(get(COL), i32(4 * C), ADD, set(COL));
  emit(get(TILES), i32(1), SUB, tee(TILES), [0x0d, 0x00]); // br_if $tile
  emit([0x0b]); // end loop $tile
  emit([0x0b]); // end block $done
  emit([0x0b]); // end function
  const locals = [0x02, 0x09, 0x7f, ...uleb(T - ACC + 1), 0x7b]; // 9 × i32, then the v128s
  const body = [...locals, ...code];
  const type = section(1, [0x01, 0x60, 0x06, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]);
  const code10 = section(10, [0x01, ...uleb(body.length), ...body]);
  if (shared) {
    // the thread pool's memory: imported, shared, 1 … WASM_POOL_MAX_PAGES pages
    const limits = [0x03, ...uleb(1), ...uleb(WASM_POOL_MAX_PAGES)];
    return Uint8Array.from([
      ...WASM_HEADER,
      type,
      section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, ...limits]),
      section(3, [0x01, 0x00]),
      section(7, [0x01, ...wasmName("kernel"), 0x00, 0x00]),
      code10,
    ].flat());
  }
  return Uint8Array.from([
    ...WASM_HEADER,
    ...type,
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page to start, grown by the caller
    ...section(7, [0x02, ...wasmName("kernel"), 0x00, 0x00, ...wasmName("memory"), 0x02, 0x00]),
    ...code10,
  ]);
}

/** Compiled modules by (dp, shared). */
const modules = new Map<string, WebAssembly.Module>();
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
 * Int16 dot products of a block of y rows against packed x columns, reporting per row the columns
 * whose sum reaches the row's threshold. With a thread pool, each call's column tiles are cut into
 * `parts` consecutive ranges, each with its own output per row, run over the calling thread and the
 * workers; reading a row's entries part by part gives them in column order whichever thread ran
 * which part, so the result never depends on the threads. Create with {@link Int16Dots.create}.
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
  private readonly rowsP: number;
  /** i32 index of part p's row words [threshold, write pointer] of row i: rowBase + 2·(p·rowsP + i). */
  private readonly rowBase: number;
  /** int16 index of the y block. */
  private readonly yBase: number;
  /** i32 index of part p's output for row i: outBase + (p·rowsP + i)·outStride (pairs [column, sum]). */
  private readonly outBase: number;
  private readonly outStride: number;
  private readonly xByte: number;
  private readonly maxRows: number;
  private readonly maxCols: number;
  private readonly xCols: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: ((xp: number, col: number, tiles: number, yp: number, strips: number, rowp: number) => void) | undefined;
  private readonly pool: { pool: WasmThreadPool; handle: number } | undefined;
  private readonly args: number[][];
  /** Views of the memory. */
  i16: Int16Array;
  i32: Int32Array;

  private constructor(dp: number, maxRows: number, maxCols: number, nCols: number, threads: number) {
    this.dp = dp;
    const pool = threads > 1 ? wasmThreadPool(threads) : undefined;
    this.threads = pool ? pool.threads : 1;
    // two parts per thread: a worker that is descheduled mid-call holds back at most a small part
    this.parts = pool ? 2 * this.threads : 1;
    const rowsP = Math.ceil(maxRows / R) * R;
    const tile = 4 * C;
    this.rowsP = rowsP;
    this.maxRows = maxRows;
    this.maxCols = Math.ceil(maxCols / tile) * tile;
    const partCols = Math.ceil(this.maxCols / tile / this.parts) * tile;
    this.xCols = Math.ceil(nCols / tile) * tile;
    const align = (b: number): number => Math.ceil(b / 64) * 64;
    const rowBytes = align(this.parts * rowsP * 8);
    const yBytes = align(rowsP * dp * 2);
    this.outStride = 2 * partCols;
    const outBytes = this.parts * rowsP * this.outStride * 4;
    this.rowBase = 0;
    this.yBase = rowBytes / 2;
    this.outBase = (rowBytes + yBytes) / 4;
    this.xByte = rowBytes + yBytes + outBytes;
    const bytes = this.xByte + this.xCols * dp * 2;
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
      const instance = new WebAssembly.Instance(moduleFor(dp, false), {});
      this.memory = instance.exports.memory as WebAssembly.Memory;
      this.memory.grow(Math.ceil(Math.max(0, bytes - this.memory.buffer.byteLength) / PAGE));
      this.kernel = instance.exports.kernel as NonNullable<Int16Dots["kernel"]>;
      this.pool = undefined;
    }
    this.i16 = new Int16Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.args = Array.from({ length: this.parts }, () => [0, 0, 0, 0, 0, 0]);
  }

  /**
   * Kernel for dimension d, blocks of at most `maxRows` y rows, calls of at most `maxCols` columns
   * and at most `nCols` packed columns, on `threads` threads where worker threads and shared memory
   * exist (else 1); undefined without WebAssembly SIMD.
   */
  static create(d: number, maxRows: number, maxCols: number, nCols: number, threads = 1): Int16Dots | undefined {
    if (!wasmSimdAvailable()) return undefined;
    try {
      return new Int16Dots(paddedDim(d), maxRows, maxCols, nCols, threads);
    } catch {
      return undefined;
    }
  }

  /** Packs x columns: column j is row `positions[j]` of `q` (int16 rows of dp values), j < count ≤ nCols. */
  setColumns(q: Int16Array, positions: Int32Array, count: number): void {
    if (count > this.xCols) throw new RangeError("more columns than reserved");
    const { dp, i32 } = this;
    // a k-pair of one column is one int32 in both layouts (dp is even, rows start 4-byte aligned)
    const src32 = new Int32Array(q.buffer, q.byteOffset, q.length >> 1);
    const half = dp >> 1;
    const base = this.xByte >> 2;
    const end = Math.ceil(count / (4 * C)) * 4 * C;
    for (let j = 0; j < end; j++) {
      const o = base + (j >> 2) * 2 * dp + (j & 3);
      if (j < count) {
        const src = (positions[j] as number) * half;
        for (let p = 0; p < half; p++) i32[o + 4 * p] = src32[src + p] as number;
      } else {
        for (let p = 0; p < half; p++) i32[o + 4 * p] = 0; // zero columns up to the tile width
      }
    }
    this.packed = count;
  }

  private packed = 0;

  /**
   * Copies y rows q0..q0+rows of `q` into the block (zero rows up to a multiple of R, with threshold
   * 2³¹ − 1 so they never emit). Then set each row's threshold with {@link Int16Dots.setThreshold}.
   */
  setRows(q: Int16Array, q0: number, rows: number): void {
    if (rows > this.maxRows) throw new RangeError(`at most ${this.maxRows} rows`);
    const { dp, i16 } = this;
    i16.set(q.subarray(q0 * dp, (q0 + rows) * dp), this.yBase);
    const rowsP = Math.ceil(rows / R) * R;
    i16.fill(0, this.yBase + rows * dp, this.yBase + rowsP * dp);
    for (let i = rows; i < rowsP; i++) this.setThreshold(i, INT32_MAX);
  }

  /** Row i reports the sums ≥ t in the next calls. */
  setThreshold(i: number, t: number): void {
    const { i32, rowsP } = this;
    for (let p = 0; p < this.parts; p++) i32[this.rowBase + 2 * (p * rowsP + i)] = t;
  }

  /**
   * Scores the block's `rows` rows against packed columns [col0, col0 + cols) (col0 a multiple of
   * the tile width, cols ≤ maxCols; the last tile may run into the zero padding or the next columns,
   * so entries can name columns ≥ col0 + cols). Afterwards row i's entries [column, sum], one for
   * every column whose sum is ≥ the row's threshold, in column order, are the pairs at i32 indices
   * {@link Int16Dots.start}(i, p) up to {@link Int16Dots.end}(i, p) for p = 0, 1, … parts − 1.
   */
  run(col0: number, cols: number, rows: number): void {
    const tile = 4 * C;
    if (cols > this.maxCols || col0 % tile !== 0 || col0 + cols > Math.ceil(this.packed / tile) * tile) throw new RangeError("bad column range");
    const { i32, rowsP, parts } = this;
    const strips = Math.ceil(rows / R);
    const tiles = Math.ceil(cols / tile);
    const per = Math.ceil(tiles / parts);
    for (let p = 0; p < parts; p++) {
      const t0 = Math.min(tiles, p * per);
      const n = Math.min(tiles, t0 + per) - t0;
      for (let i = 0; i < strips * R; i++) i32[this.rowBase + 2 * (p * rowsP + i) + 1] = this.start(i, p) * 4;
      const c = col0 + t0 * tile;
      const a = this.args[p] as number[];
      a[0] = this.xByte + (c / 4) * this.dp * 8;
      a[1] = c;
      a[2] = n;
      a[3] = this.yBase * 2;
      a[4] = n > 0 ? strips : 0;
      a[5] = (this.rowBase + 2 * p * rowsP) * 4;
    }
    if (this.pool) this.pool.pool.run(this.pool.handle, this.args);
    else for (const a of this.args) (this.kernel as NonNullable<Int16Dots["kernel"]>)(a[0] as number, a[1] as number, a[2] as number, a[3] as number, a[4] as number, a[5] as number);
  }

  /** The i32 index of row i's first entry in part p. */
  start(i: number, p: number): number {
    return this.outBase + (p * this.rowsP + i) * this.outStride;
  }

  /** The i32 index after row i's last entry in part p of the last {@link Int16Dots.run}. */
  end(i: number, p: number): number {
    return (this.i32[this.rowBase + 2 * (p * this.rowsP + i) + 1] as number) / 4;
  }
}
