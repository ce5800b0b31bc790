import { InvalidArgumentError, ShapeMismatchError, describeValue } from "../errors.js";
import type { Matrix } from "../matrix.js";
import { type Rng, type RngLike, toRng } from "../rng.js";
import { checkAllocation, checkArray, checkInteger, checkNumber, checkOneOf, checkOptions } from "../validate.js";

/**
 * A synthetic point set: `n` rows of dimension `dim` (row-major float32, the {@link Matrix} shape),
 * the parameters it was drawn with, and — when embedded into a higher dimension — the map used.
 */
export interface SyntheticSet<P> extends Matrix<Float32Array> {
  readonly params: P;
  /**
   * When `embedDim` was given: the `k × embedDim` row-major matrix `Q` with orthonormal rows that
   * mapped each point `x ∈ R^k` to `x Q ∈ R^embedDim` (so `x = (x Q) Qᵀ`).
   */
  readonly embedding?: Float64Array;
}

/** Options shared by the manifold-shaped sets (swiss roll, circle, sphere, torus). */
export interface ManifoldSetOptions {
  /** Standard deviation of isotropic Gaussian noise added to every coordinate before embedding (default 0). */
  noise?: number;
  /**
   * Embed the points into `R^embedDim` (≥ the set's own dimension) by a random orthonormal map
   * (see {@link randomOrthonormalMap}); distances and norms are preserved. Default: no embedding.
   */
  embedDim?: number;
  /**
   * Seed of the embedding map (default 0), separate from the sample seed so that sets drawn
   * with different seeds (train / test) lie on the same embedded manifold.
   */
  embedSeed?: number;
}

/** Largest magnitude of a size parameter (radius, noise, box bounds): the points are float32. */
const MAX_SCALE = 1e30;

function checkN(n: unknown): number {
  return checkInteger("n", n, { min: 1 });
}

/** n points of `dim` coordinates, held as float64 while drawn: within one array's limit. */
function checkPoints(n: number, dim: number): void {
  checkAllocation("n", n * dim, 8);
}

const MANIFOLD_KEYS = ["noise", "embedDim", "embedSeed"] as const;

function manifoldOptions(options: ManifoldSetOptions, ownDim: number): { noise: number; embedDim: number | undefined; embedSeed: number } {
  const noise = checkNumber("options.noise", options.noise ?? 0, { min: 0, max: MAX_SCALE });
  const embedDim = options.embedDim === undefined ? undefined : checkInteger("options.embedDim", options.embedDim, { min: ownDim, max: 65_536 });
  const embedSeed = checkInteger("options.embedSeed", options.embedSeed ?? 0, { min: 0 });
  return { noise, embedDim, embedSeed };
}

/** Add noise and embed; returns the final data, dimension and map. */
function finish(
  points: Float64Array,
  dim: number,
  rng: Rng,
  opts: { noise: number; embedDim: number | undefined; embedSeed: number },
): { data: Float32Array; dim: number; embedding?: Float64Array } {
  if (opts.noise > 0) for (let i = 0; i < points.length; i++) points[i] = (points[i] as number) + rng.normal(0, opts.noise);
  if (opts.embedDim === undefined) return { data: Float32Array.from(points), dim };
  const q = randomOrthonormalMap(dim, opts.embedDim, opts.embedSeed);
  return { data: embedOrthonormal({ data: points, dim }, q, opts.embedDim), dim: opts.embedDim, embedding: q };
}

/**
 * A random `k × m` matrix (`k ≤ m`, row-major Float64Array) with orthonormal rows, from a seed:
 * Gaussian rows orthonormalised by Gram–Schmidt (twice, for accuracy). Multiplying row vectors
 * of `R^k` by it embeds them isometrically into `R^m`.
 *
 * @example
 * const q = randomOrthonormalMap(3, 10, 0); // 3 × 10, q qᵀ = I₃
 */
