import * as tf from "@tensorflow/tfjs";
import {
  adam,
  joinPath,
  CorruptFileError,
  InvalidArgumentError,
  ShapeMismatchError,
  checkArray,
  checkFinite,
  checkInteger,
  checkNumber,
  checkOptions,
  checkPath,
  checkTensor,
  checkTensorFinite,
  describeValue,
  gtnMnistAutoencoder,
  loadModel,
  loadOptimizer,
  registerAtlasKernels,
  ATLAS_KERNEL_BACKENDS,
  saveModel,
  saveOptimizer,
  toRng,
  trainLoop,
  resolveSavedDir,
  writeDirAtomic,
  type Dataset,
  type RngLike,
  type TrainHistory,
  type TrainProgress,
} from "@atlas/core";
import { checkTrainerOptions } from "./check.js";

/** Images for the latent autoencoder: a core `Dataset` or a tensor [n, H, W, C] with values in [0, 1]. */
export type ImageInput = Dataset | tf.Tensor4D;

/** Options for {@link trainLatentAutoencoder} (defaults: the paper's MNIST settings, Appendix F). */
export interface LatentAutoencoderOptions {
  /** Latent dimension d (the paper: 5 for MNIST). */
  latentDim: number;
  /** Epochs (default 10, at most 100 000). */
  epochs?: number;
  /** Batch size (default 128). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** L2 weight decay as PyTorch's Adam applies it, wd·w added to each gradient (default 1e-5). */
  weightDecay?: number;
  /** Seed for initialisation and shuffling (default 0). */
  seed?: RngLike;
  onProgress?: (event: TrainProgress) => void;
  /** Checkpoint encoder, decoder and Adam every `every` epochs; a rerun resumes. */
  checkpoint?: { dir: string; every?: number; resume?: boolean };
  signal?: AbortSignal;
}

const AE_FORMAT = "atlas-gtn-autoencoder";

function toImages(name: string, input: ImageInput): { images: tf.Tensor4D; owned: boolean } {
  if (input instanceof tf.Tensor) {
    checkTensor(name, input, { rank: 4, dtypes: ["float32"] });
    return { images: input as tf.Tensor4D, owned: false };
  }
  if (typeof input !== "object" || input === null || !(input.images instanceof Float32Array) || !Array.isArray(input.shape)) {
    throw new InvalidArgumentError(name, `expected a Dataset or a Tensor4D, got ${describeValue(input)}`);
  }
  checkArray(`${name}.shape`, input.shape, { length: 4, integers: { min: 1 } });
  const size = input.shape.reduce((a, b) => a * b, 1);
  if (input.images.length !== size) throw new ShapeMismatchError(`${name}.images`, `expected ${input.shape.join(" × ")} = ${size} values, got ${input.images.length}`);
  checkFinite(`${name}.images`, input.images);
  return { images: tf.tensor4d(input.images, input.shape as [number, number, number, number]), owned: true };
}

const DISPOSED = new WeakSet<LatentAutoencoder>();

function checkLive(ae: LatentAutoencoder): void {
  if (DISPOSED.has(ae)) throw new InvalidArgumentError("this", "the LatentAutoencoder has been disposed");
}

/** The constructor's arguments: an encoder [n, H, W, C] → [n, d] and a decoder [n, d] → [n, H, W, C]. */
function checkAutoencoderParts(encoder: unknown, decoder: unknown, latentDim: unknown, imageShape: unknown): void {
  if (!(encoder instanceof tf.LayersModel)) throw new InvalidArgumentError("encoder", `expected a tf.LayersModel, got ${describeValue(encoder)}`);
  if (!(decoder instanceof tf.LayersModel)) throw new InvalidArgumentError("decoder", `expected a tf.LayersModel, got ${describeValue(decoder)}`);
  const d = checkInteger("latentDim", latentDim, { min: 1 });
  checkArray("imageShape", imageShape, { length: 3, integers: { min: 1 } });
  const img = Array.from(imageShape as ArrayLike<number>);
  const same = (a: readonly (number | null)[] | undefined, b: readonly (number | null)[]): boolean => a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
  const eIn = encoder.inputs[0]?.shape;
  const eOut = encoder.outputs[0]?.shape;
  if (!same(eIn?.slice(1), img)) throw new ShapeMismatchError("imageShape", `expected the encoder's input [${eIn?.slice(1).join(", ")}], got [${img.join(", ")}]`);
  if (!same(eOut, [null, d])) throw new ShapeMismatchError("encoder", `expected an output [n, ${d}] (latentDim), got [${eOut?.join(", ")}]`);
  const dIn = decoder.inputs[0]?.shape;
  const dOut = decoder.outputs[0]?.shape;
  if (!same(dIn, [null, d]) || !same(dOut?.slice(1), img)) {
    throw new ShapeMismatchError("decoder", `expected [n, ${d}] → [n, ${img.join(", ")}], got [${dIn?.join(", ")}] → [${dOut?.join(", ")}]`);
  }
}

