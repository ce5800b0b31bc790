import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError, initBackend, sphere } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVqFlow, restoreVqFlow, saveVqFlow } from "./io.js";
import { createVqFlow, type VqFlow } from "./model.js";
import { trainVqFlow } from "./train.js";

let dir: string;
let model: VqFlow;
const held = sphere(50, 1, { noise: 0.05 });

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "vqflow-io-"));
  model = createVqFlow({ dataShape: [3], codebookSize: 3, codeDim: 2, latentDim: 2, flow: "maf", layers: 2, hidden: [8], seed: 5 });
  await trainVqFlow(model, sphere(300, 0, { noise: 0.05 }), { epochs: 1, autoencoderEpochs: 1 });
  await model.measureChartMass({ samples: 100 });
  await saveVqFlow(model, join(dir, "good"));
});
afterAll(async () => {
  model.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Manifest {
  tensors: { name: string; shape: number[]; byteOffset: number; byteLength: number }[];
  json: { config: Record<string, unknown>; state: Record<string, unknown>; checksums: Record<string, string> };
}

/** A copy of the good model directory with `edit` applied to its manifest (and optionally its bytes). */
async function corrupt(name: string, edit: (m: Manifest, bin: Buffer) => void): Promise<string> {
  const target = join(dir, name);
  await cp(join(dir, "good"), target, { recursive: true });
  const manifest = JSON.parse(await readFile(join(target, "state.json"), "utf8")) as Manifest;
  const bin = await readFile(join(target, "tensors.bin"));
  edit(manifest, bin);
  await writeFile(join(target, "state.json"), JSON.stringify(manifest));
  await writeFile(join(target, "tensors.bin"), bin);
  return target;
}

async function loadError(path: string): Promise<Error> {
  const before = tf.memory().numTensors;
  const e = await loadVqFlow(path).catch((x: unknown) => x as Error);
  expect(tf.memory().numTensors).toBe(before);
  return e as Error;
}

describe("saveVqFlow / loadVqFlow", () => {
  it("round-trips configuration, training state and every weight: same densities, same samples", async () => {
    const again = await loadVqFlow(join(dir, "good"));
    try {
      expect(again.config).toEqual(model.config);
      expect(again.state).toEqual(model.state);
      expect(Array.from(await again.logProb(held))).toEqual(Array.from(await model.logProb(held)));
      const [a, b] = [await model.sample(20, 3), await again.sample(20, 3)];
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      tf.dispose([a, b]);
      expect(Array.from(await again.logProb(held, { normalized: true }))).toEqual(Array.from(await model.logProb(held, { normalized: true })));
    } finally {
      again.dispose();
    }
  });

  it("works through core's in-memory store (memory://), the same everywhere, browsers included", async () => {
    await saveVqFlow(model, "memory://vqflow-test/model");
    const again = await loadVqFlow("memory://vqflow-test/model");
    try {
      expect(Array.from(await again.logProb(held))).toEqual(Array.from(await model.logProb(held)));
    } finally {
      again.dispose();
    }
  });

  it("overwrites an existing model atomically and restores into a model of the same configuration", async () => {
    const path = join(dir, "overwrite");
    const other = createVqFlow(model.config); // same architecture (the seed fixes the coupling permutations), untrained weights
    try {
      await saveVqFlow(other, path);
      await saveVqFlow(model, path);
      await restoreVqFlow(path, other);
      expect(Array.from(await other.logProb(held))).toEqual(Array.from(await model.logProb(held)));
      const different = createVqFlow({ ...model.config, layers: 3 });
      await expect(restoreVqFlow(path, different)).rejects.toThrow(/config/);
      different.dispose();
    } finally {
      other.dispose();
    }
  });

  it("refuses bad arguments before touching the disk", async () => {
    await expect(saveVqFlow({} as VqFlow, join(dir, "x"))).rejects.toThrow(InvalidArgumentError);
    await expect(saveVqFlow(model, "")).rejects.toThrow(/^dir: /);
    await expect(loadVqFlow(42 as unknown as string)).rejects.toThrow(/^dir: /);
    await expect(loadVqFlow(join(dir, "missing"))).rejects.toThrow(FileNotFoundError);
  });
});

describe("corrupt files → CorruptFileError naming the file and the field", () => {
  it("a foreign or unreadable manifest", async () => {
    const p = await corrupt("format", (m) => {
      (m.json as unknown as Record<string, unknown>).format = "something-else";
    });
    const e = await loadError(p);
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.message).toContain(join(p, "state.json"));
    expect(e.message).toMatch(/not a VQ-Flow model file/);
    const junk = join(dir, "junk");
    await cp(join(dir, "good"), junk, { recursive: true });
    await writeFile(join(junk, "state.json"), "{ truncated");
    expect(await loadError(junk)).toBeInstanceOf(CorruptFileError);
  });

  for (const [field, value, pattern] of [
    ["layers", 0, /config\.layers/],
    ["overlap", 9, /config\.overlap/],
    ["latentDim", 7, /config\.latentDim/],
    ["epsilon", -1, /config\.epsilon/],
    ["flow", "glow", /config\.flow/],
    ["hidden", [1e9], /config\.hidden/],
    ["typo", 1, /config\.typo/],
  ] as const) {
    it(`configuration field out of range: ${field} = ${JSON.stringify(value)}`, async () => {
      const p = await corrupt(`config-${field}`, (m) => {
        m.json.config[field] = value;
      });
      const e = await loadError(p);
      expect(e).toBeInstanceOf(CorruptFileError);
      expect(e.message).toMatch(pattern);
    });
  }

  it("a training-state field out of range", async () => {
    const p = await corrupt("state", (m) => {
      m.json.state.stage2Epochs = -1;
    });
    expect((await loadError(p)).message).toMatch(/state\.stage2Epochs/);
    const q = await corrupt("mass", (m) => {
      m.json.state.chartMass = [2, 0, 0];
    });
    expect((await loadError(q)).message).toMatch(/state\.chartMass/);
  });

  it("NaN weights", async () => {
    const p = await corrupt("nan", (m, bin) => {
      const t = m.tensors.find((e) => e.name === "flow/1/0/w")!;
      bin.writeFloatLE(Number.NaN, t.byteOffset + 4);
    });
    const e = await loadError(p);
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.message).toMatch(/'flow\/1\/0\/w' holds NaN/);
  });

  it("wrong tensor names: unknown, missing, or two tensors of equal shape swapped", async () => {
    const unknown = await corrupt("unknown", (m) => {
      m.tensors[0]!.name = "flow/99/w";
      delete (m.tensors[0] as { fnv1a?: string }).fnv1a; // core's loadState would refuse the renamed tensor first
    });
    expect((await loadError(unknown)).message).toMatch(/tensor 'flow\/99\/w' does not belong/);
    const swapped = await corrupt("swapped", (m) => {
      const a = m.tensors.find((e) => e.name === "flow/0/0/b")!;
      const b = m.tensors.find((e) => e.name === "flow/1/0/b")!;
      [a.name, b.name] = [b.name, a.name];
    });
    const e = await loadError(swapped);
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.message).toMatch(/checksum mismatch/);
    const altered = await corrupt("altered", (m, bin) => {
      const t = m.tensors.find((x) => x.name === "charts/logits")!;
      bin.writeFloatLE(0.5, t.byteOffset);
    });
    expect((await loadError(altered)).message).toMatch(/'charts\/logits': checksum mismatch/);
  });
});
