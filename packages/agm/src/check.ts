import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, describeValue } from "@atlas/core";

/** Shape text for messages: `[28, 28, 1]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Check that `x` is a float32/int32 tensor of `[n, ...dataShape]` with n ≥ 1, before any work
 * starts. Synchronous, so it cannot look at the values (a tensor may live on a GPU, where it can
 * only be read asynchronously): the model methods that use it pass NaN through, and the
 * asynchronous entries (trainers, evaluation) check values with {@link checkFiniteTensor}.
 */
export function checkBatch(name: string, x: unknown, dataShape: readonly number[]): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new InvalidArgumentError(name, `expected a tf.Tensor of shape [n, ${dataShape.join(", ")}], got ${describeValue(x)}`);
  }
  if (x.isDisposed) throw new InvalidArgumentError(name, "the tensor has been disposed");
  const expected = [x.shape[0] ?? 0, ...dataShape];
  if (x.rank !== dataShape.length + 1 || dataShape.some((s, i) => x.shape[i + 1] !== s)) {
    throw new ShapeMismatchError(name, `expected shape [n, ${dataShape.join(", ")}], got ${shapeText(x.shape)}`);
  }
  if ((x.shape[0] ?? 0) < 1) throw new InvalidArgumentError(name, `expected at least one sample, got shape ${shapeText(expected)}`);
  checkDtype(name, x);
  return x;
}

function checkDtype(name: string, x: tf.Tensor): void {
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new InvalidArgumentError(name, `expected a float32 or int32 tensor, got dtype ${x.dtype}`);
  }
}

/**
 * Throw an {@link InvalidArgumentError} naming `name` when `x` holds a NaN or an infinity: one
 * boolean reduced on the device and read with `await data()`.
 */
export async function checkFiniteTensor(name: string, x: tf.Tensor): Promise<void> {
  checkDtype(name, x);
  const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(x))));
  let found: boolean;
  try {
    found = (await bad.data())[0] !== 0;
  } finally {
    bad.dispose();
  }
  if (found) throw new InvalidArgumentError(name, "expected finite values, found NaN or ±Infinity");
}

/** Check a latent batch `[n, d]`. */
export function checkLatent(name: string, z: unknown, latentDim: number): tf.Tensor2D {
  return checkBatch(name, z, [latentDim]) as tf.Tensor2D;
}
