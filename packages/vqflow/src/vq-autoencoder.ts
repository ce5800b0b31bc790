/**
 * Stage 1 of VQ-Flows: the vector-quantised autoencoder whose codebook gives the chart centres
 * (VQ-Flows poster, "The chart regions"; VQFLOW-SPEC §1). Encoder E: X → V, decoder D: V → X and
 * K centres v_k ∈ V, trained on the VQ-VAE loss with a straight-through gradient.
 */
import * as tf from "@tensorflow/tfjs";
import { convDecoder, convEncoder, mlp, type Rng } from "@atlas/core";
import { membershipUnchecked } from "./charts.js";
import { stopGradient, type ParamSet } from "./params.js";

/** Architecture of the VQ autoencoder. */
export interface AutoencoderSpec {
  /** `"mlp"` for vector data, `"conv"` for images (core's conv encoder/decoder stacks). */
  kind: "mlp" | "conv";
  /** MLP: hidden layers and their width. */
  layers: number;
  width: number;
  /** Conv: channels of the encoder's convolutions (4×4, stride 2); the decoder mirrors them. */
  filters: readonly number[];
}

/** The terms of one VQ-VAE loss evaluation. */
export interface VqLoss {
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  codebook: tf.Scalar;
  commitment: tf.Scalar;
  /** `[K]`: points of the batch whose nearest centre is k. */
  counts: tf.Tensor1D;
}

export class VqAutoencoder {
  readonly dataShape: readonly number[];
  readonly dataDim: number;
  readonly codeDim: number;
  readonly charts: number;
  readonly spec: Readonly<AutoencoderSpec>;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly codebook: tf.Variable;

  constructor(dataShape: readonly number[], codeDim: number, charts: number, spec: AutoencoderSpec, params: ParamSet, rng: Rng) {
    this.dataShape = dataShape;
    this.dataDim = dataShape.reduce((a, b) => a * b, 1);
    this.codeDim = codeDim;
    this.charts = charts;
    this.spec = spec;
    const seed = rng.int(2 ** 31 - 1);
    if (spec.kind === "conv") {
      const shape = dataShape as [number, number, number];
      this.encoder = convEncoder({ inputShape: shape, filters: spec.filters, latentDim: codeDim, activation: "relu", init: "torch", seed, name: "vq_encoder" });
      this.decoder = convDecoder({
        latentDim: codeDim,
        outputShape: shape,
        filters: [...spec.filters].reverse(),
        activation: "relu",
        outputActivation: "sigmoid",
        init: "torch",
        seed: seed + 1,
        name: "vq_decoder",
      });
    } else {
      this.encoder = mlp({ inputDim: this.dataDim, outputDim: codeDim, hiddenLayers: spec.layers, width: spec.width, activation: "relu", init: "torch", seed, name: "vq_encoder" });
      this.decoder = mlp({ inputDim: codeDim, outputDim: this.dataDim, hiddenLayers: spec.layers, width: spec.width, activation: "relu", init: "torch", seed: seed + 1, name: "vq_decoder" });
    }
    this.codebook = params.add("autoencoder/codebook", rng.normalArray(charts * codeDim), [charts, codeDim]);
  }

