import { describe, expect, it } from "vitest";
import { WASM_HEADER, section, sleb, uleb, wasmName, wasmSimdAvailable } from "./wasm-bytes.js";

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

  it("reports SIMD on this Node (V8 has shipped it since Node 16.4)", () => {
    expect(wasmSimdAvailable()).toBe(true);
  });
});
