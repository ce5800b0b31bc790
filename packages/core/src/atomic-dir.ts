/**
 * Atomic directories: how every Atlas artifact is written and found again, on any file store (the
 * disk in Node, `memory://`, `indexeddb://`, …).
 *
 * Writing `target` (see {@link writeDirAtomic}):
 *   1. fill `<target>.tmp-<stamp>` and make every file and the directory durable;
 *   2. rename it to `<target>.ready-<stamp>` — from now on it is a complete save;
 *   3. if `target` exists, rename it to `<target>.old-<stamp>`;
 *   4. rename the ready directory to `target`, make the parent durable;
 *   5. remove the old version and every stale `.tmp-`/`.ready-`/`.old-` sibling left by killed saves
 *      of this target (those of processes still running are left alone).
 *
 * Reading `target` (the one recovery rule, {@link resolveSavedDir}, used by every loader and by the
 * training-checkpoint reader): `target` itself when it exists; else — a save was killed between
 * steps 3 and 4 — the newest `.ready-` sibling (the save being committed, complete), else the
 * newest `.old-` sibling (the previous version); else the directory does not exist.
 *
 * `<stamp>` is `<time, base 36><counter>-<pid>-<random>`: the time orders candidates, the pid tells
 * whether the process that made a sibling is still alive (0 where there is no process id).
 */
import { FileNotFoundError, InvalidArgumentError, describeValue } from "./errors.js";
import { basenamePath, dirnamePath, joinPath, resolvePath } from "./platform/paths.js";
import { type FileStore, fileStoreFor } from "./platform/store.js";

const KINDS = ["tmp", "ready", "old"] as const;
type Kind = (typeof KINDS)[number];

/** Stamps of the siblings this realm is writing right now (never cleaned as stale). */
const inFlight = new Set<string>();

type Proc = { pid?: number; kill?: (pid: number, signal: number) => void };
const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

