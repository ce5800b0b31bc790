/** The harness with every canonical bad value and more fast-check draws (ATLAS_SLOW=1). */
import { describe, expect, it } from "vitest";
import { ENFORCED } from "./enforced.js";
import { FAILING, type CallRecord } from "./entry.js";
import { supervise } from "./supervise.js";

const line = (r: CallRecord): string => `${r.outcome} ${r.id} ${r.path} = ${r.label}${r.detail ? ` — ${r.detail}` : ""}`;

describe("bad-input harness (slow run, seeds 1 and 2)", () => {
  for (const pkg of ENFORCED) {
    for (const seed of [1, 2]) {
      it(`@atlas/${pkg}, seed ${seed}`, async () => {
        const res = await supervise(pkg, { mode: "slow", seed });
        expect(res.fatal).toBeUndefined();
        expect(res.records.filter((r) => FAILING.has(r.outcome)).map(line)).toEqual([]);
      }, 3_600_000);
    }
  }
});
