import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError } from "../errors.js";
import { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, loadCifar10 } from "./cifar10.js";

/** A record's pixel byte for channel `ch` at row-major position `p` (0..1023), distinct per record. */
const pixel = (record: number, ch: number, p: number): number => (record * 7 + ch * 31 + p * 3) % 256;

/** A batch file of `labels.length` records, record ids starting at `first`. */
function batch(labels: number[], first: number): Buffer {
  const buf = Buffer.alloc(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((label, r) => {
    const base = r * CIFAR10_RECORD_BYTES;
    buf[base] = label;
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 1024; p++) buf[base + 1 + ch * 1024 + p] = pixel(first + r, ch, p);
  });
  return buf;
}

describe("loadCifar10", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "atlas-cifar-"));
    for (let b = 1; b <= 5; b++) await writeFile(join(dir, `data_batch_${b}.bin`), batch([b, (b + 5) % 10], 2 * (b - 1)));
    await writeFile(join(dir, "test_batch.bin"), batch([9, 0, 3], 100));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the five training batches in order and converts CHW bytes to NHWC in [0,1]", async () => {
    const train = await loadCifar10(dir, "train");
    expect(train.shape).toEqual([10, 32, 32, 3]);
    expect(train.classes).toEqual(CIFAR10_CLASSES);
    expect(Array.from(train.labels)).toEqual([1, 6, 2, 7, 3, 8, 4, 9, 5, 0]);
    let wrong = 0;
    for (let i = 0; i < 10; i++) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let ch = 0; ch < 3; ch++) {
            const got = train.images[((i * 32 + y) * 32 + x) * 3 + ch];
            if (got !== Math.fround(pixel(i, ch, y * 32 + x) / 255)) wrong++;
          }
        }
      }
    }
    expect(wrong).toBe(0);
  });

  it("reads the test batch, a chosen subset of training batches, and a parent folder", async () => {
    const test = await loadCifar10(dir, "test");
    expect(test.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(test.labels)).toEqual([9, 0, 3]);
    // record 100, red channel, pixel (row 0, col 1)
    expect(test.images[3]).toBe(Math.fround(pixel(100, 0, 1) / 255));
    expect(test.name).toBe("cifar10-test");
    const two = await loadCifar10(dir, "train", { batches: [3] });
    expect(Array.from(two.labels)).toEqual([3, 8]);
    expect(two.images[2]).toBe(Math.fround(pixel(4, 2, 0) / 255));
    const parent = await mkdtemp(join(tmpdir(), "atlas-cifar-parent-"));
    try {
      await mkdir(join(parent, "cifar-10-batches-bin"));
      await writeFile(join(parent, "cifar-10-batches-bin", "test_batch.bin"), batch([4], 0));
      expect(Array.from((await loadCifar10(parent, "test")).labels)).toEqual([4]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("reports a missing directory or batch file", async () => {
    await expect(loadCifar10(join(dir, "nowhere"), "test")).rejects.toThrow(FileNotFoundError);
    const partial = await mkdtemp(join(tmpdir(), "atlas-cifar-partial-"));
    try {
      await writeFile(join(partial, "data_batch_1.bin"), batch([0], 0));
      const error = await loadCifar10(partial, "train").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FileNotFoundError);
      expect((error as FileNotFoundError).path).toBe(join(partial, "data_batch_2.bin"));
      await expect(loadCifar10(partial, "test")).rejects.toThrow(/test_batch\.bin is missing/);
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  });

  it("rejects truncated files and labels above 9", async () => {
    const bad = await mkdtemp(join(tmpdir(), "atlas-cifar-bad-"));
    try {
      await writeFile(join(bad, "test_batch.bin"), batch([1, 2], 0).subarray(0, 2 * CIFAR10_RECORD_BYTES - 5));
      await expect(loadCifar10(bad, "test")).rejects.toThrow(CorruptFileError);
      await expect(loadCifar10(bad, "test")).rejects.toThrow(/6141 bytes.*1 records and 3068 bytes left over/);
      await writeFile(join(bad, "test_batch.bin"), Buffer.alloc(0));
      await expect(loadCifar10(bad, "test")).rejects.toThrow(/has 0 bytes/);
      await writeFile(join(bad, "test_batch.bin"), batch([1, 10], 0));
      await expect(loadCifar10(bad, "test")).rejects.toThrow(/record 1 has label 10/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it("validates its arguments", async () => {
    await expect(loadCifar10("", "test")).rejects.toThrow(InvalidArgumentError);
    await expect(loadCifar10(dir, "val" as "test")).rejects.toThrow(/split/);
    await expect(loadCifar10(dir, "train", { batches: [6] })).rejects.toThrow(/options\.batches\[0\]/);
    await expect(loadCifar10(dir, "train", { batches: [] })).rejects.toThrow(InvalidArgumentError);
  });
});