export function randomOrthonormalMap(k: number, m: number, seed: RngLike): Float64Array {
  checkInteger("k", k, { min: 1 });
  checkInteger("m", m, { min: 1 });
  if (m < k) throw new ShapeMismatchError("m", `m (${m}) must be at least k (${k}): k orthonormal rows need k ≤ m dimensions`);
  checkAllocation("m", k * m, 8);
  const rng = toRng(seed);
  const q = new Float64Array(k * m);
  for (let i = 0; i < k; i++) {
    for (;;) {
      for (let j = 0; j < m; j++) q[i * m + j] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < i; p++) {
          let dot = 0;
          for (let j = 0; j < m; j++) dot += (q[i * m + j] as number) * (q[p * m + j] as number);
          for (let j = 0; j < m; j++) q[i * m + j] = (q[i * m + j] as number) - dot * (q[p * m + j] as number);
        }
      }
      let norm = 0;
      for (let j = 0; j < m; j++) norm += (q[i * m + j] as number) ** 2;
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let j = 0; j < m; j++) q[i * m + j] = (q[i * m + j] as number) / norm;
        break;
      }
    }
  }
  return q;
}

/**
 * Map each row `x ∈ R^k` of `points` to `x Q ∈ R^m` for a `k × m` map `Q` (e.g. from
 * {@link randomOrthonormalMap}); returns the new rows as float32.
 */
export function embedOrthonormal(points: { data: ArrayLike<number>; dim: number }, map: Float64Array, m: number): Float32Array {
  if (points === null || typeof points !== "object") throw new InvalidArgumentError("points", `expected { data, dim }, got ${describeValue(points)}`);
  const k = checkInteger("points.dim", points.dim, { min: 1 });
  checkArray("points.data", points.data);
  checkInteger("m", m, { min: k });
  const n = points.data.length / k;
  if (!Number.isInteger(n)) throw new InvalidArgumentError("points.data", `length ${points.data.length} is not a multiple of dim ${k}`);
  checkAllocation("m", Math.max(n, k) * m, 4);
  checkArray("map", map);
  if (map.length !== k * m) throw new InvalidArgumentError("map", `expected a ${k} × ${m} matrix (${k * m} values), got ${map.length} values`);
  const out = new Float32Array(n * m);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let a = 0; a < k; a++) {
      const x = points.data[i * k + a] as number;
      for (let j = 0; j < m; j++) row[j] = (row[j] as number) + x * (map[a * m + j] as number);
    }
    out.set(row, i * m);
  }
  return out;
}

/** Parameters of {@link swissRoll}. */
export interface SwissRollParams {
  readonly thetaMin: number;
  readonly thetaMax: number;
  readonly noise: number;
}

/**
 * The 2-D swiss roll of the GTN paper (Levy-Jurgenson & Yakhini, Appendix G): θ ~ U(1.5π, 4.5π),
 * point `(θ cos θ, θ sin θ)`; also returns θ (the intrinsic 1-D coordinate GTN learns).
 *
 * @example
 * const { data, theta } = swissRoll(50_000, 0); // data: 50 000 × 2
 */
export function swissRoll(n: number, seed: RngLike, options: ManifoldSetOptions = {}): SyntheticSet<SwissRollParams> & { readonly theta: Float32Array } {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, MANIFOLD_KEYS);
  const opts = manifoldOptions(options, 2);
  checkPoints(n, opts.embedDim ?? 2);
  const thetaMin = 1.5 * Math.PI;
  const thetaMax = 4.5 * Math.PI;
  const theta = new Float32Array(n);
  const points = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = rng.uniform(thetaMin, thetaMax);
    theta[i] = t;
    points[2 * i] = t * Math.cos(t);
    points[2 * i + 1] = t * Math.sin(t);
  }
  const out = finish(points, 2, rng, opts);
  return { ...out, n, theta, params: { thetaMin, thetaMax, noise: opts.noise } };
}

