/** The {@link FileStore} interface and its error (no implementation: imported by every store). */

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

