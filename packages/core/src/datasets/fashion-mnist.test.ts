import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError, MissingDependencyError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_PER_CLASS,
  FASHION_MNIST_TEST_PER_CLASS,
  fashionMnistTestIndices,
  loadFashionMnist,
} from "./fashion-mnist.js";

describe("fashionMnistTestIndices", () => {
  it("picks 1000 distinct, sorted indices of 7000 per class, the same every time, different per class", () => {
    const all = new Set<string>();
    for (let c = 0; c < 10; c++) {
      const t = fashionMnistTestIndices(c);
      expect(t.length).toBe(FASHION_MNIST_TEST_PER_CLASS);
      expect(new Set(t).size).toBe(1000);
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1] as number);
      expect(t[0]).toBeGreaterThanOrEqual(0);
      expect(t[999]).toBeLessThan(FASHION_MNIST_PER_CLASS);
      expect(Array.from(fashionMnistTestIndices(c))).toEqual(Array.from(t));
      all.add(Array.from(t.subarray(0, 20)).join(","));
    }
    expect(all.size).toBe(10);
  });
});

describe("loadFashionMnist", () => {
  let test: Dataset;
  beforeAll(async () => {
    test = await loadFashionMnist("test");
  }, 60_000);

  it("gives a 10 000-image test split, 1000 per class, in [0,1], classes mixed in order", () => {
    expect(test.shape).toEqual([10_000, 28, 28, 1]);
    expect(test.images.length).toBe(10_000 * 784);
    expect(test.classes).toEqual(FASHION_MNIST_CLASSES);
    const counts = new Array(10).fill(0);
    for (const l of test.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    // the order is shuffled: the first 100 images hold several classes
    expect(new Set(test.labels.subarray(0, 100)).size).toBeGreaterThan(5);
    let min = Infinity;
    let max = -Infinity;
    for (const v of test.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // no image is blank (the package's empty entries were dropped)
    for (let i = 0; i < 10_000; i++) {
      let s = 0;
      for (let p = 0; p < 784; p++) s += test.images[i * 784 + p] as number;
      if (!(s > 0)) throw new Error(`image ${i} is blank`);
    }
  });

  it("rejects a bad split", async () => {
    await expect(loadFashionMnist("all" as "test")).rejects.toThrow(InvalidArgumentError);
  });

  it("names the package to install when fashion-mnist is missing", async () => {
    const error = await loadFashionMnist("train", {
      resolvePackage: () => {
        throw new Error("Cannot find module");
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).packageName).toBe("fashion-mnist");
    expect((error as Error).message).toMatch(/fashion-mnist/);
  });

  describe("corrupt package files", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "atlas-fmnist-"));
      await mkdir(join(dir, "src", "clothes"), { recursive: true });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const load = (): Promise<Dataset> => loadFashionMnist("test", { resolvePackage: () => dir });
    const write = (text: string): Promise<void> => writeFile(join(dir, "src", "clothes", "0.json"), text);

    it("reports a missing class file", async () => {
      await expect(load()).rejects.toThrow(FileNotFoundError);
      await expect(load()).rejects.toThrow(/0\.json: Fashion-MNIST class 0 file does not exist/);
    });

    it("reports invalid JSON, wrong image sizes, bad pixels and wrong counts", async () => {
      await write('{"data": [[0, 1');
      await expect(load()).rejects.toThrow(/0\.json: is not valid JSON/);
      await write('{"images": []}');
      await expect(load()).rejects.toThrow(/'data' array/);
      await write(JSON.stringify({ data: [new Array(783).fill(0)] }));
      await expect(load()).rejects.toThrow(/data\[0\] has 783 pixels, expected 784/);
      await write(JSON.stringify({ data: [[], new Array(784).fill(0.5)] }));
      await expect(load()).rejects.toThrow(/data\[1\]\[0\] is 0.5, expected an integer pixel value/);
      await write(JSON.stringify({ data: [new Array(784).fill(256)] }));
      await expect(load()).rejects.toThrow(CorruptFileError);
      await write(JSON.stringify({ data: [new Array(784).fill(3), []] }));
      await expect(load()).rejects.toThrow(/holds 1 images, expected 7000/);
    });
  });
});
