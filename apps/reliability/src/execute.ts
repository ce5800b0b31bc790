/**
 * Runs one planned call in this process and classifies what happened: the error (an AtlasError
 * with a code naming the argument, or not), the result (finite everywhere, tensors and model
 * weights included), the live tensor count (before vs after, the call's outputs disposed), and
 * whether tfjs still works afterwards.
 */
import * as tf from "@tensorflow/tfjs";
import { AtlasError } from "@atlas/core";
import type { CallRecord, Entry, Outcome, Slot } from "./entry.js";
import type { Disposable, Kind } from "./kinds.js";
import { describeMutation, type Mutation, type PlannedCall } from "./plan.js";

const CODES = new Set(["INVALID_ARGUMENT", "SHAPE_MISMATCH", "CORRUPT_FILE", "FILE_NOT_FOUND", "MISSING_DEPENDENCY", "BACKEND_UNAVAILABLE", "NOT_TRAINED", "DISCONNECTED", "UNSUPPORTED", "OUT_OF_MEMORY"]);

/** Replace the value at `path` (kinds[i] is the kind at path[i]; a missing nested object starts from its kind's example). */
function setPath(base: unknown, path: readonly string[], kinds: readonly Kind[], value: unknown, merge: boolean): unknown {
  if (path.length === 0) {
    if (merge && typeof base === "object" && base !== null && typeof value === "object" && value !== null) return { ...base, ...value };
    return value;
  }
  const [key, ...rest] = path as [string, ...string[]];
  const obj = typeof base === "object" && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  const next = obj[key] === undefined ? kinds[0]?.example?.() : obj[key];
  obj[key] = setPath(next, rest, kinds.slice(1), value, merge);
  return obj;
}

function isLayersModel(v: unknown): v is tf.LayersModel {
  return v instanceof tf.LayersModel;
}

/**
 * Walk a result: every number finite (except where allowed), float typed arrays finite, tensors
 * read and checked, LayersModel weights checked. Collects what the harness must dispose.
 */
