/**
 * Small raster plots for the vqflow suite, drawn into RGB float images and written with core's
 * `saveImageGrid`: scatter panels (three orthogonal views of 3-D points, coloured by chart) and line
 * plots with a shaded ±1 std band. Tick values are drawn with a 3×5 pixel digit font.
 */
import { saveImageGrid } from "@atlas/core";

export type Rgb = readonly [number, number, number];

/** Twelve distinguishable colours (chart k gets PALETTE[k % 12]). */
export const PALETTE: readonly Rgb[] = [
  [0.12, 0.47, 0.71],
  [1.0, 0.5, 0.05],
  [0.17, 0.63, 0.17],
  [0.84, 0.15, 0.16],
  [0.58, 0.4, 0.74],
  [0.55, 0.34, 0.29],
  [0.89, 0.47, 0.76],
  [0.5, 0.5, 0.5],
  [0.74, 0.74, 0.13],
  [0.09, 0.75, 0.81],
  [0.2, 0.2, 0.2],
  [0.6, 0.8, 0.2],
];

/** A w × h RGB image, row-major, values in [0, 1]. */
export class Canvas {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3).fill(1);
  }

  /** Blend colour c into pixel (x, y) with opacity a. */
  blend(x: number, y: number, c: Rgb, a = 1): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 3;
    for (let j = 0; j < 3; j++) this.data[o + j] = (1 - a) * (this.data[o + j] as number) + a * (c[j] as number);
  }

  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, a = 1): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    for (let s = 0; s <= steps; s++) this.blend(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, c, a);
  }

  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    this.line(x0, y0, x1, y0, c);
    this.line(x1, y0, x1, y1, c);
    this.line(x1, y1, x0, y1, c);
    this.line(x0, y1, x0, y0, c);
  }

  /** Text in the 3×5 font (digits, '.', '-', 'e', '+'), top-left at (x, y), `scale` px per font pixel. */
  text(s: string, x: number, y: number, c: Rgb = [0, 0, 0], scale = 1): void {
    let cx = x;
    for (const ch of s) {
      const glyph = FONT[ch];
      if (glyph) {
        glyph.forEach((row, r) => {
          for (let col = 0; col < 3; col++) {
            if ((row >> (2 - col)) & 1) for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) this.blend(cx + col * scale + dx, y + r * scale + dy, c);
          }
        });
      }
      cx += 4 * scale;
    }
  }
}

const FONT: Record<string, number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 1, 1],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  ".": [0, 0, 0, 0, 2],
  "-": [0, 0, 7, 0, 0],
  "+": [0, 2, 7, 2, 0],
  e: [0, 7, 7, 4, 7],
};

/**
 * Three views (x–y, x–z, y–z) of 3-D points as `size`-pixel panels, each point coloured by its
 * chart (or dark grey), all panels on the same scale (`bounds` = [min, max] of every axis).
 */
export function scatterViews(points: Float32Array, charts: Int32Array | null, bounds: readonly [number, number], size = 160): Canvas[] {
  const views: [number, number][] = [
    [0, 1],
    [0, 2],
    [1, 2],
  ];
  const n = points.length / 3;
  const [lo, hi] = bounds;
  const px = (v: number): number => 4 + ((v - lo) / (hi - lo)) * (size - 8);
  return views.map(([a, b]) => {
    const c = new Canvas(size, size);
    c.rect(0, 0, size - 1, size - 1, [0.8, 0.8, 0.8]);
    for (let i = 0; i < n; i++) {
      const colour = charts ? (PALETTE[(charts[i] as number) % PALETTE.length] as Rgb) : ([0.15, 0.15, 0.15] as const);
      const x = px(points[3 * i + a] as number);
      const y = size - px(points[3 * i + b] as number);
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) c.blend(x + dx, y + dy, colour, 0.45);
    }
    return c;
  });
}

/** One curve of a {@link linePlot}: values at x = 1, 2, …, with an optional std per point. */
export interface Series {
  mean: readonly number[];
  std?: readonly number[];
  colour: Rgb;
}

/** A line plot (x = 1 … n) with ±std bands, y ticks labelled; returns the canvas. */
export function linePlot(series: readonly Series[], width = 360, height = 240): Canvas {
  const c = new Canvas(width, height);
  const left = 44;
  const right = width - 10;
  const top = 10;
  const bottom = height - 20;
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (const s of series) {
    s.mean.forEach((m, i) => {
      const d = s.std?.[i] ?? 0;
      lo = Math.min(lo, m - d);
      hi = Math.max(hi, m + d);
    });
    n = Math.max(n, s.mean.length);
  }
  if (!(hi > lo)) hi = lo + 1;
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const X = (i: number): number => left + (n <= 1 ? 0.5 : i / (n - 1)) * (right - left);
  const Y = (v: number): number => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  c.rect(left, top, right, bottom, [0.3, 0.3, 0.3]);
  for (let t = 0; t <= 4; t++) {
    const v = lo + ((hi - lo) * t) / 4;
    c.line(left - 3, Y(v), left, Y(v), [0.3, 0.3, 0.3]);
    c.text(formatTick(v), 2, Y(v) - 2);
  }
  for (let i = 0; i < n; i++) {
    c.line(X(i), bottom, X(i), bottom + 3, [0.3, 0.3, 0.3]);
    c.text(String(i + 1), X(i) - 2, bottom + 6);
  }
  for (const s of series) {
    if (s.std) {
      for (let i = 0; i + 1 < s.mean.length; i++) {
        for (let x = Math.floor(X(i)); x <= Math.ceil(X(i + 1)); x++) {
          const t = (x - X(i)) / Math.max(1e-9, X(i + 1) - X(i));
          const m = (s.mean[i] as number) * (1 - t) + (s.mean[i + 1] as number) * t;
          const d = (s.std[i] as number) * (1 - t) + (s.std[i + 1] as number) * t;
          for (let y = Math.floor(Y(m + d)); y <= Math.ceil(Y(m - d)); y++) c.blend(x, y, s.colour, 0.15);
        }
      }
    }
    for (let i = 0; i + 1 < s.mean.length; i++) {
      for (const off of [-0.5, 0, 0.5]) c.line(X(i), Y(s.mean[i] as number) + off, X(i + 1), Y(s.mean[i + 1] as number) + off, s.colour);
    }
    s.mean.forEach((m, i) => {
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) c.blend(X(i) + dx, Y(m) + dy, s.colour);
    });
  }
  return c;
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e4 || a < 1e-2)) return v.toExponential(1).replace("e+", "e");
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Write canvases of equal size as one PNG grid (`columns` per row). */
export async function savePanels(path: string, panels: readonly Canvas[], columns: number): Promise<void> {
  const first = panels[0];
  if (!first) return;
  const data = new Float32Array(panels.length * first.width * first.height * 3);
  panels.forEach((p, i) => data.set(p.data, i * p.data.length));
  await saveImageGrid(path, { data, shape: [panels.length, first.height, first.width, 3] }, { columns, padding: 4, background: 1 });
}
