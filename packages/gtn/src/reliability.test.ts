/**
 * Issue 16 for @atlas/gtn, found by the slow bad-input harness (seed 2): each case failed on the
 * code before the fix (named in the test).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { InvalidArgumentError, Rng } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { trainGTN, trainLatentAutoencoder } from "./index.js";

beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

async function argumentOf(run: () => Promise<unknown>): Promise<string> {
  const before = tf.memory().numTensors;
  const e = await run().then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InvalidArgumentError);
  expect(tf.memory().numTensors).toBe(before);
  return (e as InvalidArgumentError).argument;
}

describe("sizes are refused before any work, without leaving tensors", () => {
  const rng = new Rng(3);
  const x = Array.from({ length: 40 }, () => [rng.uniform(), rng.uniform()]);

  it("trainGTN with a network h too large: the option named, nothing left (before: refused after the labelling, +4 tensors)", async () => {
    expect(await argumentOf(() => trainGTN(x, { preset: "swissRoll", width: 1e9 }))).toBe("options.width");
    expect(await argumentOf(() => trainGTN(x, { preset: "swissRoll", hiddenLayers: 1e9 }))).toBe("options.hiddenLayers");
    expect(await argumentOf(() => trainGTN(x, { preset: "swissRoll", hiddenLayers: 1001 }))).toBe("options.hiddenLayers");
    expect(await argumentOf(() => trainGTN(x, { preset: "swissRoll", epochs: 2 ** 53 + 2 }))).toBe("options.epochs");
  });

  it("trainLatentAutoencoder: epochs are bounded (before: 1e9 trained for ever) and a huge latentDim names latentDim (before: imageShape)", async () => {
    const images = tf.zeros([4, 8, 8, 1]) as tf.Tensor4D;
    expect(await argumentOf(() => trainLatentAutoencoder(images, { latentDim: 2, epochs: 1e9 }))).toBe("options.epochs");
    expect(await argumentOf(() => trainLatentAutoencoder(images, { latentDim: 1e9, epochs: 1 }))).toBe("options.latentDim");
    images.dispose();
  });
});