let counter = 0;
function stamp(): string {
  counter = (counter + 1) % 1296;
  const bytes = new Uint8Array(4);
  globalThis.crypto.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${Date.now().toString(36)}${counter.toString(36).padStart(2, "0")}-${proc()?.pid ?? 0}-${hex}`;
}

interface Sibling {
  kind: Kind;
  path: string;
  /** Milliseconds from the stamp (legacy names `<pid>-<hex>`: NaN, the store's mtime is used). */
  time: number;
  pid: number;
  stamp: string;
}

function parseSibling(parent: string, base: string, name: string): Sibling | undefined {
  for (const kind of KINDS) {
    const prefix = `${base}.${kind}-`;
    if (!name.startsWith(prefix)) continue;
    const st = name.slice(prefix.length);
    const m = /^([0-9a-z]+)-(\d+)-[0-9a-f]+$/.exec(st);
    const legacy = /^(?:(\d+)-)?[0-9a-f]+$/.exec(st);
    const time = m ? Number.parseInt((m[1] as string).slice(0, -2), 36) : Number.NaN;
    const pid = m ? Number(m[2]) : legacy?.[1] !== undefined ? Number(legacy[1]) : Number.NaN;
    return { kind, path: joinPath(parent, name), time, pid, stamp: st };
  }
  return undefined;
}

async function siblings(store: FileStore, target: string): Promise<Sibling[]> {
  const parent = dirnamePath(target);
  const base = basenamePath(target);
  let names: string[];
  try {
    names = await store.readdir(parent);
  } catch {
    return [];
  }
  const out: Sibling[] = [];
  for (const n of names) {
    const s = parseSibling(parent, base, n);
    if (s) out.push(s);
  }
  return out;
}

/** Whether the process `pid` (not this one) is alive; unknown (no process API) counts as not. */
function otherAlive(pid: number): boolean {
  const p = proc();
  if (!Number.isInteger(pid) || pid <= 0 || pid === p?.pid || typeof p?.kill !== "function") return false;
  try {
    p.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

function fsProblem(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "ENOTDIR":
    case "EEXIST":
      return "a part of the path is a file, not a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "the file system is read-only";
    case "ENOENT":
      return "a parent directory cannot be created there";
    case "ENAMETOOLONG":
      return "the path is too long";
    case "ENOSPC":
      return "no space left on the device";
    default:
      return code ?? String((error as Error)?.message ?? error);
  }
}

function checkPathArg(name: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.includes("\0")) {
    throw new InvalidArgumentError(name, `expected a directory path (a non-empty string), got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Check, before any work, that `dir` is a directory or could be created: no regular file where it
 * or one of its parents should be. Creates nothing. Errors are InvalidArgumentErrors naming `name`
 * (a trainer's `options.checkpointDir`, a cache's `options.cacheDir`).
 *
 * @example
 * await checkCreatableDir("options.checkpointDir", "runs/ckpt");
 */
export async function checkCreatableDir(name: string, dir: string): Promise<void> {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("name", `expected the argument's name, got ${describeValue(name)}`);
  checkPathArg(name, dir);
  const store = fileStoreFor(dir, "checkCreatableDir");
  let p = resolvePath(dir);
  for (let depth = 0; depth < 4096; depth++) {
    const st = await store.stat(p).catch(() => undefined);
    if (st) {
      if (st.kind !== "directory") throw new InvalidArgumentError(name, `${p} is a file, not a directory`);
      return;
    }
    const up = dirnamePath(p);
    if (up === p) return;
    p = up;
  }
}

/**
 * Create `dir` and its missing parents one level at a time (Node's recursive mkdir never returns on
 * some paths, e.g. under /proc). Errors are InvalidArgumentErrors naming `name`.
 *
 * @example
 * await makeDirs("options.out", "out/run1/images");
 */
export async function makeDirs(name: string, dir: string): Promise<void> {
  checkPathArg(name, dir);
  const store = fileStoreFor(dir, "makeDirs");
  const missing: string[] = [];
  let p = resolvePath(dir);
  for (let depth = 0; depth < 4096; depth++) {
    let st: Awaited<ReturnType<FileStore["stat"]>>;
    try {
      st = await store.stat(p);
    } catch (error) {
      throw new InvalidArgumentError(name, `cannot create the directory ${dir}: ${fsProblem(error)}`, { cause: error });
    }
    if (st) {
      if (st.kind !== "directory") throw new InvalidArgumentError(name, `cannot create the directory ${dir}: ${p} is a file, not a directory`);
      break;
    }
    missing.push(p);
    const up = dirnamePath(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    try {
      await store.mkdir(m);
    } catch (error) {
      if ((error as { code?: string }).code === "EEXIST" && (await store.stat(m).catch(() => undefined))?.kind === "directory") continue;
      throw new InvalidArgumentError(name, `cannot create the directory ${dir}: ${fsProblem(error)}`, { cause: error });
    }
  }
}

/** Options of {@link writeDirAtomic}. */
export interface WriteDirAtomicOptions {
  /** The argument name errors about `target` use (default `"target"`; savers pass `"dir"`). */
  argument?: string;
}

/**
 * Create or replace the directory `target` atomically: `write` fills a fresh temporary directory
 * beside it; once it returns, every file has been made durable and the directory is swapped into
 * place (see the module comment for the steps). If `write` throws, the temporary directory is
 * removed and `target` is untouched. A process killed at any point leaves either the previous
 * version or the new one findable by {@link resolveSavedDir} — never a half-written one, never none;
 * the next successful save of `target` removes what a killed one left behind. Works on disk (Node)
 * and on any store URL (`memory://run`, `indexeddb://run`).
 *
 * @example
 * await writeDirAtomic("out/run1", async (tmp) => { await writeFileSynced(`${tmp}/a.txt`, "hi"); });
 */
export async function writeDirAtomic(target: string, write: (tempDir: string) => Promise<void>, options: WriteDirAtomicOptions = {}): Promise<void> {
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new InvalidArgumentError("options", `expected { argument? }, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) if (key !== "argument") throw new InvalidArgumentError(`options.${key}`, "unknown option; accepted: 'argument'");
  const name = options.argument ?? "target";
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("options.argument", `expected a non-empty string, got ${describeValue(name)}`);
  checkPathArg(name, target);
  if (typeof write !== "function") throw new InvalidArgumentError("write", `expected a function (tempDir) => Promise<void>, got ${describeValue(write)}`);
  const dir = resolvePath(target);
  const store = fileStoreFor(dir, "writeDirAtomic");
  const parent = dirnamePath(dir);
  const base = basenamePath(dir);
  const existing = await store.stat(dir).catch(() => undefined);
  if (existing && existing.kind !== "directory") throw new InvalidArgumentError(name, `${dir} exists and is a file, not a directory`);
  await makeDirs(name, parent);
  const st = stamp();
  inFlight.add(st);
  try {
    const temp = joinPath(parent, `${base}.tmp-${st}`);
    try {
      await store.mkdir(temp);
    } catch (error) {
      throw new InvalidArgumentError(name, `cannot write in ${parent}: ${fsProblem(error)}`, { cause: error });
    }
    try {
      await write(temp);
      await store.syncDir?.(temp);
    } catch (error) {
      await store.rm(temp, { recursive: true, force: true });
      throw error;
    }
    const ready = joinPath(parent, `${base}.ready-${st}`);
    await store.rename(temp, ready);
    let old: string | undefined;
    if ((await store.stat(dir)) !== undefined) {
      old = joinPath(parent, `${base}.old-${st}`);
      await store.rename(dir, old);
    }
    try {
      await store.rename(ready, dir);
    } catch (error) {
      if (old) await store.rename(old, dir).catch(() => undefined);
      await store.rm(ready, { recursive: true, force: true });
      throw error;
    }
    await store.syncDir?.(parent);
    if (old) await store.rm(old, { recursive: true, force: true });
  } finally {
    inFlight.delete(st);
  }
  await removeStale(store, dir);
}

/** Remove the `.tmp-`/`.ready-`/`.old-` siblings of `target` left by saves that can no longer finish. */
async function removeStale(store: FileStore, target: string): Promise<void> {
  for (const s of await siblings(store, target)) {
    if (inFlight.has(s.stamp) || otherAlive(s.pid)) continue;
    await store.rm(s.path, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The directory to read for a save made by {@link writeDirAtomic}: `dir` itself, or — when it is
 * missing because a save was killed between its renames — the complete version that save left (the
 * new one if it had been fully written, else the previous one). `null` when there is none.
 *
 * @example
 * const root = await findSavedDir("ckpt"); // null: start from scratch
 */
export async function findSavedDir(dir: string): Promise<string | null> {
  checkPathArg("dir", dir);
  const abs = resolvePath(dir);
  const store = fileStoreFor(abs, "findSavedDir");
  if ((await store.stat(abs)) !== undefined) return abs;
  const all = await siblings(store, abs);
  for (const kind of ["ready", "old"] as const) {
    let best: { path: string; time: number } | undefined;
    for (const c of all.filter((s) => s.kind === kind)) {
      const st = await store.stat(c.path).catch(() => undefined);
      if (st?.kind !== "directory") continue;
      const time = Number.isNaN(c.time) ? st.mtimeMs : c.time;
      if (!best || time > best.time || (time === best.time && c.path > best.path)) best = { path: c.path, time };
    }
    if (best) return best.path;
  }
  return null;
}

/**
 * {@link findSavedDir} with the checks every loader makes: `dir` must be a path (InvalidArgumentError
 * naming `name` otherwise) and a directory must be found (FileNotFoundError otherwise, also when a
 * file is in its place). Use it before reading anything under a saved directory.
 *
 * @example
 * const root = await resolveSavedDir("dir", dir);
 * const json = await readTextFile(joinPath(root, "state.json"));
 */
export async function resolveSavedDir(name: string, dir: unknown): Promise<string> {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("name", `expected the argument's name, got ${describeValue(name)}`);
  checkPathArg(name, dir);
  const found = await findSavedDir(dir as string);
  if (found === null) throw new FileNotFoundError(resolvePath(dir as string), "directory does not exist");
  const st = await fileStoreFor(found, "resolveSavedDir").stat(found);
  if (st?.kind !== "directory") throw new FileNotFoundError(found, "expected a directory, found a file");
  return found;
}
