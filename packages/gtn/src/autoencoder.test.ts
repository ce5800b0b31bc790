import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { AtlasError, Rng } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LatentAutoencoder, trainLatentAutoencoder } from "./index.js";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  dir = mkdtempSync(join(tmpdir(), "gtn-ae-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 8×8 images of a bright square at a random position (a 2-parameter family). */
function squares(n: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const data = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const r = rng.int(5);
    const c = rng.int(5);
    for (let y = r; y < r + 3; y++) for (let x = c; x < c + 3; x++) data[i * 64 + y * 8 + x] = 1;
  }
  return tf.tensor4d(data, [n, 8, 8, 1]);
}

describe("latent autoencoder (Appendix F)", () => {
  it("trains, encodes to d dims in (-1, 1), decodes, and its reconstruction error drops", async () => {
    const x = squares(256, 1);
    const untrained = await trainLatentAutoencoder(x, { latentDim: 3, epochs: 1, learningRate: 1e-9, seed: 2 });
    const before = await untrained.reconstructionError(x);
    const ae = await trainLatentAutoencoder(x, { latentDim: 3, epochs: 6, batchSize: 32, learningRate: 3e-3, seed: 2 });
    const after = await ae.reconstructionError(x);
    expect(after).toBeLessThan(0.6 * before);
    const z = ae.encode(x);
    expect(z.shape).toEqual([256, 3]);
    const zs = await z.data();
    for (const v of zs) expect(Math.abs(v)).toBeLessThan(1); // tanh
    const r = ae.decode(z as tf.Tensor2D);
    expect(r.shape).toEqual([256, 8, 8, 1]);
    await ae.save(join(dir, "ae"));
    const again = await LatentAutoencoder.load(join(dir, "ae"));
    expect(again.latentDim).toBe(3);
    expect(again.imageShape).toEqual([8, 8, 1]);
    const z2 = again.encode(x);
    expect(Array.from(await z2.data())).toEqual(Array.from(zs));
    for (const t of [x, z, r, z2]) t.dispose();
    for (const m of [untrained, ae, again]) m.dispose();
  });

  it("reconstructionError is the per-pixel MSE over all batches (read once), and leaks nothing", async () => {
    const ae = await trainLatentAutoencoder(squares(64, 3), { latentDim: 2, epochs: 1, batchSize: 32, seed: 4 });
    const x = squares(300, 5); // two batches of 256 and 44
    const err = await ae.reconstructionError(x); // also the warm-up
    // independently: tfjs's own mean squared error of the whole set in one call
    const mse = tf.tidy(() => tf.losses.meanSquaredError(x, ae.decode(ae.encode(x))));
    const expected = (await mse.data())[0]!;
    mse.dispose();
    expect(err).toBeCloseTo(expected, 6);
    const bad = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await ae.reconstructionError(x);
    await expect(ae.reconstructionError(bad)).rejects.toThrow(AtlasError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, bad]);
    ae.dispose();
  });

  it("rejects bad input", async () => {
    const x = squares(4, 1);
    await expect(trainLatentAutoencoder(x, { latentDim: 0 })).rejects.toThrow(AtlasError);
    await expect(trainLatentAutoencoder(tf.zeros([4, 8, 8]) as unknown as tf.Tensor4D, { latentDim: 2 })).rejects.toThrow(AtlasError);
    x.dispose();
  });
});
