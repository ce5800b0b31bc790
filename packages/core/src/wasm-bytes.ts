/**
 * Tiny helpers for generating WebAssembly modules byte by byte (no toolchain, no binary blob), as
 * the SIMD kernels of `@atlas/metrics` and `@atlas/gtn` do. Encodings from the WebAssembly core
 * specification, section 5 (binary format): LEB128 integers, sections as id + size + body, names
 * as length-prefixed UTF-8 (ASCII here).
 */
import { InvalidArgumentError } from "./errors.js";
import { environment } from "./platform/platform.js";
import { checkArray, checkInteger, checkString } from "./validate.js";

const U32_MAX = 2 ** 32 - 1;
const I32_MIN = -(2 ** 31);

/**
 * Unsigned LEB128 encoding of a non-negative integer < 2³² (WebAssembly spec 5.2.2).
 *
 * @example
 * uleb(624485); // [0xe5, 0x8e, 0x26]
 */
export function uleb(n: number): number[] {
  checkInteger("n", n, { min: 0, max: U32_MAX });
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128 encoding of an integer in [−2³¹, 2³¹) (WebAssembly spec 5.2.2), as `i32.const` takes it.
 *
 * @example
 * sleb(-123456); // [0xc0, 0xbb, 0x78]
 */
export function sleb(n: number): number[] {
  checkInteger("n", n, { min: I32_MIN, max: 2 ** 31 - 1 });
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * A module section: its id, the body's byte length (unsigned LEB128), the body (spec 5.5.2).
 *
 * @example
 * section(3, [0x01, 0x00]); // function section, one function of type 0: [3, 2, 1, 0]
 */
export function section(id: number, body: number[]): number[] {
  checkInteger("id", id, { min: 0, max: 255 });
  checkArray("body", body, { integers: { min: 0, max: 255 } });
  return [id, ...uleb(body.length), ...body];
}

/**
 * A name (import/export field) as the binary format stores it: length, then the bytes. ASCII only.
 *
 * @example
 * wasmName("env"); // [3, 0x65, 0x6e, 0x76]
 */
export function wasmName(s: string): number[] {
  checkString("s", s, { allowEmpty: true });
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) throw new InvalidArgumentError("s", `expected an ASCII name, found character code ${s.charCodeAt(i)} at index ${i}`);
  }
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** `local.get i` (spec 5.4.4). @example localGet(3); // [0x20, 3] */
export function localGet(i: number): number[] {
  checkInteger("i", i, { min: 0, max: U32_MAX });
  return [0x20, ...uleb(i)];
}

/** `local.set i` (spec 5.4.4). @example localSet(3); // [0x21, 3] */
export function localSet(i: number): number[] {
  checkInteger("i", i, { min: 0, max: U32_MAX });
  return [0x21, ...uleb(i)];
}

/** `local.tee i` (spec 5.4.4). @example localTee(3); // [0x22, 3] */
export function localTee(i: number): number[] {
  checkInteger("i", i, { min: 0, max: U32_MAX });
  return [0x22, ...uleb(i)];
}

/** `i32.const v` (spec 5.4.7). @example i32Const(-1); // [0x41, 0x7f] */
export function i32Const(v: number): number[] {
  checkInteger("v", v, { min: I32_MIN, max: U32_MAX });
  return [0x41, ...sleb(v)];
}

/**
 * A 128-bit SIMD instruction: prefix 0xfd, the opcode as unsigned LEB128, then its immediates
 * (spec 5.4.8).
 *
 * @example
 * simdOp(0xf0); // f64x2.add: [0xfd, 0xf0, 0x01]
 */
export function simdOp(op: number, ...immediates: number[]): number[] {
  checkInteger("op", op, { min: 0, max: U32_MAX });
  checkArray("immediates", immediates, { integers: { min: 0, max: 255 } });
  return [0xfd, ...uleb(op), ...immediates];
}

/** A memory immediate: alignment exponent and byte offset (spec 5.4.6). @example memarg(3, 16); // [3, 16] */
export function memarg(align: number, offset: number): number[] {
  checkInteger("align", align, { min: 0, max: 16 });
  checkInteger("offset", offset, { min: 0, max: U32_MAX });
  return [...uleb(align), ...uleb(offset)];
}

/** The module preamble: magic `\0asm` and version 1. */
export const WASM_HEADER: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

let simdCached: boolean | undefined;

/**
 * Whether this engine validates 128-bit WebAssembly SIMD (a one-function module using
 * `i32x4.dot_i16x8_s`). False where WebAssembly is missing, and when the environment variable
 * `ATLAS_NO_SIMD=1` asks the kernels to use their plain-JS fallbacks (for tests and comparisons).
 *
 * @example
 * if (wasmSimdAvailable()) {
 *   // build and run a SIMD kernel
 * }
 */
export function wasmSimdAvailable(): boolean {
  if (environment().ATLAS_NO_SIMD === "1") return false;
  if (simdCached !== undefined) return simdCached;
  try {
    // (func (result v128) v128.const 0 v128.const 0 i32x4.dot_i16x8_s)
    const body = [0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0xfd, ...uleb(0xba), 0x0b];
    const bytes = [
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7b]),
      ...section(3, [0x01, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ];
    simdCached = typeof WebAssembly !== "undefined" && WebAssembly.validate(Uint8Array.from(bytes));
  } catch {
    simdCached = false;
  }
  return simdCached;
}

let relaxedCached: boolean | undefined;

/**
 * Whether this runtime validates WebAssembly relaxed SIMD (here: `f64x2.relaxed_madd`, a
 * multiply-add that is fused where the hardware has FMA). On by default from Node 22 (V8 ≥ 11.4)
 * and Chrome 114; Node 20 needs `--experimental-wasm-relaxed-simd`. False under `ATLAS_NO_SIMD=1`.
 *
 * @example
 * if (wasmRelaxedSimdAvailable()) {
 *   // generate kernels with f64x2.relaxed_madd
 * }
 */
export function wasmRelaxedSimdAvailable(): boolean {
  if (!wasmSimdAvailable()) return false;
  if (relaxedCached !== undefined) return relaxedCached;
  try {
    // (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f64x2.relaxed_madd)
    const body = [0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, ...uleb(0x107), 0x0b];
    const bytes = [
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b]),
      ...section(3, [0x01, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ];
    relaxedCached = WebAssembly.validate(Uint8Array.from(bytes));
  } catch {
    relaxedCached = false;
  }
  return relaxedCached;
}
