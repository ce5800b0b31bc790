import * as tf from "@tensorflow/tfjs";
import type { AwaeGan, AwaeGanForward } from "./awae-gan.js";

/**
 * Cost c(x, x̂) of eq. (6): `"l2"` is the Euclidean distance ‖x − x̂‖₂ (the AGM paper, after [15]);
 * `"l2sq"` its square ‖x − x̂‖₂² (the WAE paper's MNIST setting).
 */
export type ReconstructionCost = "l2" | "l2sq";

/** Per-sample cost c(x_i, x̂_i) over all but the first axis: `[n]`. */
export function sampleCost(x: tf.Tensor, xHat: tf.Tensor, cost: ReconstructionCost): tf.Tensor1D {
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
  return tf.tidy(() => {
    const m = psi.shape[1];
    const q = tf.mean(psi, 0);
    return tf.sum(tf.mul(q, tf.log(tf.mul(tf.maximum(q, 1e-12), m)))) as tf.Scalar;
  });
}