/** Most epochs {@link trainLatentAutoencoder} takes (1e9 epochs would train for ever). */
export const MAX_AUTOENCODER_EPOCHS = 100_000;

const AE_KEYS = ["latentDim", "epochs", "batchSize", "learningRate", "weightDecay", "seed", "onProgress", "checkpoint", "signal"] as const;

/**
 * The GTN paper's latent autoencoder (Appendix F): conv(64, k4, s2) + ReLU, conv(128, k4, s2) +
 * ReLU, linear → d, tanh; the decoder mirrors it. Its codes are the data a GTN is trained on; its
 * decoder turns GTN samples into images (`decode(h(y))`).
 */
export class LatentAutoencoder {
  /** Filled by {@link trainLatentAutoencoder}. */
  history: TrainHistory | null = null;

  constructor(
    readonly encoder: tf.LayersModel,
    readonly decoder: tf.LayersModel,
    readonly latentDim: number,
    readonly imageShape: readonly [number, number, number],
  ) {
    checkAutoencoderParts(encoder, decoder, latentDim, imageShape);
  }

  private checkImages(name: string, x: tf.Tensor): void {
    const [h, w, c] = this.imageShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new ShapeMismatchError(name, `expected images [n, ${h}, ${w}, ${c}], got [${x.shape.join(", ")}]`);
    }
  }

  /** Latent codes [n, d] of images [n, H, W, C] (inference, in batches). */
  encode(images: ImageInput): tf.Tensor2D {
    checkLive(this);
    const { images: x, owned } = toImages("images", images);
    try {
      this.checkImages("images", x);
      return this.encoder.predict(x, { batchSize: 256 }) as tf.Tensor2D;
    } finally {
      if (owned) x.dispose();
    }
  }

  /** Images [n, H, W, C] from latent codes [n, d]. */
  decode(z: tf.Tensor2D): tf.Tensor4D {
    checkLive(this);
    checkTensor("z", z, { inner: [this.latentDim], dtypes: ["float32"] });
    return this.decoder.predict(z, { batchSize: 256 }) as tf.Tensor4D;
  }

  /**
   * Mean squared reconstruction error per pixel, ‖x − decode(encode(x))‖² / (n·H·W·C). The batches'
   * sums are added on the device and read once, with `await data()`.
   */
  async reconstructionError(images: ImageInput): Promise<number> {
    checkLive(this);
    const { images: x, owned } = toImages("images", images);
    let total: tf.Scalar | undefined;
    try {
      this.checkImages("images", x);
      await checkTensorFinite("images", x);
      const n = x.shape[0];
      for (let s = 0; s < n; s += 256) {
        const size = Math.min(256, n - s);
        const prev = total;
        total = tf.tidy(() => {
          const xb = x.slice([s, 0, 0, 0], [size, -1, -1, -1]);
          const r = this.decoder.predict(this.encoder.predict(xb) as tf.Tensor) as tf.Tensor;
          const sum = r.sub(xb).square().sum() as tf.Scalar;
          return prev ? (prev.add(sum) as tf.Scalar) : sum;
        });
        prev?.dispose();
      }
      return ((await (total as tf.Scalar).data())[0] as number) / x.size;
    } finally {
      total?.dispose();
      if (owned) x.dispose();
    }
  }

  /** Save encoder and decoder to `dir` (atomically). */
  async save(dir: string): Promise<void> {
    checkLive(this);
    checkPath("dir", dir);
    await writeDirAtomic(dir, async (temp) => {
      await saveModel(joinPath(temp, "encoder"), this.encoder);
      await saveModel(joinPath(temp, "decoder"), this.decoder);
    }, { argument: "dir" });
  }

  /** Load an autoencoder saved by {@link LatentAutoencoder.save}. */
  static async load(dir: string): Promise<LatentAutoencoder> {
    checkPath("dir", dir);
    // core's recovery rule: a save killed between its renames left the complete version beside `dir`
    const root = await resolveSavedDir("dir", dir);
    const encoder = await loadModel(joinPath(root, "encoder"));
    let decoder: tf.LayersModel;
    try {
      decoder = await loadModel(joinPath(root, "decoder"));
    } catch (error) {
      encoder.dispose();
      throw error;
    }
    const inShape = encoder.inputs[0]?.shape;
    const d = encoder.outputs[0]?.shape[1];
    if (!inShape || inShape.length !== 4 || typeof d !== "number" || decoder.inputs[0]?.shape[1] !== d) {
      encoder.dispose();
      decoder.dispose();
      throw new CorruptFileError(dir, `encoder and decoder do not fit together (${AE_FORMAT})`);
    }
    try {
      return new LatentAutoencoder(encoder, decoder, d, [inShape[1] as number, inShape[2] as number, inShape[3] as number]);
    } catch (error) {
      encoder.dispose();
      decoder.dispose();
      throw new CorruptFileError(dir, `encoder and decoder do not fit together (${AE_FORMAT}): ${(error as Error).message}`);
    }
  }

  /** Frees the weights; a second call does nothing, any other method afterwards is an error. */
  dispose(): void {
    if (DISPOSED.has(this)) return;
    DISPOSED.add(this);
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/**
 * Train the GTN paper's latent autoencoder (Appendix F; core's `gtnMnistAutoencoder` network) by
 * MSE with Adam and L2 weight decay.
 *
 * @example
 * const ae = await trainLatentAutoencoder(mnist, { latentDim: 5, epochs: 10 });
 * const codes = ae.encode(mnist); // train a GTN on these
 */
export async function trainLatentAutoencoder(images: ImageInput, options: LatentAutoencoderOptions): Promise<LatentAutoencoder> {
  if (options === undefined) throw new InvalidArgumentError("options", "expected { latentDim, … }, got undefined");
  checkOptions("options", options, AE_KEYS);
  checkTrainerOptions(options);
  const latentDim = checkInteger("options.latentDim", options.latentDim, { min: 1 });
  const epochs = checkInteger("options.epochs", options.epochs ?? 10, { min: 1, max: MAX_AUTOENCODER_EPOCHS });
  const batchSize = checkInteger("options.batchSize", options.batchSize ?? 128, { min: 1 });
  const learningRate = checkNumber("options.learningRate", options.learningRate ?? 1e-3, { above: 0 });
  const weightDecay = checkNumber("options.weightDecay", options.weightDecay ?? 1e-5, { min: 0 });
  const rng = toRng(options.seed ?? 0, "options.seed");
  const { images: x, owned } = toImages("images", images);
  try {
    await checkTensorFinite("images", x);
  } catch (error) {
    if (owned) x.dispose();
    throw error;
  }
  // conv training on wasm/cpu needs core's Conv2DBackpropFilter
  const backend = tf.getBackend();
  if ((ATLAS_KERNEL_BACKENDS as readonly string[]).includes(backend)) registerAtlasKernels(backend);
  try {
    const [n, h, w, c] = x.shape;
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim, imageShape: [h, w, c], seed: rng.fork() });
    const ae = new LatentAutoencoder(encoder, decoder, latentDim, [h, w, c]);
    const optimizer = adam(learningRate);
    let trained = false;
    const weights = [...encoder.trainableWeights, ...decoder.trainableWeights].map((v) => v.read());
    try {
      ae.history = await trainLoop({
        size: n,
        batchSize,
        epochs,
        rng: rng.fork(),
        step: (batch) =>
          tf.tidy(() => {
            const xb = tf.gather(x, tf.tensor1d(batch, "int32"));
            const loss = optimizer.minimize(() => {
              const recon = decoder.apply(encoder.apply(xb, { training: true }), { training: true }) as tf.Tensor;
              const mse = tf.losses.meanSquaredError(xb, recon) as tf.Scalar;
              if (weightDecay === 0) return mse;
              // PyTorch Adam's weight_decay adds wd·w to the gradient: the gradient of (wd/2)·Σw²
              // a chain of adds, not one tf.addN: WebGPU's AddN binds every input as a storage
              // buffer, and 14 weights exceed the default limit of 8 per shader stage
              const l2 = weights.map((v) => v.square().sum()).reduce((a, b) => a.add(b));
              return mse.add(l2.mul(weightDecay / 2)) as tf.Scalar;
            }, true) as tf.Scalar;
            return loss; // read by trainLoop a step later, batched
          }),
        ...(options.checkpoint
          ? {
              checkpoint: {
                dir: options.checkpoint.dir,
                every: options.checkpoint.every ?? 1,
                resume: options.checkpoint.resume ?? true,
                save: async (dir: string) => {
                  await saveModel(joinPath(dir, "encoder"), encoder);
                  await saveModel(joinPath(dir, "decoder"), decoder);
                  await saveOptimizer(joinPath(dir, "adam"), optimizer);
                },
                load: async (dir: string) => {
                  for (const [name, model] of [["encoder", encoder], ["decoder", decoder]] as const) {
                    const saved = await loadModel(joinPath(dir, name));
                    model.setWeights(saved.getWeights());
                    saved.dispose();
                  }
                  await loadOptimizer(joinPath(dir, "adam"), optimizer);
                },
              },
            }
          : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      trained = true;
    } finally {
      optimizer.dispose();
      if (!trained) ae.dispose();
    }
    return ae;
  } finally {
    if (owned) x.dispose();
  }
}
