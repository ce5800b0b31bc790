/**
 * File stores: where Atlas's files go. A plain path uses the platform's file system (Node's, once
 * the Node entry is loaded); a store URL `scheme://name/…` uses the store registered for `scheme`:
 * `memory://` (in this JavaScript realm, everywhere), `indexeddb://` (a browser's IndexedDB), or
 * one the application registers. Every Atlas function that writes or reads a directory (`saveModel`,
 * `GTN.save`, `loadState`, checkpoints, …) goes through here, so it works on any store.
 */
import { resolvePath, splitScheme } from "./paths.js";
import { UnsupportedError, platform } from "./platform.js";

/** What {@link FileStore.stat} reports. */
export interface FileStat {
  readonly kind: "file" | "directory" | "other";
  /** Bytes (files). */
  readonly size: number;
  /** Last modification, ms since the epoch. */
  readonly mtimeMs: number;
}

/**
 * A file system for Atlas's files. Errors carry Node's `code`s: `ENOENT` (missing), `EEXIST`,
 * `EISDIR`, `ENOTDIR`, `ENOTEMPTY`. Paths are absolute (store URLs include their scheme).
 */
export interface FileStore {
  /** The entry at `path` (links not followed), or undefined when there is none. */
  stat(path: string): Promise<FileStat | undefined>;
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Create the file `path` (its parent must exist) from `chunks` and make it durable before
   * resolving; with `exclusive` an existing entry is an `EEXIST` error, else a file is replaced.
   */
  writeFile(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: { exclusive?: boolean }): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Names of the entries in a directory. */
  readdir(path: string): Promise<string[]>;
  /** Move a file or directory (POSIX: replaces a file or an empty directory at `to`). */
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  /** Make the entries of a directory (renames in it) durable, where that means something. */
  syncDir?(path: string): Promise<void>;
}

/** An error of a {@link FileStore}, with Node's `code`. */
export class FileStoreError extends Error {
  readonly code: string;
  readonly path: string;
  constructor(code: string, path: string, message: string) {
    super(`${code}: ${message}, '${path}'`);
    this.name = "FileStoreError";
    this.code = code;
    this.path = path;
  }
}

type Entry = { kind: "directory"; mtimeMs: number } | { kind: "file"; data: Uint8Array; mtimeMs: number };

/**
 * A {@link FileStore} in memory (a `Map` of entries), the store behind `memory://`: fast, private to
 * this JavaScript realm, gone when it ends. Use it to save models in a page or a test without a disk,
 * and with {@link packDirectory} / {@link unpackDirectory} to turn a saved directory into bytes.
 *
 * @example
 * registerFileStore("scratch", memoryFileStore());
 * await saveModel("scratch://ae", model);
 */
