import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { fid, frechetDistance, gaussianStats } from "./index.js";
import { makePair } from "./fixtures/data.js";

const ref = JSON.parse(readFileSync(new URL("./fixtures/reference.json", import.meta.url), "utf8")) as {
  fid: { name: string; seed: number; nA: number; nB: number; dim: number; offset: number; shiftDiv: number; fidEigh: number }[];
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('FID route "cholesky" (opt-in): Σ₁ = LLᵀ, eigenvalues of Lᵀ Σ₂ L', () => {
  for (const c of ref.fid) {
    it(`${c.name}: d=${c.dim}, n=${c.nA}/${c.nB} matches the numpy eigh reference to 1e-9, falling back to the eigen route when n ≤ d`, () => {
      const { a, b } = makePair(c.seed, c.nA, c.nB, c.dim, c.offset, c.shiftDiv);
      const r = fid(a, b, { route: "cholesky" });
      expect(rel(r.fid, c.fidEigh)).toBeLessThanOrEqual(1e-9);
      // rank-deficient Σ₁ (n ≤ d) is not positive definite: the eigen route must have run
      expect(r.route).toBe(c.nA <= c.dim ? "eigen" : "cholesky");
      expect(fid(a, b).route).toBe("eigen");
    });
  }
  it("agrees with the eigen route at d = 300 to 1e-10 (both are ~1e-11 from numpy at this size), with 1 and 2 threads alike (bitwise)", () => {
    const { a, b } = makePair(31, 500, 450, 300);
    const sa = gaussianStats(a);
    const sb = gaussianStats(b);
    const e = frechetDistance(sa, sb);
    const c1 = frechetDistance(sa, sb, { route: "cholesky", threads: 1 });
    const c2 = frechetDistance(sa, sb, { route: "cholesky", threads: 2 });
    expect(c1.route).toBe("cholesky");
    expect(rel(c1.fid, e.fid)).toBeLessThanOrEqual(1e-10);
    expect(Object.is(c1.fid, c2.fid)).toBe(true);
  });
  it("Σ₁ = [[2,1],[1,2]] against I gives 4 − 2√3; a zero Σ₁ falls back", () => {
    const I = { mean: new Float64Array(2), cov: new Float64Array([1, 0, 0, 1]), n: 3, dim: 2 };
    const r = frechetDistance({ mean: new Float64Array(2), cov: new Float64Array([2, 1, 1, 2]), n: 3, dim: 2 }, I, { route: "cholesky" });
    expect(r.route).toBe("cholesky");
    expect(Math.abs(r.fid - (4 - 2 * Math.sqrt(3)))).toBeLessThanOrEqual(1e-14);
    const z = frechetDistance({ mean: new Float64Array(2), cov: new Float64Array(4), n: 3, dim: 2 }, I, { route: "cholesky" });
    expect(z.route).toBe("eigen");
    expect(Math.abs(z.fid - 2)).toBeLessThanOrEqual(1e-15);
  });
  it("rejects an unknown route before any work, naming it", () => {
    const { a, b } = makePair(4, 30, 30, 4);
    expect(() => fid(a, b, { route: "sqrtm" as "eigen" })).toThrow(InvalidArgumentError);
    expect(() => fid(a, b, { route: "sqrtm" as "eigen" })).toThrow(/route/);
  });
});
