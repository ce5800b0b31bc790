import { describe, expect, it } from "vitest";
import { WASM_HEADER, i32Const, localGet, localSet, localTee, memarg, section, simdOp, sleb, uleb, wasmName, wasmRelaxedSimdAvailable, wasmSimdAvailable } from "./wasm-bytes.js";

describe("wasm-bytes", () => {
  it("encodes LEB128 as the WebAssembly spec's examples", () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it("builds a module that runs: (i32, i32) -> i32 add, exported as 'add'", () => {
    const body = [0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b];
    const bytes = Uint8Array.from([
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]),
      ...section(3, [0x01, 0x00]),
      ...section(7, [0x01, ...wasmName("add"), 0x00, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ]);
    const add = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.add as (a: number, b: number) => number;
    expect(add(2, 40)).toBe(42);
    expect(add(2 ** 31 - 1, 1)).toBe(-(2 ** 31));
  });

  it("encodes instructions that run: local.get/tee, i32.const, a SIMD load and add with memargs", () => {
    expect(localGet(200)).toEqual([0x20, 0xc8, 0x01]);
    expect(i32Const(-1)).toEqual([0x41, 0x7f]);
    expect(simdOp(0xf0)).toEqual([0xfd, 0xf0, 0x01]);
    expect(memarg(3, 16)).toEqual([3, 16]);
    const lane = (l: number): number[] => simdOp(0x21, l); // f64x2.extract_lane
    // (func (param i32 a) (result f64) (local i32 x): x = a·3 (local.tee, its copy stored by local.set);
    // v = f64x2 at bytes 0..16 + f64x2 at 16..32; return v[0] + v[1] + f64(x))
    const code = [
      0x01, 0x01, 0x7f,
      ...localGet(0), ...i32Const(3), 0x6c, ...localTee(1), ...localSet(1),
      ...i32Const(0), ...simdOp(0x00, ...memarg(3, 0)), ...i32Const(0), ...simdOp(0x00, ...memarg(3, 16)), ...simdOp(0xf0), ...lane(0),
      ...i32Const(0), ...simdOp(0x00, ...memarg(3, 0)), ...i32Const(0), ...simdOp(0x00, ...memarg(3, 16)), ...simdOp(0xf0), ...lane(1),
      0xa0, // f64.add
      ...localGet(1), 0xb7, // f64.convert_i32_s
      0xa0,
      0x0b,
    ];
    const bytes = Uint8Array.from([
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7c]),
      ...section(3, [0x01, 0x00]),
      ...section(5, [0x01, 0x00, 0x01]),
      ...section(7, [0x02, ...wasmName("f"), 0x00, 0x00, ...wasmName("memory"), 0x02, 0x00]),
      ...section(10, [0x01, ...uleb(code.length), ...code]),
    ]);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    new Float64Array((inst.exports.memory as WebAssembly.Memory).buffer, 0, 4).set([1, 2, 10, 20]);
    const f = inst.exports.f as (a: number) => number;
    expect(f(5)).toBe(1 + 10 + (2 + 20) + 15);
  });

  it("reports SIMD on this Node (V8 has shipped it since Node 16.4) unless ATLAS_NO_SIMD=1 turns it off", () => {
    const off = process.env.ATLAS_NO_SIMD === "1";
    expect(wasmSimdAvailable()).toBe(!off);
  });
  it("reports relaxed SIMD from Node 22, or on Node 20 with --experimental-wasm-relaxed-simd", () => {
    const on = process.execArgv.includes("--experimental-wasm-relaxed-simd") || Number(process.versions.node.split(".")[0]) >= 22;
    expect(wasmRelaxedSimdAvailable()).toBe(on && process.env.ATLAS_NO_SIMD !== "1");
  });
});
