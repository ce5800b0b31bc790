/**
 * The call plan of a package: per entry its valid (warm-up) call, then the bad-input calls —
 * every canonical bad value of every argument and option key, the disposed receiver, and values
 * drawn by fast-check from each kind's invalid domain — in a fixed order from a fixed seed, so a
 * supervisor that restarts a crashed child can skip to the next call by index.
 */
import fc from "fast-check";
import type { Entry, Slot } from "./entry.js";
import type { Bad, Kind } from "./kinds.js";

export type Mode = "fast" | "slow";

export interface PlannedCall {
  readonly index: number;
  readonly entry: Entry;
  /** undefined: the valid call. */
  readonly mutation?: Mutation;
}

export type Mutation =
  | { readonly type: "arg"; readonly slot: number; readonly path: readonly string[]; readonly kinds: readonly Kind[]; readonly bad: Bad }
  | { readonly type: "disposed" };

/** Every path into a kind that has its own bad values: the slot itself, then option keys (nested). */
function paths(kind: Kind, prefix: readonly string[], kinds: readonly Kind[] = [kind]): { path: readonly string[]; kind: Kind; kinds: readonly Kind[] }[] {
  const out = [{ path: prefix, kind, kinds }];
  for (const [key, k] of Object.entries(kind.keys ?? {})) out.push(...paths(k, [...prefix, key], [...kinds, k]));
  return out;
}

/** Round-robin over groups, so a capped list still covers every argument and option. */
function interleave<T>(groups: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; groups.some((g) => i < g.length); i++) for (const g of groups) if (i < g.length) out.push(g[i] as T);
  return out;
}

export function mutationsOf(entry: Entry, slots: readonly Slot[], mode: Mode, seed: number): Mutation[] {
  const groups: Mutation[][] = [];
  const randoms: Mutation[] = [];
  slots.forEach((slot, i) => {
    for (const { path, kind, kinds } of paths(slot.kind, [slot.name])) {
      // an option key set to undefined is the same as leaving it out, unless the key is required
      const parent = kinds[kinds.length - 2];
      const optionalKey = parent !== undefined && !(parent.required ?? []).includes(path[path.length - 1] as string);
      const bads = kind.bad().filter((b) => !(optionalKey && b.label === "undefined"));
      groups.push(bads.map((bad) => ({ type: "arg", slot: i, path, kinds, bad }) as const));
      const arb = kind.random?.();
      if (arb) {
        const count = mode === "slow" ? 12 : 2;
        const salt = [...entry.id, ...path.join(".")].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, seed);
        for (const bad of fc.sample(arb, { seed: salt, numRuns: count })) randoms.push({ type: "arg", slot: i, path, kinds, bad });
      }
    }
  });
  const all: Mutation[] = [];
  if (entry.receiver && entry.disposed !== "none") all.push({ type: "disposed" });
  all.push(...interleave(groups));
  if (mode === "fast") return [...all.slice(0, entry.maxFast ?? 40), ...randoms.slice(0, 4)];
  return [...all, ...randoms];
}

export function describeMutation(slots: readonly Slot[], m: Mutation | undefined): { label: string; path: string } {
  if (!m) return { label: "valid", path: "" };
  if (m.type === "disposed") return { label: "disposed receiver", path: "this" };
  void slots;
  return { label: m.bad.label, path: m.path.join(".") };
}

/** The whole plan of a package (entries filtered by `only`, a substring of their ids, when given). */
export async function plan(pe: { entries: readonly Entry<any>[] }, fx: unknown, mode: Mode, seed: number, only = ""): Promise<PlannedCall[]> {
  const calls: PlannedCall[] = [];
  for (const entry of pe.entries) {
    if (only && !only.split(",").some((o) => entry.id.includes(o))) continue;
    const slots = entry.slots(fx);
    if (!(mode === "fast" && entry.slowValid)) calls.push({ index: calls.length, entry: entry as Entry });
    for (const mutation of mutationsOf(entry as Entry, slots, mode, seed)) calls.push({ index: calls.length, entry: entry as Entry, mutation });
  }
  return calls;
}
