import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, describeValue } from "./errors.js";

/** Bounds for {@link checkNumber} and {@link checkInteger}. */
export interface NumberBounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Smallest value, exclusive. */
  above?: number;
  /** Largest value, exclusive. */
  below?: number;
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`≥ ${b.min}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.max !== undefined) parts.push(`≤ ${b.max}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  return parts.join(" and ");
}

function checkBounds(name: string, value: number, kind: string, b: NumberBounds): void {
  if (
    (b.min !== undefined && value < b.min) ||
    (b.max !== undefined && value > b.max) ||
    (b.above !== undefined && value <= b.above) ||
    (b.below !== undefined && value >= b.below)
  ) {
    throw new InvalidArgumentError(name, `expected ${kind} ${boundsText(b)}, got ${value}`);
  }
}

function checkBoundsObject(bounds: unknown, name = "bounds"): NumberBounds {
  if (bounds === undefined) return {};
  if (bounds === null || typeof bounds !== "object" || (Object.getPrototypeOf(bounds) !== Object.prototype && Object.getPrototypeOf(bounds) !== null)) {
    throw new InvalidArgumentError(name, `expected { min?, max?, above?, below? }, got ${describeValue(bounds)}`);
  }
  for (const k in bounds) {
    const v = (bounds as Record<string, unknown>)[k];
    if (k !== "min" && k !== "max" && k !== "above" && k !== "below") throw new InvalidArgumentError(`${name}.${k}`, "unknown bound; accepted: 'min', 'max', 'above', 'below'");
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v))) throw new InvalidArgumentError(`${name}.${k}`, `expected a number, got ${describeValue(v)}`);
  }
  return bounds as NumberBounds;
}

/** Check the `name` argument every check takes (a non-empty string). @internal */
export function checkArgName(name: unknown): string {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("name", `expected the argument's name (a non-empty string), got ${describeValue(name)}`);
  return name;
}

/** Check that `value` is a finite number within `bounds`; returns it. */
export function checkNumber(name: string, value: unknown, bounds: NumberBounds = {}): number {
  checkArgName(name);
  checkBoundsObject(bounds);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgumentError(name, `expected a finite number${Object.keys(bounds).length ? ` ${boundsText(bounds)}` : ""}, got ${describeValue(value)}`);
  }
  checkBounds(name, value, "a number", bounds);
  return value;
}

/** Check that `value` is an integer within `bounds`; returns it. */
export function checkInteger(name: string, value: unknown, bounds: NumberBounds = {}): number {
  checkArgName(name);
  checkBoundsObject(bounds);
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidArgumentError(name, `expected an integer${Object.keys(bounds).length ? ` ${boundsText(bounds)}` : ""}, got ${describeValue(value)}`);
  }
  // beyond 2^53 integers are not exact (2^53 + 1 === 2^53): no count, size or index can be one
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(name, `expected an integer of magnitude at most 2^53 − 1 (exactly representable), got ${describeValue(value)}`);
  checkBounds(name, value, "an integer", bounds);
  return value;
}

