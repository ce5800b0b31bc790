import { describe, expect, it } from "vitest";
import { WASM_HEADER, section, sleb, uleb, wasmName } from "./wasm-bytes.js";
import { WASM_POOL_MAX_PAGES, wasmThreadPool } from "./wasm-threads.js";

/** fill(ptr, n, v): writes v + i at i32 index i of [ptr, ptr + 4n) — slowly, so parts overlap in time. */
function fillModule(): WebAssembly.Module {
  const get = (i: number): number[] => [0x20, ...uleb(i)];
  const set = (i: number): number[] => [0x21, ...uleb(i)];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  // locals: 3 i (counter), 4 spin
  const code = [
    ...[0x02, 0x40, 0x03, 0x40], // block loop
    ...get(3), ...get(1), 0x4e, 0x0d, 0x01, // i >= n → break
    ...get(0), ...get(3), ...i32(4), 0x6c, 0x6a, // address ptr + 4i
    ...get(2), ...get(3), 0x6a, // v + i
    0x36, 0x02, 0x00, // i32.store
    ...get(3), ...i32(1), 0x6a, ...set(3),
    0x0c, 0x00, 0x0b, 0x0b, // br loop; end loop; end block
    0x0b,
  ];
  const body = [0x01, 0x01, 0x7f, ...code];
  return new WebAssembly.Module(
    Uint8Array.from([
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]),
      ...section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, 0x03, ...uleb(1), ...uleb(WASM_POOL_MAX_PAGES)]),
      ...section(3, [0x01, 0x00]),
      ...section(7, [0x01, ...wasmName("fill"), 0x00, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ]),
  );
}

describe("wasmThreadPool", () => {
  it("runs every part of a job exactly once over the calling thread and a worker, job after job", () => {
    const pool = wasmThreadPool(2);
    expect(pool).toBeDefined();
    if (!pool) return;
    expect(pool.threads).toBeGreaterThanOrEqual(2);
    expect(wasmThreadPool(1)).toBeUndefined();
    const h = pool.load(fillModule(), "fill");
    const parts = 16;
    const per = 50_000;
    expect(pool.reserve(parts * per * 4)).toBe(true);
    let byWorkers = 0;
    const start = Date.now();
    for (let job = 0; job < 20 || (byWorkers === 0 && Date.now() - start < 10_000); job++) {
      pool.run(
        h,
        Array.from({ length: parts }, (_, p) => [p * per * 4, per, job * 1000 + p * per]),
      );
      const view = new Int32Array(pool.memory.buffer, 0, parts * per);
      let ok = true;
      for (let i = 0; i < view.length; i += 997) if (view[i] !== job * 1000 + i) ok = false;
      expect(ok, `job ${job}`).toBe(true);
      expect(view[view.length - 1]).toBe(job * 1000 + parts * per - 1);
      byWorkers += pool.workerParts;
    }
    expect(byWorkers).toBeGreaterThan(0); // the worker did take parts once it had started
  });

  it("rejects bad handles and too many arguments", () => {
    const pool = wasmThreadPool(2);
    if (!pool) return;
    expect(() => pool.run(999, [[0]])).toThrow(RangeError);
    const h = pool.load(fillModule(), "fill");
    expect(() => pool.run(h, [[0, 1, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]])).toThrow(RangeError);
  });
});
