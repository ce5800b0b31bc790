import { InvalidArgumentError, describeValue } from "./errors.js";

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

/** Check that `value` is a finite number within `bounds`; returns it. */
export function checkNumber(name: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidArgumentError(name, `expected a finite number${Object.keys(bounds).length ? ` ${boundsText(bounds)}` : ""}, got ${describeValue(value)}`);
  }
  checkBounds(name, value, "a number", bounds);
  return value;
}

/** Check that `value` is an integer within `bounds`; returns it. */
export function checkInteger(name: string, value: unknown, bounds: NumberBounds = {}): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidArgumentError(name, `expected an integer${Object.keys(bounds).length ? ` ${boundsText(bounds)}` : ""}, got ${describeValue(value)}`);
  }
  checkBounds(name, value, "an integer", bounds);
  return value;
}

/** Check that `value` is one of `allowed`; returns it. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(name, `expected one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** Check that every element of a numeric array is finite; names the first bad index. */
export function checkFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new InvalidArgumentError(name, `expected finite values, found ${describeValue(v)} at index ${i}`);
    }
  }
}

/** Check that a chart index is an integer in [0, charts). */
export function checkChart(name: string, chart: unknown, charts: number): number {
  return checkInteger(name, chart, { min: 0, max: charts - 1 });
}