/** Parameters of {@link uniformSquare}. */
export interface UniformSquareParams {
  readonly low: number;
  readonly high: number;
}

/**
 * Points uniform on the square `[low, high)²` (default the unit square U(0,1)², the GTN paper's
 * 2-D uniform example), or the cube `[low, high)^dim` with `options.dim`.
 *
 * @example
 * const { data } = uniformSquare(100_000, 1); // 100 000 × 2 in [0,1)²
 */
export function uniformSquare(
  n: number,
  seed: RngLike,
  options: { low?: number; high?: number; dim?: number } = {},
): SyntheticSet<UniformSquareParams> {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, ["low", "high", "dim"]);
  const low = checkNumber("options.low", options.low ?? 0, { min: -MAX_SCALE, max: MAX_SCALE });
  const high = checkNumber("options.high", options.high ?? 1, { above: low, max: MAX_SCALE });
  const dim = checkInteger("options.dim", options.dim ?? 2, { min: 1, max: 65_536 });
  checkAllocation("n", n * dim, 4);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < data.length; i++) {
    // float32 rounding could reach `high`; keep the half-open interval
    let v = Math.fround(rng.uniform(low, high));
    if (v >= high) v = Math.fround(low + (high - low) * (1 - 2 ** -24));
    data[i] = v;
  }
  return { data, n, dim, params: { low, high } };
}

/** Parameters of {@link disjointUniforms}: the two boxes `[x0, x1) × [y0, y1)`. */
export interface DisjointUniformsParams {
  readonly gap: number;
  readonly side: number;
  readonly boxes: readonly [readonly [x0: number, x1: number, y0: number, y1: number], readonly [x0: number, x1: number, y0: number, y1: number]];
}

/**
 * Two disjoint uniform squares (the GTN paper's Figure 9 / Appendix C example of data in two
 * components): component 0 is `[0, side)²`, component 1 is `[side + gap, 2·side + gap) × [0, side)`,
 * separated along x by `gap` (default 1, with `side` 1). The first `⌈n/2⌉` draws go to component 0,
 * the rest to component 1, then the rows are shuffled; `component` says which square each row
 * belongs to.
 *
 * @example
 * const { data, component } = disjointUniforms(10_000, 3, { gap: 0.5 });
 */
export function disjointUniforms(
  n: number,
  seed: RngLike,
  options: { gap?: number; side?: number } = {},
): SyntheticSet<DisjointUniformsParams> & { readonly component: Int32Array } {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, ["gap", "side"]);
  const gap = checkNumber("options.gap", options.gap ?? 1, { above: 0, max: MAX_SCALE });
  const side = checkNumber("options.side", options.side ?? 1, { above: 0, max: MAX_SCALE });
  checkAllocation("n", n * 2, 4);
  const boxes = [
    [0, side, 0, side],
    [side + gap, 2 * side + gap, 0, side],
  ] as const;
  const n0 = Math.ceil(n / 2);
  const order = rng.permutation(n);
  const data = new Float32Array(n * 2);
  const component = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i < n0 ? 0 : 1;
    const [x0, x1, y0, y1] = boxes[c];
    const row = order[i] as number;
    component[row] = c;
    data[2 * row] = clampBelow(rng.uniform(x0, x1), x1);
    data[2 * row + 1] = clampBelow(rng.uniform(y0, y1), y1);
  }
  return { data, n, dim: 2, component, params: { gap, side, boxes } };
}

function clampBelow(v: number, high: number): number {
  const f = Math.fround(v);
  return f >= high ? Math.fround(high - Math.abs(high) * 2 ** -23) : f;
}

/** Parameters of {@link circle}. */
export interface CircleParams {
  readonly radius: number;
  readonly noise: number;
}

/**
 * Points on the circle of the given radius (default 1) in R², angle ~ U(0, 2π); returns the angle.
 *
 * @example
 * const { data, angle } = circle(1000, 0, { radius: 2 });
 */
