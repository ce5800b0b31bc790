/**
 * The 4×4 micro-kernel of {@link gemmNT} as a tiny WebAssembly module using 128-bit SIMD
 * (f64x2), generated here byte by byte (no toolchain, no binary blob). By default it computes
 * exactly what the plain-JS kernel computes — each of the 16 sums accumulated in the same order
 * with separate multiply and add — so results are bitwise identical; it is only faster. Where the
 * runtime has relaxed SIMD (Node ≥ 22; Node 20 with `--experimental-wasm-relaxed-simd`) the k loop
 * uses `f64x2.relaxed_madd` instead ({@link fusedProducts}): one fused multiply-add per lane where
 * the hardware has FMA, fewer instructions, and sums equal to rounding rather than to the bit
 * (`ATLAS_NO_FMA=1` keeps the unfused kernel). Where WebAssembly SIMD is unavailable,
 * `simdKernel()` returns undefined and the JS kernel runs.
 *
 * Also here: the tridiagonalisation's fused row update (`rowBlock`, see `buildRowBlockModule`),
 * which updates two consecutive rows per pass over memory — with relaxed multiply-adds too when
 * {@link fusedProducts} says so.
 */
import { WASM_HEADER, i32Const, localGet as get, localSet as set, localTee as tee, memarg, section, simdOp, uleb, wasmName, wasmRelaxedSimdAvailable } from "@atlas/core";

/**
 * Whether the product kernels accumulate with fused multiply-adds (`f64x2.relaxed_madd`): the
 * runtime validates relaxed SIMD and `ATLAS_NO_FMA=1` is not set. Results then agree with the
 * plain-JS loops to rounding instead of bit for bit (and still do not depend on the thread count).
 */
export function fusedProducts(): boolean {
  if (typeof process !== "undefined" && process.env?.ATLAS_NO_FMA === "1") return false;
  return wasmRelaxedSimdAvailable();
}

/** Byte offsets inside the module's memory. */
export interface SimdKernel {
  /** The module memory as float64 (packed A at `aBase`, packed B at `bBase`, tiles at `outBase`; indices in elements). */
  readonly f64: Float64Array;
  readonly aBase: number;
  readonly bBase: number;
  readonly outBase: number;
  /**
   * For `tiles` consecutive 4-column strips of packed B (each 4·kc values, starting at element
   * `bIndex`) and the 4-row strip of packed A at element `aIndex`: write the 16 dot products of each
   * tile, row-major, at `outBase + 16·t`.
   */
  run(aIndex: number, bIndex: number, kc: number, tiles: number): void;
}

/**
 * The kernel module. With `pages` it defines and exports its own memory; with `shared` it instead
 * imports a shared memory `env.memory` (limits in 64 KiB pages), so worker threads can run the same
 * kernel on the same data.
 */
function buildModule(pages: number, shared?: { min: number; max: number }): Uint8Array<ArrayBuffer> {
  const fused = fusedProducts();
  const body = tileKernel(false, fused).body();
  const intoC = tileKernel(true, fused).body();
  const pack4 = packStrip().body();
  // types: 0 = kernel (5 × i32), 1 = kernelC (6 × i32, f64), 2 = pack4 (4 × i32)
  const types = section(1, [0x03, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x07, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7c, 0x00, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]);
  const funcs = section(3, [0x03, 0x00, 0x01, 0x02]);
  const codes = section(10, [0x03, ...body, ...intoC, ...pack4]);
  const bytes = shared
    ? [
        ...WASM_HEADER,
        ...types,
        ...section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, 0x03, ...uleb(shared.min), ...uleb(shared.max)]),
        ...funcs,
        ...section(7, [0x03, ...wasmName("kernel"), 0x00, 0x00, ...wasmName("kernelC"), 0x00, 0x01, ...wasmName("pack4"), 0x00, 0x02]),
        ...codes,
      ]
    : [
        ...WASM_HEADER,
        ...types,
        ...funcs,
        ...section(5, [0x01, 0x00, ...uleb(pages)]),
        ...section(7, [0x04, ...wasmName("kernel"), 0x00, 0x00, ...wasmName("kernelC"), 0x00, 0x01, ...wasmName("pack4"), 0x00, 0x02, ...wasmName("memory"), 0x02, 0x00]),
        ...codes,
      ];
  return Uint8Array.from(bytes);
}

