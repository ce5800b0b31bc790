/**
 * File stores: where Atlas's files go. A plain path uses the platform's file system (Node's, once
 * the Node entry is loaded); a store URL `scheme://name/…` uses the store registered for `scheme`:
 * `memory://` (in this JavaScript realm, everywhere), `indexeddb://` (a browser's IndexedDB), or
 * one the application registers. Every Atlas function that writes or reads a directory (`saveModel`,
 * `GTN.save`, `loadState`, checkpoints, …) goes through here, so it works on any store.
 */
import { InvalidArgumentError, describeValue } from "../errors.js";
import { indexedDbFileStore } from "./indexeddb-store.js";
import { kvFileStore, memoryKv } from "./kv-store.js";
import { splitScheme } from "./paths.js";
import { UnsupportedError, platform } from "./platform.js";
import type { FileStore } from "./store-types.js";

export { FileStoreError, type FileStat, type FileStore } from "./store-types.js";

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
  return kvFileStore(memoryKv());
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
    throw new InvalidArgumentError("scheme", `expected two or more letters, digits, '+', '.' or '-' (not 'file'), got ${describeValue(scheme)}`);
  }
  const methods = ["stat", "readFile", "writeFile", "mkdir", "readdir", "rename", "rm"] as const;
  if (store !== undefined && (store === null || typeof store !== "object" || methods.some((m) => typeof (store as unknown as Record<string, unknown>)[m] !== "function"))) {
    throw new InvalidArgumentError("store", `expected a FileStore (${methods.join(", ")}) or undefined, got ${describeValue(store)}`);
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
registerLazyFileStore("indexeddb", () => (typeof (globalThis as { indexedDB?: unknown }).indexedDB === "object" ? indexedDbFileStore() : undefined));

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
