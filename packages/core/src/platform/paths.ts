/**
 * Paths that work everywhere: plain paths of the platform's file system (Node's `path` once the
 * Node entry is loaded, POSIX rules otherwise) and store URLs `scheme://a/b` (`memory://`,
 * `indexeddb://`, any registered {@link FileStore}), which always use `/`.
 */
import { InvalidArgumentError, describeValue } from "../errors.js";
import { platform } from "./platform.js";

function checkPathString(name: string, value: unknown): void {
  if (typeof value !== "string") throw new InvalidArgumentError(name, `expected a path (a string), got ${describeValue(value)}`);
}

// two or more letters before "://", so a Windows drive ("C:\\…", "C:/…") is never a scheme
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//;

/** `{ scheme, rest }` of a store URL (`"memory://a/b"` → `memory`, `a/b`); no scheme for a plain path. */
export function splitScheme(path: string): { scheme: string | undefined; rest: string } {
  const m = SCHEME.exec(path);
  return m ? { scheme: (m[1] as string).toLowerCase(), rest: path.slice(m[0].length) } : { scheme: undefined, rest: path };
}

/** POSIX normalisation: collapses `//`, `.` and `..` (never above the root of an absolute path). */
function normalizePosix(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/** Inside a store the path is rooted at the store: `..` never leaves it. */
function storePath(scheme: string, rest: string): string {
  const n = normalizePosix(`/${rest}`).slice(1);
  return `${scheme}://${n}`;
}

/**
 * Join path segments: `joinPath("memory://run", "h", "model.json")` → `memory://run/h/model.json`;
 * plain paths with the platform's rules (`path.join` in Node).
 */
export function joinPath(first: string, ...parts: string[]): string {
  checkPathString("first", first);
  parts.forEach((p, i) => checkPathString(`parts[${i}]`, p));
  const { scheme, rest } = splitScheme(first);
  if (scheme !== undefined) return storePath(scheme, [rest, ...parts].join("/"));
  const paths = platform().paths;
  if (paths) return paths.join(first, ...parts);
  return normalizePosix([first, ...parts].filter((p) => p !== "").join("/"));
}

/** An absolute, normalised path (Node: `path.resolve`); store URLs are normalised. */
export function resolvePath(path: string): string {
  checkPathString("path", path);
  const { scheme, rest } = splitScheme(path);
  if (scheme !== undefined) return storePath(scheme, rest);
  const paths = platform().paths;
  return paths ? paths.resolve(path) : normalizePosix(path);
}

/** The parent of `path` (`memory://a/b` → `memory://a`; a store's root is its own parent). */
export function dirnamePath(path: string): string {
  checkPathString("path", path);
  const { scheme, rest } = splitScheme(path);
  if (scheme !== undefined) {
    const n = storePath(scheme, rest).slice(scheme.length + 3);
    const i = n.lastIndexOf("/");
    return `${scheme}://${i < 0 ? "" : n.slice(0, i)}`;
  }
  const paths = platform().paths;
  if (paths) return paths.dirname(path);
  const n = normalizePosix(path);
  const i = n.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : n.slice(0, i);
}

/** The last segment of `path` (`memory://a/b.json` → `b.json`). */
export function basenamePath(path: string): string {
  checkPathString("path", path);
  const { scheme, rest } = splitScheme(path);
  if (scheme === undefined && platform().paths) return (platform().paths as { basename(p: string): string }).basename(path);
  const n = scheme !== undefined ? storePath(scheme, rest).slice(scheme.length + 3) : normalizePosix(path);
  const i = n.lastIndexOf("/");
  return i < 0 ? n : n.slice(i + 1);
}

/** Whether `path` is absolute (store URLs always are). */
export function isAbsolutePath(path: string): boolean {
  if (splitScheme(path).scheme !== undefined) return true;
  const paths = platform().paths;
  return paths ? paths.isAbsolute(path) : path.startsWith("/");
}
