/**
 * The 4×4 micro-kernel of {@link gemmNT} as a tiny WebAssembly module using 128-bit SIMD
 * (f64x2), generated here byte by byte (no toolchain, no binary blob). It computes exactly what the
 * plain-JS kernel computes — each of the 16 sums accumulated in the same order with separate
 * multiply and add (no fused multiply-add) — so results are bitwise identical; it is only faster.
 * Where WebAssembly SIMD is unavailable, `simdKernel()` returns undefined and the JS kernel runs.
 */
import { section, sleb, uleb } from "@atlas/core";

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
  // params: 0 a (byte ptr), 1 b (byte ptr), 2 kc, 3 tiles, 4 out (byte ptr)
  // locals: 5 p, 6 ai, 7 bi, 8..15 c0..c7 (v128), 16 b01, 17 b23, 18 x
  const get = (i: number): number[] => [0x20, ...uleb(i)];
  const set = (i: number): number[] => [0x21, ...uleb(i)];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
  const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];
  const code: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) code.push(...p);
  };
  const zero = simd(0x0c, ...new Array<number>(16).fill(0));
  // block $done: if tiles == 0 skip
  emit([0x02, 0x40], get(3), [0x45], [0x0d, 0x00]);
  emit([0x03, 0x40]); // loop $tile
  for (let c = 8; c < 16; c++) emit(zero, set(c));
  emit(get(0), set(6), get(1), set(7), get(2), set(5));
  emit([0x03, 0x40]); // loop $k
  emit(get(7), simd(0x00, ...memarg(3, 0)), set(16));
  emit(get(7), simd(0x00, ...memarg(3, 16)), set(17));
  for (let r = 0; r < 4; r++) {
    emit(get(6), simd(0x0a, ...memarg(3, r * 8)), set(18)); // x = v128.load64_splat(a[r]): one instruction instead of f64.load + f64x2.splat
    emit(get(8 + 2 * r), get(18), get(16), simd(0xf2), simd(0xf0), set(8 + 2 * r)); // c += x * b01
    emit(get(9 + 2 * r), get(18), get(17), simd(0xf2), simd(0xf0), set(9 + 2 * r)); // c += x * b23
  }
  emit(get(6), i32(32), [0x6a], set(6)); // ai += 32
  emit(get(7), i32(32), [0x6a], set(7)); // bi += 32
  emit(get(5), i32(1), [0x6b], [0x22, ...uleb(5)]); // p = p - 1 (tee)
  emit([0x0d, 0x00]); // br_if $k
  emit([0x0b]); // end loop $k
  for (let c = 0; c < 8; c++) emit(get(4), get(8 + c), simd(0x0b, ...memarg(3, c * 16)));
  emit(get(4), i32(128), [0x6a], set(4)); // out += 128
  emit(get(1), get(2), i32(32), [0x6c], [0x6a], set(1)); // b += kc * 32
  emit(get(3), i32(1), [0x6b], [0x22, ...uleb(3)], [0x0d, 0x00]); // tiles -= 1; br_if $tile
  emit([0x0b]); // end loop $tile
  emit([0x0b]); // end block
  emit([0x0b]); // end function
  const locals = [0x02, 0x03, 0x7f, 0x0b, 0x7b]; // 3 × i32, 11 × v128
  const body = [...locals, ...code];
  const str = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const bytes = shared
    ? [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
        ...section(2, [0x01, ...str("env"), ...str("memory"), 0x02, 0x03, ...uleb(shared.min), ...uleb(shared.max)]),
        ...section(3, [0x01, 0x00]),
        ...section(7, [0x01, ...str("kernel"), 0x00, 0x00]),
        ...section(10, [0x01, ...uleb(body.length), ...body]),
      ]
    : [
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
        ...section(3, [0x01, 0x00]),
        ...section(5, [0x01, 0x00, ...uleb(pages)]),
        ...section(7, [0x02, ...str("kernel"), 0x00, 0x00, ...str("memory"), 0x02, 0x00]),
        ...section(10, [0x01, ...uleb(body.length), ...body]),
      ];
  return Uint8Array.from(bytes);
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

