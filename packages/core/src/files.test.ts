import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError } from "./errors.js";
import {
  MODEL_JSON,
  MODEL_WEIGHTS,
  STATE_JSON,
  STATE_TENSORS,
  loadModel,
  loadOptimizer,
  loadState,
  saveModel,
  saveOptimizer,
  saveState,
  writeDirAtomic,
  writeFileSynced,
} from "./files.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await fs.mkdtemp(path.join(os.tmpdir(), "atlas-files-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A layer with its own weight and config: must round-trip once registered. */
class ScaleLayer extends tf.layers.Layer {
  static className = "AtlasTestScale";
  private readonly factor: number;
  private scale!: tf.LayerVariable;
  constructor(config: { factor: number; name?: string }) {
    super(config);
    this.factor = config.factor;
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    this.scale = this.addWeight("scale", [shape[shape.length - 1] as number], "float32", tf.initializers.randomNormal({ seed: 3 }));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.tidy(() => x.mul(this.scale.read()).mul(this.factor));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}
tf.serialization.registerClass(ScaleLayer);

function makeModel(): tf.LayersModel {
  const input = tf.input({ shape: [4] });
  const h = tf.layers.dense({ units: 8, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const s = new ScaleLayer({ factor: 1.5 }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(s) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

async function listDir(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

describe("saveModel / loadModel", () => {
  it("round-trips a model with a custom layer: same weights bit for bit, same predictions", async () => {
    const model = makeModel();
    // give the biases non-zero values so they are really compared
    model.setWeights(model.getWeights().map((w, i) => tf.tidy(() => w.add(tf.scalar(0.01 * (i + 1))))));
    const dir = path.join(root, "m1");
    await saveModel(dir, model);
    expect(await listDir(dir)).toEqual([MODEL_JSON, MODEL_WEIGHTS]);
    const json = JSON.parse(await fs.readFile(path.join(dir, MODEL_JSON), "utf8"));
    expect(json.format).toBe("layers-model");
    expect(JSON.stringify(json.modelTopology)).toContain("AtlasTestScale");
    const loaded = await loadModel(dir);
    const a = model.getWeights();
    const b = loaded.getWeights();
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(Array.from(await b[i]!.data())).toEqual(Array.from(await a[i]!.data()));
    }
    const x = tf.tensor2d([
      [1, -2, 0.5, 3],
      [0, 0.1, -1, 2],
    ]);
    const pa = model.predict(x) as tf.Tensor;
    const pb = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await pb.data())).toEqual(Array.from(await pa.data()));
    tf.dispose([x, pa, pb]);
    model.dispose();
    loaded.dispose();
  });

  it("replaces an existing model atomically, leaving no temp or old directories", async () => {
    const dir = path.join(root, "m2");
    const m1 = makeModel();
    await saveModel(dir, m1);
    const m2 = makeModel();
    m2.setWeights(m2.getWeights().map((w) => tf.tidy(() => w.mul(2).add(1))));
    await saveModel(dir, m2);
    expect((await listDir(root)).filter((e) => e.startsWith("m2"))).toEqual(["m2"]);
    const loaded = await loadModel(dir);
    expect(Array.from(await loaded.getWeights()[0]!.data())).toEqual(Array.from(await m2.getWeights()[0]!.data()));
    [m1, m2, loaded].forEach((m) => m.dispose());
  });

  it("rejects bad arguments before doing any work", async () => {
    await expect(saveModel("", makeModel())).rejects.toThrow(InvalidArgumentError);
    await expect(saveModel(path.join(root, "x"), {} as tf.LayersModel)).rejects.toThrow(/model/);
    await expect(loadModel(42 as unknown as string)).rejects.toThrow(/dir/);
  });

  it("gives FileNotFoundError for a missing directory or weights file", async () => {
    await expect(loadModel(path.join(root, "nope"))).rejects.toThrow(FileNotFoundError);
    const dir = path.join(root, "m3");
    await saveModel(dir, makeModel());
    await fs.rm(path.join(dir, MODEL_WEIGHTS));
    const err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect((err as FileNotFoundError).path).toBe(path.join(dir, MODEL_WEIGHTS));
  });

  it("gives CorruptFileError naming the file for bad JSON, truncated weights and unknown dtypes", async () => {
    const dir = path.join(root, "m4");
    await saveModel(dir, makeModel());
    const jsonPath = path.join(dir, MODEL_JSON);
    const weightsPath = path.join(dir, MODEL_WEIGHTS);
    const goodJson = await fs.readFile(jsonPath, "utf8");
    const goodWeights = await fs.readFile(weightsPath);

    await fs.writeFile(jsonPath, goodJson.slice(0, goodJson.length / 2));
    let err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(jsonPath);
    expect(String(err)).toMatch(/not valid JSON/);

    await fs.writeFile(jsonPath, goodJson);
    await fs.writeFile(weightsPath, goodWeights.subarray(0, goodWeights.length - 4));
    err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(weightsPath);
    expect(String(err)).toMatch(new RegExp(`${goodWeights.length - 4} bytes .* ${goodWeights.length} bytes`));

    await fs.writeFile(weightsPath, goodWeights);
    const bad = JSON.parse(goodJson);
    bad.weightsManifest[0].weights[0].dtype = "float64";
    await fs.writeFile(jsonPath, JSON.stringify(bad));
    err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect(String(err)).toMatch(/unknown dtype "float64"/);

    await fs.writeFile(jsonPath, JSON.stringify({ ...JSON.parse(goodJson), weightsManifest: [{ paths: ["../escape.bin"], weights: [] }] }));
    await expect(loadModel(dir)).rejects.toThrow(/relative file name/);

    await fs.writeFile(jsonPath, JSON.stringify({ weightsManifest: [] }));
    await expect(loadModel(dir)).rejects.toThrow(/modelTopology/);
  });

  it("names the missing registration when a custom layer class is unknown", async () => {
    const dir = path.join(root, "m5");
    await saveModel(dir, makeModel());
    const json = await fs.readFile(path.join(dir, MODEL_JSON), "utf8");
    await fs.writeFile(path.join(dir, MODEL_JSON), json.replaceAll("AtlasTestScale", "AtlasNotRegistered"));
    await expect(loadModel(dir)).rejects.toThrow(/registerClass/);
  });
});

describe("saveState / loadState", () => {
  it("round-trips named float32, int32 and bool tensors (incl. empty) and JSON, bit for bit", async () => {
    const dir = path.join(root, "s1");
    const codebook = tf.tensor2d([
      [0.1, -2.5e-8, 3.4e38],
      [Number.MIN_VALUE, -0, 7],
    ]);
    const labels = tf.tensor1d([1, -2, 2147483647], "int32");
    const mask = tf.tensor([true, false, true, true], [2, 2], "bool");
    const empty = tf.zeros([0, 3]);
    const json = { mean: 0.1307, std: 0.3081, names: ["a", "b"], nested: { k: 3 } };
    await saveState(dir, { tensors: { codebook, labels, mask, empty }, json });
    expect(await listDir(dir)).toEqual([STATE_JSON, STATE_TENSORS]);
    const { tensors, json: back } = await loadState(dir);
    expect(back).toEqual(json);
    expect(Object.keys(tensors)).toEqual(["codebook", "labels", "mask", "empty"]);
    for (const [name, orig] of Object.entries({ codebook, labels, mask, empty })) {
      const t = tensors[name]!;
      expect(t.dtype).toBe(orig.dtype);
      expect(t.shape).toEqual(orig.shape);
      expect(Array.from(await t.data())).toEqual(Array.from(await orig.data()));
    }
    // -0 survives as -0 (bit-exact float32)
    expect(Object.is((await tensors.codebook!.data())[4], -0)).toBe(true);
    tf.dispose([codebook, labels, mask, empty, ...Object.values(tensors)]);
  });

  it("stores JSON-only and tensor-only states; json undefined stays undefined", async () => {
    await saveState(path.join(root, "s2"), { json: [1, 2, 3] });
    expect(await loadState(path.join(root, "s2"))).toEqual({ tensors: {}, json: [1, 2, 3] });
    const t = tf.scalar(5);
    await saveState(path.join(root, "s3"), { tensors: { t } });
    const loaded = await loadState(path.join(root, "s3"));
    expect(loaded.json).toBeUndefined();
    expect((await loaded.tensors.t!.data())[0]).toBe(5);
    tf.dispose([t, loaded.tensors.t!]);
  });

  it("rejects bad input naming it", async () => {
    const d = tf.scalar(1);
    d.dispose();
    await expect(saveState(path.join(root, "bad"), { tensors: { d } })).rejects.toThrow(/state\.tensors\.d: the tensor is disposed/);
    await expect(saveState(path.join(root, "bad"), { tensors: { x: [1, 2] as unknown as tf.Tensor } })).rejects.toThrow(/state\.tensors\.x/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(saveState(path.join(root, "bad"), { json: cyclic })).rejects.toThrow(/state\.json/);
    await expect(saveState(path.join(root, "bad"), null as unknown as { json: 1 })).rejects.toThrow(InvalidArgumentError);
    expect(await fs.readdir(root)).not.toContain("bad");
  });

  it("gives FileNotFoundError / CorruptFileError for missing, truncated and inconsistent files", async () => {
    const dir = path.join(root, "s4");
    const a = tf.tensor1d([1, 2, 3, 4]);
    await saveState(dir, { tensors: { a }, json: { ok: true } });
    a.dispose();
    const jsonPath = path.join(dir, STATE_JSON);
    const binPath = path.join(dir, STATE_TENSORS);
    const goodJson = await fs.readFile(jsonPath, "utf8");
    const goodBin = await fs.readFile(binPath);

    await fs.writeFile(binPath, goodBin.subarray(0, 10));
    let err = await loadState(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(binPath);
    expect(String(err)).toMatch(/is 10 bytes but the manifest .* describes 16 bytes/);

    await fs.rm(binPath);
    await expect(loadState(dir)).rejects.toThrow(FileNotFoundError);
    await fs.writeFile(binPath, goodBin);

    await fs.writeFile(jsonPath, "{ not json");
    err = await loadState(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(jsonPath);

    const m = JSON.parse(goodJson);
    await fs.writeFile(jsonPath, JSON.stringify({ ...m, tensors: [{ ...m.tensors[0], dtype: "float16" }] }));
    await expect(loadState(dir)).rejects.toThrow(/unknown dtype "float16"/);
    await fs.writeFile(jsonPath, JSON.stringify({ ...m, tensors: [{ ...m.tensors[0], shape: [5] }] }));
    await expect(loadState(dir)).rejects.toThrow(/needs 20 bytes/);
    await fs.writeFile(jsonPath, JSON.stringify({ ...m, format: "something-else" }));
    await expect(loadState(dir)).rejects.toThrow(/not an Atlas state file/);
    await fs.writeFile(jsonPath, JSON.stringify({ ...m, version: 99 }));
    await expect(loadState(dir)).rejects.toThrow(/unsupported state version 99/);
    await expect(loadState(path.join(root, "missing-state"))).rejects.toThrow(FileNotFoundError);
  });

  it("a crash mid-write leaves the previous version intact and no temp directories", async () => {
    const dir = path.join(root, "s5");
    const v1 = tf.tensor1d([1, 2, 3]);
    await saveState(dir, { tensors: { v: v1 }, json: { version: 1 } });
    // the second tensor's data read fails after the first tensor was already written to the temp dir
    const good = tf.tensor1d([9, 9, 9]);
    const failing = tf.tensor1d([7, 7]);
    (failing as unknown as { data: () => Promise<never> }).data = () => Promise.reject(new Error("disk full"));
    await expect(saveState(dir, { tensors: { good, failing }, json: { version: 2 } })).rejects.toThrow("disk full");
    expect((await listDir(root)).filter((e) => e.startsWith("s5"))).toEqual(["s5"]);
    const { tensors, json } = await loadState(dir);
    expect(json).toEqual({ version: 1 });
    expect(Array.from(await tensors.v!.data())).toEqual([1, 2, 3]);
    tf.dispose([v1, good, failing, ...Object.values(tensors)]);
  });

  it("falls back to the previous version when a crash hit between the two renames", async () => {
    const dir = path.join(root, "s6");
    const v = tf.tensor1d([4, 5]);
    await saveState(dir, { tensors: { v }, json: "old" });
    // what a kill between "rename old away" and "rename new in" leaves behind
    await fs.rename(dir, `${dir}.old-123-abcd`);
    await fs.mkdir(`${dir}.tmp-123-abcd`);
    const { tensors, json } = await loadState(dir);
    expect(json).toBe("old");
    expect(Array.from(await tensors.v!.data())).toEqual([4, 5]);
    tf.dispose([v, ...Object.values(tensors)]);
  });
});

describe("writeDirAtomic", () => {
  it("removes the temp directory and keeps the old target when the writer throws", async () => {
    const dir = path.join(root, "w1");
    await writeDirAtomic(dir, async (tmp) => writeFileSynced(path.join(tmp, "a.txt"), "first"));
    await expect(
      writeDirAtomic(dir, async (tmp) => {
        await writeFileSynced(path.join(tmp, "a.txt"), "second");
        throw new Error("simulated crash");
      }),
    ).rejects.toThrow("simulated crash");
    expect((await listDir(root)).filter((e) => e.startsWith("w1"))).toEqual(["w1"]);
    expect(await fs.readFile(path.join(dir, "a.txt"), "utf8")).toBe("first");
    await writeDirAtomic(dir, async (tmp) => writeFileSynced(path.join(tmp, "b.txt"), [new Uint8Array([1, 2]), new Uint8Array([3])]));
    expect(await listDir(dir)).toEqual(["b.txt"]);
    expect(Array.from(await fs.readFile(path.join(dir, "b.txt")))).toEqual([1, 2, 3]);
  });
});

describe("saveOptimizer / loadOptimizer", () => {
  it("restores Adam exactly: the next update matches the uninterrupted optimizer bit for bit", async () => {
    const target = tf.tensor1d([1, -2, 3]);
    const run = (w: tf.Variable, opt: tf.Optimizer): void => {
      opt.minimize(() => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar, false, [w]);
    };
    const w1 = tf.variable(tf.tensor1d([0.5, 0.5, 0.5]));
    const adam1 = tf.train.adam(0.05);
    for (let i = 0; i < 7; i++) run(w1, adam1);
    const dir = path.join(root, "opt");
    await saveOptimizer(dir, adam1);
    const w2 = tf.variable(w1.clone());
    const adam2 = tf.train.adam(0.05);
    run(w2, adam2); // creates slots that loadOptimizer must replace (and dispose)
    w2.assign(w1);
    const before = tf.memory().numTensors;
    await loadOptimizer(dir, adam2);
    expect(tf.memory().numTensors).toBe(before);
    expect(adam2.iterations).toBe(7);
    for (let i = 0; i < 5; i++) {
      run(w1, adam1);
      run(w2, adam2);
    }
    expect(Array.from(await w2.data())).toEqual(Array.from(await w1.data()));
    await expect(loadOptimizer(dir, tf.train.sgd(0.1))).rejects.toThrow(/saved state is for a Adam optimizer/);
    tf.dispose([target, w1, w2]);
    adam1.dispose();
    adam2.dispose();
  });
});
