import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../errors.js";
import { Rng } from "../rng.js";
import { circle, disjointUniforms, embedOrthonormal, randomOrthonormalMap, sphere, swissRoll, torus, twoRings, uniformSquare } from "./synthetic.js";

/** Largest |f(row)| over all rows. */
function maxOver(data: Float32Array, dim: number, f: (row: Float32Array, i: number) => number): number {
  let m = 0;
  for (let i = 0; i < data.length / dim; i++) m = Math.max(m, Math.abs(f(data.subarray(i * dim, (i + 1) * dim), i)));
  return m;
}

const norm = (r: ArrayLike<number>): number => Math.sqrt(Array.from(r).reduce((s, v) => s + v * v, 0));

describe("swissRoll", () => {
  it("draws θ in [1.5π, 4.5π) and points (θ cos θ, θ sin θ)", () => {
    const s = swissRoll(5000, 1);
    expect(s.n).toBe(5000);
    expect(s.dim).toBe(2);
    expect(s.data.length).toBe(10_000);
    expect(s.params).toEqual({ thetaMin: 1.5 * Math.PI, thetaMax: 4.5 * Math.PI, noise: 0 });
    let lo = Infinity;
    let hi = -Infinity;
    let mean = 0;
    for (const t of s.theta) {
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
      mean += t / s.n;
    }
    expect(lo).toBeGreaterThanOrEqual(Math.fround(1.5 * Math.PI));
    expect(hi).toBeLessThanOrEqual(Math.fround(4.5 * Math.PI));
    // uniform: range nearly covered, mean 3π (sd of the mean = 2π/√12/√5000 ≈ 0.026)
    expect(lo).toBeLessThan(1.5 * Math.PI + 0.02);
    expect(hi).toBeGreaterThan(4.5 * Math.PI - 0.02);
    expect(Math.abs(mean - 3 * Math.PI)).toBeLessThan(0.13);
    // radius equals θ, and the angle of the point is θ mod 2π
    expect(maxOver(s.data, 2, (r, i) => norm(r) - (s.theta[i] as number))).toBeLessThan(1e-5);
    expect(maxOver(s.data, 2, (r, i) => r[0]! - s.theta[i]! * Math.cos(s.theta[i]!))).toBeLessThan(1e-5);
    expect(maxOver(s.data, 2, (r, i) => r[1]! - s.theta[i]! * Math.sin(s.theta[i]!))).toBeLessThan(1e-5);
  });

  it("is reproducible by seed (number or Rng) and differs across seeds", () => {
    expect(swissRoll(100, 7).data).toEqual(swissRoll(100, 7).data);
    expect(swissRoll(100, new Rng(7)).data).toEqual(swissRoll(100, 7).data);
    expect(swissRoll(100, 8).data).not.toEqual(swissRoll(100, 7).data);
  });

  it("adds Gaussian noise of the requested size", () => {
    const clean = swissRoll(20_000, 3);
    const noisy = swissRoll(20_000, 3, { noise: 0.1 });
    expect(noisy.theta).toEqual(clean.theta);
    let ss = 0;
    for (let i = 0; i < clean.data.length; i++) ss += (noisy.data[i]! - clean.data[i]!) ** 2;
    // mean squared displacement per coordinate ≈ 0.01
    expect(ss / clean.data.length).toBeCloseTo(0.01, 3);
  });

  it("rejects bad n, seed and options", () => {
    expect(() => swissRoll(0, 1)).toThrow(InvalidArgumentError);
    expect(() => swissRoll(2.5, 1)).toThrow(/^n: /);
    expect(() => swissRoll(10, -1)).toThrow(/seed/);
    expect(() => swissRoll(10, 1.5)).toThrow(InvalidArgumentError);
    expect(() => swissRoll(10, Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => swissRoll(10, 1, { noise: -1 })).toThrow(/options\.noise/);
    expect(() => swissRoll(10, 1, { embedDim: 1 })).toThrow(/options\.embedDim/);
  });
});

describe("uniformSquare and disjointUniforms", () => {
  it("draws U(0,1)² with the right moments", () => {
    const u = uniformSquare(20_000, 2);
    expect(u.dim).toBe(2);
    let mean = 0;
    let out = 0;
    for (const v of u.data) {
      mean += v / u.data.length;
      if (!(v >= 0 && v < 1)) out++;
    }
    expect(out).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    const cube = uniformSquare(100, 2, { low: -1, high: 3, dim: 5 });
    expect(cube.dim).toBe(5);
    expect(Math.min(...cube.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...cube.data)).toBeLessThan(3);
    expect(() => uniformSquare(10, 1, { low: 1, high: 1 })).toThrow(/options\.high/);
    expect(uniformSquare(50, 4).data).toEqual(uniformSquare(50, 4).data);
  });

  it("puts ⌈n/2⌉ points in [0,1)² and the rest in [1+gap, 2+gap)×[0,1), shuffled", () => {
    const d = disjointUniforms(1001, 5, { gap: 0.5 });
    expect(d.params.boxes).toEqual([
      [0, 1, 0, 1],
      [1.5, 2.5, 0, 1],
    ]);
    let zeros = 0;
    let wrong = 0;
    for (let i = 0; i < d.n; i++) {
      const [x, y] = [d.data[2 * i]!, d.data[2 * i + 1]!];
      const c = d.component[i]!;
      if (c === 0) zeros++;
      const [x0, x1] = c === 0 ? [0, 1] : [1.5, 2.5];
      if (!(x >= x0 && x < x1 && y >= 0 && y < 1)) wrong++;
    }
    expect(zeros).toBe(501);
    expect(wrong).toBe(0);
    // shuffled: both components appear among the first 20 rows
    expect(new Set(d.component.subarray(0, 20)).size).toBe(2);
    expect(() => disjointUniforms(10, 1, { gap: 0 })).toThrow(/options\.gap/);
    expect(disjointUniforms(30, 9).data).toEqual(disjointUniforms(30, 9).data);
  });
});

describe("circle, sphere, torus", () => {
  it("puts circle points at the radius, at their angle", () => {
    const c = circle(2000, 1, { radius: 2.5 });
    expect(maxOver(c.data, 2, (r) => norm(r) - 2.5)).toBeLessThan(1e-6);
    expect(maxOver(c.data, 2, (r, i) => r[0]! - 2.5 * Math.cos(c.angle[i]!))).toBeLessThan(1e-5);
    expect(Math.max(...c.angle)).toBeLessThan(2 * Math.PI + 1e-6);
    expect(() => circle(10, 1, { radius: 0 })).toThrow(/options\.radius/);
  });

  it("puts sphere points at the radius, uniformly (mean ≈ 0)", () => {
    const s = sphere(20_000, 2, { radius: 3, ambientDim: 4 });
    expect(s.dim).toBe(4);
    expect(maxOver(s.data, 4, (r) => norm(r) - 3)).toBeLessThan(1e-5);
    const mean = [0, 0, 0, 0];
    for (let i = 0; i < s.n; i++) for (let j = 0; j < 4; j++) mean[j]! += s.data[i * 4 + j]! / s.n;
    // each coordinate has variance 9/4: sd of the mean = 1.5/√20000 ≈ 0.0106
    for (const m of mean) expect(Math.abs(m)).toBeLessThan(0.06);
    expect(sphere(5, 0).dim).toBe(3);
    expect(() => sphere(10, 1, { ambientDim: 1 })).toThrow(/ambientDim/);
  });

  it("satisfies the torus equation (√(x²+y²) − R)² + z² = r², area-uniform by default", () => {
    const R = 3;
    const r = 1;
    const t = torus(20_000, 4, { majorRadius: R, minorRadius: r });
    expect(t.dim).toBe(3);
    expect(maxOver(t.data, 3, (p) => (Math.hypot(p[0]!, p[1]!) - R) ** 2 + p[2]! ** 2 - r * r)).toBeLessThan(1e-5);
    expect(maxOver(t.data, 3, (p, i) => p[2]! - r * Math.sin(t.poloidal[i]!))).toBeLessThan(1e-5);
    expect(maxOver(t.data, 3, (p, i) => Math.atan2(p[1]!, p[0]!) - Math.atan2(Math.sin(t.toroidal[i]!), Math.cos(t.toroidal[i]!)))).toBeLessThan(1e-4);
    // area-uniform: E[cos v] = (r/2)/R under density ∝ R + r cos v  (∫cos v (R + r cos v) dv / ∫(R + r cos v) dv = r/(2R))
    let meanCos = 0;
    for (const v of t.poloidal) meanCos += Math.cos(v) / t.n;
    expect(Math.abs(meanCos - r / (2 * R))).toBeLessThan(0.02);
    const angles = torus(20_000, 4, { majorRadius: R, minorRadius: r, sampling: "angles" });
    let meanCos2 = 0;
    for (const v of angles.poloidal) meanCos2 += Math.cos(v) / angles.n;
    expect(Math.abs(meanCos2)).toBeLessThan(0.02);
    expect(() => torus(10, 1, { majorRadius: 1, minorRadius: 1 })).toThrow(/minorRadius/);
    expect(() => torus(10, 1, { sampling: "grid" as "area" })).toThrow(/options\.sampling/);
  });

  it("embeds isometrically into a higher dimension with a seeded orthonormal map", () => {
    const low = torus(500, 6);
    const high = torus(500, 6, { embedDim: 10 });
    expect(high.dim).toBe(10);
    expect(high.data.length).toBe(5000);
    const q = high.embedding!;
    expect(q.length).toBe(30);
    // Q Qᵀ = I₃
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < 10; j++) dot += q[a * 10 + j]! * q[b * 10 + j]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 12);
      }
    }
    // projecting back with Qᵀ recovers the 3-D torus, which still satisfies its equation
    let err = 0;
    let torusErr = 0;
    for (let i = 0; i < 500; i++) {
      const back = [0, 1, 2].map((a) => {
        let s = 0;
        for (let j = 0; j < 10; j++) s += high.data[i * 10 + j]! * q[a * 10 + j]!;
        return s;
      });
      for (let a = 0; a < 3; a++) err = Math.max(err, Math.abs(back[a]! - low.data[i * 3 + a]!));
      torusErr = Math.max(torusErr, Math.abs((Math.hypot(back[0]!, back[1]!) - 2) ** 2 + back[2]! ** 2 - 1));
      // norms are preserved
      expect(norm(high.data.subarray(i * 10, i * 10 + 10))).toBeCloseTo(norm(low.data.subarray(i * 3, i * 3 + 3)), 4);
    }
    expect(err).toBeLessThan(1e-5);
    expect(torusErr).toBeLessThan(1e-4);
    // the map depends on embedSeed only, not on the sample seed
    expect(torus(10, 99, { embedDim: 10 }).embedding).toEqual(q);
    expect(torus(10, 6, { embedDim: 10, embedSeed: 1 }).embedding).not.toEqual(q);
    const c = circle(100, 1, { embedDim: 5 });
    expect(maxOver(c.data, 5, (r) => norm(r) - 1)).toBeLessThan(1e-5);
  });

  it("randomOrthonormalMap and embedOrthonormal validate their input", () => {
    expect(() => randomOrthonormalMap(4, 3, 0)).toThrow(/^m: /);
    expect(() => embedOrthonormal({ data: [1, 2, 3], dim: 3 }, new Float64Array(5), 2)).toThrow(InvalidArgumentError);
    expect(() => embedOrthonormal({ data: [1, 2, 3], dim: 3 }, new Float64Array(5), 3)).toThrow(/3 × 3/);
    const q = randomOrthonormalMap(2, 2, 1);
    // a 2 × 2 orthogonal matrix: rotation or reflection, |det| = 1
    expect(Math.abs(q[0]! * q[3]! - q[1]! * q[2]!)).toBeCloseTo(1, 12);
  });
});