  /** E(x) for flat rows `[n, D]`: `[n, e]`. */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const input = this.spec.kind === "conv" ? tf.reshape(x, [x.shape[0], ...this.dataShape]) : x;
      return this.encoder.apply(input, { training: false }) as tf.Tensor2D;
    });
  }

  /** D(v) as flat rows `[n, D]`. */
  decode(codes: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.reshape(this.decoder.apply(codes, { training: false }) as tf.Tensor, [codes.shape[0], this.dataDim]) as tf.Tensor2D);
  }

  /** Chart membership of flat rows (see `chartMembership`). */
  membership(x: tf.Tensor2D, overlap: number, epsilon: number): tf.Tensor2D {
    return tf.tidy(() => membershipUnchecked(this.encode(x), this.codebook as tf.Tensor2D, overlap, epsilon));
  }

  /** Index of the nearest centre of each row, `[n]` int32. */
  nearest(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const codes = this.encode(x);
      const diff = tf.sub(tf.expandDims(codes, 1), tf.expandDims(this.codebook, 0));
      return tf.argMin(tf.sum(tf.square(diff), 2), 1) as tf.Tensor1D;
    });
  }

  /**
   * The VQ-VAE loss on flat rows: ‖D(E(x) + sg[v_k* − E(x)]) − x‖² (mean per value; the
   * straight-through estimator) + ‖sg[E(x)] − v_k*‖² + β‖E(x) − sg[v_k*]‖² (means per code value),
   * k* = argmin_k ‖E(x) − v_k‖. The nearest centre is picked by a one-hot product, so the codebook
   * gradient needs no gather gradient.
   */
  loss(x: tf.Tensor2D, beta: number): VqLoss {
    const input = this.spec.kind === "conv" ? tf.reshape(x, [x.shape[0], ...this.dataShape]) : x;
    const codes = this.encoder.apply(input, { training: true }) as tf.Tensor2D;
    const diff = tf.sub(tf.expandDims(codes, 1), tf.expandDims(this.codebook, 0));
    const nearest = tf.argMin(tf.sum(tf.square(diff), 2), 1);
    const oneHot = tf.oneHot(nearest, this.charts).toFloat() as tf.Tensor2D;
    const quantised = tf.matMul(oneHot, this.codebook as tf.Tensor2D);
    const straight = tf.add(codes, stopGradient(tf.sub(quantised, codes)));
    const recon = tf.reshape(this.decoder.apply(straight, { training: true }) as tf.Tensor, x.shape);
    const reconstruction = tf.mean(tf.square(tf.sub(recon, x))) as tf.Scalar;
    const codebook = tf.mean(tf.square(tf.sub(stopGradient(codes), quantised))) as tf.Scalar;
    const commitment = tf.mean(tf.square(tf.sub(codes, stopGradient(quantised)))) as tf.Scalar;
    const loss = tf.addN([reconstruction, codebook, tf.mul(commitment, beta)]) as tf.Scalar;
    return { loss, reconstruction, codebook, commitment, counts: tf.sum(oneHot, 0) as tf.Tensor1D };
  }

  /** The trainable variables of stage 1: encoder, decoder, codebook. */
  variables(): tf.Variable[] {
    return [...this.encoder.trainableWeights, ...this.decoder.trainableWeights].map((w) => w.read() as tf.Variable).concat([this.codebook]);
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007) then `iterations` Lloyd steps, on host rows
 * (float64 arithmetic): the codebook's initialisation from the first encodings (VQFLOW-SPEC §1).
 * Returns `k × dim` centres.
 */
export function kMeansPlusPlus(points: Float32Array, n: number, dim: number, k: number, rng: Rng, iterations = 10): Float32Array {
  const centres = new Float64Array(k * dim);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const dist2 = (i: number, c: number): number => {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const t = (points[i * dim + j] as number) - (centres[c * dim + j] as number);
      s += t * t;
    }
    return s;
  };
  const setCentre = (c: number, i: number): void => {
    for (let j = 0; j < dim; j++) centres[c * dim + j] = points[i * dim + j] as number;
  };
  setCentre(0, rng.int(n));
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = dist2(i, c - 1);
      if (d < (best[i] as number)) best[i] = d;
      total += best[i] as number;
    }
    // D² sampling; with all points on chosen centres, a uniform draw
    let pick = rng.int(n);
    if (total > 0) {
      let r = rng.next() * total;
      for (let i = 0; i < n; i++) {
        r -= best[i] as number;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    }
    setCentre(c, pick);
  }
  const assign = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      let bc = 0;
      let bd = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const d = dist2(i, c);
        if (d < bd) {
          bd = d;
          bc = c;
        }
      }
      assign[i] = bc;
    }
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = assign[i] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < dim; j++) sums[c * dim + j] = (sums[c * dim + j] as number) + (points[i * dim + j] as number);
    }
    for (let c = 0; c < k; c++) {
      if ((counts[c] as number) === 0) continue; // keep an empty centre where it is
      for (let j = 0; j < dim; j++) centres[c * dim + j] = (sums[c * dim + j] as number) / (counts[c] as number);
    }
  }
  return Float32Array.from(centres);
}
