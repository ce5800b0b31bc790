/** Small helpers shared by the entry files. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry, Slot } from "../entry.js";
import type { Kind, Make } from "../kinds.js";

/** A slot whose valid value is built by `make` (fresh per call). */
export function s(name: string, kind: Kind, make: Make): Slot {
  return { name, kind, valid: make };
}

/** A slot whose valid value is a constant (primitives, frozen data). */
export function c(name: string, kind: Kind, value: unknown): Slot {
  return { name, kind, valid: () => value };
}

export function entry<F>(id: string, slots: (fx: F) => Slot[], call: Entry<F>["call"], extra: Partial<Omit<Entry<F>, "id" | "slots" | "call">> = {}): Entry<F> {
  return { id, slots, call, ...extra };
}

/** Paths the dir kinds use: a scratch directory with a regular file in it and a missing name. */
export interface Scratch {
  readonly root: string;
  readonly file: string;
  readonly missing: string;
  /** A fresh path inside the scratch directory. */
  fresh(prefix: string): string;
}

export function scratch(tag: string): Scratch {
  const root = mkdtempSync(join(tmpdir(), `atlas-harness-${tag}-`));
  const file = join(root, "a-regular-file");
  writeFileSync(file, "not a directory");
  let i = 0;
  return { root, file, missing: join(root, "does-not-exist"), fresh: (prefix) => join(root, `${prefix}-${i++}`) };
}

/** Rows of a small deterministic data set (n × dim), values in [0, 1). */
export function rows(n: number, dim: number, salt = 1): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: dim }, (_, j) => ((i * 7 + j * 13 + salt * 5) % 17) / 17 + ((i * j) % 5) / 50));
}

export function flat(n: number, dim: number, salt = 1): Float64Array {
  return Float64Array.from(rows(n, dim, salt).flat());
}
