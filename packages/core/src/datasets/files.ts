import { CorruptFileError, MissingDependencyError } from "../errors.js";
import { readFileBytes, statPath } from "../platform/io.js";
import { UnsupportedError, platform } from "../platform/platform.js";
import { checkFunction, checkString } from "../validate.js";

/**
 * Finds the root directory of an installed package. The default (Node) resolves
 * `<name>/package.json` from `@atlas/core`'s own location; loaders accept another one (tests,
 * bundlers, data kept elsewhere). It throws when the package is not installed.
 */
export type PackageResolver = (packageName: string) => string;

/**
 * The root directory of the optional package `packageName`, looked up lazily (only when a loader
 * runs); a {@link MissingDependencyError} naming the package when it is not installed. Where
 * packages cannot be resolved (a browser) and no `resolver` is given, an `UnsupportedError` whose
 * message is `alternative` (what to do instead).
 */
export function resolvePackageDir(packageName: string, purpose: string, resolver?: PackageResolver, alternative?: string): string {
  checkString("packageName", packageName);
  checkString("purpose", purpose);
  if (resolver !== undefined) checkFunction("resolver", resolver);
  if (alternative !== undefined) checkString("alternative", alternative);
  const resolve = resolver ?? platform().resolvePackageDir;
  if (resolve === undefined) {
    throw new UnsupportedError(
      purpose,
      `it reads the npm package '${packageName}' from disk, which this environment cannot (a browser, or Node without the 'node' export condition). ` +
        (alternative ?? "Fetch the data yourself and pass its bytes to the parser."),
    );
  }
  let dir: unknown;
  try {
    dir = resolve(packageName);
  } catch (cause) {
    throw new MissingDependencyError(packageName, purpose, { cause });
  }
  if (typeof dir !== "string" || dir.length === 0) {
    throw new MissingDependencyError(packageName, purpose);
  }
  return dir;
}

/** Read a whole file; a {@link FileNotFoundError} naming it when it is missing or unreadable. */
export async function readDataFile(path: string, what: string): Promise<Uint8Array> {
  return readFileBytes(path, what);
}

/** Whether `path` exists as a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await statPath(path))?.kind === "file";
  } catch (error) {
    if (error instanceof UnsupportedError) throw error;
    return false;
  }
}

/** Whether `path` exists as a directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await statPath(path))?.kind === "directory";
  } catch (error) {
    if (error instanceof UnsupportedError) throw error;
    return false;
  }
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const sync = platform().gunzip;
  if (sync) return sync(bytes);
  if (typeof DecompressionStream === "undefined") throw new Error("no gzip decompressor here (DecompressionStream is missing)");
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Gunzip `bytes` if they start with the gzip magic number (1f 8b); else return them as they are. */
export async function maybeGunzip(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return await gunzip(bytes);
    } catch (cause) {
      throw new CorruptFileError(path, `is a gzip file that cannot be decompressed (${(cause as Error).message})`, { cause });
    }
  }
  return bytes;
}
