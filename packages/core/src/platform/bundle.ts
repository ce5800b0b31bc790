/**
 * A saved directory as one byte array and back — to download a model from a page, upload it into
 * another, send it over the network, or keep it in any key-value storage. Works on every store
 * (the disk in Node, `memory://`, `indexeddb://`), so a bundle made in Node loads in a browser.
 *
 * Format (version 1): the 8 ASCII bytes `ATLASDIR`, uint32 LE version, uint32 LE manifest length,
 * the manifest (UTF-8 JSON: `{ entries: [{ path, kind: "directory" } | { path, kind: "file", size, crc32 }] }`,
 * paths relative with `/`, parents before children), then the files' bytes back to back in manifest order.
 */
import { CorruptFileError, InvalidArgumentError, describeValue } from "../errors.js";
import { writeDirAtomic } from "../files.js";
import { joinPath, resolvePath } from "./paths.js";
import { crc32 } from "./png.js";
import { fileStoreFor } from "./store.js";

const MAGIC = "ATLASDIR";
const VERSION = 1;
/** Largest bundle {@link unpackDirectory} accepts (2 GiB: one ArrayBuffer). */
const MAX_BYTES = 2 ** 31 - 1;

type ManifestEntry = { path: string; kind: "directory" } | { path: string; kind: "file"; size: number; crc32: number };

/**
 * Pack the directory `dir` (recursively: files and sub-directories) into one byte array.
 *
 * @example
 * await gtn.save("memory://gtn");
 * const bytes = await packDirectory("memory://gtn");          // Uint8Array
 * const url = URL.createObjectURL(new Blob([bytes]));         // a download link in a page
 */
export async function packDirectory(dir: string): Promise<Uint8Array<ArrayBuffer>> {
  if (typeof dir !== "string" || dir === "") throw new InvalidArgumentError("dir", `expected a directory path, got ${describeValue(dir)}`);
  const root = resolvePath(dir);
  const store = fileStoreFor(root, "packDirectory");
  const st = await store.stat(root);
  if (st?.kind !== "directory") throw new InvalidArgumentError("dir", `${root} is not a directory`);
  const entries: ManifestEntry[] = [];
  const data: Uint8Array[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of await store.readdir(abs)) {
      const child = joinPath(abs, name);
      const path = rel === "" ? name : `${rel}/${name}`;
      const s = await store.stat(child);
      if (s?.kind === "directory") {
        entries.push({ path, kind: "directory" });
        await walk(child, path);
      } else if (s?.kind === "file") {
        const bytes = await store.readFile(child);
        entries.push({ path, kind: "file", size: bytes.byteLength, crc32: crc32(bytes) });
        data.push(bytes);
      }
    }
  };
  await walk(root, "");
  const manifest = new TextEncoder().encode(JSON.stringify({ entries }));
  const total = 16 + manifest.byteLength + data.reduce((n, d) => n + d.byteLength, 0);
  const out = new Uint8Array(total);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, manifest.byteLength, true);
  out.set(manifest, 16);
  let o = 16 + manifest.byteLength;
  for (const d of data) {
    out.set(d, o);
    o += d.byteLength;
  }
  return out;
}

function validPath(p: unknown): p is string {
  return typeof p === "string" && p !== "" && !p.startsWith("/") && !/^[a-zA-Z]:/.test(p) && !p.includes("\\") && !p.split("/").some((s) => s === "" || s === "." || s === "..");
}