/**
 * `pack4(src, ld, kc, dst)` (byte addresses; `ld` in bytes): one 4-row strip of the products'
 * packed layout — rows `src + t·ld` (t < 4), kc values each, interleaved as dst[4p + t] — two
 * columns per turn (a 4×2 transpose in four shuffles), a last odd column one value at a time. Moves
 * values, never rounds them.
 */
function packStrip(): WasmFunction {
  const f = new WasmFunction([I32, I32, I32, I32]);
  const [SRC, LD, KC, DST] = [0, 1, 2, 3] as const;
  const [r1, r2, r3] = [f.local(I32), f.local(I32), f.local(I32)];
  const [A, B, C, D] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const lo = [...Array.from({ length: 8 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => 16 + i)];
  const hi = lo.map((x) => x + 8);
  f.emit(get(SRC), get(LD), IADD, tee(r1), get(LD), IADD, tee(r2), get(LD), IADD, set(r3));
  f.emit([0x02, 0x40], [0x03, 0x40]);
  f.emit(get(KC), i32Const(2), ILT, [0x0d, 0x01]);
  f.emit(get(SRC), vload(), set(A), get(r1), vload(), set(B), get(r2), vload(), set(C), get(r3), vload(), set(D));
  f.emit(get(DST), get(A), get(B), simdOp(0x0d, ...lo), vstore(0));
  f.emit(get(DST), get(C), get(D), simdOp(0x0d, ...lo), vstore(16));
  f.emit(get(DST), get(A), get(B), simdOp(0x0d, ...hi), vstore(32));
  f.emit(get(DST), get(C), get(D), simdOp(0x0d, ...hi), vstore(48));
  for (const r of [SRC, r1, r2, r3]) f.emit(get(r), i32Const(16), IADD, set(r));
  f.emit(get(DST), i32Const(64), IADD, set(DST), get(KC), i32Const(2), ISUB, set(KC));
  f.emit([0x0c, 0x00], [0x0b], [0x0b]);
  f.emit(get(KC), [0x04, 0x40]);
  f.emit(get(DST), get(SRC), fload, [0x39, 3, 0]);
  f.emit(get(DST), get(r1), fload, [0x39, 3, 8]);
  f.emit(get(DST), get(r2), fload, [0x39, 3, 16]);
  f.emit(get(DST), get(r3), fload, [0x39, 3, 24]);
  f.emit([0x0b]);
  return f;
}

/**
 * The 4×4 tile kernels, one k loop for both. `kernel(a, b, kc, tiles, out)` (byte addresses): for
 * `tiles` consecutive 4-column strips of packed B from `b` and the 4-row strip of packed A at `a`,
 * each of the 16 sums accumulated over p in order (separate multiply and add, as the plain-JS tile;
 * with `fused`, one relaxed multiply-add per step), stored row-major at `out + 128·t`.
 * `kernelC(a, b, kc, tiles, c, ldc, alpha)` (`ldc` in bytes, `intoC`): the same tiles, bit for
 * bit, added straight into C instead —
 * `C[r][q] = C[r][q] + alpha·tile[r][q]` (a multiply, then an add, per lane: what the JavaScript
 * update of `kernel`'s output does), tile t at `c + 32·t`; for whole tiles only.
 */
function tileKernel(intoC: boolean, fused: boolean): WasmFunction {
  const f = new WasmFunction(intoC ? [I32, I32, I32, I32, I32, I32, F64] : [I32, I32, I32, I32, I32]);
  const [A, B, KCP, TILES, OUT] = [0, 1, 2, 3, 4] as const; // OUT: the tiles' output, or C
  const [LDC, ALPHA] = [5, 6] as const;
  const [p, ai, bi] = [f.local(I32), f.local(I32), f.local(I32)];
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const [b01, b23, x] = [f.local(V128), f.local(V128), f.local(V128)];
  const [ldc2, ldc3, al] = intoC ? [f.local(I32), f.local(I32), f.local(V128)] : [0, 0, 0];
  if (intoC) {
    f.emit(get(ALPHA), simdOp(0x14), set(al));
    f.emit(get(LDC), get(LDC), IADD, tee(ldc2), get(LDC), IADD, set(ldc3));
  }
  f.emit([0x02, 0x40], get(TILES), [0x45], [0x0d, 0x00]); // block; if tiles == 0 leave
  f.emit([0x03, 0x40]); // loop $tile
  for (const c of acc) f.emit(VZERO, set(c));
  f.emit(get(A), set(ai), get(B), set(bi), get(KCP), set(p));
  f.emit([0x03, 0x40]); // loop $k
  f.emit(get(bi), vload(0), set(b01), get(bi), vload(16), set(b23));
  for (let r = 0; r < 4; r++) {
    // x = v128.load64_splat(a[r]): one instruction instead of f64.load + f64x2.splat
    f.emit(get(ai), simdOp(0x0a, ...memarg(3, r * 8)), set(x));
    for (const [h, b] of [[0, b01], [1, b23]] as const) {
      const c = acc[2 * r + h] as number;
      // c += x·b: f64x2.relaxed_madd(x, b, c), or a multiply then an add
      if (fused) f.emit(get(x), get(b), get(c), MADD, set(c));
      else f.emit(get(c), get(x), get(b), VMUL, VADD, set(c));
    }
  }
  f.emit(get(ai), i32Const(32), IADD, set(ai), get(bi), i32Const(32), IADD, set(bi));
  f.emit(get(p), i32Const(1), ISUB, tee(p), [0x0d, 0x00]); // br_if $k
  f.emit([0x0b]); // end loop $k
  if (intoC) {
    const rowPtr = (r: number): number[] => (r === 0 ? get(OUT) : [...get(OUT), ...get(r === 1 ? LDC : r === 2 ? ldc2 : ldc3), ...IADD]);
    for (let r = 0; r < 4; r++) {
      for (let h = 0; h < 2; h++) f.emit(rowPtr(r), rowPtr(r), vload(16 * h), get(al), get(acc[2 * r + h] as number), VMUL, VADD, vstore(16 * h));
    }
    f.emit(get(OUT), i32Const(32), IADD, set(OUT));
  } else {
    acc.forEach((c, i) => f.emit(get(OUT), get(c), vstore(16 * i)));
    f.emit(get(OUT), i32Const(128), IADD, set(OUT));
  }
  f.emit(get(B), get(KCP), i32Const(32), [0x6c], IADD, set(B)); // b += kc·32
  f.emit(get(TILES), i32Const(1), ISUB, tee(TILES), [0x0d, 0x00]); // br_if $tile
  f.emit([0x0b]); // end loop $tile
  f.emit([0x0b]); // end block
  return f;
}

let cached: SimdKernel | null | undefined;

/** The SIMD kernel sized for panels of `aValues` and `bValues` doubles, or undefined without WebAssembly SIMD. */
export function simdKernel(aValues: number, bValues: number, tiles: number): SimdKernel | undefined {
  if (cached !== undefined) return cached ?? undefined;
  try {
    if (simdDisabled()) throw new Error("disabled");
    const bytesNeeded = (aValues + bValues + tiles * 16) * 8;
    const pages = Math.ceil(bytesNeeded / 65536) + 1;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buildModule(pages)), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const kernel = instance.exports.kernel as (a: number, b: number, kc: number, tiles: number, out: number) => void;
    const f64 = new Float64Array(memory.buffer);
    const aBase = 0;
    const bBase = aValues;
    const outBase = aValues + bValues;
    cached = {
      f64,
      aBase,
      bBase,
      outBase,
      run: (aIndex, bIndex, kc, n) => kernel(aIndex * 8, bIndex * 8, kc, n, outBase * 8),
    };
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}

/**
 * The product kernel compiled against an imported shared memory of `min`…`max` pages (for worker
 * threads), or undefined without WebAssembly SIMD or shared memories. The export `kernel(a, b, kc,
 * tiles, out)` takes byte addresses.
 */
export function sharedKernelModule(min: number, max: number): WebAssembly.Module | undefined {
  try {
    if (simdDisabled()) return undefined;
    return new WebAssembly.Module(buildModule(0, { min, max }));
  } catch {
    return undefined;
  }
}

/** One function of a generated module: typed parameters, locals allocated on demand, code. */
class WasmFunction {
  readonly code: number[] = [];
  private readonly locals: number[] = [];
  constructor(private readonly params: readonly number[]) {}
  /** A new local of type `t` (0x7f i32, 0x7c f64, 0x7b v128); returns its index. */
  local(t: number): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  emit(...parts: readonly (readonly number[])[]): void {
    for (const p of parts) this.code.push(...p);
  }
  /** The function body: local declarations (runs of one type), code, `end`. */
  body(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0] = (last[0] as number) + 1;
      else groups.push([1, t]);
    }
    const out = [...uleb(groups.length), ...groups.flatMap(([c, t]) => [...uleb(c as number), t as number]), ...this.code, 0x0b];
    return [...uleb(out.length), ...out];
  }
}

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const vload = (off = 0): number[] => simdOp(0x00, 3, ...uleb(off));
const vstore = (off = 0): number[] => simdOp(0x0b, 3, ...uleb(off));
const fload = [0x2b, 3, 0];
const fstore = [0x39, 3, 0];
const VMUL = simdOp(0xf2);
const VADD = simdOp(0xf0);
const VSUB = simdOp(0xf1);
/** f64x2.relaxed_madd: a·b + c (relaxed SIMD), fused where the hardware has FMA. */
const MADD = simdOp(0x107);
/** f64x2.relaxed_nmadd: −(a·b) + c. */
const NMADD = simdOp(0x108);
const VZERO = simdOp(0x0c, ...new Array<number>(16).fill(0));
const FADD = [0xa0];
const FSUB = [0xa1];
const FMUL = [0xa2];
const IADD = [0x6a];
const ISUB = [0x6b];
const ISHL = [0x74];
const ILT = [0x48];
const F64_TWO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0x40];
const F64_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];

