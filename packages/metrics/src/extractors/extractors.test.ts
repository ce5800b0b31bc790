import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { AtlasError, FileNotFoundError, InvalidArgumentError, ShapeMismatchError, saveModel } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClassifier, fid, inceptionScore, loadFeatureExtractor, mnistExtractor } from "../index.js";
import { extractRows } from "./extractor.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "atlas-metrics-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1] });
  let x = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: "c" }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const feat = tf.layers.dense({ units: 4, activation: "tanh", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: "feat" }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), name: "logits" }).apply(feat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

describe("extractRows (the batch loop of every extractor)", () => {
  it("lets a timer run between batches (reads resolve at once on cpu/wasm)", async () => {
    let calls = 0;
    let firedAt = -1;
    const images = { images: new Float32Array(20 * 4), shape: [20, 2, 2, 1] };
    setTimeout(() => (firedAt = calls), 0);
    // 20 batches of ≥ 15 ms each: a timer set before the call must fire during it
    const { dim } = await extractRows("images", images, { batchSize: 1 }, (x) => {
      calls++;
      const t = performance.now();
      while (performance.now() - t < 15);
      return tf.reshape(x, [x.shape[0], -1]);
    }, { inputSize: [2, 2, 1] });
    expect(dim).toBe(4);
    expect(firedAt).toBeGreaterThanOrEqual(1);
    expect(firedAt).toBeLessThan(20);
  });
});

describe("loadFeatureExtractor (layers model from a directory)", () => {
  it("gives the named layer's rows for resized, normalised images, tagged with the id, without leaking tensors", async () => {
    const model = tinyModel();
    const modelDir = path.join(dir, "tiny");
    await saveModel(modelDir, model);
    const ext = await loadFeatureExtractor(modelDir, { featureOutput: "feat", logitsOutput: "logits", normalization: "minus-one-one", id: "tiny/feat" });
    expect(ext.inputSize).toEqual([8, 8, 1]);
    expect(ext.featureDim).toBe(4);
    const images = tf.randomUniform([7, 16, 16, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    // expected: the same network, fed the images resized bilinearly to 8×8 and mapped to [−1, 1]
    const probe = tf.model({ inputs: model.inputs, outputs: [model.getLayer("feat").output as tf.SymbolicTensor, model.outputs[0] as tf.SymbolicTensor] });
    const [fRef, lRef] = tf.tidy(() => probe.predict(tf.image.resizeBilinear(images, [8, 8]).mul(2).sub(1)) as tf.Tensor[]) as [tf.Tensor, tf.Tensor];
    await ext.features(images, { batchSize: 3 }); // warm-up
    const before = tf.memory().numTensors;
    const f = await ext.features(images, { batchSize: 3 });
    const l = await (ext.logits as NonNullable<typeof ext.logits>)(images, { batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(f.extractor).toBe("tiny/feat");
    expect(f.dim).toBe(4);
    const fr = await fRef.data();
    for (let i = 0; i < fr.length; i++) expect(f.data[i]).toBeCloseTo(fr[i] as number, 5);
    const lr = await lRef.data();
    for (let i = 0; i < lr.length; i++) expect(l.data[i]).toBeCloseTo(lr[i] as number, 5);
    // results say what they were computed from
    const r = fid(f, await ext.features(tf.tidy(() => images.reverse(0)), { batchSize: 7 }));
    expect(r.extractor).toBe("tiny/feat");
    expect(r.samples).toEqual([7, 7]);
    expect(inceptionScore(l, { splits: 1 }).extractor).toBe("tiny/feat#logits");
    // Dataset-like input gives the same rows
    const asRecord = { images: (await images.data()) as Float32Array, shape: images.shape };
    const f2 = await ext.features(asRecord);
    expect(Array.from(f2.data)).toEqual(Array.from(f.data));
    images.dispose();
    fRef.dispose();
    lRef.dispose();
    ext.dispose();
  });

  it("bad input → AtlasError naming the argument", async () => {
    await expect(loadFeatureExtractor(path.join(dir, "missing"))).rejects.toBeInstanceOf(FileNotFoundError);
    const model = tinyModel();
    const modelDir = path.join(dir, "tiny2");
    await saveModel(modelDir, model);
    await expect(loadFeatureExtractor(modelDir, { featureOutput: "nope" })).rejects.toMatchObject({ argument: "options.featureOutput" });
    const ext = await loadFeatureExtractor(modelDir);
    await expect(ext.features(tf.zeros([2, 8, 8]) as unknown as tf.Tensor4D)).rejects.toBeInstanceOf(ShapeMismatchError);
    await expect(ext.features({ images: new Float32Array([NaN]), shape: [1, 1, 1, 1] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(ext.features(tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, { batchSize: 0 })).rejects.toMatchObject({ argument: "batchSize" });
    ext.dispose();
  });
});

describe("loadFeatureExtractor (graph model from a directory)", () => {
  it("runs a converter-style graph model (model.json + weight shard) and picks the named node", async () => {
    const gdir = path.join(dir, "graph");
    await rm(gdir, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(gdir, { recursive: true }));
    const W = [0.5, -1, 2, 1, 0, -0.5, -2, 1, 1, 0.25, 0.5, -1];
    const node = (name: string, op: string, input: string[], attr: Record<string, unknown>) => ({ name, op, input, attr });
    const topology = {
      node: [
        node("x", "Placeholder", [], { dtype: { type: "DT_FLOAT" }, shape: { shape: { dim: [{ size: "-1" }, { size: "2" }, { size: "2" }, { size: "1" }] } } }),
        node("flat/shape", "Const", [], { value: { tensor: { dtype: "DT_INT32", tensorShape: { dim: [{ size: "2" }] } } }, dtype: { type: "DT_INT32" } }),
        node("flat", "Reshape", ["x", "flat/shape"], { T: { type: "DT_FLOAT" } }),
        node("w", "Const", [], { value: { tensor: { dtype: "DT_FLOAT", tensorShape: { dim: [{ size: "4" }, { size: "3" }] } } }, dtype: { type: "DT_FLOAT" } }),
        node("pool", "MatMul", ["flat", "w"], { T: { type: "DT_FLOAT" }, transpose_a: { b: false }, transpose_b: { b: false } }),
        node("out", "Relu", ["pool"], { T: { type: "DT_FLOAT" } }),
      ],
      versions: { producer: 1 },
    };
    const json = {
      format: "graph-model",
      generatedBy: "test",
      convertedBy: "hand",
      modelTopology: topology,
      weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: [{ name: "flat/shape", shape: [2], dtype: "int32" }, { name: "w", shape: [4, 3], dtype: "float32" }] }],
    };
    const bytes = new Uint8Array(8 + 48);
    new Int32Array(bytes.buffer, 0, 2).set([-1, 4]);
    new Float32Array(bytes.buffer, 8, 12).set(W);
    await writeFile(path.join(gdir, "model.json"), JSON.stringify(json));
    await writeFile(path.join(gdir, "group1-shard1of1.bin"), bytes);
    const ext = await loadFeatureExtractor(gdir, { featureOutput: "pool", logitsOutput: "out" });
    expect(ext.inputSize).toEqual([2, 2, 1]);
    expect(ext.featureDim).toBe(3);
    const img = { images: new Float32Array([1, 0, 0, 1, 0.5, 0.5, 0.5, 0.5]), shape: [2, 2, 2, 1] };
    const f = await ext.features(img);
    // flat x (1×4) times W (4×3, row-major)
    const xw = (x: number[]): number[] => [0, 1, 2].map((j) => x.reduce((acc, xi, i) => acc + xi * (W[i * 3 + j] as number), 0));
    const r0 = xw([1, 0, 0, 1]);
    const r1 = xw([0.5, 0.5, 0.5, 0.5]);
    expect(r0).toEqual([0.75, -0.5, 1]);
    for (let j = 0; j < 3; j++) {
      expect(f.data[j]).toBeCloseTo(r0[j] as number, 6);
      expect(f.data[3 + j]).toBeCloseTo(r1[j] as number, 6);
    }
    const l = await (ext.logits as NonNullable<typeof ext.logits>)(img);
    for (let j = 0; j < 6; j++) expect(l.data[j]).toBeCloseTo(Math.max(0, f.data[j] as number), 6);
    expect(f.extractor).toBe("graph/pool");
    // the graph runs with executeAsync (outside tf.tidy): its other outputs and inputs are disposed
    const before = tf.memory().numTensors;
    await ext.features(img, { batchSize: 1 });
    await (ext.logits as NonNullable<typeof ext.logits>)(img, { batchSize: 1 });
    expect(tf.memory().numTensors).toBe(before);
    ext.dispose();
  });
});

describe("built-in classifier", () => {
  it("has the documented shape: 128-d penultimate layer and 10 logits; training disabled without a cache is an error", async () => {
    const m = buildClassifier(0);
    expect(m.getLayer("penultimate").outputShape).toEqual([null, 128]);
    expect(m.outputs[0]?.shape).toEqual([null, 10]);
    m.dispose();
    const err = await mnistExtractor({ cacheDir: path.join(dir, "empty-cache"), train: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as InvalidArgumentError).argument).toBe("options.train");
  });
});
