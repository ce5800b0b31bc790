/**
 * The platform seam: what differs between Node and a browser, behind one registry.
 *
 * `@atlas/core`'s default entry (`index.ts`) imports no Node built-in and installs nothing here;
 * every service below then has a browser implementation or is absent (a call that needs it throws an
 * {@link UnsupportedError} saying what to do instead). The Node entry (`index.node.ts`, chosen by the
 * `node` export condition) imports `./node.ts`, which installs Node's implementations (files on
 * disk, npm-package resolution for datasets, zlib) before re-exporting the same API.
 */
import { AtlasError } from "../errors.js";
import type { FileStore } from "./store.js";

/** A call that this environment (a browser, a runtime without some API) cannot serve. */
export class UnsupportedError extends AtlasError {
  /** What was attempted (`"loadMnist"`, `"saveModel('out/ae')"`). */
  readonly feature: string;
  constructor(feature: string, message: string, options?: { cause?: unknown }) {
    super("UNSUPPORTED", `${feature}: ${message}`, options);
    this.feature = feature;
  }
}

/** Path operations for plain (scheme-less) paths of the platform's own file system. */
export interface PlatformPaths {
  join(...parts: string[]): string;
  resolve(path: string): string;
  dirname(path: string): string;
  basename(path: string): string;
  isAbsolute(path: string): boolean;
  /** The separator `join` puts between parts. */
  readonly sep: string;
}

/** Services installed by an environment's entry; absent ones have a fallback or are unsupported. */
export interface PlatformServices {
  /** `"node"` once the Node entry ran; `"browser"` (any other JavaScript environment) otherwise. */
  name: "node" | "browser";
  /** The file system of plain (scheme-less) paths: Node's, in Node; none in a browser. */
  fileStore?: FileStore;
  /** Path operations for plain paths (POSIX by default; Node's `path` in Node). */
  paths?: PlatformPaths;
  /** Root directory of an installed npm package (Node resolution), for the dataset loaders. */
  resolvePackageDir?: (packageName: string) => string;
  /** zlib-format deflate (RFC 1950); without it PNGs are written with stored (uncompressed) blocks. */
  deflate?: (bytes: Uint8Array) => Uint8Array;
  /** Synchronous gunzip; without it gzip is decompressed with `DecompressionStream` where present. */
  gunzip?: (bytes: Uint8Array) => Uint8Array;
  /** Starts a worker thread (Node's worker_threads; see workers.ts for the contract). */
  spawnWorker?: import("./workers.js").WorkerSpawner;
  /** Logical CPUs (Node: `os.availableParallelism()`). */
  cpuCount?: () => number;
  /** The 1-minute load average (Node: `os.loadavg()[0]`). */
  loadAverage?: () => number;
  /** The process's environment variables (Node's `process.env`). */
  env?: () => Record<string, string | undefined>;
}

const services: PlatformServices = { name: "browser" };

/**
 * Which implementations are installed: `"node"` where `@atlas/core` was loaded through its Node
 * entry (files on disk, datasets from npm packages), `"browser"` anywhere else (store URLs only).
 *
 * @example
 * if (platformName() === "browser") await gtn.save("indexeddb://gtn"); else await gtn.save("out/gtn");
 */
export function platformName(): "node" | "browser" {
  return services.name;
}

/** The installed platform services (read-only view). */
export function platform(): Readonly<PlatformServices> {
  return services;
}

/** Install (or replace) platform services; called by an environment entry such as `./node.ts`. */
export function installPlatform(update: Partial<PlatformServices>): void {
  Object.assign(services, update);
}

/**
 * Environment variables where the runtime has them (`process.env` in Node, Deno, Bun), else an
 * empty record — so `ATLAS_*` switches work without importing anything Node-specific.
 */
export function environment(): Record<string, string | undefined> {
  if (services.env) return services.env();
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}
