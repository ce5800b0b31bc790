import { CorruptFileError, InvalidArgumentError, describeValue } from "../errors.js";
import { checkInteger, checkOneOf, checkOptions, checkPath, checkString } from "../validate.js";
import { maybeGunzip, readDataFile } from "./files.js";

function checkExpectation(expect: unknown): void {
  const e = checkOptions("expect", expect as IdxExpectation, ["type", "rank", "dims"]);
  if (e.type !== undefined) checkOneOf("expect.type", e.type, ["uint8", "int8", "int16", "int32", "float32", "float64"] as const);
  if (e.rank !== undefined) checkInteger("expect.rank", e.rank, { min: 1, max: 255 });
  if (e.dims !== undefined) {
    if (!Array.isArray(e.dims)) throw new InvalidArgumentError("expect.dims", `expected an array of sizes (undefined: any), got ${describeValue(e.dims)}`);
    e.dims.forEach((d, i) => {
      if (d !== undefined) checkInteger(`expect.dims[${i}]`, d, { min: 0, max: 2 ** 32 - 1 });
    });
  }
}

/** Element types of the IDX format, by the type code in byte 2 of the magic number. */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

const TYPE_BY_CODE: ReadonlyMap<number, IdxType> = new Map([
  [0x08, "uint8"],
  [0x09, "int8"],
  [0x0b, "int16"],
  [0x0c, "int32"],
  [0x0d, "float32"],
  [0x0e, "float64"],
]);

const BYTES: Readonly<Record<IdxType, number>> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** A parsed IDX file: element type, dimensions and the values (row-major). */
export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** What the caller expects of an IDX file; a mismatch is a {@link CorruptFileError}. */
export interface IdxExpectation {
  /** Required element type. */
  type?: IdxType;
  /** Required number of dimensions. */
  rank?: number;
  /** Required dimensions; `undefined` entries are not checked. */
  dims?: readonly (number | undefined)[];
}

/**
 * Parse an IDX file (LeCun's format of MNIST): a 4-byte magic number `00 00 <type> <rank>`,
 * `rank` big-endian uint32 dimensions, then the big-endian values. Checks the magic number, the
 * type code, the rank and dimensions against `expect`, and that the payload is exactly
 * `∏ dims × element size` bytes; anything else is a {@link CorruptFileError} naming `path`
 * and what is wrong. uint8 data is returned as a view of `bytes` (no copy).
 *
 * @example
 * const labels = parseIdx(bytes, "train-labels-idx1-ubyte", { type: "uint8", rank: 1 });
 */
export function parseIdx(bytes: Uint8Array, path = "<buffer>", expect: IdxExpectation = {}): IdxArray {
  checkString("path", path);
  checkExpectation(expect);
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("bytes", `expected a Uint8Array or Buffer, got ${describeValue(bytes)}`);
  if (bytes.length < 4) throw new CorruptFileError(path, `is truncated: ${bytes.length} bytes, too short for the 4-byte IDX magic number`);
  const hex = (b: number): string => `0x${b.toString(16).padStart(2, "0")}`;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new CorruptFileError(path, `is not an IDX file: the magic number must start with 0x00 0x00, got ${hex(bytes[0] as number)} ${hex(bytes[1] as number)}`);
  }
  const code = bytes[2] as number;
  const type = TYPE_BY_CODE.get(code);
  if (type === undefined) {
    throw new CorruptFileError(path, `has an unknown IDX type code ${hex(code)} (expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)`);
  }
  if (expect.type !== undefined && type !== expect.type) {
    throw new CorruptFileError(path, `has IDX element type ${type} (code ${hex(code)}), expected ${expect.type}`);
  }
  const rank = bytes[3] as number;
  if (rank < 1) throw new CorruptFileError(path, "has an IDX rank of 0, expected at least 1 dimension");
  if (expect.rank !== undefined && rank !== expect.rank) {
    throw new CorruptFileError(path, `has ${rank} dimension${rank === 1 ? "" : "s"} (IDX rank byte), expected ${expect.rank}`);
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new CorruptFileError(path, `is truncated: ${bytes.length} bytes, too short for the ${header}-byte header of a rank-${rank} IDX file`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  if (expect.dims) {
    for (let i = 0; i < expect.dims.length; i++) {
      const want = expect.dims[i];
      if (want !== undefined && dims[i] !== want) {
        throw new CorruptFileError(path, `has dimensions [${dims.join(", ")}], expected dimension ${i} to be ${want}`);
      }
    }
  }
  const size = BYTES[type];
  const expected = count * size;
  const actual = bytes.length - header;
  if (actual < expected) {
    throw new CorruptFileError(path, `is truncated: dimensions [${dims.join(", ")}] of ${type} need ${expected} bytes of data after the header, found ${actual}`);
  }
  if (actual > expected) {
    throw new CorruptFileError(path, `does not match its dimensions [${dims.join(", ")}]: expected ${expected} bytes of ${type} data after the header, found ${actual} (${actual - expected} extra)`);
  }
  const start = bytes.byteOffset + header;
  let data: IdxArray["data"];
  switch (type) {
    case "uint8":
      data = new Uint8Array(bytes.buffer, start, count);
      break;
    case "int8":
      data = new Int8Array(bytes.buffer, start, count);
      break;
    case "int16": {
      const a = new Int16Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt16(header + 2 * i, false);
      data = a;
      break;
    }
    case "int32": {
      const a = new Int32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getInt32(header + 4 * i, false);
      data = a;
      break;
    }
    case "float32": {
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat32(header + 4 * i, false);
      data = a;
      break;
    }
    case "float64": {
      const a = new Float64Array(count);
      for (let i = 0; i < count; i++) a[i] = view.getFloat64(header + 8 * i, false);
      data = a;
      break;
    }
  }
  return { type, dims, data };
}

/**
 * Read and parse an IDX file (gzipped or not: a gzip magic number is detected and decompressed).
 * A missing file is a `FileNotFoundError`; a bad one a `CorruptFileError` (see {@link parseIdx}).
 */
export async function readIdxFile(path: string, expect: IdxExpectation = {}): Promise<IdxArray> {
  checkPath("path", path);
  checkExpectation(expect);
  const raw = await readDataFile(path, "IDX file");
  return parseIdx(await maybeGunzip(raw, path), path, expect);
}
