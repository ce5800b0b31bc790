/**
 * Issue 16 for core's model files: weight names swapped between two weights of equal shape (tfjs
 * loads by name, so the values went silently into the wrong layers) or edited, and weight values
 * altered, are CorruptFileErrors naming the file and the weight — through the checksums saveModel
 * records. Files without them (other tfjs writers) still load.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError } from "./errors.js";
import { MODEL_JSON, MODEL_WEIGHTS, loadModel, saveModel } from "./files.js";
import { mlp } from "./nn.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await fs.mkdtemp(path.join(os.tmpdir(), "atlas-corrupt-"));
  // two hidden layers of equal width: their biases (and the 3×3 kernel) have equal shapes
  const m = mlp({ inputDim: 3, outputDim: 3, hiddenLayers: 2, width: 3, seed: 1 });
  // distinct bias values, so that swapping two biases changes the model
  m.setWeights(m.getWeights().map((w, i) => tf.tidy(() => w.add(i + 0.5))));
  await saveModel(path.join(root, "good"), m);
  m.dispose();
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

let copies = 0;
async function edited(edit: (j: Record<string, any>) => void): Promise<string> {
  const dir = path.join(root, `copy-${copies++}`);
  await fs.cp(path.join(root, "good"), dir, { recursive: true });
  const file = path.join(dir, MODEL_JSON);
  const j = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, any>;
  edit(j);
  await fs.writeFile(file, JSON.stringify(j));
  return dir;
}

async function loadError(dir: string): Promise<CorruptFileError> {
  const before = tf.memory().numTensors;
  const e = await loadModel(dir).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CorruptFileError);
  expect(tf.memory().numTensors).toBe(before);
  return e as CorruptFileError;
}

const weightsOf = (j: Record<string, any>): { name: string; shape: number[] }[] => j.weightsManifest[0].weights;

describe("model files: names and values checked against saveModel's checksums", () => {
  it("the unedited file loads, and records one checksum per weight", async () => {
    const j = JSON.parse(await fs.readFile(path.join(root, "good", MODEL_JSON), "utf8")) as Record<string, any>;
    expect(Object.keys(j.atlasWeightChecksums).sort()).toEqual(weightsOf(j).map((w) => w.name).sort());
    (await loadModel(path.join(root, "good"))).dispose();
  });

  it("two biases of equal shape with their names swapped: CorruptFileError naming weights.bin and the weight (before: loaded silently)", async () => {
    let names: string[] = [];
    const dir = await edited((j) => {
      const biases = weightsOf(j).filter((w) => /bias/.test(w.name) && w.shape[0] === 3);
      expect(biases.length).toBeGreaterThanOrEqual(2);
      names = [biases[0]!.name, biases[1]!.name];
      [biases[0]!.name, biases[1]!.name] = [names[1]!, names[0]!];
    });
    const e = await loadError(dir);
    expect(e.path).toBe(path.join(dir, MODEL_WEIGHTS));
    expect(e.message).toMatch(new RegExp(`weight '(${names.map((n) => n.replace(/[/]/g, "\\/")).join("|")})': checksum mismatch`));
  });

  it("a weight renamed to a name the model was not saved with: CorruptFileError naming model.json", async () => {
    const dir = await edited((j) => {
      weightsOf(j)[0]!.name = "dense_99/kernel";
    });
    const e = await loadError(dir);
    expect(e.path).toBe(path.join(dir, MODEL_JSON));
    expect(e.message).toMatch(/weight 'dense_99\/kernel' is not among the weights the model was saved with/);
  });

  it("a finite weight value altered in weights.bin: CorruptFileError naming the file", async () => {
    const dir = await edited(() => undefined);
    const file = path.join(dir, MODEL_WEIGHTS);
    const bytes = await fs.readFile(file);
    bytes.writeFloatLE(bytes.readFloatLE(0) + 0.25, 0);
    await fs.writeFile(file, bytes);
    const e = await loadError(dir);
    expect(e.path).toBe(file);
    expect(e.message).toMatch(/checksum mismatch/);
  });

  it("checksums that are not an object are refused; a file without checksums (another tfjs writer) loads", async () => {
    const bad = await edited((j) => {
      j.atlasWeightChecksums = 7;
    });
    expect((await loadError(bad)).message).toMatch(/atlasWeightChecksums: expected an object/);
    const plain = await edited((j) => {
      delete j.atlasWeightChecksums;
    });
    (await loadModel(plain)).dispose();
  });
});

describe("state files: each tensor's checksum is bound to its name", () => {
  it("two optimizer slots with their names swapped in state.json, or a value altered: CorruptFileError naming tensors.bin and the tensor (before: loaded silently)", async () => {
    const { loadOptimizer, loadState, saveOptimizer, saveState, STATE_JSON, STATE_TENSORS } = await import("./files.js");
    const w = tf.variable(tf.tensor([1, -2]));
    const adam = tf.train.adam(0.1);
    tf.dispose(adam.minimize(() => w.square().sum() as tf.Scalar, true) ?? []);
    const dir = path.join(root, "adam");
    await saveOptimizer(dir, adam);
    const file = path.join(dir, STATE_JSON);
    const good = await fs.readFile(file, "utf8");
    const m = JSON.parse(good) as { tensors: { name: string; shape: number[]; fnv1a: string }[] };
    expect(m.tensors.every((t) => /^[0-9a-f]{8}$/.test(t.fnv1a))).toBe(true);
    // Adam's first and second moments of w have the same shape
    const [a, b] = m.tensors.filter((t) => JSON.stringify(t.shape) === "[2]");
    [a!.name, b!.name] = [b!.name, a!.name];
    await fs.writeFile(file, JSON.stringify(m));
    const fresh = tf.train.adam(0.1); // (holds its two beta-power scalars)
    const before = tf.memory().numTensors;
    const err = await loadOptimizer(dir, fresh).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect((err as CorruptFileError).path).toBe(path.join(dir, STATE_TENSORS));
    expect((err as Error).message).toMatch(/checksum mismatch/);
    expect(tf.memory().numTensors).toBe(before);
    // a finite value altered in tensors.bin
    await fs.writeFile(file, good);
    const t = tf.tensor([1, 2, 3]);
    await saveState(path.join(root, "state"), { tensors: { t } });
    t.dispose();
    const bin = path.join(root, "state", STATE_TENSORS);
    const bytes = await fs.readFile(bin);
    bytes.writeFloatLE(2.5, 4);
    await fs.writeFile(bin, bytes);
    await expect(loadState(path.join(root, "state"))).rejects.toThrow(/tensor 't': checksum mismatch/);
    w.dispose();
    adam.dispose();
    fresh.dispose();
  });
});
