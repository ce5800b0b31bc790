/**
 * Issue 16 for @atlas/gtn's files: a damaged GTN or latent-autoencoder directory is a
 * CorruptFileError naming the file and the field, with no tensor left behind — NaN/Inf weights,
 * weight names swapped or edited in a model.json, out-of-range fields of the GTN's state.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { CorruptFileError, Rng } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GTN, LatentAutoencoder, trainGTN, trainLatentAutoencoder } from "./index.js";

let dir: string;
beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
  dir = await mkdtemp(join(tmpdir(), "gtn-corrupt-"));
  const rng = new Rng(1);
  const gtn = await trainGTN(Array.from({ length: 60 }, () => [rng.uniform(), rng.uniform()]), { preset: "swissRoll", epochs: 1, seed: 1, validationFraction: 0 });
  await gtn.save(join(dir, "gtn"));
  gtn.dispose();
  const x = tf.tidy(() => tf.linspace(0, 1, 8 * 64).reshape([8, 8, 8, 1]) as tf.Tensor4D);
  const ae = await trainLatentAutoencoder(x, { latentDim: 2, epochs: 1, batchSize: 8, seed: 1 });
  x.dispose();
  await ae.save(join(dir, "ae"));
  ae.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let copies = 0;
async function copyOf(from: string): Promise<string> {
  const target = join(dir, `copy-${copies++}`);
  await cp(join(dir, from), target, { recursive: true });
  return target;
}

async function editJson(file: string, edit: (j: Record<string, any>) => void): Promise<void> {
  const j = JSON.parse(await readFile(file, "utf8")) as Record<string, any>;
  edit(j);
  await writeFile(file, JSON.stringify(j));
}

/** The load error (a CorruptFileError), with no tensor left behind. */
async function loadError(load: () => Promise<{ dispose(): void }>): Promise<CorruptFileError> {
  const before = tf.memory().numTensors;
  const e = await load().then(
    (m) => {
      m.dispose();
      return null;
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CorruptFileError);
  expect(tf.memory().numTensors).toBe(before);
  return e as CorruptFileError;
}

/** Swap the names of two weights of equal shape in a model.json's manifest. */
function swapEqualShapes(j: Record<string, any>): [string, string] {
  const weights = j.weightsManifest[0].weights as { name: string; shape: number[] }[];
  for (let a = 0; a < weights.length; a++) {
    for (let b = a + 1; b < weights.length; b++) {
      if (JSON.stringify(weights[a]!.shape) === JSON.stringify(weights[b]!.shape)) {
        const [na, nb] = [weights[a]!.name, weights[b]!.name];
        weights[a]!.name = nb;
        weights[b]!.name = na;
        return [na, nb];
      }
    }
  }
  throw new Error("no two weights of equal shape");
}

describe("GTN files", () => {
  it("a NaN or an Infinity in h's weights: CorruptFileError naming h/weights.bin and the weight", async () => {
    for (const v of [Number.NaN, -Infinity]) {
      const p = await copyOf("gtn");
      const file = join(p, "h", "weights.bin");
      const bytes = await readFile(file);
      bytes.writeFloatLE(v, 4);
      await writeFile(file, bytes);
      const e = await loadError(() => GTN.load(p));
      expect(e.path).toBe(file);
      expect(e.message).toMatch(new RegExp(`weight '[^']+' holds ${v} at index 1`));
    }
  });

  it("two weight names of equal shape swapped in h/model.json (before: loaded into the wrong layers)", async () => {
    const p = await copyOf("gtn");
    let swapped: [string, string] = ["", ""];
    await editJson(join(p, "h", "model.json"), (j) => {
      swapped = swapEqualShapes(j);
    });
    const e = await loadError(() => GTN.load(p));
    expect(e.path).toBe(join(p, "h", "weights.bin"));
    expect(e.message).toMatch(/checksum mismatch/);
    expect(swapped.some((n) => e.message.includes(`'${n}'`))).toBe(true);
  });

  it("a weight name edited to one the model does not have: CorruptFileError naming h/model.json", async () => {
    const p = await copyOf("gtn");
    await editJson(join(p, "h", "model.json"), (j) => {
      j.weightsManifest[0].weights[0].name = "no_such_layer/kernel";
    });
    const e = await loadError(() => GTN.load(p));
    expect(e.path).toBe(join(p, "h", "model.json"));
    expect(e.message).toMatch(/no_such_layer\/kernel/);
  });

  for (const [field, edit, pattern] of [
    ["std 0", (g: Record<string, any>) => (g.std[1] = 0), /std\[1\] must be > 0/],
    ["std negative", (g: Record<string, any>) => (g.std[0] = -2), /std\[0\] must be > 0/],
    ["mean null (a NaN written as JSON)", (g: Record<string, any>) => (g.mean[0] = null), /mean must be 2 finite numbers/],
    ["latentDim 3 (h maps 2 → 2)", (g: Record<string, any>) => {
      g.latentDim = 3;
      g.mean.push(0);
      g.std.push(1);
    }, /h must map \[n, 3\] to \[n, 3\]/],
    ["latentDim 0", (g: Record<string, any>) => (g.latentDim = 0), /latentDim must be a positive integer/],
  ] as const) {
    it(`gtn/state.json with ${field}: CorruptFileError naming the file and the field`, async () => {
      const p = await copyOf("gtn");
      await editJson(join(p, "gtn", "state.json"), (j) => edit(j.json));
      const e = await loadError(() => GTN.load(p));
      expect(e.message).toMatch(pattern);
      expect(e.path.startsWith(p)).toBe(true);
    });
  }
});

describe("latent autoencoder files", () => {
  it("a NaN in the decoder's weights: CorruptFileError naming decoder/weights.bin, the encoder freed (before: +10 tensors)", async () => {
    const p = await copyOf("ae");
    const file = join(p, "decoder", "weights.bin");
    const bytes = await readFile(file);
    bytes.writeFloatLE(Number.NaN, 0);
    await writeFile(file, bytes);
    const e = await loadError(() => LatentAutoencoder.load(p));
    expect(e.path).toBe(file);
  });

  it("swapped weight names in the encoder's model.json, and encoder and decoder swapped", async () => {
    const p = await copyOf("ae");
    await editJson(join(p, "encoder", "model.json"), (j) => void swapEqualShapes(j));
    expect((await loadError(() => LatentAutoencoder.load(p))).message).toMatch(/checksum mismatch/);
    const q = await copyOf("ae");
    await cp(join(dir, "ae", "decoder"), join(q, "encoder"), { recursive: true, force: true });
    await cp(join(dir, "ae", "encoder"), join(q, "decoder"), { recursive: true, force: true });
    const e = await loadError(() => LatentAutoencoder.load(q));
    expect(e.message).toMatch(/encoder and decoder do not fit together/);
  });
});