/** Per-row state of a row update: its constants (splatted and scalar) and its two accumulators. */
interface RowState {
  VI: number;
  WI: number;
  V2I: number;
  vi: number;
  wi: number;
  v2i: number;
  S: number;
  S1: number;
}

/** Loads v[len + r], w[len + r], v2[len + r] into a row's scalars and splats; zeroes its accumulators. */
function emitRowSetup(f: WasmFunction, row: RowState, v: number, w: number, v2: number, len: number, r: number): void {
  const at = (ptr: number): number[] => [...get(ptr), ...get(len), ...i32Const(3), ...ISHL, ...IADD, 0x2b, 3, ...uleb(8 * r)];
  f.emit(at(v), tee(row.vi), simdOp(0x14), set(row.VI));
  f.emit(at(w), tee(row.wi), simdOp(0x14), set(row.WI));
  f.emit(at(v2), tee(row.v2i), simdOp(0x14), set(row.V2I));
  f.emit(VZERO, set(row.S), VZERO, set(row.S1));
}

function newRow(f: WasmFunction): RowState {
  return { VI: f.local(V128), WI: f.local(V128), V2I: f.local(V128), vi: f.local(F64), wi: f.local(F64), v2i: f.local(F64), S: f.local(V128), S1: f.local(V128) };
}

