import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import pngjs from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileNotFoundError, InvalidArgumentError, ShapeMismatchError } from "./errors.js";
import { encodeImageGrid, imageGridLayout, saveImageGrid } from "./image.js";

const { PNG } = pngjs;

/** Decode a PNG; returns a getter of [r, g, b, a] at (x, y) plus the header fields. */
function decode(bytes: Uint8Array) {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return {
    width: png.width,
    height: png.height,
    colorType: (png as unknown as { colorType: number }).colorType,
    at: (x: number, y: number): number[] => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)),
  };
}

describe("encodeImageGrid", () => {
  it("lays out grayscale images in a grid with padding and background", () => {
    // 5 images of 2×3 (h×w); image i has value (i + 1)/10 everywhere except pixel (1, 2) = 1
    const n = 5;
    const data = new Float32Array(n * 6);
    for (let i = 0; i < n; i++) {
      data.fill((i + 1) / 10, i * 6, i * 6 + 6);
      data[i * 6 + 5] = 1;
    }
    const buf = encodeImageGrid({ data, shape: [n, 2, 3, 1] }, { columns: 2, padding: 1, background: 0 });
    const img = decode(buf);
    // 2 columns, 3 rows: width = 2·(3+1)+1 = 9, height = 3·(2+1)+1 = 10
    expect([img.width, img.height]).toEqual([9, 10]);
    expect(img.colorType).toBe(0);
    for (let i = 0; i < n; i++) {
      const x0 = 1 + (i % 2) * 4;
      const y0 = 1 + Math.floor(i / 2) * 3;
      expect(img.at(x0, y0)).toEqual([...new Array(3).fill(Math.round(((i + 1) / 10) * 255)), 255]);
      expect(img.at(x0 + 2, y0 + 1)).toEqual([255, 255, 255, 255]);
    }
    // padding and the empty sixth cell are background
    expect(img.at(0, 0)).toEqual([0, 0, 0, 255]);
    expect(img.at(4, 1)).toEqual([0, 0, 0, 255]);
    expect(img.at(6, 8)).toEqual([0, 0, 0, 255]);
  });

  it("returns a Uint8Array (no Buffer), zlib-compressed in Node and decodable with stored blocks alone", async () => {
    const { encodePng } = await import("./platform/png.js");
    const data = Float32Array.from({ length: 3 * 70 * 400 }, (_, i) => (i % 256) / 255);
    const grid = encodeImageGrid({ data, shape: [1, 70, 400, 3] }, { padding: 0 });
    expect(Object.getPrototypeOf(grid)).toBe(Uint8Array.prototype);
    // the same pixels written with stored deflate blocks (what a browser gets): > 65 535 bytes of
    // scanlines, so several blocks; pngjs (zlib inflate) must read the same pixels from both
    const pixels = Uint8Array.from(data, (v) => Math.round(v * 255));
    const stored = encodePng(400, 70, 3, pixels, { compress: false });
    expect(stored.length).toBeGreaterThan(70 * (400 * 3 + 1));
    expect(grid.length).toBeLessThan(stored.length);
    const a = decode(grid);
    const b = decode(stored);
    for (const [x, y] of [[0, 0], [399, 69], [123, 45], [200, 60]] as const) {
      const i = (y * 400 + x) * 3;
      expect(b.at(x, y)).toEqual([pixels[i], pixels[i + 1], pixels[i + 2], 255]);
      expect(a.at(x, y)).toEqual(b.at(x, y));
    }
  });

  it("writes RGB from a tensor's values, scaled, and clamps values outside [0,1]; refuses the tensor itself", async () => {
    const x = tf.tensor4d([1, 0, 0, 0, 0.5, 0, 0, 0, 1, -0.2, 1.7, 0.25], [2, 1, 2, 3]);
    // synchronous: a tensor (which may live on a GPU) is refused, saying how to read it
    expect(() => encodeImageGrid(x as never)).toThrow(/images: got a tf.Tensor where it cannot be read synchronously.*saveImageGrid/);
    const img = decode(encodeImageGrid({ data: await x.data(), shape: x.shape }, { columns: 2, padding: 0, scale: 3 }));
    x.dispose();
    expect([img.width, img.height]).toEqual([12, 3]);
    expect(img.colorType).toBe(2);
    // image 0 pixel (0,0) red, covers a 3×3 block
    for (const [px, py] of [[0, 0], [2, 2]] as const) expect(img.at(px, py)).toEqual([255, 0, 0, 255]);
    expect(img.at(3, 1)).toEqual([0, 128, 0, 255]);
    // image 1 starts at x = 6: blue, then clamped (-0.2 → 0, 1.7 → 1)
    expect(img.at(6, 0)).toEqual([0, 0, 255, 255]);
    expect(img.at(11, 2)).toEqual([0, 255, 64, 255]);
  });

  it("uses ⌈√n⌉ columns and a white 2-pixel border by default", () => {
    const layout = imageGridLayout(10, 28, 28);
    expect(layout.columns).toBe(4);
    expect(layout.rows).toBe(3);
    expect(layout.width).toBe(4 * 30 + 2);
    const img = decode(encodeImageGrid({ data: new Float32Array(10 * 28 * 28), shape: [10, 28, 28, 1] }));
    expect([img.width, img.height]).toEqual([122, 92]);
    expect(img.at(0, 0)).toEqual([255, 255, 255, 255]);
    expect(img.at(2, 2)).toEqual([0, 0, 0, 255]);
  });

  it("rejects bad shapes, NaN, and bad options", async () => {
    const ok = { data: new Float32Array(4), shape: [1, 2, 2, 1] };
    expect(() => encodeImageGrid({ data: new Float32Array(4), shape: [2, 2, 1] })).toThrow(ShapeMismatchError);
    expect(() => encodeImageGrid({ data: new Float32Array(8), shape: [1, 2, 2, 2] })).toThrow(/1 \(grayscale\) or 3 \(RGB\) channels/);
    expect(() => encodeImageGrid({ data: new Float32Array(3), shape: [1, 2, 2, 1] })).toThrow(/expected 4 values/);
    expect(() => encodeImageGrid({ data: Float32Array.from([0, NaN, 0, 0]), shape: [1, 2, 2, 1] })).toThrow(/found NaN at index 1/);
    expect(() => encodeImageGrid({ data: Float32Array.from([0, 0, Infinity, 0]), shape: [1, 2, 2, 1] })).toThrow(InvalidArgumentError);
    expect(() => encodeImageGrid(ok, { columns: 0 })).toThrow(/options\.columns/);
    expect(() => encodeImageGrid(ok, { scale: 1.5 })).toThrow(/options\.scale/);
    expect(() => encodeImageGrid(ok, { padding: -1 })).toThrow(/options\.padding/);
    expect(() => encodeImageGrid(ok, { background: 2 })).toThrow(/options\.background/);
    expect(() => encodeImageGrid(ok, { background: [1, 0, 0] })).toThrow(/gray background/);
    const t3 = tf.zeros([2, 2, 1]);
    await expect(saveImageGrid("memory://x.png", t3 as unknown as tf.Tensor4D)).rejects.toThrow(ShapeMismatchError);
    t3.dispose();
    expect(() => encodeImageGrid(null as never)).toThrow(InvalidArgumentError);
  });
});