async function inspect(value: unknown, path: string, allow: RegExp | undefined, seen: Set<unknown>, disposers: (() => void)[], owned: boolean, depth: number, inputs: ReadonlySet<unknown> = new Set()): Promise<string | null> {
  // a result that is one of the call's own inputs (a check returning its argument) is not the call's to free
  if (inputs.has(value)) owned = true;
  const bad = (what: string): string | null => (allow?.test(path) ? null : `${what} at result${path}`);
  if (typeof value === "number") return Number.isFinite(value) ? null : bad(String(value));
  if (value === null || typeof value !== "object") return null;
  if (seen.has(value) || depth > 6) return null;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) return null;
    if (!owned) disposers.push(() => value.dispose());
    if (value.dtype === "float32" || value.dtype === "complex64") {
      const data = (await value.data()) as Float32Array;
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return bad(`${data[i]} in a tensor [${value.shape.join(",")}]`);
    }
    return null;
  }
  if (value instanceof Float32Array || value instanceof Float64Array) {
    for (let i = 0; i < value.length; i++) if (!Number.isFinite(value[i] as number)) return bad(`${value[i]} at [${i}] of a ${value.constructor.name}`);
    return null;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return null;
  if (isLayersModel(value)) {
    if (!owned) disposers.push(() => value.dispose());
    for (const w of value.weights) {
      const data = (await w.read().data()) as Float32Array;
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return bad(`${data[i]} in weight ${w.name}`);
    }
    return null;
  }
  if (value instanceof Map || value instanceof Set || value instanceof Promise || value instanceof WeakMap) return null;
  let childOwned = owned;
  const dispose = (value as { dispose?: unknown }).dispose;
  if (typeof dispose === "function" && !owned) {
    disposers.push(() => (dispose as () => void).call(value));
    childOwned = true;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < 100_000; i++) {
      const e = await inspect(value[i], `${path}[${i}]`, allow, seen, disposers, childOwned, depth + 1, inputs);
      if (e) return e;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  // Plain objects and Atlas result classes; skip foreign machinery (tfjs internals, ngraph).
  if (proto !== Object.prototype && proto !== null && !/^(GTN|LatentAutoencoder|AwaeGan|AtlasVae|GeodesicGraph|GeodesicPath|GaussianAccumulator|SampleTable|Rng)$/.test(proto.constructor?.name ?? "")) {
    return null;
  }
  for (const key of Object.keys(value)) {
    if (key === "nets" || key === "model") {
      // the networks of a model object: their weights
      const e = await inspect((value as Record<string, unknown>)[key], `${path}.${key}`, allow, seen, disposers, childOwned, depth + 1, inputs);
      if (e) return e;
      continue;
    }
    const e = await inspect((value as Record<string, unknown>)[key], `${path}.${key}`, allow, seen, disposers, childOwned, depth + 1, inputs);
    if (e) return e;
  }
  return null;
}

function tokens(s: string): string[] {
  return s.split(/[.[\]\s:'"`(),]+/).filter(Boolean);
}

/** Whether an AtlasError names the argument `name` (structured field first, message as fallback). */
function namesArgument(error: AtlasError, name: string, value: unknown): boolean {
  const e = error as AtlasError & { argument?: unknown; path?: unknown };
  if (typeof e.argument === "string" && (tokens(e.argument).includes(name) || e.argument === name || e.argument.endsWith(`.${name}`))) return true;
  if (typeof e.path === "string" && typeof value === "string" && value.trim() !== "" && e.path.includes(value.trim().replace(/\/+$/, ""))) return true;
  if (typeof e.path === "string" && tokens(e.path).includes(name)) return true;
  // a shape mismatch between two arguments may be reported on the other one, naming this one
  if (error.code === "SHAPE_MISMATCH" && tokens(error.message).includes(name)) return true;
  if (typeof e.argument !== "string" && tokens(error.message).includes(name)) return true;
  return false;
}

async function engineWorks(): Promise<boolean> {
  try {
    const t = tf.add(tf.scalar(1), tf.scalar(2));
    const v = (await t.data())[0];
    tf.dispose(t);
    return v === 3;
  } catch {
    return false;
  }
}

function short(e: unknown): string {
  const err = e as { name?: string; message?: string; code?: string };
  return `${err?.name ?? typeof e}${err?.code ? `(${err.code})` : ""}: ${String(err?.message ?? e).split("\n")[0]!.slice(0, 220)}`;
}

/** Run one call and classify it. */
export async function execute(call: PlannedCall, fx: unknown): Promise<CallRecord> {
  const entry = call.entry as Entry<unknown>;
  const slots: Slot[] = entry.slots(fx);
  const { label, path } = describeMutation(slots, call.mutation);
  const base = { index: call.index, id: entry.id, label, path };
  const owned: Disposable[] = [];
  const own = <X extends Disposable>(t: X): X => {
    owned.push(t);
    return t;
  };
  const m: Mutation | undefined = call.mutation;
  let recv: unknown;
  const disposers: (() => void)[] = [];
  let outcome: Outcome;
  let detail: string | undefined;
  const t0 = performance.now();
  try {
    if (entry.receiver) recv = await entry.receiver(fx);
    if (m?.type === "disposed") (recv as { dispose(): void }).dispose();
    const args = slots.map((s) => s.valid(own));
    let expected: { name: string; value: unknown } | undefined;
    let mustReject = false;
    if (m?.type === "arg") {
      const value = m.bad.make(own);
      const [, ...rest] = m.path;
      args[m.slot] = setPath(args[m.slot], rest, m.kinds.slice(1), value, m.bad.merge === true);
      expected = { name: m.bad.names ?? (m.path[m.path.length - 1] as string), value };
      mustReject = m.bad.reject;
    } else if (m?.type === "disposed") {
      mustReject = entry.disposed !== "accept";
    }
    const before = tf.memory().numTensors;
    let result: unknown;
    let error: unknown;
    let threw = false;
    try {
      result = await entry.call(args, fx, recv);
    } catch (e) {
      threw = true;
      error = e;
    }
    if (threw) {
      if (!m) {
        outcome = "broken-entry";
        detail = `the valid call threw ${short(error)}`;
      } else if (error instanceof AtlasError && typeof error.code === "string" && CODES.has(error.code)) {
        const fileAnswer = m.type === "arg" && (entry.fileArgs ?? []).includes(m.path[0] as string) && (error.code === "CORRUPT_FILE" || error.code === "FILE_NOT_FOUND");
        const named = m.type === "disposed" ? /dispos/i.test(error.message) : fileAnswer || namesArgument(error, expected!.name, expected!.value);
        outcome = named ? "clean" : "wrong-arg";
        if (!named) detail = `expected the error to name '${m.type === "disposed" ? "disposed" : expected!.name}': ${short(error)}`;
      } else {
        outcome = "raw";
        detail = short(error);
      }
    } else {
      // a synchronous tensor method that does not read its input passes NaN/Infinity values through
      const passed = m?.type === "arg" && entry.passesNonFinite !== undefined && /\b(NaN|Infinity) values\b|one NaN among|Tensor2D with NaN|NaN prior|NaN codes|NaN noise/.test(m.bad.label);
      // (a passed-through value still walks the whole result: its tensors must be collected for disposal)
      const problem = await inspect(result, "", passed ? /(?:)/ : entry.allowNonFinite, new Set(), disposers, false, 0, new Set([...owned, ...args]));
      if (problem) {
        outcome = m ? "nonfinite" : "broken-entry";
        detail = problem;
      } else if (mustReject && !passed) {
        outcome = "accepted";
        detail = "returned normally";
      } else {
        outcome = m ? "finite" : "clean";
      }
    }
    for (const d of disposers.splice(0)) {
      try {
        d();
      } catch {
        // a result that cannot be disposed twice
      }
    }
    const after = tf.memory().numTensors;
    if (after !== before && !entry.noLeakCheck && (outcome === "clean" || outcome === "finite" || outcome === "accepted" || outcome === "wrong-arg" || outcome === "raw")) {
      detail = `${after - before > 0 ? "+" : ""}${after - before} tensors (${outcome}${detail ? `: ${detail}` : ""})`;
      outcome = "leak";
    }
  } catch (e) {
    outcome = "broken-entry";
    detail = `harness: ${short(e)}`;
  } finally {
    for (const o of owned) {
      try {
        if (!(o as { isDisposed?: boolean }).isDisposed) o.dispose();
      } catch {
        // disposed by the call
      }
    }
    if (recv && typeof (recv as { dispose?: unknown }).dispose === "function") {
      try {
        (recv as { dispose(): void }).dispose();
      } catch {
        // already disposed
      }
    }
    try {
      await entry.after?.(fx);
    } catch {
      // restoring state is best effort
    }
  }
  if (!(await engineWorks())) {
    detail = `tfjs fails after this call (${outcome}${detail ? `: ${detail}` : ""})`;
    outcome = "poisoned";
  }
  return { ...base, outcome, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - t0) };
}
