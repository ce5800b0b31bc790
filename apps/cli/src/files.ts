// Node-only: atomic file writes for the command line's outputs.
import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeFileSynced } from "@atlas/core";

/** Write `file` atomically: a temporary sibling, fsynced, renamed over the target (never half-written). */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    await writeFileSynced(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

/** Write a JSON document atomically (2-space indented, trailing newline). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}
