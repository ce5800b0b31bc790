import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { gunzipSync } from "node:zlib";
import { CorruptFileError, FileNotFoundError, MissingDependencyError } from "../errors.js";

/**
 * Finds the root directory of an installed package. The default resolves `<name>/package.json`
 * from `@atlas/core`'s own location; loaders accept another one (tests, bundlers, data kept
 * elsewhere). It throws when the package is not installed.
 */
export type PackageResolver = (packageName: string) => string;

const defaultResolver: PackageResolver = (packageName) =>
  dirname(createRequire(import.meta.url).resolve(`${packageName}/package.json`));

/**
 * The root directory of the optional package `packageName`, looked up lazily (only when a loader
 * runs); a {@link MissingDependencyError} naming the package when it is not installed.
 */
export function resolvePackageDir(packageName: string, purpose: string, resolver: PackageResolver = defaultResolver): string {
  let dir: unknown;
  try {
    dir = resolver(packageName);
  } catch (cause) {
    throw new MissingDependencyError(packageName, purpose, { cause });
  }
  if (typeof dir !== "string" || dir.length === 0) {
    throw new MissingDependencyError(packageName, purpose);
  }
  return dir;
}

/** Read a whole file; a {@link FileNotFoundError} naming it when it is missing or unreadable. */
export async function readDataFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? String(cause)})`;
    throw new FileNotFoundError(path, `${what} ${why}`, { cause });
  }
}

/** Whether `path` exists as a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Gunzip `bytes` if they start with the gzip magic number (1f 8b); else return them as they are. */
export function maybeGunzip(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (cause) {
      throw new CorruptFileError(path, `is a gzip file that cannot be decompressed (${(cause as Error).message})`, { cause });
    }
  }
  return bytes;
}