/**
 * Two lanes of one row at byte offset o: X = a − VI·w − WI·v, a = X, acc += X·v2, p += X·V2I — with
 * `fused`, as relaxed multiply-adds: X = nmadd(WI, v, nmadd(VI, w, a)), acc = madd(X, v2, acc),
 * p = madd(X, V2I, p).
 */
function emitRowLanes(f: WasmFunction, row: RowState, acc: number, a: number, v: number, w: number, v2: number, p: number, o: number, X: number, fused: boolean): void {
  if (fused) {
    f.emit(get(a), get(row.VI), get(w), vload(o), get(a), vload(o), NMADD, set(X));
    f.emit(get(row.WI), get(v), vload(o), get(X), NMADD, tee(X), vstore(o));
    f.emit(get(X), get(v2), vload(o), get(acc), MADD, set(acc));
    f.emit(get(p), get(X), get(row.V2I), get(p), vload(o), MADD, vstore(o));
    return;
  }
  f.emit(get(a), get(a), vload(o), get(row.VI), get(w), vload(o), VMUL, VSUB, get(row.WI), get(v), vload(o), VMUL, VSUB, tee(X), vstore(o));
  f.emit(get(acc), get(X), get(v2), vload(o), VMUL, VADD, set(acc));
  f.emit(get(p), get(p), vload(o), get(X), get(row.V2I), VMUL, VADD, vstore(o));
}