export function circle(n: number, seed: RngLike, options: ManifoldSetOptions & { radius?: number } = {}): SyntheticSet<CircleParams> & { readonly angle: Float32Array } {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, [...MANIFOLD_KEYS, "radius"]);
  const radius = checkNumber("options.radius", options.radius ?? 1, { above: 0, max: MAX_SCALE });
  const opts = manifoldOptions(options, 2);
  checkPoints(n, opts.embedDim ?? 2);
  const angle = new Float32Array(n);
  const points = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(0, 2 * Math.PI);
    angle[i] = a;
    points[2 * i] = radius * Math.cos(a);
    points[2 * i + 1] = radius * Math.sin(a);
  }
  return { ...finish(points, 2, rng, opts), n, angle, params: { radius, noise: opts.noise } };
}

/** Parameters of {@link sphere}. */
export interface SphereParams {
  readonly radius: number;
  readonly ambientDim: number;
  readonly noise: number;
}

/**
 * Points uniform on the sphere `S^{ambientDim−1}` of the given radius (default: the unit 2-sphere
 * in R³), drawn as normalised standard Gaussian vectors.
 *
 * @example
 * const { data } = sphere(2000, 0); // 2000 × 3, every row of norm 1
 */
export function sphere(n: number, seed: RngLike, options: ManifoldSetOptions & { radius?: number; ambientDim?: number } = {}): SyntheticSet<SphereParams> {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, [...MANIFOLD_KEYS, "radius", "ambientDim"]);
  const radius = checkNumber("options.radius", options.radius ?? 1, { above: 0, max: MAX_SCALE });
  const d = checkInteger("options.ambientDim", options.ambientDim ?? 3, { min: 2, max: 65_536 });
  const opts = manifoldOptions(options, d);
  checkPoints(n, Math.max(d, opts.embedDim ?? d));
  const points = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    do {
      norm = 0;
      for (let j = 0; j < d; j++) {
        const g = rng.normal();
        points[i * d + j] = g;
        norm += g * g;
      }
    } while (norm < 1e-12);
    const s = radius / Math.sqrt(norm);
    for (let j = 0; j < d; j++) points[i * d + j] = (points[i * d + j] as number) * s;
  }
  return { ...finish(points, d, rng, opts), n, params: { radius, ambientDim: d, noise: opts.noise } };
}

/** Parameters of {@link torus}. */
export interface TorusParams {
  readonly majorRadius: number;
  readonly minorRadius: number;
  readonly sampling: "area" | "angles";
  readonly noise: number;
}

/**
 * Points on the ring torus in R³ with major radius `R` (default 2) and minor radius `r` (default 1,
 * `0 < r < R`): `((R + r cos v) cos u, (R + r cos v) sin u, r sin v)`, which satisfies
 * `(√(x² + y²) − R)² + z² = r²`. With `sampling: "area"` (default) the points are uniform on the
 * surface (v drawn with density ∝ R + r cos v by rejection); with `"angles"`, u and v are both
 * U(0, 2π). Returns the angles u (`toroidal`) and v (`poloidal`). With `embedDim` the torus is
 * mapped isometrically into a higher dimension (useful for atlas tests: a 2-manifold needing
 * several charts in a high-dimensional space).
 *
 * @example
 * const { data } = torus(5000, 0, { embedDim: 10 }); // 5000 × 10
 */
