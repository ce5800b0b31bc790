/**
 * Float64 reference of the activation gradients that `AtlasActivationGrad` computes, and the bound
 * on their float32 error. Browser-safe; test support only (not exported).
 *
 * Reference (dx = dy·f′(x), differentiated by hand; tfjs's own gradient is held to the same bound
 * in the tests, which checks the formulas):
 *   relu:      f′ = 1 for x > 0, 0 for x ≤ 0;  leakyRelu: f′ = 1 for x > 0, α for x ≤ 0;
 *   swish:     f = x·σ(x),  f′ = σ + x·σ·(1 − σ),  σ = 1/(1 + e^{−x}).
 * ReLU and LeakyReLU are one float32 product (or a copy) on both paths, so they must agree bit for
 * bit; their reference check is |got − ref| ≤ 2u·|ref|, u = 2⁻²⁴ (the product and α in float32).
 *
 * Swish bound, with u = 2⁻²⁴ and the WGSL accuracies (WGSL spec §"Floating Point Accuracy": exp
 * within 3 + 2·|x| ULP, division within 2.5 ULP; 1 ULP ≤ 2u relative): σ̂ = 1/(1 + exp(−x)) has
 * relative error δσ ≤ (3 + 2|x|)·2u + u + 2.5·2u = (12 + 4|x|)·u. The float32 expression
 * dy·σ + (dy·x)·(σ·(1 − σ)) then has absolute error at most
 *   |dy|·σ·δσ + |dy·x|·(σ·δσ + 2u·σ(1 − σ)) + 4u·|dy|·σ·(1 + |x|)
 * (σ's error enters 1 − σ absolutely: σ·δσ, not relative to 1 − σ; four roundings of products and
 * the sum), which is below
 *   bound = (16 + 4|x|)·u·|dy|·σ·(1 + |x|).
 * Valid while exp(−x) stays a normal float32 (|x| ≤ 80; the tests use |x| < 20). A wrong formula,
 * sign or index is an error of order |dy|·σ·(1 + |x|), ~10⁶ times the bound.
 */

/** u = 2⁻²⁴, float32's unit roundoff. */
export const UNIT_ROUNDOFF: number = 2 ** -24;

/** σ(x) in float64. */
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** dy·f′(x) in float64 for each element. */
export function activationGradReference(activation: "relu" | "leakyRelu" | "swish", alpha: number, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const g = dy[i] as number;
    if (activation === "relu") out[i] = Number.isNaN(a) ? Number.NaN : a > 0 ? g : g * 0;
    else if (activation === "leakyRelu") out[i] = a > 0 ? g : g * alpha;
    else {
      const s = sigmoid(a);
      out[i] = g * (s + a * s * (1 - s));
    }
  }
  return out;
}

/** The per-element error bound of a float32 result against {@link activationGradReference}. */
export function activationGradBound(activation: "relu" | "leakyRelu" | "swish", x: ArrayLike<number>, dy: ArrayLike<number>, ref: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i] as number);
    if (activation === "swish") out[i] = (16 + 4 * a) * UNIT_ROUNDOFF * Math.abs(dy[i] as number) * sigmoid(x[i] as number) * (1 + a);
    else out[i] = 2 * UNIT_ROUNDOFF * Math.abs(ref[i] as number);
  }
  return out;
}

/**
 * max |got − ref| / bound over the elements (0 where both are NaN or equal; ∞ where exactly one is
 * NaN or the bound is 0 and they differ).
 */
export function boundedError(got: ArrayLike<number>, ref: ArrayLike<number>, bound: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = got[i] as number;
    const r = ref[i] as number;
    if (Number.isNaN(g) || Number.isNaN(r)) {
      if (!(Number.isNaN(g) && Number.isNaN(r))) return Number.POSITIVE_INFINITY;
      continue;
    }
    const d = Math.abs(g - r);
    if (d === 0) continue;
    const b = bound[i] as number;
    const e = b > 0 ? d / b : Number.POSITIVE_INFINITY;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
