import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError } from "../errors.js";
import { loadModel, loadState, saveModel, saveState } from "../files.js";
import { packDirectory, unpackDirectory } from "./bundle.js";
import { crc32 } from "./png.js";
import { fileStoreFor } from "./store.js";

let disk: string;
beforeAll(async () => {
  disk = await mkdtemp(join(tmpdir(), "atlas-bundle-"));
});
afterAll(async () => {
  await rm(disk, { recursive: true, force: true });
});

function model(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tf.initializers.randomNormal({ seed: 7 }) })] });
}

describe("packDirectory / unpackDirectory", () => {
  it("carries a nested saved directory from the disk to memory:// and back, bit for bit", async () => {
    const m = model();
    const t = tf.tensor1d([1.25, -3, 7e-20]);
    await saveModel(join(disk, "run", "ae"), m);
    await saveState(join(disk, "run", "state"), { tensors: { t }, json: { note: "ü" } });
    const bytes = await packDirectory(join(disk, "run"));
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe("ATLASDIR");
    await unpackDirectory(bytes, "memory://copy");
    expect(await fileStoreFor("memory://copy", "t").readdir("memory://copy")).toEqual(["ae", "state"]);
    const again = await loadModel("memory://copy/ae");
    const [a, b] = [m.getWeights(), again.getWeights()];
    for (let i = 0; i < a.length; i++) expect(Array.from(await (b[i] as tf.Tensor).data())).toEqual(Array.from(await (a[i] as tf.Tensor).data()));
    const state = await loadState("memory://copy/state");
    expect(Array.from(await (state.tensors.t as tf.Tensor).data())).toEqual(Array.from(await t.data()));
    expect(state.json).toEqual({ note: "ü" });
    // and back to disk: the same bundle again (packing is deterministic: sorted names)
    await unpackDirectory((await packDirectory("memory://copy")).slice().buffer, join(disk, "back"));
    expect(await packDirectory(join(disk, "back"))).toEqual(bytes);
    m.dispose();
    again.dispose();
    tf.dispose([t, ...Object.values(state.tensors)]);
  });

  it("validates the whole bundle before writing anything", async () => {
    await saveState("memory://src", { json: { a: 1 } });
    const good = await packDirectory("memory://src");
    const flipped = good.slice();
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 1;
    const header = (manifest: object, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
      const m = new TextEncoder().encode(JSON.stringify(manifest));
      const out = new Uint8Array(16 + m.length + data.length);
      out.set(new TextEncoder().encode("ATLASDIR"));
      new DataView(out.buffer).setUint32(8, 1, true);
      new DataView(out.buffer).setUint32(12, m.length, true);
      out.set(m, 16);
      out.set(data, 16 + m.length);
      return out;
    };
    const x = new Uint8Array([1, 2, 3]);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(20), /not an Atlas directory bundle/],
      [good.subarray(0, good.length - 1), /truncated/],
      [flipped, /does not match its checksum/],
      [header({ entries: [{ path: "../evil", kind: "file", size: 3, crc32: crc32(x) }] }, x), /path must be relative/],
      [header({ entries: [{ path: "a/b", kind: "file", size: 3, crc32: crc32(x) }] }, x), /comes before its directory 'a'/],
      [header({ entries: [{ path: "a", kind: "file", size: 3, crc32: crc32(x) }] }, new Uint8Array([1, 2, 3, 4])), /1 bytes after its last file/],
    ];
    for (const [bytes, message] of cases) {
      await expect(unpackDirectory(bytes, "memory://target")).rejects.toThrow(CorruptFileError);
      await expect(unpackDirectory(bytes, "memory://target")).rejects.toThrow(message);
    }
    expect(await fileStoreFor("memory://", "t").stat("memory://target")).toBeUndefined();
    expect((await readdir(disk)).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});

describe("saveModel / loadModel with tfjs IO handlers", () => {
  it("hands the model to a tfjs save handler and reads it back from a load handler", async () => {
    const m = model();
    let saved: tf.io.ModelArtifacts | undefined;
    await saveModel(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
      m,
    );
    expect(saved?.weightSpecs?.map((w) => w.name)).toEqual(m.weights.map((w) => w.originalName));
    const again = await loadModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const x = tf.tensor2d([[1, 2, 3]]);
    const [p, q] = [m.predict(x) as tf.Tensor, again.predict(x) as tf.Tensor];
    expect(Array.from(await q.data())).toEqual(Array.from(await p.data()));
    m.dispose();
    again.dispose();
    tf.dispose([x, p, q]);
  });
});
