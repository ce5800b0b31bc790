import * as tf from "@tensorflow/tfjs";
import { FileNotFoundError, InvalidArgumentError, ShapeMismatchError, describeValue } from "./errors.js";
import { basenamePath, dirnamePath, joinPath, resolvePath } from "./platform/paths.js";
import { encodePng } from "./platform/png.js";
import { fileStoreFor } from "./platform/store.js";
import { checkAllocation, checkInteger, checkNumber, checkOptions, checkPath } from "./validate.js";

/** The pixel values of a batch of images with their shape `[n, h, w, c]` (NHWC, row-major). */
export interface ImagePixels {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** A batch of images: a `Tensor4D` `[n, h, w, c]` or its values with that shape (NHWC). */
export type ImageBatch = tf.Tensor4D | ImagePixels;

/** Options of {@link encodeImageGrid}. */
export interface ImageGridOptions {
  /** Images per row (default `⌈√n⌉`). */
  columns?: number;
  /** Pixels of background between images and around the grid, before scaling (default 2, at most 4096). */
  padding?: number;
  /** Integer upscaling factor, nearest neighbour (default 1). */
  scale?: number;
  /** Background value in [0, 1] (gray) or `[r, g, b]` in [0, 1] (default 1, white). */
  background?: number | readonly [number, number, number];
}

/** Pixel layout of an encoded grid, for callers that want to locate an image in it. */
export interface ImageGridLayout {
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
  /** Top-left pixel of image `i` is at (`padding·scale + col·cellWidth`, `padding·scale + row·cellHeight`). */
  readonly cellWidth: number;
  readonly cellHeight: number;
}

/** The pixel values of a `{ data, shape }` batch and its checked shape (a tensor is refused: see below). */
function readBatch(images: ImagePixels): { data: ArrayLike<number>; n: number; h: number; w: number; c: number } {
  if ((images as unknown) instanceof tf.Tensor) {
    throw new InvalidArgumentError(
      "images",
      "got a tf.Tensor where it cannot be read synchronously (it may live on a GPU): use saveImageGrid (asynchronous), or read it first: { data: await t.data(), shape: t.shape }",
    );
  }
  let data: ArrayLike<number>;
  let shape: readonly number[];
  if (images !== null && typeof images === "object" && "data" in images && "shape" in images) {
    data = images.data;
    shape = images.shape;
    if (!Array.isArray(shape)) throw new InvalidArgumentError("images.shape", `expected [n, height, width, channels], got ${describeValue(shape)}`);
    if (data === null || typeof data !== "object" || typeof data.length !== "number") {
      throw new InvalidArgumentError("images.data", `expected an array of pixel values, got ${describeValue(data)}`);
    }
  } else {
    throw new InvalidArgumentError("images", `expected a Tensor4D or { data, shape }, got ${describeValue(images)}`);
  }
  return { ...checkBatchShape(shape, data.length), data };
}

function checkBatchShape(shape: readonly number[], length: number | null): { n: number; h: number; w: number; c: number } {
  if (shape.length !== 4) throw new ShapeMismatchError("images", `expected shape [n, height, width, channels], got [${shape.join(", ")}]`);
  const [n, h, w, c] = shape as [number, number, number, number];
  for (const [name, v] of [["n", n], ["height", h], ["width", w]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeMismatchError("images", `expected a positive integer ${name} in shape [n, height, width, channels], got [${shape.join(", ")}]`);
  }
  if (c !== 1 && c !== 3) throw new ShapeMismatchError("images", `expected 1 (grayscale) or 3 (RGB) channels, got shape [${shape.join(", ")}]`);
  if (length !== null && length !== n * h * w * c) {
    throw new ShapeMismatchError("images.data", `expected ${n * h * w * c} values for shape [${shape.join(", ")}], got ${length}`);
  }
  return { n, h, w, c };
}

const GRID_KEYS = ["columns", "padding", "scale", "background"] as const;

/** The layout {@link encodeImageGrid} uses for `n` images of `h × w` with these options. */
export function imageGridLayout(n: number, h: number, w: number, options: ImageGridOptions = {}): ImageGridLayout {
  checkInteger("n", n, { min: 1 });
  checkInteger("h", h, { min: 1 });
  checkInteger("w", w, { min: 1 });
  checkOptions("options", options, GRID_KEYS);
  const columns = options.columns === undefined ? Math.ceil(Math.sqrt(n)) : checkInteger("options.columns", options.columns, { min: 1 });
  const padding = checkInteger("options.padding", options.padding ?? 2, { min: 0, max: 4096 });
  const scale = checkInteger("options.scale", options.scale ?? 1, { min: 1, max: 64 });
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const cellWidth = (w + padding) * scale;
  const cellHeight = (h + padding) * scale;
  return { width: cols * cellWidth + padding * scale, height: rows * cellHeight + padding * scale, columns: cols, rows, cellWidth, cellHeight };
}

/** The grid's layout and background (checked against the channel count) for these options. */
function checkGridOptions(n: number, h: number, w: number, c: number, options: ImageGridOptions): { layout: ImageGridLayout; background: [number, number, number] } {
  const layout = imageGridLayout(n, h, w, options);
  checkAllocation("images", layout.width * layout.height * c, 1);
  const bg = options.background ?? 1;
  let background: [number, number, number];
  if (typeof bg === "number") {
    checkNumber("options.background", bg, { min: 0, max: 1 });
    background = [bg, bg, bg];
  } else if (Array.isArray(bg) && bg.length === 3) {
    bg.forEach((v, i) => checkNumber(`options.background[${i}]`, v, { min: 0, max: 1 }));
    background = [bg[0], bg[1], bg[2]];
  } else {
    throw new InvalidArgumentError("options.background", `expected a gray value in [0, 1] or [r, g, b], got ${describeValue(bg)}`);
  }
  if (c === 1 && !(background[0] === background[1] && background[1] === background[2])) {
    throw new InvalidArgumentError("options.background", "expected a gray background (one value) for grayscale images");
  }
  return { layout, background };
}

/**
 * Encode a batch of images as one PNG: a grid of `columns` images per row, `padding` pixels of
 * `background` between and around them, each pixel repeated `scale × scale` times. One channel
 * gives a grayscale PNG, three an RGB PNG (8 bits). Values are expected in [0, 1] and written as
 * `round(255·v)`; values outside are clamped to [0, 1] (decoder outputs overshoot slightly), while
 * NaN or ±Infinity is an `InvalidArgumentError` naming the first bad index. The PNG's image data
 * is zlib-compressed in Node and stored uncompressed elsewhere (a valid PNG either way; draw it on
 * a canvas or wrap it in a `Blob` of type `image/png` in a browser).
 *
 * Synchronous, so it takes `{ data, shape }` and no tensor (a tensor may live on a GPU, where it can
 * only be read asynchronously): {@link saveImageGrid} takes a `Tensor4D`, or pass
 * `{ data: await t.data(), shape: t.shape }`.
 *
 * @example
 * const png = encodeImageGrid({ data: await batch.data(), shape: batch.shape }, { columns: 8, scale: 2 }); // Uint8Array, a PNG file
 */
export function encodeImageGrid(images: ImagePixels, options: ImageGridOptions = {}): Uint8Array<ArrayBuffer> {
  checkOptions("options", options, GRID_KEYS);
  const { data, n, h, w, c } = readBatch(images);
  const { layout, background } = checkGridOptions(n, h, w, c, options);
  const padding = options.padding ?? 2;
  const scale = options.scale ?? 1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      throw new InvalidArgumentError("images", `expected finite pixel values, found ${describeValue(data[i])} at index ${i} (image ${Math.floor(i / (h * w * c))})`);
    }
  }
  const { width, height, columns } = layout;
  const buf = new Uint8Array(width * height * c);
  const bgBytes = background.map((v) => Math.round(v * 255));
  if (c === 1) buf.fill(bgBytes[0] as number);
  else for (let p = 0; p < width * height; p++) buf.set(bgBytes, p * 3);
  for (let i = 0; i < n; i++) {
    const x0 = padding * scale + (i % columns) * layout.cellWidth;
    const y0 = padding * scale + Math.floor(i / columns) * layout.cellHeight;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) {
          const v = data[((i * h + y) * w + x) * c + ch] as number;
          const byte = Math.round(Math.min(1, Math.max(0, v)) * 255);
          for (let sy = 0; sy < scale; sy++) {
            const row = (y0 + y * scale + sy) * width;
            for (let sx = 0; sx < scale; sx++) buf[(row + x0 + x * scale + sx) * c + ch] = byte;
          }
        }
      }
    }
  }
  return encodePng(width, height, c as 1 | 3, buf);
}

