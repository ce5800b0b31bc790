/**
 * Statistics the GTN paper's synthetic experiments are judged by (used by the tests, the bench and
 * the demo).
 */
import { InvalidArgumentError, checkArray, checkFunction, checkNumber } from "@atlas/core";

/** A non-empty array of finite numbers (`pairs`: an even number of them, 2-D points row-major). */
function values(name: string, value: unknown, pairs = false): ArrayLike<number> {
  const a = checkArray(name, value, { minLength: pairs ? 2 : 1 });
  if (pairs && a.length % 2 !== 0) throw new InvalidArgumentError(name, `expected 2-D points row-major (an even number of values), got ${a.length} values`);
  return a;
}

/** Two-sided Kolmogorov–Smirnov statistic sup |F_n − F| of a sample against a continuous CDF. */
export function ks(sample: ArrayLike<number>, cdf: (v: number) => number): number {
  checkFunction("cdf", cdf);
  const s = Float64Array.from(values("sample", sample)).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i] as number);
    if (typeof f !== "number" || !(f >= 0 && f <= 1)) throw new InvalidArgumentError("cdf", `expected a CDF (values in [0, 1]), got ${String(f)} at ${s[i]}`);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return d;
}

const SWISS_LO = 1.5 * Math.PI;
const SWISS_HI = 4.5 * Math.PI;

/**
 * Fraction of generated swiss-roll parameters θ whose point (θ cos θ, θ sin θ) lies within
 * `tolerance` × (radius range 3π) of the true roll {θ ∈ [1.5π, 4.5π]} (paper Figure 3A, Appendix G).
 * Inside the range the distance is 0; outside it is measured to a dense polyline of the roll.
 */
export function swissRollWithin(theta: ArrayLike<number>, tolerance = 0.02): number {
  values("theta", theta);
  checkNumber("tolerance", tolerance, { min: 0 });
  const tol = tolerance * (SWISS_HI - SWISS_LO);
  const m = 20000;
  const curve = new Float64Array(2 * (m + 1));
  for (let i = 0; i <= m; i++) {
    const a = SWISS_LO + ((SWISS_HI - SWISS_LO) * i) / m;
    curve[2 * i] = a * Math.cos(a);
    curve[2 * i + 1] = a * Math.sin(a);
  }
  let within = 0;
  for (let j = 0; j < theta.length; j++) {
    const a = theta[j] as number;
    if (a >= SWISS_LO && a <= SWISS_HI) {
      within++;
      continue;
    }
    const px = a * Math.cos(a);
    const py = a * Math.sin(a);
    let best = Infinity;
    for (let i = 0; i <= m; i++) best = Math.min(best, Math.hypot(px - (curve[2 * i] as number), py - (curve[2 * i + 1] as number)));
    if (best <= tol) within++;
  }
  return within / theta.length;
}

/** Per-axis KS against U(0, 1) and the fraction outside [0, 1]² of 2-D points (row-major). */
export function uniformSquareStats(points: ArrayLike<number>): { ks: [number, number]; outside: number } {
  values("points", points, true);
  const n = points.length / 2;
  const axes = [new Float64Array(n), new Float64Array(n)] as const;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    axes[0][i] = x;
    axes[1][i] = y;
    if (x < 0 || x > 1 || y < 0 || y > 1) outside++;
  }
  const cdf = (v: number): number => Math.min(1, Math.max(0, v));
  return { ks: [ks(axes[0], cdf), ks(axes[1], cdf)], outside: outside / n };
}

/**
 * For core's `disjointUniforms` defaults (squares [0,1]² and [2,3]×[0,1]): the fraction of 2-D
 * points in the gap 1 < x < 2, and the fraction outside both squares.
 */
export function gapFraction(points: ArrayLike<number>, side = 1, gap = 1): { gap: number; outside: number } {
  values("points", points, true);
  checkNumber("side", side, { above: 0 });
  checkNumber("gap", gap, { min: 0 });
  const n = points.length / 2;
  let inGap = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    if (x > side && x < side + gap) inGap++;
    const inY = y >= 0 && y <= side;
    const inA = x >= 0 && x <= side && inY;
    const inB = x >= side + gap && x <= 2 * side + gap && inY;
    if (!inA && !inB) outside++;
  }
  return { gap: inGap / n, outside: outside / n };
}
