/**
 * Float64 reference of training-mode batch normalisation's gradients, and the scale of their
 * float32 rounding error, for testing `AtlasBatchNormGrad` and the layer that uses it.
 * Browser-safe; test support only (not exported).
 *
 * Reference (x of M rows × C channels, μ, σ² the batch mean and population variance, r = 1/√(σ²+ε),
 * the formulas differentiated by hand and checked against tfjs's own gradient in the tests):
 *   dβ_c = Σ_m dy,  dγ_c = r_c·Σ_m dy·(x − μ_c),  dx = γ_c·r_c·(dy − dβ_c/M − (x − μ_c)·r_c·dγ_c/M).
 *
 * Error scale: every float32 result is a sum of at most M + 4 rounded terms (the sums over M, the
 * moments computed in float32 from the same x, a few products), so its error is at most
 * γ_{M+4}·(Σ of the magnitudes it is made of) (Higham, Accuracy and Stability of Numerical
 * Algorithms, §3.1), times a small factor for the moments' error propagating: the error of the
 * float32 mean, |δμ| ≤ γ_M·mean|x|, enters every (x − μ) term, so the magnitudes of x − μ are
 * counted as |x − μ| + mean|x|. Per element:
 *   scale(dβ_c) = Σ|dy|,
 *   scale(dγ_c) = r_c·A_c + |dγ_c|,   A_c = Σ|dy|·(|x − μ_c| + mean_c|x|),
 *   scale(dx)   = |γ_c|·r_c·(|dy| + Σ|dy|/M + (|x − μ_c| + mean_c|x|)·r_c·A_c/M) + |dx|,
 * and the tests require |got − ref| ≤ 4·γ_{M+4}·scale of both the stock path and Atlas's (4: the
 * moments' error enters twice, through μ and σ², and once more through r; an indexing or formula
 * error is of order 1 on this scale).
 */

/** The reference gradients and their error scales. */
export interface BatchNormReference {
  dx: Float64Array;
  dgamma: Float64Array;
  dbeta: Float64Array;
  dxScale: Float64Array;
  dgammaScale: Float64Array;
  dbetaScale: Float64Array;
  rows: number;
}

/** Gradients of Σ dy·y for y = batchNorm_train(x; γ, β, ε), x as rows × channels (channels last). */
export function batchNormReference(x: ArrayLike<number>, dy: ArrayLike<number>, gamma: ArrayLike<number>, epsilon: number, channels: number): BatchNormReference {
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  const meanAbs = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let m = 0; m < rows; m++)
    for (let c = 0; c < channels; c++) {
      const v = x[m * channels + c] as number;
      mean[c] = (mean[c] as number) + v / rows;
      meanAbs[c] = (meanAbs[c] as number) + Math.abs(v) / rows;
    }
  for (let m = 0; m < rows; m++)
    for (let c = 0; c < channels; c++) {
      const d = (x[m * channels + c] as number) - (mean[c] as number);
      variance[c] = (variance[c] as number) + (d * d) / rows;
    }
  const r = variance.map((v) => 1 / Math.sqrt(v + epsilon));
  const dbeta = new Float64Array(channels);
  const sdx = new Float64Array(channels);
  const dbetaScale = new Float64Array(channels);
  const a = new Float64Array(channels);
  for (let m = 0; m < rows; m++)
    for (let c = 0; c < channels; c++) {
      const i = m * channels + c;
      const g = dy[i] as number;
      const d = (x[i] as number) - (mean[c] as number);
      dbeta[c] = (dbeta[c] as number) + g;
      sdx[c] = (sdx[c] as number) + g * d;
      dbetaScale[c] = (dbetaScale[c] as number) + Math.abs(g);
      a[c] = (a[c] as number) + Math.abs(g) * (Math.abs(d) + (meanAbs[c] as number));
    }
  const dgamma = sdx.map((s, c) => s * (r[c] as number));
  const dgammaScale = a.map((v, c) => v * (r[c] as number) + Math.abs(dgamma[c] as number));
  const dx = new Float64Array(x.length);
  const dxScale = new Float64Array(x.length);
  for (let m = 0; m < rows; m++)
    for (let c = 0; c < channels; c++) {
      const i = m * channels + c;
      const rc = r[c] as number;
      const gc = gamma[c] as number;
      const d = (x[i] as number) - (mean[c] as number);
      const g = dy[i] as number;
      dx[i] = gc * rc * (g - (dbeta[c] as number) / rows - d * rc * ((dgamma[c] as number) / rows));
      dxScale[i] = Math.abs(gc) * rc * (Math.abs(g) + (dbetaScale[c] as number) / rows + (Math.abs(d) + (meanAbs[c] as number)) * rc * ((a[c] as number) / rows)) + Math.abs(dx[i] as number);
    }
  return { dx, dgamma, dbeta, dxScale, dgammaScale, dbetaScale, rows };
}

const u = 2 ** -24;
/** The tolerance on |got − ref| / scale for a reduction over `rows` (see the module comment). */
export function batchNormTolerance(rows: number): number {
  const k = rows + 4;
  return (4 * k * u) / (1 - k * u);
}