/** Parse and validate a bundle completely (before anything is written). */
function readBundle(bytes: Uint8Array): { entries: ManifestEntry[]; offsets: number[] } {
  const name = "<bundle>";
  if (bytes.byteLength < 16 || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) throw new CorruptFileError(name, `not an Atlas directory bundle (expected the magic bytes '${MAGIC}')`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new CorruptFileError(name, `unsupported bundle version ${version} (this build reads version ${VERSION})`);
  const length = view.getUint32(12, true);
  if (16 + length > bytes.byteLength) throw new CorruptFileError(name, `is truncated: the manifest needs ${length} bytes, ${bytes.byteLength - 16} are left`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + length)));
  } catch (cause) {
    throw new CorruptFileError(name, "its manifest is not valid JSON", { cause });
  }
  const list = (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) throw new CorruptFileError(name, "its manifest has no 'entries' array");
  const seen = new Set<string>();
  const dirs = new Set<string>();
  const offsets: number[] = [];
  let o = 16 + length;
  const entries: ManifestEntry[] = [];
  for (const [i, e] of list.entries()) {
    const path = (e as { path?: unknown })?.path;
    if (!validPath(path)) throw new CorruptFileError(name, `entry ${i}: path must be relative without '.', '..' or empty parts, got ${JSON.stringify(path)}`);
    if (seen.has(path)) throw new CorruptFileError(name, `entry ${i}: '${path}' appears twice`);
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (parent !== "" && !dirs.has(parent)) throw new CorruptFileError(name, `entry ${i}: '${path}' comes before its directory '${parent}'`);
    seen.add(path);
    const kind = (e as { kind?: unknown }).kind;
    if (kind === "directory") {
      dirs.add(path);
      entries.push({ path, kind });
      offsets.push(-1);
      continue;
    }
    const { size, crc32: sum } = e as { size?: unknown; crc32?: unknown };
    if (kind !== "file" || !Number.isInteger(size) || (size as number) < 0 || !Number.isInteger(sum)) {
      throw new CorruptFileError(name, `entry ${i} ('${path}'): expected { kind: "file", size, crc32 } or { kind: "directory" }`);
    }
    if (o + (size as number) > bytes.byteLength) throw new CorruptFileError(name, `is truncated: '${path}' needs ${size as number} bytes at offset ${o}, the bundle has ${bytes.byteLength}`);
    if (crc32(bytes.subarray(o, o + (size as number))) !== sum) throw new CorruptFileError(name, `'${path}' does not match its checksum (the bundle is corrupt)`);
    entries.push({ path, kind: "file", size: size as number, crc32: sum as number });
    offsets.push(o);
    o += size as number;
  }
  if (o !== bytes.byteLength) throw new CorruptFileError(name, `has ${bytes.byteLength - o} bytes after its last file (not a bundle written by packDirectory?)`);
  return { entries, offsets };
}

/**
 * Write a bundle made by {@link packDirectory} to the directory `dir` (created or replaced
 * atomically, as every Atlas save). The whole bundle is validated first — magic bytes, version,
 * paths, sizes, CRC-32 of each file — so a corrupt one is a `CorruptFileError` and writes nothing.
 *
 * @example
 * const file = input.files[0];                                 // <input type="file"> in a page
 * await unpackDirectory(new Uint8Array(await file.arrayBuffer()), "indexeddb://gtn");
 * const gtn = await GTN.load("indexeddb://gtn");
 */
export async function unpackDirectory(bundle: Uint8Array | ArrayBuffer, dir: string): Promise<void> {
  const bytes = bundle instanceof ArrayBuffer ? new Uint8Array(bundle) : bundle;
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("bundle", `expected a Uint8Array or ArrayBuffer (what packDirectory made), got ${describeValue(bundle)}`);
  if (bytes.byteLength > MAX_BYTES) throw new InvalidArgumentError("bundle", `is ${bytes.byteLength} bytes, more than the ${MAX_BYTES} a bundle may hold`);
  if (typeof dir !== "string" || dir.trim() === "") throw new InvalidArgumentError("dir", `expected a directory path, got ${describeValue(dir)}`);
  const { entries, offsets } = readBundle(bytes);
  const store = fileStoreFor(resolvePath(dir), "unpackDirectory");
  await writeDirAtomic(dir, async (tmp) => {
    for (const [i, e] of entries.entries()) {
      const target = joinPath(tmp, ...e.path.split("/"));
      if (e.kind === "directory") await store.mkdir(target);
      else await store.writeFile(target, [bytes.subarray(offsets[i] as number, (offsets[i] as number) + e.size)], { exclusive: true });
    }
  }, { argument: "dir" });
}