/** Check that `value` is one of `allowed`; returns it. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  checkArgName(name);
  if (!Array.isArray(allowed) || allowed.length === 0 || !allowed.every((a) => typeof a === "string")) {
    throw new InvalidArgumentError("allowed", `expected a non-empty array of strings, got ${describeValue(allowed)}`);
  }
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(name, `expected one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Check that every element of a numeric array is finite; names the first bad index. */
export function checkFinite(name: string, values: ArrayLike<number>): void {
  checkArgName(name);
  if (values === null || typeof values !== "object" || typeof (values as { length?: unknown }).length !== "number") {
    throw new InvalidArgumentError(name, `expected an array of numbers, got ${describeValue(values)}`);
  }
  if ((values instanceof Float64Array || values instanceof Float32Array) && allFinite(values)) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(v)} at index ${i}`);
    }
  }
}

/** Check that a chart index is an integer in [0, charts). */
export function checkChart(name: string, chart: unknown, charts: number): number {
  checkInteger("charts", charts, { min: 1 });
  return checkInteger(name, chart, { min: 0, max: charts - 1 });
}

/**
 * Whether every value is finite, fast: x·0 is 0 for finite x and NaN for ±Infinity and NaN, so four
 * running sums of x·0 stay 0 exactly when all values are finite. Feature sets are tens of millions
 * of values; a per-value Number.isFinite test took ~5 ns a value, this ~1.
 *
 * @example
 * allFinite(new Float64Array([1, 2])); // true
 * allFinite(new Float32Array([1, Number.NaN])); // false
 */
export function allFinite(a: Float64Array | Float32Array): boolean {
  if (!(a instanceof Float64Array) && !(a instanceof Float32Array)) {
    throw new InvalidArgumentError("a", `expected a Float64Array or Float32Array, got ${describeValue(a)}`);
  }
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = a.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    s0 += (a[i] as number) * 0;
    s1 += (a[i + 1] as number) * 0;
    s2 += (a[i + 2] as number) * 0;
    s3 += (a[i + 3] as number) * 0;
  }
  for (let i = n4; i < a.length; i++) s0 += (a[i] as number) * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/**
 * Check an options object strictly: `undefined` means "all defaults" (returns `{}`); anything else
 * must be a plain object whose keys are all in `allowed`. A misspelt key (`epoch` for `epochs`) is an
 * error naming the key and listing the accepted ones, so a typo never trains silently with defaults.
 *
 * @example
 * const o = checkOptions("options", options, ["epochs", "lr"] as const);
 */
export function checkOptions<T extends object>(name: string, options: T | undefined, allowed: readonly string[], settings: CheckOptionsSettings = {}): T {
  checkArgName(name);
  if (!Array.isArray(allowed) || !allowed.every((a) => typeof a === "string")) {
    throw new InvalidArgumentError("allowed", `expected an array of option names, got ${describeValue(allowed)}`);
  }
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== "object" || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new InvalidArgumentError(name, `expected an options object or undefined, got ${describeValue(options)}`);
  }
  const proto = Object.getPrototypeOf(options) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new InvalidArgumentError(name, `expected a plain options object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const near = closestName(key, allowed);
      throw new InvalidArgumentError(
        `${name}.${key}`,
        `unknown option${near ? ` (did you mean '${near}'?)` : ""}; accepted: ${allowed.map((a) => `'${a}'`).join(", ") || "none"}`,
      );
    }
    if ((options as Record<string, unknown>)[key] === null && !settings.nullable?.includes(key)) {
      throw new InvalidArgumentError(`${name}.${key}`, "expected a value or no key at all (leave it out for the default), got null");
    }
  }
  return options;
}

/** Settings of {@link checkOptions}. */
export interface CheckOptionsSettings {
  /** Keys whose value may be `null` (by default a `null` value is refused: leave the key out for its default). */
  nullable?: readonly string[];
}