/**
 * The rest of one row from the pointers' current position, `rem` elements before its diagonal, with
 * the row's accumulators as they are — exactly the steps of the one-row kernel from there on:
 * 8 elements per turn into S and S1 alternately, then S += S1, 2 per turn into S, a last single
 * element into the scalar ss, s = (S₀ + S₁) + ss; then the diagonal (the pointers end on it):
 * x = a − (2·vi)·wi, a = x, p = (p + s) + x·v2i. Advances the pointer locals it is given.
 */
function emitRowRest(f: WasmFunction, row: RowState, a: number, v: number, w: number, v2: number, p: number, rem: number, t: { X: number; x: number; ss: number }, fused: boolean): void {
  const ptrs = [a, v, w, v2, p];
  f.emit([0x02, 0x40], [0x03, 0x40]);
  f.emit(get(rem), i32Const(8), ILT, [0x0d, 0x01]);
  for (let u = 0; u < 4; u++) {
    const o = 16 * u;
    const acc = u % 2 === 0 ? row.S : row.S1;
    emitRowLanes(f, row, acc, a, v, w, v2, p, o, t.X, fused);
  }
  for (const r of ptrs) f.emit(get(r), i32Const(64), IADD, set(r));
  f.emit(get(rem), i32Const(8), ISUB, set(rem));
  f.emit([0x0c, 0x00], [0x0b], [0x0b]);
  f.emit(get(row.S), get(row.S1), VADD, set(row.S));
  f.emit([0x02, 0x40], [0x03, 0x40]);
  f.emit(get(rem), i32Const(2), ILT, [0x0d, 0x01]);
  emitRowLanes(f, row, row.S, a, v, w, v2, p, 0, t.X, fused);
  for (const r of ptrs) f.emit(get(r), i32Const(16), IADD, set(r));
  f.emit(get(rem), i32Const(2), ISUB, set(rem));
  f.emit([0x0c, 0x00], [0x0b], [0x0b]);
  f.emit(F64_ZERO, set(t.ss));
  f.emit(get(rem), [0x04, 0x40]);
  f.emit(get(a), get(a), fload, get(row.vi), get(w), fload, FMUL, FSUB, get(row.wi), get(v), fload, FMUL, FSUB, tee(t.x), fstore);
  f.emit(get(t.x), get(v2), fload, FMUL, set(t.ss));
  f.emit(get(p), get(p), fload, get(t.x), get(row.v2i), FMUL, FADD, fstore);
  f.emit(get(a), i32Const(8), IADD, set(a), get(p), i32Const(8), IADD, set(p));
  f.emit([0x0b]);
  // diagonal: p = (p + s) + x·v2i with s = (S₀ + S₁) + ss
  f.emit(get(a), get(a), fload, F64_TWO, get(row.vi), FMUL, get(row.wi), FMUL, FSUB, tee(t.x), fstore);
  f.emit(get(p), get(p), fload, get(row.S), simdOp(0x21, 0), get(row.S), simdOp(0x21, 1), FADD, get(t.ss), FADD, FADD, get(t.x), get(row.v2i), FMUL, FADD, fstore);
}

/**
 * A function updating R consecutive rows (row r has len + r elements before its diagonal; row r
 * starts at byte `a + r·stride`): params (a, stride, v, w, v2, p, len), all byte addresses but len.
 * One pass over the first len − len mod 8 columns serves all R rows — w, v, v2 loaded once, p read
 * and written once, p = (…(p + x₀·v2i₀) + x₁·v2i₁ …) — then each row's rest and diagonal in row
 * order, so every value gets the same operations in the same order as R one-row calls.
 */
