/**
 * Reading files through the {@link FileStore} that serves a path, with Atlas's errors: a missing
 * or unreadable file is a `FileNotFoundError` naming it, a plain path where there is no disk an
 * `UnsupportedError` naming the alternatives.
 */
import { FileNotFoundError } from "../errors.js";
import { checkPath, checkString } from "../validate.js";
import { type FileStat, fileStoreFor } from "./store.js";

function notFound(path: string, what: string, cause: unknown): FileNotFoundError {
  const code = (cause as { code?: string }).code;
  const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(cause)})`;
  return new FileNotFoundError(path, `${what} ${why}`, { cause });
}

/**
 * The bytes of a file on disk (Node) or in a store (`memory://`, `indexeddb://`, …).
 *
 * @example
 * const bytes = await readFileBytes("memory://run/h/weights.bin");
 */
export async function readFileBytes(path: string, what = "file"): Promise<Uint8Array> {
  checkPath("path", path);
  checkString("what", what);
  const store = fileStoreFor(path, "readFileBytes");
  try {
    return await store.readFile(path);
  } catch (cause) {
    throw notFound(path, what, cause);
  }
}

/** A UTF-8 text file (see {@link readFileBytes}). */
export async function readTextFile(path: string, what = "file"): Promise<string> {
  checkPath("path", path);
  checkString("what", what);
  return new TextDecoder().decode(await readFileBytes(path, what));
}

/** What is at `path` (a file, a directory), or undefined when nothing is. */
export async function statPath(path: string): Promise<FileStat | undefined> {
  checkPath("path", path);
  return fileStoreFor(path, "statPath").stat(path);
}
