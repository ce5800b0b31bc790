/**
 * Content fingerprints (SHA-256, Web Crypto: Node ≥ 20 and browsers alike) of what decides a
 * built-in extractor's weights — its training data — and of the weights themselves. The
 * definitions are fixed so they can be recomputed elsewhere (`scripts/dataset_fingerprints.py`).
 */
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, checkArray, describeValue } from "@atlas/core";

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
}

function bytesOf(a: Float32Array | Int32Array | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Fingerprint of a labelled image set: hex SHA-256 of
 * `"atlas-dataset-fingerprint-v1\n" + "n,h,w,c\n" + sha256(images as float32 bytes) + sha256(labels as int32 bytes)`
 * (little-endian, as every platform tfjs runs on stores typed arrays).
 */
export async function datasetFingerprint(data: { images: Float32Array; labels: Int32Array; shape: readonly number[] }): Promise<string> {
  if (data === null || typeof data !== "object") throw new InvalidArgumentError("data", `expected { images, labels, shape }, got ${describeValue(data)}`);
  if (!(data.images instanceof Float32Array)) throw new InvalidArgumentError("data.images", `expected a Float32Array, got ${describeValue(data.images)}`);
  if (!(data.labels instanceof Int32Array)) throw new InvalidArgumentError("data.labels", `expected an Int32Array, got ${describeValue(data.labels)}`);
  checkArray("data.shape", data.shape, { length: 4, integers: { min: 0 } });
  const [n, h, w, c] = data.shape as [number, number, number, number];
  if (data.images.length !== n * h * w * c) throw new ShapeMismatchError("data.images", `expected n·h·w·c = ${n * h * w * c} values for shape [${data.shape.join(", ")}], got ${data.images.length}`);
  if (data.labels.length !== n) throw new ShapeMismatchError("data.labels", `expected one label per image (${n}), got ${data.labels.length}`);
  const head = new TextEncoder().encode(`atlas-dataset-fingerprint-v1\n${data.shape.join(",")}\n`);
  const [images, labels] = await Promise.all([sha256(bytesOf(data.images)), sha256(bytesOf(data.labels))]);
  return hex(await sha256(concat([head, images, labels])));
}

/**
 * Fingerprint of a model's weights: hex SHA-256 of `"atlas-weights-v1\n"` followed, for each
 * weight in the model's order, by `"name:dtype:shape\n"` and the SHA-256 of its values.
 */
export async function weightsFingerprint(model: tf.LayersModel): Promise<string> {
  if (!(model instanceof tf.LayersModel)) throw new InvalidArgumentError("model", `expected a tf.LayersModel, got ${describeValue(model)}`);
  const parts: Uint8Array[] = [new TextEncoder().encode("atlas-weights-v1\n")];
  for (const w of model.weights) {
    const values = (await w.read().data()) as Float32Array | Int32Array | Uint8Array;
    parts.push(new TextEncoder().encode(`${w.originalName}:${w.dtype}:${w.shape.join(",")}\n`), await sha256(bytesOf(values)));
  }
  return hex(await sha256(concat(parts)));
}