describe("saveImageGrid", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "atlas-png-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the PNG atomically, leaving no temporary file", async () => {
    const images = { data: Float32Array.from([0, 0.2, 0.4, 1]), shape: [1, 2, 2, 1] };
    const path = join(dir, "grid.png");
    await saveImageGrid(path, images, { padding: 0 });
    const img = decode(await readFile(path));
    expect(img.at(1, 0)).toEqual([51, 51, 51, 255]);
    expect(await readdir(dir)).toEqual(["grid.png"]);
    // overwriting works too
    await saveImageGrid(path, { data: new Float32Array(4).fill(1), shape: [1, 2, 2, 1] }, { padding: 0 });
    expect(decode(await readFile(path)).at(0, 0)).toEqual([255, 255, 255, 255]);
  });

  it("reads a Tensor4D asynchronously (one data(), none left behind): the same file as its values", async () => {
    const x = tf.tensor4d([0, 0.2, 0.4, 1, 1, 0.6], [2, 1, 3, 1]);
    await saveImageGrid(join(dir, "warm.png"), x);
    const before = tf.memory().numTensors;
    await saveImageGrid(join(dir, "t.png"), x, { padding: 1, background: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(x.isDisposed).toBe(false);
    const expected = encodeImageGrid({ data: await x.data(), shape: x.shape }, { padding: 1, background: 0 });
    expect(new Uint8Array(await readFile(join(dir, "t.png")))).toEqual(expected);
    // options are checked before the tensor is read
    await expect(saveImageGrid(join(dir, "bad.png"), x, { scale: 0 })).rejects.toThrow(/options\.scale/);
    x.dispose();
    await rm(join(dir, "warm.png"));
    await rm(join(dir, "t.png"));
  });

  it("fails before writing on bad input or a missing directory", async () => {
    await expect(saveImageGrid(join(dir, "no", "such", "x.png"), { data: new Float32Array(4), shape: [1, 2, 2, 1] })).rejects.toThrow(FileNotFoundError);
    await expect(saveImageGrid(join(dir, "nan.png"), { data: Float32Array.from([NaN, 0, 0, 0]), shape: [1, 2, 2, 1] })).rejects.toThrow(InvalidArgumentError);
    expect((await readdir(dir)).filter((f) => f !== "grid.png")).toEqual([]);
  });
});
