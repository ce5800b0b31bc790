import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { eventLoopYielder, yieldToEventLoop } from "./event-loop.js";

describe("yieldToEventLoop", () => {
  it("lets a pending macrotask run, which awaiting a resolved promise does not", async () => {
    let ran = false;
    setImmediate(() => (ran = true));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(ran).toBe(false);
    await yieldToEventLoop();
    expect(ran).toBe(true);
  });

  it("in a browser-like global (no setImmediate) yields through a MessageChannel, so a pending timer can run", async () => {
    const g = globalThis as { setImmediate?: unknown };
    const saved = g.setImmediate;
    g.setImmediate = undefined;
    try {
      let ran = false;
      const t = setTimeout(() => (ran = true), 0);
      // a timer of 0 ms needs ≥ 1 ms of wall time in Node; a few turns of the loop give it that
      const t0 = performance.now();
      while (!ran && performance.now() - t0 < 2000) await yieldToEventLoop();
      clearTimeout(t);
      expect(ran).toBe(true);
    } finally {
      g.setImmediate = saved;
    }
  });
});

describe("eventLoopYielder", () => {
  it("yields only once everyMs have passed since it last did", async () => {
    let clock = 0;
    const breathe = eventLoopYielder(100, () => clock);
    let ran = false;
    setImmediate(() => (ran = true));
    clock = 99;
    await breathe();
    expect(ran).toBe(false); // not due: returned without a turn of the event loop
    clock = 100;
    await breathe();
    expect(ran).toBe(true);
    let again = false;
    setImmediate(() => (again = true));
    clock = 150; // 50 ms after the last turn
    await breathe();
    expect(again).toBe(false);
    clock = 200;
    await breathe();
    expect(again).toBe(true);
  });

  it("names a bad argument", () => {
    expect(() => eventLoopYielder(-1)).toThrow(/everyMs/);
    expect(() => eventLoopYielder(Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => eventLoopYielder(100, 5 as never)).toThrow(/now: expected a function/);
  });
});
