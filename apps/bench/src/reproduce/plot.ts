/**
 * Small raster plots for the reproduction figures (scatter plots, histograms, labelled image
 * strips), drawn into an RGB canvas and encoded as PNG by `@atlas/core`'s `encodeImageGrid`.
 * Axis titles live in the report's captions; the canvas draws only digits and capital letters in a
 * 3×5 pixel font (tick labels, chart labels).
 */
import { encodeImageGrid } from "@atlas/core";

/** An RGB colour with components in [0, 1]. */
export type Rgb = readonly [number, number, number];

export const BLACK: Rgb = [0, 0, 0];
export const WHITE: Rgb = [1, 1, 1];
export const GRAY: Rgb = [0.6, 0.6, 0.6];
/** Two series colours (blue, orange) that stay apart for colour-blind readers. */
export const SERIES: readonly Rgb[] = [
  [0.12, 0.47, 0.71],
  [1.0, 0.5, 0.05],
  [0.17, 0.63, 0.17],
  [0.84, 0.15, 0.16],
];

// 3×5 glyphs, rows top to bottom, '#' = ink.
const FONT: Record<string, string> = {
  "0": "### #.# #.# #.# ###", "1": ".#. ##. .#. .#. ###", "2": "### ..# ### #.. ###", "3": "### ..# .## ..# ###",
  "4": "#.# #.# ### ..# ..#", "5": "### #.. ### ..# ###", "6": "### #.. ### #.# ###", "7": "### ..# ..# .#. .#.",
  "8": "### #.# ### #.# ###", "9": "### #.# ### ..# ###", "/": "..# ..# .#. #.. #..", ".": "... ... ... ... .#.",
  "-": "... ... ### ... ...", "(": ".#. #.. #.. #.. .#.", ")": ".#. ..# ..# ..# .#.", "%": "#.# ..# .#. #.. #.#", ":": "... .#. ... .#. ...", "=": "... ### ... ### ...", " ": "... ... ... ... ...",
  A: ".#. #.# ### #.# #.#", B: "##. #.# ##. #.# ##.", C: "### #.. #.. #.. ###", D: "##. #.# #.# #.# ##.",
  E: "### #.. ##. #.. ###", F: "### #.. ##. #.. #..", G: "### #.. #.# #.# ###", H: "#.# #.# ### #.# #.#",
  I: "### .#. .#. .#. ###", J: "..# ..# ..# #.# ###", K: "#.# #.# ##. #.# #.#", L: "#.. #.. #.. #.. ###",
  M: "#.# ### ### #.# #.#", N: "##. #.# #.# #.# #.#", O: "### #.# #.# #.# ###", P: "### #.# ### #.. #..",
  Q: "### #.# #.# ### ..#", R: "##. #.# ##. #.# #.#", S: "### #.. ### ..# ###", T: "### .#. .#. .#. .#.",
  U: "#.# #.# #.# #.# ###", V: "#.# #.# #.# #.# .#.", W: "#.# #.# ### ### #.#", X: "#.# #.# .#. #.# #.#",
  Y: "#.# #.# .#. .#. .#.", Z: "### ..# .#. #.. ###",
};

