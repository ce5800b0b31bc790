import { CorruptFileError } from "../errors.js";
import { Rng } from "../rng.js";
import { checkFunction, checkInteger, checkOneOf, checkOptions } from "../validate.js";
import { type Dataset } from "./dataset.js";
import { joinPath } from "../platform/paths.js";
import { type PackageResolver, readDataFile, resolvePackageDir } from "./files.js";

/** Class names of Fashion-MNIST (Xiao et al., 2017), indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The seed of the fixed train/test split of {@link loadFashionMnist}. Changing it changes the split. */
export const FASHION_MNIST_SPLIT_SEED = 20170825;

/** Images per class in the `fashion-mnist` package, and how many of them go to the test split. */
export const FASHION_MNIST_PER_CLASS = 7000;
/** Test images per class in the split of {@link loadFashionMnist}; the other 6 000 are training images. */
export const FASHION_MNIST_TEST_PER_CLASS = 1000;

const PIXELS = 28 * 28;

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  /** How to find the `fashion-mnist` package's directory (default: Node resolution from `@atlas/core`). */
  resolvePackage?: PackageResolver;
}

/** The validated 7 000 images (uint8 pixels) of one class, in the package's order. */
async function readClass(dir: string, label: number): Promise<Uint8Array> {
  const path = joinPath(dir, "src", "clothes", `${label}.json`);
  const text = new TextDecoder().decode(await readDataFile(path, `Fashion-MNIST class ${label} file`));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new CorruptFileError(path, `is not valid JSON (${(cause as Error).message})`, { cause });
  }
  const rows = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(rows)) throw new CorruptFileError(path, "expected an object with a 'data' array of images");
  const out = new Uint8Array(FASHION_MNIST_PER_CLASS * PIXELS);
  let count = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as unknown;
    if (!Array.isArray(row)) throw new CorruptFileError(path, `data[${r}] is not an array of pixels`);
    if (row.length === 0) continue; // the published class-0 file holds two empty entries
    if (row.length !== PIXELS) throw new CorruptFileError(path, `data[${r}] has ${row.length} pixels, expected ${PIXELS} (28×28)`);
    if (count >= FASHION_MNIST_PER_CLASS) {
      throw new CorruptFileError(path, `holds more than ${FASHION_MNIST_PER_CLASS} images, expected exactly ${FASHION_MNIST_PER_CLASS}`);
    }
    const base = count * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      const v = row[p] as unknown;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new CorruptFileError(path, `data[${r}][${p}] is ${String(v)}, expected an integer pixel value in [0, 255]`);
      }
      out[base + p] = v;
    }
    count++;
  }
  if (count !== FASHION_MNIST_PER_CLASS) {
    throw new CorruptFileError(path, `holds ${count} images, expected ${FASHION_MNIST_PER_CLASS}`);
  }
  return out;
}

/**
 * Which of the 7 000 images of class `label` (in the package's order) are test images under the
 * fixed split: the first 1 000 entries of `new Rng(FASHION_MNIST_SPLIT_SEED + label).permutation(7000)`,
 * sorted. Exposed so the split can be checked and reproduced.
 */
export function fashionMnistTestIndices(label: number): Int32Array {
  checkInteger("label", label, { min: 0, max: FASHION_MNIST_CLASSES.length - 1 });
  const perm = new Rng(FASHION_MNIST_SPLIT_SEED + label).permutation(FASHION_MNIST_PER_CLASS);
  return perm.slice(0, FASHION_MNIST_TEST_PER_CLASS).sort();
}

/**
 * Load Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017) from the optional peer package
 * `fashion-mnist`, which ships the 70 000 images as one JSON file per class (7 000 each,
 * without the original train/test assignment). Atlas fixes a deterministic, stratified split:
 * for class `y`, the images at {@link fashionMnistTestIndices}`(y)` — a permutation seeded with
 * `FASHION_MNIST_SPLIT_SEED + y` — are the test split (1 000 per class, 10 000 in all) and the
 * other 6 000 per class the training split (60 000). Each split is returned in a fixed shuffled
 * order (`new Rng(FASHION_MNIST_SPLIT_SEED + 10 + (split === "test" ? 1 : 0)).permutation(n)`
 * applied to the class-major list), so any prefix mixes the classes. Images are
 * `[n, 28, 28, 1]` in [0, 1] (bytes / 255). Empty entries in the package's files are skipped;
 * anything else unexpected is a `CorruptFileError`. Parsing the package's 150 MB of JSON takes
 * 4–8 s on a 2-core machine whichever split is asked for; the result is not cached.
 *
 * @example
 * const test = await loadFashionMnist("test"); // shape [10000, 28, 28, 1]
 * FASHION_MNIST_CLASSES[test.labels[0]!];
 */
export async function loadFashionMnist(split: "train" | "test", options: FashionMnistOptions = {}): Promise<Dataset> {
  checkOneOf("split", split, ["train", "test"] as const);
  checkOptions("options", options, ["resolvePackage"]);
  if (options.resolvePackage !== undefined) checkFunction("options.resolvePackage", options.resolvePackage);
  const dir = resolvePackageDir(
    "fashion-mnist",
    "loadFashionMnist (the Fashion-MNIST data set)",
    options.resolvePackage,
    "Build the dataset from data you fetched with createDataset({ name, images, shape: [n, 28, 28, 1], labels, classes: FASHION_MNIST_CLASSES }), " +
      "or save it in Node and load it with loadIdxDataset(imageBytes, labelBytes).",
  );
  const perClass = split === "test" ? FASHION_MNIST_TEST_PER_CLASS : FASHION_MNIST_PER_CLASS - FASHION_MNIST_TEST_PER_CLASS;
  const classes = FASHION_MNIST_CLASSES.length;
  const n = perClass * classes;
  const order = new Rng(FASHION_MNIST_SPLIT_SEED + classes + (split === "test" ? 1 : 0)).permutation(n);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let k = 0; // position in the class-major list
  for (let label = 0; label < classes; label++) {
    const pixels = await readClass(dir, label);
    const isTest = new Uint8Array(FASHION_MNIST_PER_CLASS);
    for (const i of fashionMnistTestIndices(label)) isTest[i] = 1;
    for (let i = 0; i < FASHION_MNIST_PER_CLASS; i++) {
      if ((isTest[i] === 1) !== (split === "test")) continue;
      const slot = order[k++] as number;
      labels[slot] = label;
      const src = i * PIXELS;
      const dst = slot * PIXELS;
      for (let p = 0; p < PIXELS; p++) images[dst + p] = (pixels[src + p] as number) / 255;
    }
  }
  return { name: `fashion-mnist-${split}`, images, shape: [n, 28, 28, 1], labels, classes: FASHION_MNIST_CLASSES };
}
