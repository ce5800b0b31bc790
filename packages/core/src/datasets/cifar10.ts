import { CorruptFileError, FileNotFoundError, InvalidArgumentError, describeValue } from "../errors.js";
import { checkInteger, checkOneOf, checkOptions } from "../validate.js";
import { type Dataset } from "./dataset.js";
import { joinPath } from "../platform/paths.js";
import { isDirectory, isFile, readDataFile } from "./files.js";

/** Class names of CIFAR-10 (Krizhevsky, 2009), indexed by label. */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Bytes per record of the CIFAR-10 binary format: 1 label byte + 3 × 32 × 32 pixel bytes (CHW). */
export const CIFAR10_RECORD_BYTES: number = 1 + 3 * 32 * 32;

/** Options of {@link loadCifar10}. */
export interface Cifar10Options {
  /** Which training batches to read (1–5; default all five). Ignored for the test split. */
  batches?: readonly number[];
}

/**
 * Load CIFAR-10 from its binary distribution (`cifar-10-binary.tar.gz`, unpacked) in `directory`:
 * split `"train"` reads `data_batch_1.bin` … `data_batch_5.bin` (50 000 images), `"test"` reads
 * `test_batch.bin` (10 000). `directory` may also be the folder that contains
 * `cifar-10-batches-bin/`. Each record is one label byte (0–9) and 3 072 pixel bytes, channel-major
 * (1 024 red, 1 024 green, 1 024 blue, each row-major 32×32); they become NHWC `[n, 32, 32, 3]`
 * in [0, 1] (bytes / 255). A missing directory or batch file is a `FileNotFoundError`; a file
 * whose length is not a whole number of 3 073-byte records, or a label above 9, a
 * `CorruptFileError` naming the file. Nothing is downloaded.
 *
 * @example
 * const test = await loadCifar10("/data/cifar-10-batches-bin", "test"); // [10000, 32, 32, 3]
 */
export async function loadCifar10(directory: string, split: "train" | "test", options: Cifar10Options = {}): Promise<Dataset> {
  if (typeof directory !== "string" || directory.length === 0) {
    throw new InvalidArgumentError("directory", `expected the path of the unpacked CIFAR-10 binary batches, got ${describeValue(directory)}`);
  }
  checkOneOf("split", split, ["train", "test"] as const);
  checkOptions("options", options, ["batches"]);
  let batches: readonly number[] = [1, 2, 3, 4, 5];
  if (options.batches !== undefined) {
    if (!Array.isArray(options.batches) || options.batches.length === 0) {
      throw new InvalidArgumentError("options.batches", `expected a non-empty array of batch numbers 1–5, got ${describeValue(options.batches)}`);
    }
    options.batches.forEach((b, i) => checkInteger(`options.batches[${i}]`, b, { min: 1, max: 5 }));
    batches = options.batches;
  }
  if (!(await isDirectory(directory))) {
    throw new FileNotFoundError(directory, "the CIFAR-10 directory does not exist or is not a directory");
  }
  let dir = directory;
  const nested = joinPath(directory, "cifar-10-batches-bin");
  if (!(await isFile(joinPath(directory, split === "test" ? "test_batch.bin" : `data_batch_${batches[0]}.bin`))) && (await isDirectory(nested))) {
    dir = nested;
  }
  const files = split === "test" ? ["test_batch.bin"] : batches.map((b) => `data_batch_${b}.bin`);
  // check every file exists before reading any of them
  for (const f of files) {
    if (!(await isFile(joinPath(dir, f)))) {
      throw new FileNotFoundError(joinPath(dir, f), `CIFAR-10 batch file ${f} is missing from ${dir} (expected data_batch_1.bin … data_batch_5.bin and test_batch.bin)`);
    }
  }
  const buffers: Uint8Array[] = [];
  let n = 0;
  for (const f of files) {
    const path = joinPath(dir, f);
    const bytes = await readDataFile(path, "CIFAR-10 batch file");
    if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
      throw new CorruptFileError(
        path,
        `has ${bytes.length} bytes, not a whole, non-zero number of ${CIFAR10_RECORD_BYTES}-byte records (1 label byte + 3072 pixel bytes)` +
          (bytes.length > CIFAR10_RECORD_BYTES ? `: ${Math.floor(bytes.length / CIFAR10_RECORD_BYTES)} records and ${bytes.length % CIFAR10_RECORD_BYTES} bytes left over (truncated?)` : ""),
      );
    }
    const records = bytes.length / CIFAR10_RECORD_BYTES;
    for (let r = 0; r < records; r++) {
      const label = bytes[r * CIFAR10_RECORD_BYTES] as number;
      if (label > 9) throw new CorruptFileError(path, `record ${r} has label ${label}, expected a label in [0, 9]`);
    }
    buffers.push(bytes);
    n += records;
  }
  const plane = 32 * 32;
  const images = new Float32Array(n * plane * 3);
  const labels = new Int32Array(n);
  let i = 0;
  for (const bytes of buffers) {
    const records = bytes.length / CIFAR10_RECORD_BYTES;
    for (let r = 0; r < records; r++, i++) {
      const rec = r * CIFAR10_RECORD_BYTES;
      labels[i] = bytes[rec] as number;
      const out = i * plane * 3;
      for (let ch = 0; ch < 3; ch++) {
        const src = rec + 1 + ch * plane;
        for (let p = 0; p < plane; p++) images[out + p * 3 + ch] = (bytes[src + p] as number) / 255;
      }
    }
  }
  return { name: `cifar10-${split}`, images, shape: [n, 32, 32, 3], labels, classes: CIFAR10_CLASSES };
}
