/**
 * A harness entry: how to call one exported function or method validly, with a kind per argument
 * so the runner can replace one argument (or one option) at a time with a bad value.
 */
import type { Kind, Make } from "./kinds.js";

export interface Slot {
  /** The argument's name as the error must name it (`"k"`, `"options"`, `"latents"`). */
  readonly name: string;
  readonly kind: Kind;
  /** A valid value (built per call; tensors made for the call go through `own`). */
  readonly valid: Make;
}

export interface Entry<F = unknown> {
  /** `pkg.fn`, `pkg.Class#method`, `pkg.Class.staticMethod`, `pkg.Class` (constructor). */
  readonly id: string;
  readonly slots: (fx: F) => Slot[];
  /** Calls the function; `recv` is the fresh receiver when `receiver` is given. */
  readonly call: (args: unknown[], fx: F, recv: any) => unknown;
  /**
   * A fresh receiver per call (for methods that change or dispose their object), built before the
   * tensor count and disposed after. Also used for the disposed-receiver check.
   */
  readonly receiver?: (fx: F) => unknown;
  /**
   * What a call on a disposed receiver must do: `"reject"` (an AtlasError mentioning the disposal;
   * the default for receivers with `dispose`), `"accept"` (e.g. `dispose` twice), `"none"` (skip).
   */
  readonly disposed?: "reject" | "accept" | "none";
  /** Per-call time limit (ms) before the supervisor calls it a hang (default 20 s). */
  readonly timeoutMs?: number;
  /** Result paths (regex over `a.b[0]`) where a non-finite number is part of the contract. */
  readonly allowNonFinite?: RegExp;
  /** Restores global state after each call (thread counts, kernel registrations…). */
  readonly after?: (fx: F) => void | Promise<void>;
  /** The valid (warm-up) call is slow (reads a real data set): made only in the slow run. */
  readonly slowValid?: boolean;
  /** At most this many bad-input calls in the default (fast) run; default 40. */
  readonly maxFast?: number;
  /**
   * Arguments that are file contents or file paths: a CorruptFileError / FileNotFoundError (which
   * name the file, not the argument) is the right answer to a bad value there.
   */
  readonly fileArgs?: readonly string[];
  /**
   * A synchronous tensor → tensor method that does not read its input (no synchronous reads in
   * library code): non-finite input values may give non-finite (or saturated) output, as tfjs ops
   * do. The reason is required; shape, dtype and disposal checks still apply.
   */
  readonly passesNonFinite?: string;
  /** Skip the tensor-count comparison (the call documents that it keeps tensors, e.g. a cache). */
  readonly noLeakCheck?: string;
}

/** The entries of one package and the fixtures they share (built once per child process). */
export interface PackageEntries<F = any> {
  readonly pkg: string;
  readonly fixtures: () => Promise<F>;
  readonly entries: readonly Entry<F>[];
  /** Exported runtime names that need no entry, with the reason (constants, error classes, types). */
  readonly exempt: Readonly<Record<string, string>>;
}

/** One bad-input call's outcome. */
export type Outcome =
  | "clean" // an AtlasError with a code that names the argument
  | "finite" // a valid finite result for a value that may be accepted
  | "wrong-arg" // an AtlasError that names another argument
  | "raw" // another error class (TypeError, RangeError, a tfjs or fs error)
  | "accepted" // a value that must be refused was accepted
  | "nonfinite" // a result with NaN/±Infinity
  | "leak" // the live tensor count changed
  | "hang" // no answer within the time limit
  | "crash" // the process died
  | "poisoned" // tfjs no longer works afterwards
  | "broken-entry"; // the valid call itself failed (harness or regression)

export const FAILING: ReadonlySet<Outcome> = new Set(["wrong-arg", "raw", "accepted", "nonfinite", "leak", "hang", "crash", "poisoned", "broken-entry"]);

export interface CallRecord {
  readonly index: number;
  readonly id: string;
  /** `valid` for the entry's warm-up call; else the bad value's label. */
  readonly label: string;
  /** Mutated argument path, e.g. `options.epochs`. */
  readonly path: string;
  readonly outcome: Outcome;
  readonly detail?: string;
  readonly ms?: number;
}
