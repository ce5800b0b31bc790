import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { Rng, toRng } from "./rng.js";

describe("Rng", () => {
  it("is reproducible from a seed and differs between seeds", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it("draws uniforms in [0,1) with mean 1/2 and variance 1/12", () => {
    const rng = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    const mean = s / n;
    // standard error of the mean is sqrt(1/12/n) ≈ 6.5e-4; 5 s.e. bound
    expect(Math.abs(mean - 0.5)).toBeLessThan(3.3e-3);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(2e-3);
  });

  it("draws standard normals with mean 0, variance 1 and kurtosis 3", () => {
    const rng = new Rng(2);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.012);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.1);
  });

  it("int(n) is uniform over [0, n)", () => {
    const rng = new Rng(3);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]++;
    // chi-square with 6 dof; 99.9% quantile is 22.46
    const chi2 = counts.reduce((acc, c) => acc + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(22.46);
  });

  it("shuffle and permutation give permutations; choice without replacement is distinct", () => {
    const rng = new Rng(4);
    const p = rng.permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const c = rng.choice(50, 50);
    expect(new Set(c).size).toBe(50);
    expect(() => rng.choice(5, 6)).toThrow(InvalidArgumentError);
  });

  it("choice with weights follows the weights", () => {
    const rng = new Rng(5);
    const draws = rng.choice(3, 60_000, { weights: [1, 0, 2] });
    const counts = [0, 0, 0];
    for (const d of draws) counts[d]!++;
    expect(counts[1]).toBe(0);
    expect(Math.abs((counts[0] as number) / 60_000 - 1 / 3)).toBeLessThan(0.01);
    expect(() => rng.choice(3, 1, { weights: [0, 0, 0] })).toThrow(/weights/);
    expect(() => rng.choice(3, 1, { weights: [1, Number.NaN, 0] })).toThrow(/weights\[1\]/);
  });

  it("rejects bad seeds with an error naming the argument", () => {
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(1.5)).toThrow(InvalidArgumentError);
    expect(() => toRng(Number.NaN as number)).toThrow(/seed: .*NaN/);
    const r = new Rng(9);
    expect(toRng(r)).toBe(r);
  });
});

describe("Rng state", () => {
  it("getState/fromState continue the exact same stream, including a cached normal", () => {
    const a = new Rng(123);
    for (let i = 0; i < 5; i++) a.next();
    a.normal(); // leaves a spare normal cached
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<Rng["getState"]>;
    expect(saved.spareNormal).not.toBeNull();
    const b = Rng.fromState(saved);
    expect([b.normal(), b.next(), b.int(1000), b.normal()]).toEqual([a.normal(), a.next(), a.int(1000), a.normal()]);
    const c = new Rng(9);
    c.setState(saved);
    const d = Rng.fromState(saved);
    expect(Array.from(c.permutation(50))).toEqual(Array.from(d.permutation(50)));
  });

  it("rejects a malformed state, naming the field", () => {
    const rng = new Rng(1);
    expect(() => rng.setState({ words: [0, 0, 0, 0], spareNormal: null })).toThrow(/state\.words/);
    expect(() => Rng.fromState({ words: [1, 2, 3] as unknown as [number, number, number, number], spareNormal: null })).toThrow(InvalidArgumentError);
    expect(() => Rng.fromState({ words: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow(/state\.words\[3\]/);
    expect(() => Rng.fromState({ words: [1, 2, 3, 4], spareNormal: Number.NaN })).toThrow(/state\.spareNormal/);
  });
});
