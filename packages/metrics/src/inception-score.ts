import { InvalidArgumentError, checkInteger } from "@atlas/core";
import { checkOptions, readFeatures, type FeatureInput } from "./features.js";

/** Options for {@link inceptionScore}. */
export interface InceptionScoreOptions {
  /** Number of contiguous splits (default 10, as the original). */
  splits?: number;
}

/** An Inception Score with what it was computed from. */
export interface InceptionScoreResult {
  /** Mean over splits of exp(E_x KL(p(y|x) ‖ p(y))). */
  readonly mean: number;
  /** Standard deviation over splits (divisor = number of splits, as numpy's default). */
  readonly std: number;
  readonly splits: number;
  readonly samples: number;
  /** Number of classes. */
  readonly classes: number;
  readonly extractor: string | undefined;
}

/**
 * Inception Score (Salimans et al. 2016) as the original code computes it: softmax of the logits,
 * `splits` contiguous parts (part k = rows ⌊k·n/splits⌋ … ⌊(k+1)·n/splits⌋ − 1), per part
 * exp(mean_x KL(p(y|x) ‖ p̄(y))) with p̄ the part's marginal, then mean and std (N divisor) over parts.
 * Probabilities are handled in float64 through log-softmax, with 0·log 0 = 0.
 *
 * @example
 * inceptionScore(logits, { splits: 10 }); // { mean, std, ... }
 */
export function inceptionScore(logits: FeatureInput, options: InceptionScoreOptions = {}): InceptionScoreResult {
  checkOptions("options", options, ["splits"]);
  const x = readFeatures("logits", logits, { minRows: 1 });
  const splits = checkInteger("splits", options.splits ?? 10, { min: 1 });
  if (splits > x.n) throw new InvalidArgumentError("splits", `expected at most one split per sample (${x.n} samples), got ${splits}`);
  const n = x.n;
  const c = x.dim;
  // log-softmax rows
  const logp = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x.data[row + j] as number);
    let s = 0;
    for (let j = 0; j < c; j++) s += Math.exp((x.data[row + j] as number) - max);
    const lse = max + Math.log(s);
    for (let j = 0; j < c; j++) logp[row + j] = (x.data[row + j] as number) - lse;
  }
  const scores = new Float64Array(splits);
  const marg = new Float64Array(c);
  const logMarg = new Float64Array(c);
  for (let k = 0; k < splits; k++) {
    const lo = Math.floor((k * n) / splits);
    const hi = Math.floor(((k + 1) * n) / splits);
    marg.fill(0);
    for (let i = lo; i < hi; i++) {
      const row = i * c;
      for (let j = 0; j < c; j++) marg[j] = (marg[j] as number) + Math.exp(logp[row + j] as number);
    }
    for (let j = 0; j < c; j++) logMarg[j] = Math.log((marg[j] as number) / (hi - lo));
    let kl = 0;
    for (let i = lo; i < hi; i++) {
      const row = i * c;
      let s = 0;
      for (let j = 0; j < c; j++) {
        const lp = logp[row + j] as number;
        const p = Math.exp(lp);
        if (p > 0) s += p * (lp - (logMarg[j] as number));
      }
      kl += s;
    }
    scores[k] = Math.exp(kl / (hi - lo));
  }
  let mean = 0;
  for (const s of scores) mean += s;
  mean /= splits;
  let v = 0;
  for (const s of scores) v += (s - mean) * (s - mean);
  return { mean, std: Math.sqrt(v / splits), splits, samples: n, classes: c, extractor: x.extractor };
}