/** Check that `value` is a boolean (not a truthy string or number); returns it. */
export function checkBoolean(name: string, value: unknown): boolean {
  checkArgName(name);
  if (typeof value !== "boolean") throw new InvalidArgumentError(name, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** Check that `value` is a function; returns it. */
export function checkFunction<F extends (...args: never[]) => unknown>(name: string, value: unknown): F {
  checkArgName(name);
  if (typeof value !== "function") throw new InvalidArgumentError(name, `expected a function, got ${describeValue(value)}`);
  return value as F;
}

/** Check that `value` is an `AbortSignal` (anything with a boolean `aborted` and `addEventListener`); returns it. */
export function checkSignal(name: string, value: unknown): AbortSignal {
  checkArgName(name);
  const s = value as { aborted?: unknown; addEventListener?: unknown } | null;
  if (s === null || typeof s !== "object" || typeof s.aborted !== "boolean" || typeof s.addEventListener !== "function") {
    throw new InvalidArgumentError(name, `expected an AbortSignal, got ${describeValue(value)}`);
  }
  return value as AbortSignal;
}

/** The accepted name nearest to `key` by edit distance, when it is close enough to be a typo. */
function closestName(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const a of allowed) {
    const d = editDistance(key.toLowerCase(), a.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Check that `value` is a string (non-empty unless `allowEmpty`); returns it. */
export function checkString(name: string, value: unknown, options: { allowEmpty?: boolean } = {}): string {
  checkArgName(name);
  checkOptions("options", options, ["allowEmpty"]);
  if (options.allowEmpty !== undefined) checkBoolean("options.allowEmpty", options.allowEmpty);
  if (typeof value !== "string" || (!options.allowEmpty && value.trim() === "")) {
    throw new InvalidArgumentError(name, `expected a ${options.allowEmpty ? "" : "non-empty "}string, got ${describeValue(value)}`);
  }
  return value;
}

/** Check that `value` names a file or directory: a non-empty, non-blank string without NUL bytes; returns it. */
export function checkPath(name: string, value: unknown): string {
  checkArgName(name);
  if (typeof value !== "string" || value.trim() === "" || value.includes("\0")) {
    throw new InvalidArgumentError(name, `expected a path (a non-empty string), got ${describeValue(value)}`);
  }
  return value;
}

/**
 * The most bytes one Atlas call allocates for a single array before it refuses (2 GiB): sizes
 * that would need more (a `permutation(1e9)`, a `resample(1e9)`, a `[1e9, 1e9]` shape) are an
 * error naming the argument instead of a V8 out-of-memory abort or a minutes-long hang.
 */
export const MAX_ALLOCATION_BYTES: number = 2 ** 31;

/**
 * Check that an array of `elements` values of `bytesPerElement` bytes each stays within
 * {@link MAX_ALLOCATION_BYTES}; `name` is the argument that sets the size.
 *
 * @example
 * checkAllocation("n", n * dim, 4); // before new Float32Array(n * dim)
 */
export function checkAllocation(name: string, elements: number, bytesPerElement: number, limitBytes: number = MAX_ALLOCATION_BYTES): void {
  checkArgName(name);
  if (typeof elements !== "number" || Number.isNaN(elements) || elements < 0) throw new InvalidArgumentError("elements", `expected a count ≥ 0, got ${describeValue(elements)}`);
  checkNumber("bytesPerElement", bytesPerElement, { above: 0 });
  checkNumber("limitBytes", limitBytes, { above: 0 });
  const bytes = elements * bytesPerElement;
  if (!Number.isFinite(bytes) || bytes > limitBytes) {
    throw new InvalidArgumentError(
      name,
      `would need ${Number.isFinite(bytes) ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : "unbounded memory"} (${elements} values); the limit for one array is ${(limitBytes / 2 ** 30).toFixed(0)} GiB`,
    );
  }
}

/** What {@link checkArray} checks. */
export interface ArrayCheck {
  /** Exact length. */
  length?: number;
  /** Smallest length (default 0). */
  minLength?: number;
  /** Every element a finite number (default true). */
  finite?: boolean;
  /** Every element an integer in [min, max]. */
  integers?: NumberBounds;
}

/**
 * Check a numeric array (a plain array of numbers or a typed array): its length, finiteness and,
 * optionally, integer range; returns it. Errors name the argument and the first bad index.
 *
 * @example
 * checkArray("indices", indices, { minLength: 1, integers: { min: 0, max: n - 1 } });
 */
export function checkArray(name: string, value: unknown, check: ArrayCheck = {}): ArrayLike<number> {
  checkArgName(name);
  checkOptions("check", check, ["length", "minLength", "finite", "integers"]);
  if (check.length !== undefined) checkInteger("check.length", check.length, { min: 0 });
  if (check.minLength !== undefined) checkInteger("check.minLength", check.minLength, { min: 0 });
  if (check.finite !== undefined) checkBoolean("check.finite", check.finite);
  if (check.integers !== undefined) checkBoundsObject(check.integers, "check.integers");
  const ok = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array));
  if (!ok) throw new InvalidArgumentError(name, `expected an array of numbers, got ${describeValue(value)}`);
  const a = value as ArrayLike<unknown>;
  if (check.length !== undefined && a.length !== check.length) {
    throw new ShapeMismatchError(name, `expected ${check.length} values, got ${a.length}`);
  }
  if (a.length < (check.minLength ?? 0)) throw new InvalidArgumentError(name, `expected at least ${check.minLength} value(s), got ${a.length}`);
  if (check.integers !== undefined) {
    const { min = -Infinity, max = Infinity } = check.integers;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
        throw new InvalidArgumentError(name, `expected integers${Number.isFinite(min) ? ` ≥ ${min}` : ""}${Number.isFinite(max) ? ` and ≤ ${max}` : ""}, found ${describeValue(v)} at index ${i}`);
      }
    }
  } else if (check.finite !== false) {
    checkFinite(name, a as ArrayLike<number>);
  } else if (Array.isArray(a)) {
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] !== "number") throw new InvalidArgumentError(name, `expected numbers, found ${describeValue(a[i])} at index ${i}`);
    }
  }
  return a as ArrayLike<number>;
}