function buildRowUpdateModule(shared?: { min: number; max: number }): Uint8Array<ArrayBuffer> {
  // rowUpdate(a, v, w, v2, p: byte ptrs, len: i32, vi, wi, v2i: f64) -> f64
  // for j < len: x = a[j] − vi·w[j] − wi·v[j]; a[j] = x; s += x·v2[j]; p[j] += x·v2i; returns s
  // params 0..5 i32, 6..8 f64; locals: 9 VI, 10 WI, 11 V2I, 12 X, 13 S (v128), 14 x, 15 ss (f64), 16 S1 (v128)
  const get = (i: number): number[] => [0x20, ...uleb(i)];
  const set = (i: number): number[] => [0x21, ...uleb(i)];
  const tee = (i: number): number[] => [0x22, ...uleb(i)];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];
  const vload = (off = 0): number[] => simd(0x00, 3, ...uleb(off));
  const vstore = (off = 0): number[] => simd(0x0b, 3, ...uleb(off));
  const fload = [0x2b, 3, 0];
  const fstore = [0x39, 3, 0];
  const MUL = simd(0xf2);
  const ADD = simd(0xf0);
  const SUB = simd(0xf1);
  const code: number[] = [];
  const emit = (...parts: number[][]): void => {
    for (const p of parts) code.push(...p);
  };
  emit(get(6), simd(0x14), set(9), get(7), simd(0x14), set(10), get(8), simd(0x14), set(11));
  emit(simd(0x0c, ...new Array<number>(16).fill(0)), set(13));
  emit(simd(0x0c, ...new Array<number>(16).fill(0)), set(16));
  // main loop, 8 elements per turn (static offsets, two accumulators S and S1 alternating)
  emit([0x02, 0x40], [0x03, 0x40]);
  emit(get(5), i32(8), [0x48], [0x0d, 0x01]); // if len < 8 break
  for (let u = 0; u < 4; u++) {
    const o = 16 * u;
    const acc = u % 2 === 0 ? 13 : 16;
    emit(get(0), get(0), vload(o), get(9), get(2), vload(o), MUL, SUB, get(10), get(1), vload(o), MUL, SUB, tee(12), vstore(o));
    emit(get(acc), get(12), get(3), vload(o), MUL, ADD, set(acc));
    emit(get(4), get(4), vload(o), get(12), get(11), MUL, ADD, vstore(o));
  }
  for (const r of [0, 1, 2, 3, 4]) emit(get(r), i32(64), [0x6a], set(r));
  emit(get(5), i32(8), [0x6b], set(5));
  emit([0x0c, 0x00], [0x0b], [0x0b]);
  emit(get(13), get(16), ADD, set(13));
  emit([0x02, 0x40], [0x03, 0x40]); // block, loop
  emit(get(5), i32(2), [0x48], [0x0d, 0x01]); // if len < 2 break
  // X = a − VI·w − WI·v ; a = X
  emit(get(0), get(0), vload(), get(9), get(2), vload(), MUL, SUB, get(10), get(1), vload(), MUL, SUB, tee(12), vstore());
  // S += X·v2
  emit(get(13), get(12), get(3), vload(), MUL, ADD, set(13));
  // p += X·V2I
  emit(get(4), get(4), vload(), get(12), get(11), MUL, ADD, vstore());
  for (const r of [0, 1, 2, 3, 4]) emit(get(r), i32(16), [0x6a], set(r));
  emit(get(5), i32(2), [0x6b], set(5));
  emit([0x0c, 0x00], [0x0b], [0x0b]); // br loop; end loop; end block
  // tail (len = 1)
  emit(get(5), [0x04, 0x40]);
  emit(get(0), get(0), fload, get(6), get(2), fload, [0xa2], [0xa1], get(7), get(1), fload, [0xa2], [0xa1], tee(14), fstore);
  emit(get(14), get(3), fload, [0xa2], set(15));
  emit(get(4), get(4), fload, get(14), get(8), [0xa2], [0xa0], fstore);
  emit([0x0b]);
  // return lane0 + lane1 + ss
  emit(get(13), simd(0x21, 0), get(13), simd(0x21, 1), [0xa0], get(15), [0xa0]);
  emit([0x0b]);
  const locals = [0x03, 0x05, 0x7b, 0x02, 0x7c, 0x01, 0x7b]; // 9..13 v128, 14..15 f64, 16 v128 (S1)
  const body = [...locals, ...code];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const type = section(1, [0x01, 0x60, 0x09, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7c, 0x7c, 0x7c, 0x01, 0x7c]);
  if (shared) {
    return Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...type,
      ...section(2, [0x01, ...name("env"), ...name("memory"), 0x02, 0x03, ...uleb(shared.min), ...uleb(shared.max)]),
      ...section(3, [0x01, 0x00]),
      ...section(7, [0x01, ...name("rowUpdate"), 0x00, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ]);
  }
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...type,
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...name("rowUpdate"), 0x00, 0x00, ...name("memory"), 0x02, 0x00]),
    ...section(10, [0x01, ...uleb(body.length), ...body]),
  ]);
}

/**
 * The fused row update compiled against an imported shared memory (for worker threads), or
 * undefined without WebAssembly SIMD or shared memories. Export `rowUpdate` takes byte addresses.
 */
export function sharedRowUpdateModule(min: number, max: number): WebAssembly.Module | undefined {
  try {
    if (simdDisabled()) return undefined;
    return new WebAssembly.Module(buildRowUpdateModule({ min, max }));
  } catch {
    return undefined;
  }
}

/** The fused row update of the tridiagonalisation, with its own growable memory. */
export interface SimdRowUpdate {
  /** A float64 view of at least `elements` values (re-created when the memory grows). */
  view(elements: number): Float64Array;
  /** See the module comment: indices are in float64 elements. */
  run(a: number, v: number, w: number, v2: number, p: number, len: number, vi: number, wi: number, v2i: number): number;
}

let rowCached: SimdRowUpdate | null | undefined;

/** The SIMD row update, or undefined without WebAssembly SIMD. */
export function simdRowUpdate(): SimdRowUpdate | undefined {
  if (rowCached !== undefined) return rowCached ?? undefined;
  try {
    if (simdDisabled()) throw new Error("disabled");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(buildRowUpdateModule()), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const fn = instance.exports.rowUpdate as (...args: number[]) => number;
    let f64 = new Float64Array(memory.buffer);
    rowCached = {
      view(elements: number): Float64Array {
        const bytes = elements * 8;
        if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
        if (f64.buffer !== memory.buffer) f64 = new Float64Array(memory.buffer);
        return f64;
      },
      run: (a, v, w, v2, p, len, vi, wi, v2i) => fn(a * 8, v * 8, w * 8, v2 * 8, p * 8, len, vi, wi, v2i),
    };
  } catch {
    rowCached = null;
  }
  return rowCached ?? undefined;
}

function simdDisabled(): boolean {
  return typeof process !== "undefined" && process.env?.ATLAS_NO_SIMD === "1";
}