describe("twoRings", () => {
  it("puts half the points on each of two circles of radius r: ring 0 in the xy-plane, ring 1 in the xz-plane around (r, 0, 0)", () => {
    const r = 1.5;
    const t = twoRings(5001, 3, { radius: r });
    expect(t.dim).toBe(3);
    expect(t.component.filter((c) => c === 0).length).toBe(2501);
    const err = maxOver(t.data, 3, (p, i) => {
      const a = t.angle[i] as number;
      const expected = t.component[i] === 0 ? [r * Math.cos(a), r * Math.sin(a), 0] : [r + r * Math.cos(a), 0, r * Math.sin(a)];
      return Math.max(...expected.map((e, j) => e - (p[j] as number)));
    });
    expect(err).toBeLessThan(1e-6);
    // the rings are linked: ring 1 passes through ring 0's centre and vice versa, and they never meet
    // (the closest points are r apart: min over a 2000 × 2000 grid of angle pairs is r to 1e-6)
    let min = Infinity;
    for (let i = 0; i < 2000; i++) {
      const u = (2 * Math.PI * i) / 2000;
      for (let j = 0; j < 2000; j++) {
        const v = (2 * Math.PI * j) / 2000;
        min = Math.min(min, Math.hypot(r * Math.cos(u) - r - r * Math.cos(v), r * Math.sin(u), r * Math.sin(v)));
      }
    }
    expect(min).toBeCloseTo(r, 5);
  });

  it("unlinked rings sit around (3r, 0, 0); noise and embedding follow the manifold options; same seed, same set", () => {
    const t = twoRings(400, 1, { linked: false });
    for (let i = 0; i < 400; i++) {
      if (t.component[i] === 1) expect(Math.hypot((t.data[3 * i] as number) - 3, t.data[3 * i + 2] as number)).toBeCloseTo(1, 5);
    }
    const noisy = twoRings(400, 1, { noise: 0.05 });
    expect(Array.from(twoRings(400, 1, { noise: 0.05 }).data)).toEqual(Array.from(noisy.data));
    expect(noisy.params).toEqual({ radius: 1, linked: true, noise: 0.05 });
    expect(twoRings(10, 1, { embedDim: 6 }).dim).toBe(6);
    expect(() => twoRings(10, 1, { linked: "yes" as unknown as boolean })).toThrow(/options\.linked/);
    expect(() => twoRings(0, 1)).toThrow(InvalidArgumentError);
  });
});