export function memoryFileStore(): FileStore {
  const entries = new Map<string, Entry>();
  const key = (p: string): string => resolvePath(p);
  const rootOf = (k: string): string => `${splitScheme(k).scheme ?? ""}://`;
  const parentOf = (k: string): string | undefined => {
    if (k === rootOf(k)) return undefined;
    const i = k.lastIndexOf("/");
    const p = k.slice(0, i);
    return p.endsWith(":/") ? `${p}/` : p;
  };
  const get = (k: string): Entry | undefined => (k === rootOf(k) ? { kind: "directory", mtimeMs: 0 } : entries.get(k));
  const under = (k: string): string[] => {
    const prefix = k.endsWith("/") ? k : `${k}/`;
    return [...entries.keys()].filter((e) => e.startsWith(prefix));
  };
  const needDir = (k: string, path: string): void => {
    const parent = parentOf(k);
    if (parent === undefined) return;
    const e = get(parent);
    if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
    if (e.kind !== "directory") throw new FileStoreError("ENOTDIR", path, "not a directory");
  };
  return {
    async stat(path) {
      const e = get(key(path));
      if (!e) return undefined;
      return { kind: e.kind, size: e.kind === "file" ? e.data.byteLength : 0, mtimeMs: e.mtimeMs };
    },
    async readFile(path) {
      const e = get(key(path));
      if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
      if (e.kind !== "file") throw new FileStoreError("EISDIR", path, "illegal operation on a directory");
      return e.data.slice();
    },
    async writeFile(path, chunks, options = {}) {
      const k = key(path);
      needDir(k, path);
      const existing = get(k);
      if (existing && (options.exclusive || existing.kind !== "file")) {
        throw new FileStoreError(existing.kind === "file" ? "EEXIST" : "EISDIR", path, existing.kind === "file" ? "file already exists" : "illegal operation on a directory");
      }
      const parts: Uint8Array[] = [];
      let total = 0;
      for await (const c of chunks) {
        parts.push(c.slice());
        total += c.byteLength;
      }
      const data = new Uint8Array(total);
      let o = 0;
      for (const c of parts) {
        data.set(c, o);
        o += c.byteLength;
      }
      // the parent may have been removed while the chunks were produced
      needDir(k, path);
      entries.set(k, { kind: "file", data, mtimeMs: Date.now() });
    },
    async mkdir(path, options = {}) {
      const k = key(path);
      const e = get(k);
      if (e) {
        if (e.kind === "directory" && options.recursive) return;
        throw new FileStoreError("EEXIST", path, "file already exists");
      }
      const parent = parentOf(k);
      if (parent !== undefined && !get(parent)) {
        if (!options.recursive) throw new FileStoreError("ENOENT", path, "no such file or directory");
        await this.mkdir(parent, { recursive: true });
      }
      needDir(k, path);
      entries.set(k, { kind: "directory", mtimeMs: Date.now() });
    },
    async readdir(path) {
      const k = key(path);
      const e = get(k);
      if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
      if (e.kind !== "directory") throw new FileStoreError("ENOTDIR", path, "not a directory");
      const prefix = k.endsWith("/") ? k : `${k}/`;
      return under(k)
        .map((c) => c.slice(prefix.length))
        .filter((c) => !c.includes("/"))
        .sort();
    },
    async rename(from, to) {
      const a = key(from);
      const b = key(to);
      const src = get(a);
      if (!src || a === rootOf(a)) throw new FileStoreError("ENOENT", from, "no such file or directory");
      if (a === b) return;
      if (b.startsWith(`${a}/`)) throw new FileStoreError("EINVAL", to, "cannot move a directory into itself");
      needDir(b, to);
      const dst = get(b);
      if (dst) {
        if (src.kind === "directory" && dst.kind !== "directory") throw new FileStoreError("ENOTDIR", to, "not a directory");
        if (src.kind !== "directory" && dst.kind === "directory") throw new FileStoreError("EISDIR", to, "illegal operation on a directory");
        if (dst.kind === "directory" && under(b).length > 0) throw new FileStoreError("ENOTEMPTY", to, "directory not empty");
      }
      const moved = under(a);
      entries.set(b, src);
      entries.delete(a);
      for (const m of moved) {
        entries.set(b + m.slice(a.length), entries.get(m) as Entry);
        entries.delete(m);
      }
    },
    async rm(path, options = {}) {
      const k = key(path);
      const e = get(k);
      if (!e) {
        if (options.force) return;
        throw new FileStoreError("ENOENT", path, "no such file or directory");
      }
      const inside = under(k);
      if (e.kind === "directory" && inside.length > 0 && !options.recursive) throw new FileStoreError("ENOTEMPTY", path, "directory not empty");
      for (const m of inside) entries.delete(m);
      if (k !== rootOf(k)) entries.delete(k);
    },
  };
}

const stores = new Map<string, FileStore>();
const lazyStores = new Map<string, () => FileStore | undefined>();

/**
 * Make `scheme://…` paths use `store` everywhere in Atlas (`undefined` removes it). `memory` and,
 * in a browser, `indexeddb` are registered by default; `file` is reserved for plain paths.
 *
 * @example
 * registerFileStore("memory", memoryFileStore()); // a fresh, empty memory:// store
 */
export function registerFileStore(scheme: string, store: FileStore | undefined): void {
  if (typeof scheme !== "string" || !/^[a-zA-Z][a-zA-Z0-9+.-]+$/.test(scheme) || scheme.toLowerCase() === "file") {
    throw new TypeError(`scheme: expected two or more letters, digits, '+', '.' or '-' (not 'file'), got ${JSON.stringify(scheme)}`);
  }
  const s = scheme.toLowerCase();
  lazyStores.delete(s);
  if (store === undefined) stores.delete(s);
  else stores.set(s, store);
}

/** Register a store that is created on first use (the built-in ones). */
export function registerLazyFileStore(scheme: string, create: () => FileStore | undefined): void {
  lazyStores.set(scheme, create);
}

registerLazyFileStore("memory", () => memoryFileStore());

/** The schemes with a store, for messages. */
function knownSchemes(): string[] {
  return [...new Set([...stores.keys(), ...lazyStores.keys()])].sort();
}

/**
 * The store that serves `path`: the one registered for its scheme, or the platform's file system for
 * a plain path. `feature` names the calling function for the {@link UnsupportedError} thrown where
 * there is none (a plain path in a browser).
 */
export function fileStoreFor(path: string, feature: string): FileStore {
  const { scheme } = splitScheme(path);
  if (scheme === undefined || scheme === "file") {
    const fs = platform().fileStore;
    if (fs) return fs;
    throw new UnsupportedError(
      feature,
      `'${path}' is a path on a disk, and this environment has none (a browser, or Node without the 'node' export condition). ` +
        `Use a store URL instead: ${knownSchemes()
          .map((s) => `'${s}://${path.replace(/^\.?\/*/, "") || "name"}'`)
          .join(", ")} (and packDirectory/unpackDirectory to turn a saved directory into bytes and back).`,
    );
  }
  let store = stores.get(scheme);
  if (!store) {
    const create = lazyStores.get(scheme);
    store = create?.();
    if (store) stores.set(scheme, store);
  }
  if (!store) {
    throw new UnsupportedError(feature, `no file store for '${scheme}://' here (registered: ${knownSchemes().map((s) => `${s}://`).join(", ")}); register one with registerFileStore('${scheme}', store)`);
  }
  return store;
}
