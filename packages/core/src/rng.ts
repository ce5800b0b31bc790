import { InvalidArgumentError, describeValue } from "./errors.js";
import { checkAllocation, checkArgName, checkArray, checkBoolean, checkInteger, checkNumber, checkOptions } from "./validate.js";

/**
 * A seeded pseudo-random stream (xoshiro128**, seeded through splitmix32). Every public Atlas
 * function that samples takes a seed or an `Rng`: same seed, same result, on every platform.
 *
 * @example
 * const rng = new Rng(42);
 * rng.normal(); rng.shuffle([1, 2, 3]);
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    checkInteger("seed", seed, { min: 0, max: 2 ** 53 - 1 });
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high) (finite, low ≤ high). */
  uniform(low = 0, high = 1): number {
    checkRange(low, high);
    return low + (high - low) * this.next();
  }

  /** Normal with the given mean and standard deviation (Marsaglia's polar method). */
  normal(mean = 0, std = 1): number {
    checkNormal(mean, std);
    return this.normalUnchecked(mean, std);
  }

  private normalUnchecked(mean: number, std: number): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * s;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spareNormal = v * f;
    return mean + std * u * f;
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    checkInteger("n", n, { min: 1, max: 2 ** 32 });
    // rejection sampling keeps it exactly uniform
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r: number;
    do r = this.nextUint32();
    while (r >= limit);
    return r % n;
  }

  /** Fill a new Float32Array (or the given array) with uniform values in [low, high). */
  uniformArray(length: number, low = 0, high = 1): Float32Array {
    checkInteger("length", length, { min: 0 });
    checkAllocation("length", length, 4);
    checkRange(low, high);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** A new Float32Array of standard normal values (times std, plus mean). */
  normalArray(length: number, mean = 0, std = 1): Float32Array {
    checkInteger("length", length, { min: 0 });
    checkAllocation("length", length, 4);
    checkNormal(mean, std);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normalUnchecked(mean, std);
    return out;
  }

  /** Shuffle an array in place (Fisher–Yates) and return it. */
  shuffle<T, A extends { length: number; [i: number]: T }>(array: A): A {
    if (!Array.isArray(array) && !(ArrayBuffer.isView(array) && !(array instanceof DataView))) {
      throw new InvalidArgumentError("array", `expected an array or a typed array to shuffle in place, got ${describeValue(array)}`);
    }
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i] as T;
      array[i] = array[j] as T;
      array[j] = t;
    }
    return array;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    checkInteger("n", n, { min: 0, max: 2 ** 31 - 1 });
    checkAllocation("n", n, 4);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * `count` indices from [0, n): without replacement (default) or with it; with `weights`,
   * drawn with probability proportional to the weights (with replacement).
   */
  choice(n: number, count: number, options: { replace?: boolean; weights?: ArrayLike<number> } = {}): Int32Array {
    checkInteger("n", n, { min: 1, max: 2 ** 31 - 1 });
    checkInteger("count", count, { min: 0 });
    checkAllocation("count", count, 4);
    const o = checkOptions("options", options, ["replace", "weights"]);
    const replace = o.replace === undefined ? false : checkBoolean("options.replace", o.replace);
    if (o.weights !== undefined) checkArray("options.weights", o.weights, { length: n, finite: false });
    if (!o.weights && !replace) {
      if (count > n) throw new InvalidArgumentError("count", `expected at most n = ${n} draws without replacement, got ${count}`);
      checkAllocation("n", n, 4);
    }
    const out = new Int32Array(count);
    if (o.weights) {
      const w = o.weights;
      const cum = new Float64Array(n);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const wi = checkNumber(`options.weights[${i}]`, w[i], { min: 0 });
        total += wi;
        cum[i] = total;
      }
      if (!(total > 0) || !Number.isFinite(total)) throw new InvalidArgumentError("options.weights", "expected at least one positive weight, got all zeros");
      for (let c = 0; c < count; c++) {
        const r = this.next() * total;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((cum[mid] as number) > r) hi = mid;
          else lo = mid + 1;
        }
        out[c] = lo;
      }
      return out;
    }
    if (replace) {
      for (let c = 0; c < count; c++) out[c] = this.int(n);
      return out;
    }
    const p = this.permutation(n);
    out.set(p.subarray(0, count));
    return out;
  }

  /**
   * The stream's position, as plain JSON: hand it to {@link Rng.fromState} (or
   * {@link Rng.setState}) to continue exactly where this stream is now, e.g. when a training run
   * resumes from a checkpoint.
   *
   * @example
   * const a = new Rng(1); a.next();
   * const b = Rng.fromState(a.getState());
   * a.next() === b.next(); // true
   */
  getState(): RngState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spareNormal ?? null };
  }

  /** Move this stream to a position saved by {@link Rng.getState}; validates the state first. */
  setState(state: RngState): void {
    checkOptions("state", state, ["words", "spareNormal"], { nullable: ["spareNormal"] });
    const words = checkRngState(state);
    this.s0 = words[0];
    this.s1 = words[1];
    this.s2 = words[2];
    this.s3 = words[3];
    this.spareNormal = state.spareNormal ?? undefined;
  }

  /** A new stream at a position saved by {@link Rng.getState}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** A new, independent stream derived from this one (for handing to a sub-task). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11));
  }
}

/** A saved position of an {@link Rng} (plain JSON): four 32-bit state words and a cached normal. */
export interface RngState {
  /** xoshiro128** state: four unsigned 32-bit integers, not all zero. */
  readonly words: readonly [number, number, number, number];
  /** The second normal of the last polar-method pair, not yet returned (or null). */
  readonly spareNormal: number | null;
}

