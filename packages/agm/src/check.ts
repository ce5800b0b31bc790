import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, describeValue } from "@atlas/core";

/** Shape text for messages: `[28, 28, 1]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Check that `x` is a tensor of `[n, ...dataShape]` with n ≥ 1 and only finite values, before any
 * work starts. The finiteness check reads one boolean back from the backend.
 */
export function checkBatch(name: string, x: unknown, dataShape: readonly number[]): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new InvalidArgumentError(name, `expected a tf.Tensor of shape [n, ${dataShape.join(", ")}], got ${describeValue(x)}`);
  }
  const expected = [x.shape[0] ?? 0, ...dataShape];
  if (x.rank !== dataShape.length + 1 || dataShape.some((s, i) => x.shape[i + 1] !== s)) {
    throw new ShapeMismatchError(name, `expected shape [n, ${dataShape.join(", ")}], got ${shapeText(x.shape)}`);
  }
  if ((x.shape[0] ?? 0) < 1) throw new InvalidArgumentError(name, `expected at least one sample, got shape ${shapeText(expected)}`);
  checkFiniteTensor(name, x);
  return x;
}

/** Throw an {@link InvalidArgumentError} naming `name` when `x` holds a NaN or an infinity. */
export function checkFiniteTensor(name: string, x: tf.Tensor): void {
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new InvalidArgumentError(name, `expected a float32 or int32 tensor, got dtype ${x.dtype}`);
  }
  const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(x)).any().dataSync()[0]);
  if (bad) throw new InvalidArgumentError(name, "expected finite values, found NaN or ±Infinity");
}

/** Check a latent batch `[n, d]`. */
export function checkLatent(name: string, z: unknown, latentDim: number): tf.Tensor2D {
  return checkBatch(name, z, [latentDim]) as tf.Tensor2D;
}
