/** Crash-safe files for `pnpm reproduce`: every JSON is written to a temp file, synced, then renamed. */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Write `value` as JSON to `path` atomically (temp file in the same directory, fsync, rename). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

let tmpCounter = 0;

/** Write text (or bytes) to `path` atomically. */
export async function writeTextAtomic(path: string, text: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // unique per call, not only per process and millisecond: two writers of one file in the same
  // process (runners sharing a work directory finish an experiment together) must not share a temp
  const tmp = `${path}.${process.pid}.${Date.now()}.${++tmpCounter}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** The JSON in `path`, or undefined when the file is missing or unreadable (a half-written file never exists: see {@link writeJsonAtomic}). */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A short stable hash of a JSON-able value (key order as given). */
export function settingsHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value) ?? "undefined").digest("hex").slice(0, 12);
}

/** True when a process with this pid exists (on this machine). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Take the lock `<path>.lock` (a directory: `mkdir` is atomic) for this process. Returns false when
 * a live process holds it; a lock left by a process that died (killed mid-part) is taken over.
 */
export async function acquireLock(path: string): Promise<boolean> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(lock);
      await writeTextAtomic(join(lock, "owner"), `${process.pid}\n`);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number.parseInt((await readFile(join(lock, "owner"), "utf8").catch(() => "")).trim(), 10);
    // no owner file yet: the holder is between its mkdir and its write, or died there
    if (!Number.isInteger(owner)) {
      if (!(await staleWithoutOwner(lock))) return false;
    } else if (pidAlive(owner)) return false;
    await rm(lock, { recursive: true, force: true });
  }
  return false;
}

/** A lock directory without an owner file is stale once it is older than a minute (its maker died between mkdir and write). */
async function staleWithoutOwner(lock: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(lock)).mtimeMs > 60_000;
  } catch {
    return true;
  }
}

/** Release a lock taken with {@link acquireLock}. */
export async function releaseLock(path: string): Promise<void> {
  await rm(`${path}.lock`, { recursive: true, force: true });
}
