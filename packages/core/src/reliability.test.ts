/**
 * Issue 16 for core: each case here failed on the code before the fix (named in the test).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkModelSize } from "./capacity.js";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError } from "./errors.js";
import { MODEL_WEIGHTS, STATE_TENSORS, loadModel, loadState, saveModel, saveState } from "./files.js";
import { toMatrix } from "./matrix.js";
import { gtnMnistAutoencoder, mlp } from "./nn.js";
import { Rng } from "./rng.js";
import { trainLoop } from "./train.js";
import { checkOptions } from "./validate.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await fs.mkdtemp(path.join(os.tmpdir(), "atlas-reliability-"));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

const stamp = (ms: number): string => `${ms.toString(36)}00-999999-abcd1234`;
const net = (seed: number): tf.Sequential => mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1, width: 3, seed });
const firstWeight = async (m: tf.LayersModel): Promise<number> => ((await m.getWeights()[0]!.data()) as Float32Array)[0]!;

describe("crash safety of saved models (the one recovery rule)", () => {
  it("a model whose save was killed between the renames loads as the new, complete version", async () => {
    // layout of a save of v2 over v1 killed after `m → m.old-…` and before `m.ready-… → m`
    const m = path.join(root, "m1");
    const v1 = net(1);
    const v2 = net(2);
    await saveModel(`${m}.old-${stamp(1000)}`, v1);
    await saveModel(`${m}.ready-${stamp(2000)}`, v2);
    const loaded = await loadModel(m);
    // before: the .old copy (v1) was loaded — the completed save was lost
    expect(await firstWeight(loaded)).toBe(await firstWeight(v2));
    for (const m of [v1, v2, loaded]) m.dispose();
  });

  it("after a crash, a later save and rm -rf, loading is a FileNotFoundError (no stale copy resurfaces)", async () => {
    const m = path.join(root, "m2");
    const v = net(3);
    await saveModel(`${m}.old-${stamp(1000)}`, v); // what a killed save left behind
    await saveModel(m, v); // a later, successful save
    await fs.rm(m, { recursive: true });
    // before: loadModel returned the left-over oldest version here
    await expect(loadModel(m)).rejects.toThrow(FileNotFoundError);
    expect((await fs.readdir(root)).filter((n) => n.startsWith("m2."))).toEqual([]);
    v.dispose();
  });
});

describe("corrupt files: non-finite values", () => {
  it("a model file with a NaN weight is a CorruptFileError naming the weights file and the weight", async () => {
    const dir = path.join(root, "nan-model");
    const m = net(4);
    await saveModel(dir, m);
    m.dispose();
    const file = path.join(dir, MODEL_WEIGHTS);
    const bytes = await fs.readFile(file);
    bytes.writeFloatLE(Number.NaN, 8); // the third kernel value
    await fs.writeFile(file, bytes);
    const err = await loadModel(dir).catch((e: unknown) => e);
    // before: it loaded and predicted NaN
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(file);
    expect((err as Error).message).toMatch(/weight '[^']*kernel[^']*' holds NaN at index 2/);
  });

  it("a state file with an Infinity is a CorruptFileError naming tensors.bin and the tensor", async () => {
    const dir = path.join(root, "inf-state");
    const t = tf.tensor([1, 2, 3]);
    await saveState(dir, { tensors: { codebook: t } });
    t.dispose();
    const file = path.join(dir, STATE_TENSORS);
    const bytes = await fs.readFile(file);
    bytes.writeFloatLE(Infinity, 4);
    await fs.writeFile(file, bytes);
    const before = tf.memory().numTensors;
    const err = await loadState(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(file);
    expect((err as Error).message).toMatch(/tensor 'codebook' holds Infinity at index 1/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("saving non-finite values is refused (the file would not load)", async () => {
    const t = tf.tensor([1, Number.NaN]);
    await expect(saveState(path.join(root, "nan-save"), { tensors: { t } })).rejects.toThrow(/state\.tensors\.t: holds NaN at index 1/);
    t.dispose();
  });
});

describe("strict options", () => {
  it("an unknown option is an error naming it and suggesting the near name", () => {
    // before: `widht` was ignored and the default width silently used
    expect(() => mlp({ inputDim: 2, outputDim: 2, hiddenLayers: 1, widht: 3 } as never)).toThrow(/options\.widht: unknown option \(did you mean 'width'\?\)/);
    expect(() => toMatrix("x", [[1]], { dims: 1 } as never)).toThrow(/options\.dims: unknown option \(did you mean 'dim'\?\)/);
  });

  it("a wrong-typed boolean is refused, not coerced", () => {
    // before: "yes" (and "false"!) turned batch norm on
    expect(() => mlp({ inputDim: 2, outputDim: 2, hiddenLayers: 1, width: 3, batchNorm: "false" as never })).toThrow(/options\.batchNorm: expected true or false/);
  });

  it("options = null is an InvalidArgumentError, not a TypeError", () => {
    expect(() => toMatrix("x", [[1]], null as never)).toThrow(InvalidArgumentError);
    expect(() => new Rng(1).choice(3, 1, null as never)).toThrow(InvalidArgumentError);
  });

  it("a key given as null is refused (leave it out for the default)", () => {
    expect(() => checkOptions("options", { k: null }, ["k"])).toThrow(/options\.k: expected a value or no key at all/);
    expect(checkOptions("options", { k: null }, ["k"], { nullable: ["k"] })).toEqual({ k: null });
  });
});

describe("sizes that would exhaust memory are refused before anything is allocated", () => {
  it("mlp({ width: 1e9 }) is an error naming options.width (before: hung while allocating)", () => {
    const before = tf.memory().numTensors;
    expect(() => mlp({ inputDim: 5, outputDim: 5, hiddenLayers: 2, width: 1e9 })).toThrow(/options\.width: the MLP would have [\d,]+ weights/);
    expect(() => mlp({ inputDim: 5, outputDim: 5, hiddenLayers: 1e9, width: 3 })).toThrow(/options\.hiddenLayers/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an autoencoder too big for the backend leaves no weights behind (before: +4 tensors leaked)", () => {
    const before = tf.memory().numTensors;
    expect(() => gtnMnistAutoencoder({ latentDim: 5, imageShape: [1 << 20, 1 << 20, 1] })).toThrow(/options\.imageShape/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("permutation(1e9) and the like are refused by size (before: V8 out-of-memory abort or hang)", () => {
    expect(() => new Rng(1).permutation(1e9)).toThrow(/n: would need 3\.7 GiB/);
    expect(() => new Rng(1).normalArray(2 ** 40)).toThrow(InvalidArgumentError);
  });

  it("checkModelSize compares against the backend's capacity", () => {
    expect(() => checkModelSize("options.h", 1e12, "the AWAE-GAN")).toThrow(/options\.h: the AWAE-GAN would have 1,000,000,000,000 weights/);
    expect(() => checkModelSize("options.h", 1e6)).not.toThrow();
  });
});

describe("trainLoop checks its checkpoint directory before training", () => {
  it("a checkpoint.dir under a regular file fails before the first step (before: after an epoch, with a raw ENOTDIR)", async () => {
    const file = path.join(root, "a-file");
    await fs.writeFile(file, "x");
    let steps = 0;
    const err = await trainLoop({
      size: 4,
      batchSize: 2,
      epochs: 1,
      step: () => {
        steps++;
        return 0;
      },
      checkpoint: { dir: path.join(file, "ck"), every: 1, save: () => undefined, load: () => undefined },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe("checkpoint.dir");
    expect(steps).toBe(0);
  });

  it("resumes from a checkpoint whose save was killed between the renames (before: silently restarted from scratch)", async () => {
    const dir = path.join(root, "ck");
    const run = (epochs: number, seen: number[]) =>
      trainLoop({
        size: 4,
        batchSize: 2,
        epochs,
        step: (_b, ctx) => {
          seen.push(ctx.globalStep);
          return 1;
        },
        checkpoint: { dir, every: 1, save: () => undefined, load: () => undefined },
      });
    await run(1, []);
    // the checkpoint of epoch 1 as a killed save of a later checkpoint leaves it: renamed away
    await fs.rename(dir, `${dir}.ready-${stamp(Date.now())}`);
    const seen: number[] = [];
    const h = await run(2, seen);
    expect(h.resumedFrom).toEqual({ epoch: 1, step: 0 });
    expect(seen).toEqual([2, 3]);
  });
});

describe("found by the slow bad-input harness (seed 2)", () => {
  it("sizes name the argument that makes them too big", async () => {
    const { convEncoder, convDecoder } = await import("./nn.js");
    const { randomOrthonormalMap, uniformSquare } = await import("./datasets/synthetic.js");
    const { imageGridLayout } = await import("./image.js");
    const argumentOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return (e as InvalidArgumentError).argument;
      }
      return "no error";
    };
    // before: options.filters / options.outputShape, although the latent layer was the big one
    expect(argumentOf(() => convEncoder({ inputShape: [8, 8, 1], filters: [2], latentDim: 1e9 }))).toBe("options.latentDim");
    expect(argumentOf(() => convDecoder({ latentDim: 1e9, outputShape: [8, 8, 1], filters: [2] }))).toBe("options.latentDim");
    expect(argumentOf(() => convEncoder({ inputShape: [8, 8, 1], filters: [100_000, 100_000], latentDim: 2 }))).toBe("options.filters");
    // before: "m: expected an integer ≥ 1e9" (a ShapeMismatchError naming both now)
    expect(() => randomOrthonormalMap(1e9, 4, 0)).toThrow(/m \(4\) must be at least k \(1000000000\)/);
    // before: named n (the allocation); dim has a documented bound like embedDim (65 536)
    expect(argumentOf(() => uniformSquare(10, 0, { dim: 1e9 }))).toBe("options.dim");
    expect(argumentOf(() => imageGridLayout(4, 4, 4, { padding: 1e9 }))).toBe("options.padding");
  });

  it("trainLoop refuses a size whose permutation cannot be allocated, naming size (before: n)", async () => {
    const err = await trainLoop({ size: 1e9, batchSize: 2, epochs: 1, step: () => 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe("size");
  });
});
