/**
 * Issue 16 for @atlas/agm's model files: every damaged file is a CorruptFileError naming the file
 * and the field — NaN/Inf weights, tensors whose names were swapped or edited, configuration fields
 * out of range (config.h edited to 4096: refused before a weight is allocated, and tfjs keeps
 * working; before it allocated for 35 s, then broke the backend for the process).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, initBackend } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan } from "./awae-gan.js";
import { awaeGanWeightCount } from "./awae-gan-size.js";
import { createAtlasVae } from "./atlas-vae.js";
import { loadAtlasVae, loadAwaeGan, restoreAwaeGan, saveAtlasVae, saveAwaeGan } from "./io.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "agm-corrupt-"));
  const gan = createAwaeGan({ charts: 2, latentDim: 2, h: 2, dataShape: [4], seed: 1 });
  await saveAwaeGan(join(dir, "gan"), gan);
  gan.dispose();
  const vae = createAtlasVae({ charts: 2, latentDim: 2, dataShape: [4], hidden: [4], seed: 1 });
  await saveAtlasVae(join(dir, "vae"), vae);
  vae.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Manifest {
  tensors: { name: string; shape: number[]; byteOffset: number; byteLength: number }[];
  json: { config: Record<string, unknown>; models: { name: string; weights: string[] }[]; checksums: Record<string, string> };
}

let copies = 0;
/** A copy of a saved model with `edit` applied to its manifest and bytes. */
async function corrupt(from: "gan" | "vae", edit: (m: Manifest, bin: Buffer) => void): Promise<string> {
  const target = join(dir, `copy-${copies++}`);
  await cp(join(dir, from), target, { recursive: true });
  const m = JSON.parse(await readFile(join(target, "state.json"), "utf8")) as Manifest;
  const bin = await readFile(join(target, "tensors.bin"));
  edit(m, bin);
  await writeFile(join(target, "state.json"), JSON.stringify(m));
  await writeFile(join(target, "tensors.bin"), bin);
  return target;
}