function rowsFunction(R: number, fused: boolean): WasmFunction {
  const f = new WasmFunction([I32, I32, I32, I32, I32, I32, I32]);
  const [A, STRIDE, V, W, V2, P, LEN] = [0, 1, 2, 3, 4, 5, 6] as const;
  const rows = Array.from({ length: R }, () => newRow(f));
  const t = { X: f.local(V128), x: f.local(F64), ss: f.local(F64) };
  rows.forEach((row, r) => emitRowSetup(f, row, V, W, V2, LEN, r));
  const ra = rows.map(() => f.local(I32));
  const [cv, cw, cv2, cp, rem] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  ra.forEach((l, r) => f.emit(get(A), get(STRIDE), i32Const(r), [0x6c], IADD, set(l)));
  f.emit(get(V), set(cv), get(W), set(cw), get(V2), set(cv2), get(P), set(cp), get(LEN), set(rem));
  if (R > 1) {
    const X = rows.map(() => f.local(V128));
    const [Wv, Vv, T] = [f.local(V128), f.local(V128), f.local(V128)];
    f.emit([0x02, 0x40], [0x03, 0x40]);
    f.emit(get(rem), i32Const(8), ILT, [0x0d, 0x01]);
    for (let u = 0; u < 4; u++) {
      const o = 16 * u;
      f.emit(get(cw), vload(o), set(Wv), get(cv), vload(o), set(Vv));
      rows.forEach((row, r) => {
        const ar = ra[r] as number;
        const xr = X[r] as number;
        if (fused) {
          f.emit(get(ar), get(row.VI), get(Wv), get(ar), vload(o), NMADD, set(xr));
          f.emit(get(row.WI), get(Vv), get(xr), NMADD, tee(xr), vstore(o));
        } else f.emit(get(ar), get(ar), vload(o), get(row.VI), get(Wv), VMUL, VSUB, get(row.WI), get(Vv), VMUL, VSUB, tee(xr), vstore(o));
      });
      f.emit(get(cv2), vload(o), set(T));
      rows.forEach((row, r) => {
        const acc = u % 2 === 0 ? row.S : row.S1;
        if (fused) f.emit(get(X[r] as number), get(T), get(acc), MADD, set(acc));
        else f.emit(get(acc), get(X[r] as number), get(T), VMUL, VADD, set(acc));
      });
      f.emit(get(cp));
      if (fused) {
        // p = madd(X₁, V2I₁, madd(X₀, V2I₀, p)): the rows' terms in row order, as unfused
        f.emit(get(cp), vload(o), set(T));
        rows.forEach((row, r) => f.emit(get(X[r] as number), get(row.V2I), get(T), MADD, set(T)));
        f.emit(get(T));
      } else {
        f.emit(get(cp), vload(o));
        rows.forEach((row, r) => f.emit(get(X[r] as number), get(row.V2I), VMUL, VADD));
      }
      f.emit(vstore(o));
    }
    for (const r of [...ra, cv, cw, cv2, cp]) f.emit(get(r), i32Const(64), IADD, set(r));
    f.emit(get(rem), i32Const(8), ISUB, set(rem));
    f.emit([0x0c, 0x00], [0x0b], [0x0b]);
  }
  const [a, v, w, v2, p, rr] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  rows.forEach((row, r) => {
    f.emit(get(ra[r] as number), set(a), get(cv), set(v), get(cw), set(w), get(cv2), set(v2), get(cp), set(p), get(rem), i32Const(r), IADD, set(rr));
    emitRowRest(f, row, a, v, w, v2, p, rr, t, fused);
  });
  return f;
}

/** Row group sizes of the block kernel (largest first; the last must be 1). */
const ROW_GROUPS = [2, 1] as const;

/**
 * The tridiagonalisation's row-update module. Export `rowBlock(a, stride, v, w, v2, p, len, count)`
 * (byte addresses but stride, len and count, which are in float64 elements): rows t = 0 … count−1
 * at `a + t·stride`, row t with len + t elements before its diagonal, vi = v[len + t],
 * wi = w[len + t], v2i = v2[len + t]:
 *   x = a[j] − vi·w[j] − wi·v[j]; a[j] = x; s += x·v2[j]; p[j] += x·v2i   (j < len + t)
 *   a[diag] −= 2·vi·wi; p[diag] += s + a[diag]·v2i
 * in groups of {@link ROW_GROUPS} rows.
 */