/** What {@link checkTensor} checks. */
export interface TensorCheck {
  /** Exact rank. */
  rank?: number;
  /** Sizes of the axes after the first (the batch axis); `[]` for a rank-1 tensor of one value per sample. */
  inner?: readonly number[];
  /** Smallest size of the first axis (default 1). */
  minRows?: number;
  /** Accepted dtypes (default float32 and int32). */
  dtypes?: readonly tf.DataType[];
}

/**
 * Check that `value` is a live `tf.Tensor` of the expected rank, inner shape and dtype, without
 * reading its values (finiteness needs a read: see {@link checkTensorFinite}); returns it.
 *
 * @example
 * checkTensor("x", x, { inner: model.dataShape }); // [n, ...dataShape], n ≥ 1
 */
export function checkTensor(name: string, value: unknown, check: TensorCheck = {}): tf.Tensor {
  checkArgName(name);
  checkOptions("check", check, ["rank", "inner", "minRows", "dtypes"]);
  if (check.rank !== undefined) checkInteger("check.rank", check.rank, { min: 0 });
  if (check.minRows !== undefined) checkInteger("check.minRows", check.minRows, { min: 0 });
  if (check.inner !== undefined) checkArray("check.inner", check.inner, { integers: { min: 0 } });
  if (check.dtypes !== undefined && (!Array.isArray(check.dtypes) || !check.dtypes.every((d) => ["float32", "int32", "bool", "complex64", "string"].includes(d)))) {
    throw new InvalidArgumentError("check.dtypes", `expected an array of tfjs dtypes, got ${describeValue(check.dtypes)}`);
  }
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError(name, `expected a tf.Tensor${check.inner ? ` [n, ${check.inner.join(", ")}]` : ""}, got ${describeValue(value)}`);
  }
  if (value.isDisposed) throw new InvalidArgumentError(name, "the tensor has been disposed");
  const dtypes = check.dtypes ?? ["float32", "int32"];
  if (!dtypes.includes(value.dtype)) throw new InvalidArgumentError(name, `expected a ${dtypes.join(" or ")} tensor, got dtype ${value.dtype}`);
  const rank = check.rank ?? (check.inner ? check.inner.length + 1 : undefined);
  if (rank !== undefined && value.rank !== rank) {
    throw new ShapeMismatchError(name, `expected a rank-${rank} tensor${check.inner ? ` [n, ${check.inner.join(", ")}]` : ""}, got shape [${value.shape.join(", ")}]`);
  }
  if (check.inner && check.inner.some((s, i) => value.shape[i + 1] !== s)) {
    throw new ShapeMismatchError(name, `expected shape [n, ${check.inner.join(", ")}], got [${value.shape.join(", ")}]`);
  }
  if (value.rank > 0 && (value.shape[0] ?? 0) < (check.minRows ?? 1)) {
    throw new InvalidArgumentError(name, `expected at least ${check.minRows ?? 1} row(s), got shape [${value.shape.join(", ")}]`);
  }
  return value;
}

/**
 * Check that a tensor holds only finite values, reading one boolean back asynchronously (works on
 * every backend, GPU ones included).
 *
 * @example
 * await checkTensorFinite("x", x);
 */
export async function checkTensorFinite(name: string, value: tf.Tensor): Promise<void> {
  checkArgName(name);
  checkTensor(name, value, { dtypes: ["float32", "int32", "bool", "complex64", "string"], minRows: 0 });
  if (value.dtype !== "float32" && value.dtype !== "complex64") return;
  const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(value))));
  try {
    if ((await bad.data())[0]) throw new InvalidArgumentError(name, "expected finite values, the tensor holds NaN or ±Infinity");
  } finally {
    bad.dispose();
  }
}
