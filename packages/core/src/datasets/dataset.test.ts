import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, ShapeMismatchError } from "../errors.js";
import { batchImages, batchLabels, createDataset, flattenDataset, subsetDataset } from "./dataset.js";

// 3 images of 2×2×2 whose values encode (image, row, col, channel)
const values = Float32Array.from({ length: 3 * 8 }, (_, i) => i / 32);
const make = () => createDataset({ name: "t", images: values, shape: [3, 2, 2, 2], labels: Int32Array.from([2, 0, 1]), classes: ["a", "b", "c"] });

describe("createDataset", () => {
  it("accepts a consistent dataset", () => {
    const ds = make();
    expect(ds.shape).toEqual([3, 2, 2, 2]);
    expect(ds.images).toBe(values);
  });

  it("rejects bad shapes, lengths, pixel values and labels", () => {
    const base = { name: "t", images: values, shape: [3, 2, 2, 2], labels: Int32Array.from([2, 0, 1]), classes: ["a", "b", "c"] };
    expect(() => createDataset({ ...base, shape: [3, 2, 4] })).toThrow(ShapeMismatchError);
    expect(() => createDataset({ ...base, shape: [3, 2, 2, 3] })).toThrow(/expected 3·2·2·3 = 36 values/);
    expect(() => createDataset({ ...base, shape: [0, 2, 2, 2] })).toThrow(/shape\[0\]/);
    expect(() => createDataset({ ...base, labels: Int32Array.from([0, 1]) })).toThrow(/one label per image/);
    expect(() => createDataset({ ...base, labels: Int32Array.from([0, 1, 3]) })).toThrow(/found 3 at index 2/);
    expect(() => createDataset({ ...base, images: Float32Array.from(values, (v, i) => (i === 5 ? NaN : v)) })).toThrow(/found NaN at index 5/);
    expect(() => createDataset({ ...base, images: Float32Array.from(values, (v, i) => (i === 9 ? 1.5 : v)) })).toThrow(/image 1/);
    expect(() => createDataset({ ...base, images: Array.from(values) as unknown as Float32Array })).toThrow(InvalidArgumentError);
    expect(() => createDataset({ ...base, classes: [] })).toThrow(/classes/);
  });
});

describe("batchImages / batchLabels / subsetDataset / flattenDataset", () => {
  it("gathers images by index into a Tensor4D, in order, without leaking", async () => {
    const ds = make();
    batchImages(ds, [0]).dispose(); // warm up
    const before = tf.memory().numTensors;
    const x = batchImages(ds, [2, 0, 2]);
    expect(x.shape).toEqual([3, 2, 2, 2]);
    expect(x.dtype).toBe("float32");
    const got = await x.data();
    expect(Array.from(got.subarray(0, 8))).toEqual(Array.from(values.subarray(16, 24)));
    expect(Array.from(got.subarray(8, 16))).toEqual(Array.from(values.subarray(0, 8)));
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(batchLabels(ds, [2, 0, 2]))).toEqual([1, 2, 1]);
  });

  it("rejects bad indices", () => {
    const ds = make();
    expect(() => batchImages(ds, [0, 3])).toThrow(/indices: expected integer indices in \[0, 2\], found 3 at position 1/);
    expect(() => batchImages(ds, [1.5])).toThrow(InvalidArgumentError);
    expect(() => batchImages(ds, [])).toThrow(/at least one index/);
    expect(() => batchLabels(ds, [-1])).toThrow(InvalidArgumentError);
  });

  it("subsets by indices or by range, copying", () => {
    const ds = make();
    const s = subsetDataset(ds, [1], "one");
    expect(s.shape).toEqual([1, 2, 2, 2]);
    expect(Array.from(s.images)).toEqual(Array.from(values.subarray(8, 16)));
    expect(Array.from(s.labels)).toEqual([0]);
    expect(s.name).toBe("one");
    expect(s.images.buffer).not.toBe(values.buffer);
    const r = subsetDataset(ds, { start: 1, end: 3 });
    expect(r.shape[0]).toBe(2);
    expect(Array.from(r.labels)).toEqual([0, 1]);
    expect(Array.from(r.images)).toEqual(Array.from(values.subarray(8, 24)));
    expect(() => subsetDataset(ds, { start: 2, end: 2 })).toThrow(/selection\.end/);
    expect(() => subsetDataset(ds, { start: 0, end: 4 })).toThrow(/selection\.end/);
  });

  it("flattens to rows of h·w·c sharing memory", () => {
    const ds = make();
    const m = flattenDataset(ds);
    expect(m.n).toBe(3);
    expect(m.dim).toBe(8);
    expect(m.data).toBe(ds.images);
  });
});