function buildRowBlockModule(shared?: { min: number; max: number }): Uint8Array<ArrayBuffer> {
  const fused = fusedProducts();
  const groups = ROW_GROUPS.map((R) => rowsFunction(R, fused));
  const block = new WasmFunction([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [A, STRIDE, V, W, V2, P, LEN, COUNT] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
  block.emit(get(STRIDE), i32Const(3), ISHL, set(STRIDE));
  ROW_GROUPS.forEach((R, g) => {
    block.emit([0x02, 0x40], [0x03, 0x40]);
    block.emit(get(COUNT), i32Const(R), ILT, [0x0d, 0x01]);
    block.emit(get(A), get(STRIDE), get(V), get(W), get(V2), get(P), get(LEN), [0x10, ...uleb(g)]);
    block.emit(get(A), get(STRIDE), i32Const(R), [0x6c], IADD, set(A));
    block.emit(get(LEN), i32Const(R), IADD, set(LEN), get(COUNT), i32Const(R), ISUB, set(COUNT));
    block.emit([0x0c, 0x00], [0x0b], [0x0b]);
  });
  const nf = ROW_GROUPS.length;
  const types = section(1, [0x02, 0x60, 0x07, ...new Array<number>(7).fill(I32), 0x00, 0x60, 0x08, ...new Array<number>(8).fill(I32), 0x00]);
  const funcs = section(3, [...uleb(nf + 1), ...new Array<number>(nf).fill(0), 0x01]);
  const code = section(10, [...uleb(nf + 1), ...groups.flatMap((g) => g.body()), ...block.body()]);
  if (shared) {
    return Uint8Array.from([
      ...WASM_HEADER,
      ...types,
      ...section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, 0x03, ...uleb(shared.min), ...uleb(shared.max)]),
      ...funcs,
      ...section(7, [0x01, ...wasmName("rowBlock"), 0x00, ...uleb(nf)]),
      ...code,
    ]);
  }
  return Uint8Array.from([
    ...WASM_HEADER,
    ...types,
    ...funcs,
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...wasmName("rowBlock"), 0x00, ...uleb(nf), ...wasmName("memory"), 0x02, 0x00]),
    ...code,
  ]);
}

/**
 * The tridiagonalisation's row-update module compiled against an imported shared memory (for
 * worker threads), or undefined without WebAssembly SIMD or shared memories. Export `rowBlock`
 * (see {@link SimdRowUpdate.run}) takes byte addresses.
 */
export function sharedRowUpdateModule(min: number, max: number): WebAssembly.Module | undefined {
  try {
    if (simdDisabled()) return undefined;
    return new WebAssembly.Module(buildRowBlockModule({ min, max }));
  } catch {
    return undefined;
  }
}

/** The fused row updates of the tridiagonalisation, with their own growable memory. */
export interface SimdRowUpdate {
  /** A float64 view of at least `elements` values (re-created when the memory grows). */
  view(elements: number): Float64Array;
  /**
   * Rows t = 0 … count−1 starting at element `a + t·stride`, row t updated on its first len + t
   * elements and its diagonal (see `buildRowBlockModule`); all indices in float64 elements.
   */
  run(a: number, stride: number, v: number, w: number, v2: number, p: number, len: number, count: number): void;
}

let rowCached: SimdRowUpdate | null | undefined;

/** The SIMD row update, or undefined without WebAssembly SIMD. */
export function simdRowUpdate(): SimdRowUpdate | undefined {
  if (rowCached !== undefined) return rowCached ?? undefined;
  try {
    if (simdDisabled()) throw new Error("disabled");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buildRowBlockModule()), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const fn = instance.exports.rowBlock as (...args: number[]) => void;
    let f64 = new Float64Array(memory.buffer);
    rowCached = {
      view(elements: number): Float64Array {
        const bytes = elements * 8;
        if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
        if (f64.buffer !== memory.buffer) f64 = new Float64Array(memory.buffer);
        return f64;
      },
      run: (a, stride, v, w, v2, p, len, count) => fn(a * 8, stride, v * 8, w * 8, v2 * 8, p * 8, len, count),
    };
  } catch {
    rowCached = null;
  }
  return rowCached ?? undefined;
}

function simdDisabled(): boolean {
  return typeof process !== "undefined" && process.env?.ATLAS_NO_SIMD === "1";
}