/** An RGB raster with simple drawing operations. */
export class Canvas {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = WHITE,
  ) {
    this.data = new Float32Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, i * 3);
  }

  /** Blend `color` into pixel (x, y) with opacity `alpha` (pixels outside are ignored). */
  pixel(x: number, y: number, color: Rgb, alpha = 1): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const o = (py * this.width + px) * 3;
    for (let c = 0; c < 3; c++) this.data[o + c] = (1 - alpha) * (this.data[o + c] as number) + alpha * (color[c] as number);
  }

  rect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    for (let j = Math.max(0, Math.round(y)); j < Math.min(this.height, Math.round(y + h)); j++) {
      for (let i = Math.max(0, Math.round(x)); i < Math.min(this.width, Math.round(x + w)); i++) this.pixel(i, j, color, alpha);
    }
  }

  /** A 1-pixel line (DDA). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, alpha = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) this.pixel(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, color, alpha);
  }

  /** A small filled square marker of side 2r + 1. */
  dot(x: number, y: number, color: Rgb, r = 0, alpha = 1): void {
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) this.pixel(x + dx, y + dy, color, alpha);
  }

  /** Text in the 3×5 font, `scale` pixels per font pixel; unknown characters are drawn as blanks. Returns the width drawn. */
  text(x: number, y: number, text: string, color: Rgb = BLACK, scale = 2): number {
    let cx = x;
    for (const ch of text.toUpperCase()) {
      const glyph = (FONT[ch] ?? FONT[" "]!).split(" ");
      glyph.forEach((row, j) => {
        for (let i = 0; i < 3; i++) if (row[i] === "#") this.rect(cx + i * scale, y + j * scale, scale, scale, color);
      });
      cx += 4 * scale;
    }
    return cx - x;
  }

  /** Width in pixels of `text` at `scale`. */
  static textWidth(text: string, scale = 2): number {
    return text.length * 4 * scale - scale;
  }

  /** Copy a grayscale image (values in [0, 1], row-major h × w) with its top-left at (x, y), each pixel `scale`². */
  image(x: number, y: number, pixels: ArrayLike<number>, w: number, h: number, scale = 1): void {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = Math.min(1, Math.max(0, pixels[j * w + i] as number));
        this.rect(x + i * scale, y + j * scale, scale, scale, [v, v, v]);
      }
    }
  }

  /** The canvas as PNG bytes. */
  png(): Uint8Array {
    return encodeImageGrid({ data: this.data, shape: [1, this.height, this.width, 3] }, { padding: 0 });
  }
}

/** A perceptually ordered colour map (dark blue → teal → yellow, viridis-like) for t ∈ [0, 1]. */
export function colormap(t: number): Rgb {
  const stops: Rgb[] = [
    [0.27, 0.0, 0.33],
    [0.23, 0.32, 0.55],
    [0.13, 0.57, 0.55],
    [0.37, 0.79, 0.38],
    [0.99, 0.91, 0.14],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/** A scatter-plot panel: 2-D points (row-major pairs), one colour value in [0, 1] per point (or one colour). */
export interface ScatterPanel {
  points: ArrayLike<number>;
  /** Per point a value in [0, 1], drawn through {@link colormap}; when absent every point gets `color`. */
  values?: ArrayLike<number>;
  /** The colour of every point when `values` is absent (default the first series colour). */
  color?: Rgb;
  /** Data bounds [xmin, xmax, ymin, ymax]; default: the points' range with 5% margin. */
  bounds?: readonly [number, number, number, number];
  /** Short label drawn in the panel's corner (3×5 font). */
  label?: string;
  /** Rectangles (data units) outlined in gray, e.g. the support of the data distribution. */
  outlines?: readonly (readonly [number, number, number, number])[];
}

function autoBounds(points: ArrayLike<number>): [number, number, number, number] {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!Number.isFinite(x0)) return [0, 1, 0, 1];
  const mx = Math.max(1e-9, (x1 - x0) * 0.05);
  const my = Math.max(1e-9, (y1 - y0) * 0.05);
  return [x0 - mx, x1 + mx, y0 - my, y1 + my];
}

/** Side-by-side square scatter panels of `size` pixels; points drawn semi-transparently. */
export function scatterPlot(panels: readonly ScatterPanel[], options: { size?: number; alpha?: number; radius?: number } = {}): Canvas {
  const size = options.size ?? 320;
  const gap = 12;
  const canvas = new Canvas(panels.length * (size + gap) + gap, size + 2 * gap);
  panels.forEach((panel, p) => {
    const left = gap + p * (size + gap);
    const top = gap;
    const [x0, x1, y0, y1] = panel.bounds ?? autoBounds(panel.points);
    const px = (x: number): number => left + ((x - x0) / (x1 - x0)) * (size - 1);
    const py = (y: number): number => top + (1 - (y - y0) / (y1 - y0)) * (size - 1);
    for (const [a, b, c, d] of panel.outlines ?? []) {
      canvas.line(px(a), py(c), px(b), py(c), GRAY);
      canvas.line(px(a), py(d), px(b), py(d), GRAY);
      canvas.line(px(a), py(c), px(a), py(d), GRAY);
      canvas.line(px(b), py(c), px(b), py(d), GRAY);
    }
    const n = Math.floor(panel.points.length / 2);
    for (let i = 0; i < n; i++) {
      const color = panel.values ? colormap(panel.values[i] as number) : (panel.color ?? SERIES[0]!);
      canvas.dot(px(panel.points[2 * i] as number), py(panel.points[2 * i + 1] as number), color, options.radius ?? 0, options.alpha ?? 0.35);
    }
    canvas.line(left, top, left + size - 1, top, BLACK);
    canvas.line(left, top + size - 1, left + size - 1, top + size - 1, BLACK);
    canvas.line(left, top, left, top + size - 1, BLACK);
    canvas.line(left + size - 1, top, left + size - 1, top + size - 1, BLACK);
    if (panel.label) canvas.text(left + 6, top + 6, panel.label);
  });
  return canvas;
}

/** A histogram series: values, colour, short label. */
export interface HistogramSeries {
  values: ArrayLike<number>;
  color: Rgb;
  label: string;
}

/** Counts of `values` in `bins` equal bins over [lo, hi] (values outside are clamped into the end bins). */
export function histogram(values: ArrayLike<number>, bins: number, lo: number, hi: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
    counts[b] = (counts[b] as number) + 1;
  }
  return counts;
}

