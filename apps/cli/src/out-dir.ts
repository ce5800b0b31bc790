// Node-only: checks and creates output locations before any work starts.
import { constants, promises as fs } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AtlasError } from "@atlas/core";

/** The output location cannot be used (a file where a directory is needed, read-only, …). Exit code 3. */
export class OutputError extends AtlasError {
  readonly flag: string;
  readonly path: string;
  constructor(flag: string, path: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", `${flag}: ${path} ${message}`, options);
    this.flag = flag;
    this.path = path;
  }
}

async function statOrNull(p: string): Promise<import("node:fs").Stats | null> {
  try {
    return await fs.stat(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "ENOTDIR") return null; // a parent is a file: reported when we reach it
    throw error;
  }
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case "EACCES":
    case "EPERM":
      return "is not writable (permission denied)";
    case "EROFS":
      return "is on a read-only file system";
    case "ENOSPC":
      return "is on a full disk";
    case "ENOTDIR":
      return "has a file where a directory is needed";
    case "ENOENT":
      return "cannot be created there (the parent does not accept new entries)";
    default:
      return `cannot be written (${e.code ?? e.message})`;
  }
}

/**
 * Make sure `dir` is a writable directory, creating it (and missing parents) if needed, before
 * any work starts. Each missing level is created on its own (Node's recursive `mkdir` loops
 * forever on some pseudo file systems, e.g. `/proc/x`), then a probe file is written and removed,
 * so read-only mounts and full disks are caught too. Returns the absolute path and the directories
 * it created (to remove them if the command then fails before writing anything).
 */
export async function prepareOutDir(dir: string, flag = "--out"): Promise<{ dir: string; created: string[] }> {
  const abs = resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  let st = await statOrNull(cur);
  while (st === null) {
    missing.unshift(cur);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
    st = await statOrNull(cur);
  }
  if (st !== null && !st.isDirectory()) {
    throw new OutputError(flag, abs, cur === abs ? "is a file, not a directory" : `cannot be created: ${cur} is a file, not a directory`);
  }
  const created: string[] = [];
  for (const d of missing) {
    try {
      await fs.mkdir(d);
      created.push(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && (await statOrNull(d))?.isDirectory()) continue;
      await removeCreated(created);
      throw new OutputError(flag, abs, reason(error), { cause: error });
    }
  }
  const probe = join(abs, `.atlas-write-test-${process.pid}`);
  try {
    await fs.access(abs, constants.W_OK);
    const h = await fs.open(probe, "wx");
    await h.close();
    await fs.unlink(probe);
  } catch (error) {
    await fs.unlink(probe).catch(() => {});
    await removeCreated(created);
    throw new OutputError(flag, abs, reason(error), { cause: error });
  }
  return { dir: abs, created };
}

/** Check the directory of an output file (created if needed) and that the path is not a directory. */
export async function prepareOutFile(file: string, flag = "--out"): Promise<{ file: string; created: string[] }> {
  const abs = resolve(file);
  const st = await statOrNull(abs);
  if (st?.isDirectory()) throw new OutputError(flag, abs, "is a directory; give a file name");
  const { created } = await prepareOutDir(dirname(abs), flag);
  return { file: abs, created };
}

/** Remove directories this run created, deepest first, if they are still empty. */
export async function removeCreated(created: readonly string[]): Promise<void> {
  for (const d of [...created].reverse()) await fs.rmdir(d).catch(() => {});
}
