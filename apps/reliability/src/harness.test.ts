/**
 * The bad-input harness in CI (fixed seed, bounded runs; `harness.slow.test.ts` runs every bad
 * value): for every exported function and method of every package, each argument and option
 * replaced in turn by bad values must give an AtlasError whose code names that argument, or a valid
 * finite result — never another error class, a hang, a crash, a tensor-count change or a broken
 * backend. Each package runs in supervised child processes (see supervise.ts).
 */
import { describe, expect, it } from "vitest";
import { ENFORCED } from "./enforced.js";
import { FAILING, type CallRecord } from "./entry.js";
import { supervise } from "./supervise.js";

const line = (r: CallRecord): string => `${r.outcome} ${r.id} ${r.path} = ${r.label}${r.detail ? ` — ${r.detail}` : ""}`;

describe("bad-input harness (fast run, seed 1)", () => {
  for (const pkg of ENFORCED) {
    it(`@atlas/${pkg}: every bad input gives a clean AtlasError naming the argument, or a valid finite result`, async () => {
      const res = await supervise(pkg, { mode: "fast", seed: 1 });
      expect(res.fatal).toBeUndefined();
      const calls = res.records.filter((r) => r.label !== "valid");
      // the plan is not empty: every entry contributed bad-input calls
      expect(calls.length).toBeGreaterThan(0);
      expect(res.records.length).toBe(res.total);
      expect(res.records.filter((r) => FAILING.has(r.outcome)).map(line)).toEqual([]);
    }, 600_000);
  }
});
