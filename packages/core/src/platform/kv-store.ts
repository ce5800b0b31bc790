/**
 * POSIX-like {@link FileStore} semantics over a key-value map of entries keyed by absolute store
 * URL (`memory://a/b`), shared by the in-memory store and the IndexedDB store: each operation runs
 * in one transaction of the underlying map, so a `rename` of a directory is atomic.
 */
import { resolvePath, splitScheme } from "./paths.js";
import { type FileStat, type FileStore, FileStoreError } from "./store-types.js";

/** One entry of the map. */
export type KvEntry = { kind: "directory"; mtimeMs: number } | { kind: "file"; data: Uint8Array; mtimeMs: number };

/** What an operation may do inside its transaction (await only these, so IndexedDB's stays open). */
export interface KvTx {
  get(key: string): Promise<KvEntry | undefined>;
  put(key: string, entry: KvEntry): void;
  delete(key: string): void;
  /** Every key that starts with `prefix`. */
  keysUnder(prefix: string): Promise<string[]>;
}

/** Runs `fn` in one transaction (read-only unless `write`); the map's atomicity unit. */
export type KvRun = <T>(write: boolean, fn: (tx: KvTx) => Promise<T>) => Promise<T>;

const rootOf = (k: string): string => `${splitScheme(k).scheme ?? ""}://`;
const isRoot = (k: string): boolean => k === rootOf(k);
const childPrefix = (k: string): string => (isRoot(k) ? k : `${k}/`);

function parentOf(k: string): string | undefined {
  if (isRoot(k)) return undefined;
  const p = k.slice(0, k.lastIndexOf("/"));
  return p.endsWith(":/") ? `${p}/` : p;
}

async function get(tx: KvTx, k: string): Promise<KvEntry | undefined> {
  return isRoot(k) ? { kind: "directory", mtimeMs: 0 } : tx.get(k);
}

async function needParentDir(tx: KvTx, k: string, path: string): Promise<void> {
  const parent = parentOf(k);
  if (parent === undefined) return;
  const e = await get(tx, parent);
  if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
  if (e.kind !== "directory") throw new FileStoreError("ENOTDIR", path, "not a directory");
}

/** A {@link FileStore} over a key-value map (see {@link KvRun}). */
export function kvFileStore(run: KvRun): FileStore {
  const key = (p: string): string => resolvePath(p);
  const mkdir = async (tx: KvTx, k: string, path: string, recursive: boolean): Promise<void> => {
    const e = await get(tx, k);
    if (e) {
      if (e.kind === "directory" && recursive) return;
      throw new FileStoreError("EEXIST", path, "file already exists");
    }
    const parent = parentOf(k);
    if (recursive && parent !== undefined && !(await get(tx, parent))) await mkdir(tx, parent, path, true);
    await needParentDir(tx, k, path);
    tx.put(k, { kind: "directory", mtimeMs: Date.now() });
  };
  return {
    stat: (path) =>
      run(false, async (tx): Promise<FileStat | undefined> => {
        const e = await get(tx, key(path));
        return e ? { kind: e.kind, size: e.kind === "file" ? e.data.byteLength : 0, mtimeMs: e.mtimeMs } : undefined;
      }),
    readFile: (path) =>
      run(false, async (tx) => {
        const e = await get(tx, key(path));
        if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
        if (e.kind !== "file") throw new FileStoreError("EISDIR", path, "illegal operation on a directory");
        return e.data.slice();
      }),
    async writeFile(path, chunks, options = {}) {
      // gather first: a transaction must not wait on anything but its own requests
      const parts: Uint8Array[] = [];
      let total = 0;
      for await (const c of chunks) {
        parts.push(c);
        total += c.byteLength;
      }
      const data = new Uint8Array(total);
      let o = 0;
      for (const c of parts) {
        data.set(c, o);
        o += c.byteLength;
      }
      const k = key(path);
      await run(true, async (tx) => {
        await needParentDir(tx, k, path);
        const existing = await get(tx, k);
        if (existing?.kind === "directory") throw new FileStoreError("EISDIR", path, "illegal operation on a directory");
        if (existing && options.exclusive) throw new FileStoreError("EEXIST", path, "file already exists");
        tx.put(k, { kind: "file", data, mtimeMs: Date.now() });
      });
    },
    mkdir: (path, options = {}) => run(true, (tx) => mkdir(tx, key(path), path, options.recursive === true)),
    readdir: (path) =>
      run(false, async (tx) => {
        const k = key(path);
        const e = await get(tx, k);
        if (!e) throw new FileStoreError("ENOENT", path, "no such file or directory");
        if (e.kind !== "directory") throw new FileStoreError("ENOTDIR", path, "not a directory");
        const prefix = childPrefix(k);
        return (await tx.keysUnder(prefix))
          .map((c) => c.slice(prefix.length))
          .filter((c) => c !== "" && !c.includes("/"))
          .sort();
      }),
    rename: (from, to) =>
      run(true, async (tx) => {
        const a = key(from);
        const b = key(to);
        const src = await get(tx, a);
        if (!src || isRoot(a)) throw new FileStoreError("ENOENT", from, "no such file or directory");
        if (a === b) return;
        if (b.startsWith(`${a}/`)) throw new FileStoreError("EINVAL", to, "cannot move a directory into itself");
        await needParentDir(tx, b, to);
        const dst = await get(tx, b);
        if (dst) {
          if (src.kind === "directory" && dst.kind !== "directory") throw new FileStoreError("ENOTDIR", to, "not a directory");
          if (src.kind !== "directory" && dst.kind === "directory") throw new FileStoreError("EISDIR", to, "illegal operation on a directory");
          if (dst.kind === "directory" && (await tx.keysUnder(childPrefix(b))).length > 0) throw new FileStoreError("ENOTEMPTY", to, "directory not empty");
        }
        const moved = src.kind === "directory" ? await tx.keysUnder(childPrefix(a)) : [];
        const entries = await Promise.all(moved.map((m) => tx.get(m)));
        tx.delete(a);
        tx.put(b, src);
        moved.forEach((m, i) => {
          tx.delete(m);
          tx.put(b + m.slice(a.length), entries[i] as KvEntry);
        });
      }),
    rm: (path, options = {}) =>
      run(true, async (tx) => {
        const k = key(path);
        const e = await get(tx, k);
        if (!e) {
          if (options.force) return;
          throw new FileStoreError("ENOENT", path, "no such file or directory");
        }
        const inside = e.kind === "directory" ? await tx.keysUnder(childPrefix(k)) : [];
        if (inside.length > 0 && !options.recursive) throw new FileStoreError("ENOTEMPTY", path, "directory not empty");
        for (const m of inside) tx.delete(m);
        if (!isRoot(k)) tx.delete(k);
      }),
  };
}

/** The map behind `memory://`: a `Map`, with operations queued so each runs alone (a transaction). */
export function memoryKv(): KvRun {
  const map = new Map<string, KvEntry>();
  const tx: KvTx = {
    get: async (k) => map.get(k),
    put: (k, e) => void map.set(k, e),
    delete: (k) => void map.delete(k),
    keysUnder: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
  };
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(_write: boolean, fn: (t: KvTx) => Promise<T>): Promise<T> => {
    const next = queue.then(() => fn(tx));
    queue = next.catch(() => undefined);
    return next;
  };
}
