/**
 * The store behind `indexeddb://` in a browser: every entry is a record in one IndexedDB object
 * store (database `atlas-files`), keyed by its absolute URL; each file operation is one IndexedDB
 * transaction, so `writeDirAtomic`'s final rename is atomic and a saved model survives a reload.
 */
import { InvalidArgumentError, describeValue } from "../errors.js";
import { UnsupportedError } from "./platform.js";
import { type KvEntry, type KvRun, type KvTx, kvFileStore } from "./kv-store.js";
import type { FileStore } from "./store-types.js";

const DB = "atlas-files";
const STORE = "entries";

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openDb(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = factory.open(name, 1);
    r.onupgradeneeded = () => {
      if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error(`IndexedDB database '${name}' is blocked by another connection`));
  });
}

/**
 * A {@link FileStore} in IndexedDB (database `name`, default `atlas-files`): what `indexeddb://`
 * paths use in a browser. Data persists across page loads, per origin.
 *
 * @example
 * registerFileStore("models", indexedDbFileStore("my-app-models"));
 */
export function indexedDbFileStore(name: string = DB, factory: IDBFactory | undefined = (globalThis as { indexedDB?: IDBFactory }).indexedDB): FileStore {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("name", `expected a database name (a non-empty string), got ${describeValue(name)}`);
  if (!factory) throw new UnsupportedError("indexedDbFileStore", "this environment has no IndexedDB (pass an IDBFactory, or use memory:// or a path on disk)");
  if (typeof factory !== "object" || typeof (factory as { open?: unknown }).open !== "function") throw new InvalidArgumentError("factory", `expected an IDBFactory, got ${describeValue(factory)}`);
  let db: Promise<IDBDatabase> | undefined;
  const run: KvRun = async <T>(write: boolean, fn: (tx: KvTx) => Promise<T>): Promise<T> => {
    db ??= openDb(factory, name);
    const t = (await db).transaction(STORE, write ? "readwrite" : "readonly");
    const os = t.objectStore(STORE);
    const done = new Promise<void>((resolve, reject) => {
      t.oncomplete = () => resolve();
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error ?? new Error("IndexedDB transaction aborted"));
    });
    const tx: KvTx = {
      get: async (k) => (await request(os.get(k))) as KvEntry | undefined,
      put: (k, e) => void os.put(e, k),
      delete: (k) => void os.delete(k),
      keysUnder: async (prefix) => ((await request(os.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))) as string[]).filter((k) => k.startsWith(prefix)),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      try {
        t.abort();
      } catch {
        // already finished
      }
      await done.catch(() => undefined);
      throw error;
    }
    await done;
    return result;
  };
  return kvFileStore(run);
}