function checkRngState(state: unknown): [number, number, number, number] {
  const words = (state as { words?: unknown } | null)?.words;
  if (!Array.isArray(words) || words.length !== 4) {
    throw new InvalidArgumentError("state.words", `expected an array of 4 unsigned 32-bit integers, got ${describeValue(words)}`);
  }
  const out = words.map((w, i) => checkInteger(`state.words[${i}]`, w, { min: 0, max: 2 ** 32 - 1 })) as [number, number, number, number];
  if ((out[0] | out[1] | out[2] | out[3]) === 0) throw new InvalidArgumentError("state.words", "expected at least one non-zero word, got all zeros");
  const spare = (state as { spareNormal?: unknown }).spareNormal;
  if (spare !== null && spare !== undefined) checkNumber("state.spareNormal", spare);
  return [out[0] | 0, out[1] | 0, out[2] | 0, out[3] | 0];
}

function checkRange(low: unknown, high: unknown): void {
  // the common case without allocation (called per draw by the samplers)
  if (typeof low === "number" && typeof high === "number" && low <= high && high - low < Infinity && low - low === 0) return;
  checkNumber("low", low);
  checkNumber("high", high, { min: low as number });
  if (!Number.isFinite((high as number) - (low as number))) throw new InvalidArgumentError("high", `high − low must be finite, got ${high} − ${low}`);
}

function checkNormal(mean: unknown, std: unknown): void {
  if (typeof mean === "number" && typeof std === "number" && mean - mean === 0 && std >= 0 && std < Infinity) return;
  checkNumber("mean", mean);
  checkNumber("std", std, { min: 0 });
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seed or a stream: what every sampling function accepts. */
export type RngLike = number | Rng;

/** Turn a seed or an `Rng` into an `Rng` (a number starts a new stream; an `Rng` is used as is). */
export function toRng(seedOrRng: RngLike, name = "seed"): Rng {
  checkArgName(name);
  if (seedOrRng instanceof Rng) return seedOrRng;
  if (typeof seedOrRng === "number" && Number.isInteger(seedOrRng) && seedOrRng >= 0) return new Rng(seedOrRng);
  throw new InvalidArgumentError(name, `expected a non-negative integer seed or an Rng, got ${describeValue(seedOrRng)}`);
}
