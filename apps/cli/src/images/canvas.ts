import { encodeImageGrid } from "@atlas/core";

/** RGB in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** Chart colours (Tableau 10), by chart index modulo 10; the same in the report's SVGs. */
export const CHART_COLOURS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
].map(([r, g, b]) => [r! / 255, g! / 255, b! / 255] as const);

/** CSS colour of a chart. */
export function chartCss(chart: number): string {
  const [r, g, b] = CHART_COLOURS[chart % CHART_COLOURS.length]!;
  return `rgb(${Math.round(r * 255)},${Math.round(g * 255)},${Math.round(b * 255)})`;
}

// A 3×5 pixel font: digits and the capitals the strips use. Each glyph is 5 rows of 3 bits.
const GLYPHS: Record<string, readonly number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 2, 2, 2],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [7, 4, 4, 4, 7],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [7, 4, 5, 5, 7],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 7],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [7, 5, 5, 5, 7],
  P: [7, 5, 7, 4, 4],
  Q: [7, 5, 5, 7, 1],
  R: [6, 5, 6, 5, 5],
  S: [7, 4, 7, 1, 7],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
  " ": [0, 0, 0, 0, 0],
  "-": [0, 0, 7, 0, 0],
  ">": [4, 2, 1, 2, 4],
  "/": [1, 1, 2, 4, 4],
  ".": [0, 0, 0, 0, 2],
};

/** Width in pixels of `text` drawn at `scale` (3 px per glyph + 1 px spacing, times scale). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

/** A small RGB raster for composing figures; encodes to PNG through core's image grid. */
export class Canvas {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [1, 1, 1],
  ) {
    this.data = new Float32Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, i * 3);
  }

  /** Set one pixel (clipped). */
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(c, (y * this.width + x) * 3);
  }

  /** Fill a rectangle. */
  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++) for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.data.set(c, (j * this.width + i) * 3);
  }

  /** A rectangle outline `t` pixels thick, outside the box (x, y, w, h). */
  frame(x: number, y: number, w: number, h: number, c: Rgb, t = 2): void {
    this.rect(x - t, y - t, w + 2 * t, t, c);
    this.rect(x - t, y + h, w + 2 * t, t, c);
    this.rect(x - t, y, t, h, c);
    this.rect(x + w, y, t, h, c);
  }

  /** Draw an image (`h·w·c` values in [0, 1], c = 1 or 3, clamped) at (x, y), scaled by an integer. */
  image(values: ArrayLike<number>, h: number, w: number, c: number, x: number, y: number, scale = 1): void {
    for (let r = 0; r < h * scale; r++) {
      for (let q = 0; q < w * scale; q++) {
        const p = (Math.floor(r / scale) * w + Math.floor(q / scale)) * c;
        const clamp = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
        const v0 = clamp(values[p] as number);
        this.set(x + q, y + r, c === 1 ? [v0, v0, v0] : [v0, clamp(values[p + 1] as number), clamp(values[p + 2] as number)]);
      }
    }
  }

  /** Draw text in the 3×5 font (digits, capitals, space, '-', '>', '/', '.'); unknown characters are blank. */
  text(text: string, x: number, y: number, c: Rgb, scale = 1): void {
    let cx = x;
    for (const ch of text.toUpperCase()) {
      const g = GLYPHS[ch] ?? GLYPHS[" "]!;
      for (let row = 0; row < 5; row++) {
        for (let col = 0; col < 3; col++) if ((g[row]! >> (2 - col)) & 1) this.rect(cx + col * scale, y + row * scale, scale, scale, c);
      }
      cx += 4 * scale;
    }
  }

  /** PNG bytes (RGB). */
  png(): Uint8Array {
    return encodeImageGrid({ data: this.data, shape: [1, this.height, this.width, 3] }, { columns: 1, padding: 0 });
  }
}

/** One row of an interpolation strip: frames and the chart of each. */
export interface StripRow {
  /** Short label drawn at the left ("GEODESIC", "LINEAR"). */
  label: string;
  /** Frames, each `h·w·c` values. */
  frames: readonly ArrayLike<number>[];
  /** Chart of each frame (coloured band with its number below the frame). */
  charts: readonly number[];
  /** Text in each frame's band (default the chart number; e.g. "1/3" on a chart-crossing edge). */
  labels?: readonly string[];
}

/**
 * Interpolation strips (AGM paper Fig. 3b): each row is a sequence of frames with a band under each
 * frame in its chart's colour and the chart number; a frame whose chart differs from the previous
 * frame's is outlined in the new chart's colour (a chart change).
 */
export function drawStrips(rows: readonly StripRow[], imageShape: readonly number[], scale = 2): Canvas {
  const [h, w, c] = [imageShape[0]!, imageShape[1]!, imageShape[2] ?? 1];
  const textScale = 2;
  const labelWidth = Math.max(...rows.map((r) => textWidth(r.label, textScale))) + 8;
  const gap = 6;
  const band = 14;
  const fw = w * scale;
  const fh = h * scale;
  const columns = Math.max(...rows.map((r) => r.frames.length));
  const rowHeight = fh + band + gap + 4;
  const canvas = new Canvas(labelWidth + columns * (fw + gap) + gap, rows.length * rowHeight + gap);
  rows.forEach((row, ri) => {
    const y0 = gap + ri * rowHeight;
    canvas.text(row.label, 4, y0 + Math.floor(fh / 2) - 5, [0.2, 0.2, 0.2], textScale);
    row.frames.forEach((frame, k) => {
      const x0 = labelWidth + k * (fw + gap);
      const chart = row.charts[k] ?? 0;
      const colour = CHART_COLOURS[chart % CHART_COLOURS.length]!;
      canvas.image(frame, h, w, c, x0, y0, scale);
      if (k > 0 && row.charts[k - 1] !== chart) canvas.frame(x0, y0, fw, fh, colour, 2);
      canvas.rect(x0, y0 + fh + 2, fw, band - 2, colour);
      const label = row.labels?.[k] ?? String(chart);
      canvas.text(label, x0 + Math.floor((fw - textWidth(label, 2)) / 2), y0 + fh + 4, [1, 1, 1], 2);
    });
  });
  return canvas;
}