/** The load error; no tensor may be left behind, and tfjs must still work. */
async function loadError(path: string, load: (p: string) => Promise<{ dispose(): void }> = loadAwaeGan): Promise<CorruptFileError> {
  const before = tf.memory().numTensors;
  const e = await load(path).then(
    (m) => {
      m.dispose();
      return null;
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(CorruptFileError);
  expect(tf.memory().numTensors).toBe(before);
  const t = tf.add(tf.scalar(1), tf.scalar(2));
  expect((await t.data())[0]).toBe(3);
  t.dispose();
  return e as CorruptFileError;
}

const tensorOf = (m: Manifest, name: string) => m.tensors.find((t) => t.name === name)!;

describe("AWAE-GAN files", () => {
  it("a NaN or an Infinity in a weight: CorruptFileError naming tensors.bin and the tensor", async () => {
    for (const v of [Number.NaN, Infinity]) {
      const p = await corrupt("gan", (m, bin) => bin.writeFloatLE(v, tensorOf(m, "0/0").byteOffset + 4));
      const e = await loadError(p);
      expect(e.path).toBe(join(p, "tensors.bin"));
      expect(e.message).toMatch(new RegExp(`tensor '0/0' holds ${v} at index 1`));
    }
  });

  it("two tensors of equal shape with their names swapped (before: loaded silently into the wrong weights)", async () => {
    const p = await corrupt("gan", (m) => {
      // a batch norm's gamma and beta have the same shape
      const a = tensorOf(m, "0/2");
      const b = tensorOf(m, "0/3");
      expect(a.shape).toEqual(b.shape);
      [a.name, b.name] = [b.name, a.name];
    });
    // core's loadState binds each tensor's checksum to its name, so it refuses the file first
    const e = await loadError(p);
    expect(e.path).toBe(join(p, "tensors.bin"));
    expect(e.message).toMatch(/tensor '0\/[23]': checksum mismatch .*names? was swapped/);
    // a file without core's per-tensor checksums (written before they existed): the AGM loader's own check
    const old = await corrupt("gan", (m) => {
      for (const t of m.tensors) delete (t as { fnv1a?: string }).fnv1a;
      const a = tensorOf(m, "0/2");
      const b = tensorOf(m, "0/3");
      [a.name, b.name] = [b.name, a.name];
    });
    const e2 = await loadError(old);
    expect(e2.path).toBe(join(old, "state.json"));
    expect(e2.message).toMatch(/tensor '0\/[23]' \(trunk: trunk_1_bn\/(gamma|beta)\): checksum mismatch/);
  });

  it("a weight name in the manifest that is not this configuration's: CorruptFileError naming the field", async () => {
    const p = await corrupt("gan", (m) => {
      m.json.models[0]!.weights[1] = "trunk_9/bias";
    });
    expect((await loadError(p)).message).toMatch(/models\[0\]\.weights\[1\]: the file names tensor '0\/1' "trunk_9\/bias"/);
  });

  it("a tensor missing or of the wrong shape", async () => {
    const missing = await corrupt("gan", (m) => {
      const t = tensorOf(m, "1/0");
      t.name = "1/99";
      delete (t as { fnv1a?: string }).fnv1a; // as in a file written before core's per-tensor checksums
    });
    expect((await loadError(missing)).message).toMatch(/tensor '1\/0'\) is missing/);
  });

  for (const [field, value, pattern] of [
    ["charts", 0, /options\.charts/],
    ["latentDim", -3, /options\.latentDim/],
    ["h", 1.5, /options\.h/],
    ["dataShape", [4, 4], /options\.dataShape/],
    ["outputActivation", "relu", /options\.outputActivation/],
    ["typo", 1, /options\.typo/],
  ] as const) {
    it(`config.${field} out of range (${JSON.stringify(value)}): CorruptFileError naming state.json and the field`, async () => {
      const p = await corrupt("gan", (m) => {
        m.json.config[field] = value;
      });
      const e = await loadError(p);
      expect(e.path).toBe(join(p, "state.json"));
      expect(e.message).toMatch(pattern);
    });
  }
});

describe("issue 16 item 3: sizes the backend cannot hold are refused before allocating, and tfjs keeps working", () => {
  it("createAwaeGan({ charts: 2, latentDim: 2, h: 4096, dataShape: [4] }) is an InvalidArgumentError naming options.h, with no tensor made", async () => {
    // ≈ 4.5·10⁹ weights (18 GiB): before, 35 s of allocation, then "memory access out of bounds" and a broken engine
    expect(awaeGanWeightCount({ charts: 2, latentDim: 2, h: 4096, dataShape: [4], encoderBias: true })).toBeGreaterThan(4e9);
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const err = (() => {
      try {
        createAwaeGan({ charts: 2, latentDim: 2, h: 4096, dataShape: [4] });
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe("options.h");
    expect((err as Error).message).toMatch(/the AWAE-GAN .* would have [\d,]+ weights/);
    expect(performance.now() - t0).toBeLessThan(5_000); // refused by arithmetic, not after an allocation
    expect(tf.memory().numTensors).toBe(before);
    const m = createAwaeGan({ charts: 2, latentDim: 2, h: 2, dataShape: [4] });
    const psi = m.partition(tf.zeros([3, 4]));
    expect(psi.shape).toEqual([3, 2]);
    tf.dispose(psi);
    m.dispose();
  });

  it("a file whose config.h was edited to 4096: CorruptFileError naming state.json and h, nothing allocated, tfjs still works", async () => {
    const p = await corrupt("gan", (m) => {
      m.json.config.h = 4096;
    });
    const e = await loadError(p);
    expect(e.path).toBe(join(p, "state.json"));
    expect(e.message).toMatch(/config: options\.h: the AWAE-GAN .*h 4096.* would have [\d,]+ weights/);
    // restoring into a model: the same refusal, the model untouched
    const model = createAwaeGan({ charts: 2, latentDim: 2, h: 2, dataShape: [4], seed: 1 });
    await expect(restoreAwaeGan(p, model)).rejects.toThrow(/options\.h/);
    model.dispose();
  });

  it("the weight count is exact for the vector and image networks (against the built models' own weights)", () => {
    for (const options of [
      { charts: 2, latentDim: 2, h: 3, dataShape: [5] },
      { charts: 1, latentDim: 4, h: 2, dataShape: [8, 8, 1] },
      { charts: 3, latentDim: 2, h: 2, dataShape: [16, 12, 3], encoderBias: false },
    ]) {
      const m = createAwaeGan(options);
      const built = m.allModels.reduce((s, net) => s + net.weights.reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * (y ?? 1), 1), 0), 0);
      expect(awaeGanWeightCount(m.config)).toBe(built);
      m.dispose();
    }
  });
});

describe("Atlas VAE files", () => {
  it("a NaN weight, swapped tensors and an edited config are CorruptFileErrors", async () => {
    const nan = await corrupt("vae", (m, bin) => bin.writeFloatLE(Number.NaN, tensorOf(m, "0/0").byteOffset));
    expect((await loadError(nan, loadAtlasVae)).message).toMatch(/tensor '0\/0' holds NaN/);
    const swapped = await corrupt("vae", (m) => {
      const a = tensorOf(m, "0/0");
      const b = m.tensors.find((t) => t !== a && t.name !== a.name && JSON.stringify(t.shape) === JSON.stringify(a.shape))!;
      [a.name, b.name] = [b.name, a.name];
    });
    expect((await loadError(swapped, loadAtlasVae)).message).toMatch(/checksum mismatch/);
    const config = await corrupt("vae", (m) => {
      m.json.config.hidden = [1e9];
    });
    expect((await loadError(config, loadAtlasVae)).message).toMatch(/config: .*hidden/);
  });
});

describe("found by the slow bad-input harness (seed 2)", () => {
  it("epochs are bounded (before: 1e9 trained for ever), an Atlas VAE takes at most 4 data axes, SampleTable names n for too many samples", async () => {
    const { trainAwaeGan, trainAtlasVae } = await import("./train.js");
    const { SampleTable } = await import("./data.js");
    const gan = createAwaeGan({ charts: 2, latentDim: 2, h: 2, dataShape: [4] });
    const vae = createAtlasVae({ charts: 2, latentDim: 2, dataShape: [4], hidden: [4] });
    const data = { data: new Float32Array(16), n: 4, dim: 4 };
    await expect(trainAwaeGan(gan, data, { epochs: 1e9, batchSize: 2 })).rejects.toMatchObject({ argument: "options.epochs" });
    await expect(trainAtlasVae(vae, data, { epochs: 1e9, batchSize: 2 })).rejects.toMatchObject({ argument: "options.epochs" });
    gan.dispose();
    vae.dispose();
    expect(() => createAtlasVae({ charts: 2, latentDim: 2, dataShape: [2, 2, 2, 2, 2] })).toThrow(/options\.dataShape: expected at most 4 axes/);
    expect(() => new SampleTable(new Float32Array(4), 1e9, [4])).toThrow(expect.objectContaining({ argument: "n" }));
  });
});