/** Overlaid histograms (bars at 45% opacity) of raw values, over `range` (default: the values' range). */
export function histogramPlot(series: readonly HistogramSeries[], options: { bins?: number; range?: readonly [number, number]; width?: number; height?: number } = {}): Canvas {
  const bins = options.bins ?? 20;
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i] as number;
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (options.range) [lo, hi] = [options.range[0], options.range[1]];
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (!(hi > lo)) hi = lo + 1;
  return countsPlot(series.map((s) => ({ counts: histogram(s.values, bins, lo, hi), color: s.color, label: s.label })), [lo, hi], options);
}

/** Overlaid bar charts of precomputed bin counts over [lo, hi], tick labels at both ends, a legend. */
export function countsPlot(series: readonly { counts: readonly number[]; color: Rgb; label: string }[], range: readonly [number, number], options: { width?: number; height?: number } = {}): Canvas {
  const width = options.width ?? 480;
  const height = options.height ?? 240;
  const [lo, hi] = range;
  const bins = Math.max(1, ...series.map((s) => s.counts.length));
  const top = Math.max(1, ...series.flatMap((s) => s.counts));
  const canvas = new Canvas(width, height);
  const [l, r, t, b] = [30, 10, 10, 30];
  const plotW = width - l - r;
  const plotH = height - t - b;
  for (const s of series) {
    s.counts.forEach((v, i) => {
      const h = (v / top) * plotH;
      canvas.rect(l + (i * plotW) / bins + 1, t + plotH - h, plotW / bins - 1, h, s.color, 0.45);
    });
  }
  canvas.line(l, t + plotH, l + plotW, t + plotH, BLACK);
  canvas.line(l, t, l, t + plotH, BLACK);
  const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));
  canvas.text(l, t + plotH + 8, fmt(lo));
  canvas.text(l + plotW - Canvas.textWidth(fmt(hi)), t + plotH + 8, fmt(hi));
  canvas.text(2, t, String(top), BLACK, 1);
  let ly = t + 4;
  for (const s of series) {
    const w = Canvas.textWidth(s.label);
    canvas.rect(l + plotW - w - 18, ly, 10, 10, s.color, 0.8);
    canvas.text(l + plotW - w - 4, ly, s.label);
    ly += 16;
  }
  return canvas;
}

/**
 * Rows of grayscale images with a text label under each image (e.g. the chart of each
 * interpolation step) and an optional label at the start of each row.
 */
export function labelledStrips(rows: readonly { images: readonly ArrayLike<number>[]; labels?: readonly string[]; title?: string }[], w: number, h: number, options: { scale?: number; titleWidth?: number } = {}): Canvas {
  const scale = options.scale ?? 2;
  const titleWidth = options.titleWidth ?? 0;
  const cellW = w * scale + 4;
  const labelH = rows.some((r) => r.labels) ? 16 : 0;
  const cellH = h * scale + 4 + labelH;
  const cols = Math.max(1, ...rows.map((r) => r.images.length));
  const canvas = new Canvas(titleWidth + cols * cellW + 4, rows.length * cellH + 4);
  rows.forEach((row, j) => {
    const y = 4 + j * cellH;
    if (row.title) canvas.text(4, y + (h * scale) / 2 - 5, row.title);
    row.images.forEach((img, i) => {
      const x = titleWidth + 4 + i * cellW;
      canvas.image(x, y, img, w, h, scale);
      const label = row.labels?.[i];
      if (label) canvas.text(x + Math.max(0, (w * scale - Canvas.textWidth(label)) / 2), y + h * scale + 3, label);
    });
  });
  return canvas;
}
