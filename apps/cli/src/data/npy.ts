import { CorruptFileError } from "@atlas/core";

/** A parsed `.npy` array: shape and values as float64 (any numeric dtype is converted). */
export interface NpyArray {
  readonly shape: number[];
  readonly dtype: string;
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parse NumPy's `.npy` format (versions 1–3): the magic string, a version, a little-endian header
 * length and a Python-dict header (`descr`, `fortran_order`, `shape`), then the raw values.
 * Little-endian or byte-order-free numeric dtypes (`f4 f8 f2? i1 i2 i4 i8 u1 u2 u4 u8 b1`) in C order.
 * Anything else is a {@link CorruptFileError} naming the file and the problem.
 */
export function parseNpy(bytes: Uint8Array, path: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new CorruptFileError(path, "is not a .npy file (no \\x93NUMPY magic string)");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new CorruptFileError(path, "is truncated inside the .npy header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw new CorruptFileError(path, `has .npy format version ${major}, expected 1, 2 or 3`);
  }
  if (start + headerLen > bytes.length) throw new CorruptFileError(path, "is truncated inside the .npy header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new CorruptFileError(path, `has a malformed .npy header: ${header.trim()}`);
  if (fortran === "True") throw new CorruptFileError(path, "is stored in Fortran order; save it with numpy.ascontiguousarray(a) first");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => Number(s));
  if (shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw new CorruptFileError(path, `has a malformed shape (${shapeText})`);
  const order = descr[0];
  const kind = descr.slice(1);
  if (order === ">" && !["i1", "u1", "b1"].includes(kind)) throw new CorruptFileError(path, `holds big-endian values (${descr}); save them as little-endian ('<${kind}')`);
  if (order !== "<" && order !== "|" && order !== "=" && order !== ">") throw new CorruptFileError(path, `has an unknown dtype '${descr}'`);
  const count = shape.reduce((a, b) => a * b, 1);
  const sizes: Record<string, number> = { f8: 8, f4: 4, f2: 2, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };
  const size = sizes[kind];
  if (size === undefined) throw new CorruptFileError(path, `has dtype '${descr}'; expected a numeric one (float, int, uint, bool)`);
  const offset = start + headerLen;
  if (bytes.length - offset !== count * size) {
    throw new CorruptFileError(path, `holds ${bytes.length - offset} data bytes, expected ${count} × ${size} = ${count * size} for shape (${shape.join(", ")}) of ${descr}`);
  }
  const out = new Float64Array(count);
  const read: (o: number) => number = {
    f8: (o: number) => view.getFloat64(o, true),
    f4: (o: number) => view.getFloat32(o, true),
    f2: (o: number) => half(view.getUint16(o, true)),
    i1: (o: number) => view.getInt8(o),
    i2: (o: number) => view.getInt16(o, true),
    i4: (o: number) => view.getInt32(o, true),
    i8: (o: number) => Number(view.getBigInt64(o, true)),
    u1: (o: number) => view.getUint8(o),
    u2: (o: number) => view.getUint16(o, true),
    u4: (o: number) => view.getUint32(o, true),
    u8: (o: number) => Number(view.getBigUint64(o, true)),
    b1: (o: number) => view.getUint8(o),
  }[kind]!;
  for (let i = 0; i < count; i++) out[i] = read(offset + i * size);
  return { shape, dtype: descr, data: out };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Encode a float32 matrix as `.npy` (version 1, `<f4`, C order). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