export function torus(
  n: number,
  seed: RngLike,
  options: ManifoldSetOptions & { majorRadius?: number; minorRadius?: number; sampling?: "area" | "angles" } = {},
): SyntheticSet<TorusParams> & { readonly toroidal: Float32Array; readonly poloidal: Float32Array } {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, [...MANIFOLD_KEYS, "majorRadius", "minorRadius", "sampling"]);
  const R = checkNumber("options.majorRadius", options.majorRadius ?? 2, { above: 0, max: MAX_SCALE });
  const r = checkNumber("options.minorRadius", options.minorRadius ?? 1, { above: 0 });
  if (!(r < R)) throw new InvalidArgumentError("options.minorRadius", `expected a ring torus with minorRadius < majorRadius (${R}), got ${describeValue(r)}`);
  const sampling = checkOneOf("options.sampling", options.sampling ?? "area", ["area", "angles"] as const);
  const opts = manifoldOptions(options, 3);
  checkPoints(n, opts.embedDim ?? 3);
  const toroidal = new Float32Array(n);
  const poloidal = new Float32Array(n);
  const points = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform(0, 2 * Math.PI);
    let v: number;
    if (sampling === "area") {
      do v = rng.uniform(0, 2 * Math.PI);
      while (rng.next() * (R + r) >= R + r * Math.cos(v));
    } else {
      v = rng.uniform(0, 2 * Math.PI);
    }
    toroidal[i] = u;
    poloidal[i] = v;
    const w = R + r * Math.cos(v);
    points[3 * i] = w * Math.cos(u);
    points[3 * i + 1] = w * Math.sin(u);
    points[3 * i + 2] = r * Math.sin(v);
  }
  return { ...finish(points, 3, rng, opts), n, toroidal, poloidal, params: { majorRadius: R, minorRadius: r, sampling, noise: opts.noise } };
}

/** Parameters of {@link twoRings}. */
export interface TwoRingsParams {
  readonly radius: number;
  readonly linked: boolean;
  readonly noise: number;
}

/**
 * Two disjoint circles of radius `r` (default 1) in R³, half of the points on each: ring 0 in the
 * xy-plane around the origin, `(r cos u, r sin u, 0)`; ring 1 in the xz-plane, around `(r, 0, 0)`
 * (`linked`, the default: the two rings are linked like chain links, each passing through the
 * other's centre; the closest points of the two rings are r apart) or around `(3r, 0, 0)` (`linked: false`),
 * `(c + r cos v, 0, r sin v)`. A one-dimensional manifold with two components and non-trivial
 * topology, the VQ-Flows toy setting. The first `⌈n/2⌉` draws go to ring 0, then the rows are
 * shuffled; `component` says which ring each row is on, `angle` its angle on that ring.
 *
 * @example
 * const { data, component } = twoRings(4000, 0, { noise: 0.05 }); // 4000 × 3
 */
export function twoRings(
  n: number,
  seed: RngLike,
  options: ManifoldSetOptions & { radius?: number; linked?: boolean } = {},
): SyntheticSet<TwoRingsParams> & { readonly component: Int32Array; readonly angle: Float32Array } {
  checkN(n);
  const rng = toRng(seed);
  checkOptions("options", options, [...MANIFOLD_KEYS, "radius", "linked"]);
  const radius = checkNumber("options.radius", options.radius ?? 1, { above: 0, max: MAX_SCALE });
  if (options.linked !== undefined && typeof options.linked !== "boolean") {
    throw new InvalidArgumentError("options.linked", `expected true or false, got ${describeValue(options.linked)}`);
  }
  const linked = options.linked ?? true;
  const opts = manifoldOptions(options, 3);
  checkPoints(n, opts.embedDim ?? 3);
  const centre = linked ? radius : 3 * radius;
  const n0 = Math.ceil(n / 2);
  const order = rng.permutation(n);
  const component = new Int32Array(n);
  const angle = new Float32Array(n);
  const points = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const row = order[i] as number;
    const a = rng.uniform(0, 2 * Math.PI);
    component[row] = i < n0 ? 0 : 1;
    angle[row] = a;
    if (i < n0) {
      points[3 * row] = radius * Math.cos(a);
      points[3 * row + 1] = radius * Math.sin(a);
    } else {
      points[3 * row] = centre + radius * Math.cos(a);
      points[3 * row + 2] = radius * Math.sin(a);
    }
  }
  return { ...finish(points, 3, rng, opts), n, component, angle, params: { radius, linked, noise: opts.noise } };
}
