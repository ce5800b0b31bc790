import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkBoolean, checkOneOf, checkTensor, describeValue } from "@atlas/core";
import { AwaeGan, type AwaeGanForward } from "./awae-gan.js";

// The losses are synchronous tensor functions inside the training step: they check types, shapes
// and dtypes (metadata only) and pass NaN through, as tfjs ops do; the trainers check the data.

const shapeOf = (t: tf.Tensor): string => `[${t.shape.join(", ")}]`;

function sameShape(name: string, t: tf.Tensor, like: tf.Tensor, likeName: string): void {
  if (t.rank !== like.rank || t.shape.some((s, i) => s !== like.shape[i])) {
    throw new ShapeMismatchError(name, `expected the shape of ${likeName} ${shapeOf(like)}, got ${shapeOf(t)}`);
  }
}

/** `psi` [n, m] (float32) and per chart a code [n, latentDim], for `model`. */
function checkChartTerms(model: unknown, psi: unknown, codes: unknown): { m: AwaeGan; psi: tf.Tensor2D; codes: readonly tf.Tensor2D[] } {
  if (!(model instanceof AwaeGan)) throw new InvalidArgumentError("model", `expected an AwaeGan, got ${describeValue(model)}`);
  const p = checkTensor("psi", psi, { inner: [model.charts], dtypes: ["float32"] }) as tf.Tensor2D;
  const c = checkCodes("codes", codes, model.charts, model.latentDim);
  c.forEach((z, y) => {
    if (z.shape[0] !== p.shape[0]) throw new ShapeMismatchError(`codes[${y}]`, `expected ${p.shape[0]} rows like psi, got ${shapeOf(z)}`);
  });
  return { m: model, psi: p, codes: c };
}

function checkCodes(name: string, codes: unknown, charts: number, latentDim: number): readonly tf.Tensor2D[] {
  if (!Array.isArray(codes)) throw new InvalidArgumentError(name, `expected one tensor [n, ${latentDim}] per chart, got ${describeValue(codes)}`);
  if (codes.length !== charts) throw new ShapeMismatchError(name, `expected one tensor per chart (${charts}), got ${codes.length}`);
  codes.forEach((z: unknown, y: number) => checkTensor(`${name}[${y}]`, z, { inner: [latentDim], dtypes: ["float32"] }));
  return codes as tf.Tensor2D[];
}

/**
 * Cost c(x, x̂) of eq. (6): `"l2"` is the Euclidean distance ‖x − x̂‖₂ (the AGM paper, after [15]);
 * `"l2sq"` its square ‖x − x̂‖₂² (the WAE paper's MNIST setting).
 */
export type ReconstructionCost = "l2" | "l2sq";

/** Per-sample cost c(x_i, x̂_i) over all but the first axis: `[n]`. */
export function sampleCost(x: tf.Tensor, xHat: tf.Tensor, cost: ReconstructionCost): tf.Tensor1D {
  checkTensor("x", x);
  if (x.rank < 2) throw new ShapeMismatchError("x", `expected a batch [n, ...], got ${shapeOf(x)}`);
  checkTensor("xHat", xHat);
  sameShape("xHat", xHat, x, "x");
  checkOneOf("cost", cost, ["l2", "l2sq"]);
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
    const sq = tf.sum(tf.squaredDifference(x, xHat), axes) as tf.Tensor1D;
    // ε = 1e-8 keeps the gradient of the square root finite at a perfect reconstruction.
    return cost === "l2" ? (tf.sqrt(tf.add(sq, 1e-8)) as tf.Tensor1D) : sq;
  });
}

/**
 * The ψ-weighted reconstruction term of eq. (6): the encoder sends x to (F_y(x), y) with
 * y ~ ψ(x), so E_x E_{y~ψ(x)} c(x, G_y(F_y(x))) = mean_i Σ_y ψ_y(x_i) · c(x_i, G_y(F_y(x_i))),
 * computed exactly (all m charts are decoded).
 */