/**
 * {@link encodeImageGrid} and write the PNG to `path` atomically: to a temporary file in the same
 * directory, then renamed over `path`, so a reader never sees a half-written image. The directory
 * must exist (`FileNotFoundError` otherwise). A path on disk in Node, or a store URL anywhere
 * (`memory://run/grid.png`, `indexeddb://run/grid.png`). A `Tensor4D` is read with one
 * `await data()` once its shape and the options are checked.
 *
 * @example
 * await saveImageGrid("out/reconstructions.png", batch, { columns: 10 });
 */
export async function saveImageGrid(path: string, images: ImageBatch, options: ImageGridOptions = {}): Promise<void> {
  checkPath("path", path);
  const store = fileStoreFor(path, "saveImageGrid");
  let png: Uint8Array<ArrayBuffer>;
  if (images instanceof tf.Tensor) {
    // the tensor, its shape and the options checked before the one read
    if (images.isDisposed) throw new InvalidArgumentError("images", "the tensor has been disposed");
    if (images.dtype !== "float32" && images.dtype !== "int32") throw new InvalidArgumentError("images", `expected a float32 or int32 tensor, got dtype ${images.dtype}`);
    checkOptions("options", options, GRID_KEYS);
    const { n, h, w, c } = checkBatchShape(images.shape, null);
    checkGridOptions(n, h, w, c, options);
    png = encodeImageGrid({ data: await images.data(), shape: images.shape }, options);
  } else {
    png = encodeImageGrid(images, options);
  }
  const target = resolvePath(path);
  const dir = dirnamePath(target);
  const name = basenamePath(target);
  const st = await store.stat(dir).catch((cause: unknown) => {
    throw new FileNotFoundError(target, `cannot write the image: its directory ${dir} cannot be read`, { cause });
  });
  if (st?.kind !== "directory") throw new FileNotFoundError(target, `cannot write the image: its directory ${dir} does not exist`);
  const random = new Uint8Array(6);
  globalThis.crypto.getRandomValues(random);
  const tmp = joinPath(dir, `.${name}.${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}.tmp`);
  try {
    await store.writeFile(tmp, [png], { exclusive: true });
    await store.rename(tmp, target);
  } catch (cause) {
    await store.rm(tmp, { force: true }).catch(() => undefined);
    throw cause;
  }
}
