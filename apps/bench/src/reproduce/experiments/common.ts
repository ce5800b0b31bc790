/** Helpers shared by the experiments. */
import { writeTextAtomic } from "../files.js";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Canvas } from "../plot.js";
import type { ExperimentContext, FigureRef, Scale } from "../types.js";

/** Pick the settings of the run's scale: `quick` wins over the scale. */
export function pick<T>(ctx: Pick<ExperimentContext, "scale" | "quick">, sizes: Record<Scale, T> & { quick: T }): T {
  return ctx.quick ? sizes.quick : sizes[ctx.scale];
}

/** Read a tensor's values without a synchronous read (works on every backend), then dispose it. */
export async function take(t: tf.Tensor): Promise<Float32Array> {
  try {
    return Float32Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** Write a canvas as `<ctx.dir>/<file>` and return its figure reference. */
export async function saveFigure(ctx: ExperimentContext, file: string, canvas: Canvas, caption: string): Promise<FigureRef> {
  // atomic: a crash leaves the old figure or the new one, and two `--jobs` runners may write the same file
  await writeTextAtomic(join(ctx.dir, file), canvas.png());
  return { file, caption };
}

/** Every `step`-th row of a row-major n × d array (at most `max` rows). */
export function thin(data: ArrayLike<number>, d: number, max: number): Float64Array {
  const n = Math.floor(data.length / d);
  const step = Math.max(1, Math.ceil(n / max));
  const out: number[] = [];
  for (let i = 0; i < n; i += step) for (let k = 0; k < d; k++) out.push(data[i * d + k] as number);
  return Float64Array.from(out);
}

/** Round for JSON (keeps result files small): `digits` significant digits. */
export function round(v: number, digits = 6): number {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : v;
}

/** Mean of an array. */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return values.length ? s / values.length : NaN;
}

/** Median of an array. */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}