export function weightedReconstruction(x: tf.Tensor, fwd: AwaeGanForward, cost: ReconstructionCost): tf.Scalar {
  checkTensor("x", x);
  if (x.rank < 2) throw new ShapeMismatchError("x", `expected a batch [n, ...], got ${shapeOf(x)}`);
  if (fwd === null || typeof fwd !== "object") throw new InvalidArgumentError("fwd", `expected a forward pass { psi, codes, reconstructions }, got ${describeValue(fwd)}`);
  const psi = checkTensor("fwd.psi", fwd.psi, { rank: 2, dtypes: ["float32"] });
  if (psi.shape[0] !== x.shape[0]) throw new ShapeMismatchError("fwd.psi", `expected ${x.shape[0]} rows like x, got ${shapeOf(psi)}`);
  const recs = fwd.reconstructions as unknown;
  if (!Array.isArray(recs) || recs.length !== psi.shape[1]) throw new ShapeMismatchError("fwd.reconstructions", `expected one reconstruction per chart (${psi.shape[1]}), got ${describeValue(recs)}`);
  recs.forEach((r: unknown, y: number) => sameShape(`fwd.reconstructions[${y}]`, checkTensor(`fwd.reconstructions[${y}]`, r), x, "x"));
  checkOneOf("cost", cost, ["l2", "l2sq"]);
  return tf.tidy(() => {
    const costs = tf.stack(fwd.reconstructions.map((r) => sampleCost(x, r, cost)), 1); // [n, m]
    return tf.mean(tf.sum(tf.mul(fwd.psi, costs), 1)) as tf.Scalar;
  });
}

/**
 * The encoder's adversarial term (non-saturating JS-GAN form, as in the WAE-GAN): with one latent
 * discriminator D_y per chart, −mean_i Σ_y ψ_y(x_i) · log D_y(F_y(x_i)), where
 * log D = log σ(t) = −softplus(−t) for the discriminator logit t.
 */
export function encoderAdversarial(model: AwaeGan, psi: tf.Tensor2D, codes: readonly tf.Tensor2D[], training: boolean): tf.Scalar {
  checkChartTerms(model, psi, codes);
  checkBoolean("training", training);
  return tf.tidy(() => {
    const terms = codes.map((z, y) => {
      const t = model.nets.discriminators[y]!.apply(z, { training }) as tf.Tensor2D; // [n, 1]
      return tf.softplus(tf.neg(t)).reshape([-1]);
    });
    return tf.mean(tf.sum(tf.mul(psi, tf.stack(terms, 1)), 1)) as tf.Scalar;
  });
}

/**
 * The discriminators' loss, the JS-GAN objective on the joint latent (z, y): prior samples
 * (z, y) ~ N(0, I) × Uniform{1..m} labelled real, encodings (F_y(x), y) with y ~ ψ(x) labelled
 * fake; the expectations over y are summed exactly:
 * mean_i Σ_y [ (1/m) · softplus(−D_y(z̃_iy)) + ψ_y(x_i) · softplus(D_y(F_y(x_i))) ],
 * where z̃_iy ~ N(0, I) (n prior draws per chart) and softplus(−t) = −log σ(t),
 * softplus(t) = −log(1 − σ(t)).
 */
export function discriminatorLoss(
  model: AwaeGan,
  psi: tf.Tensor2D,
  codes: readonly tf.Tensor2D[],
  prior: readonly tf.Tensor2D[],
  training: boolean,
): tf.Scalar {
  checkChartTerms(model, psi, codes);
  checkCodes("prior", prior, model.charts, model.latentDim);
  checkBoolean("training", training);
  return tf.tidy(() => {
    const m = codes.length;
    const real = prior.map((z, y) => tf.softplus(tf.neg(model.nets.discriminators[y]!.apply(z, { training }) as tf.Tensor)).reshape([-1]));
    const fake = codes.map((z, y) => tf.softplus(model.nets.discriminators[y]!.apply(z, { training }) as tf.Tensor).reshape([-1]));
    const realTerm = tf.div(tf.mean(tf.sum(tf.stack(real, 1), 1)), m);
    const fakeTerm = tf.mean(tf.sum(tf.mul(psi, tf.stack(fake, 1)), 1));
    return tf.add(realTerm, fakeTerm) as tf.Scalar;
  });
}

/**
 * The chart part of the latent divergence, measured exactly on the batch: KL(q̄ ‖ Uniform{1..m})
 * = Σ_y q̄_y log(m · q̄_y) with q̄ = mean_i ψ(x_i), the batch estimate of the aggregate chart
 * distribution Q(Y). For the KL divergence the joint term of eq. (6) splits as
 * KL(Q(Z, Y) ‖ P(Z, Y)) = KL(Q(Y) ‖ U) + E_{y~Q(Y)} KL(Q(Z|y) ‖ N(0, I)); since Y is discrete, the
 * first part needs no adversary. 0 when every chart gets the same mean mass, log m when one chart
 * takes it all. (q̄ is floored at 1e-12 inside the log, so the gradient stays finite.)
 */
export function chartBalanceDivergence(psi: tf.Tensor2D): tf.Scalar {
  checkTensor("psi", psi, { rank: 2, dtypes: ["float32"] });
  return tf.tidy(() => {
    const m = psi.shape[1];
    const q = tf.mean(psi, 0);
    return tf.sum(tf.mul(q, tf.log(tf.mul(tf.maximum(q, 1e-12), m)))) as tf.Scalar;
  });
}
