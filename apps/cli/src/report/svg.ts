// Small inline SVG charts for the HTML reports: histograms, bar charts, line charts. No dependencies.

/** Escape text for XML/HTML. */
export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Colour of series / chart `i`. */
export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function frame(width = 520, height = 260): Frame {
  return { width, height, left: 56, right: 12, top: 24, bottom: 40 };
}

function axes(f: Frame, xr: [number, number], yr: [number, number], xLabel: string, yLabel: string, xTicks?: number[]): string {
  const px = (x: number): number => f.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (f.width - f.left - f.right);
  const py = (y: number): number => f.height - f.bottom - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * (f.height - f.top - f.bottom);
  const parts: string[] = [];
  parts.push(`<line x1="${f.left}" y1="${f.height - f.bottom}" x2="${f.width - f.right}" y2="${f.height - f.bottom}" stroke="#444"/>`);
  parts.push(`<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.height - f.bottom}" stroke="#444"/>`);
  for (const t of xTicks ?? niceTicks(xr[0], xr[1])) {
    parts.push(`<line x1="${px(t).toFixed(1)}" y1="${f.height - f.bottom}" x2="${px(t).toFixed(1)}" y2="${f.height - f.bottom + 4}" stroke="#444"/><text x="${px(t).toFixed(1)}" y="${f.height - f.bottom + 16}" text-anchor="middle">${esc(fmt(t))}</text>`);
  }
  for (const t of niceTicks(yr[0], yr[1], 4)) {
    parts.push(`<line x1="${f.left - 4}" y1="${py(t).toFixed(1)}" x2="${f.width - f.right}" y2="${py(t).toFixed(1)}" stroke="#ddd"/><text x="${f.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(t))}</text>`);
  }
  parts.push(`<text x="${(f.left + f.width - f.right) / 2}" y="${f.height - 6}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(f.top + f.height - f.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return parts.join("");
}

function legend(f: Frame, labels: readonly string[], colours: readonly string[]): string {
  return labels
    .map((l, i) => {
      const x = f.left + 8 + i * Math.min(150, Math.floor((f.width - f.left - 16) / Math.max(1, labels.length)));
      return `<rect x="${x}" y="6" width="12" height="12" fill="${colours[i]}" fill-opacity="0.7"/><text x="${x + 16}" y="16">${esc(l)}</text>`;
    })
    .join("");
}

function svg(f: Frame, body: string, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${body}</svg>`;
}

/** Bars over given bin edges (`counts.length + 1` edges). */
export function barChartSvg(edges: ArrayLike<number>, counts: ArrayLike<number>, options: { title: string; xLabel: string; yLabel?: string; colour?: string; width?: number; height?: number }): string {
  const f = frame(options.width, options.height);
  const xr: [number, number] = [edges[0] as number, edges[edges.length - 1] as number];
  let max = 0;
  for (let i = 0; i < counts.length; i++) max = Math.max(max, counts[i] as number);
  const yr: [number, number] = [0, max || 1];
  const px = (x: number): number => f.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (f.width - f.left - f.right);
  const py = (y: number): number => f.height - f.bottom - (y / yr[1]) * (f.height - f.top - f.bottom);
  const bars: string[] = [];
  for (let i = 0; i < counts.length; i++) {
    const x0 = px(edges[i] as number);
    const x1 = px(edges[i + 1] as number);
    const y = py(counts[i] as number);
    bars.push(`<rect x="${(x0 + 0.5).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(f.height - f.bottom - y).toFixed(1)}" fill="${options.colour ?? colour(0)}"><title>${esc(fmt(edges[i] as number))}–${esc(fmt(edges[i + 1] as number))}: ${counts[i]}</title></rect>`);
  }
  return svg(f, axes(f, xr, yr, options.xLabel, options.yLabel ?? "count") + bars.join(""), options.title);
}

/** Overlaid histograms of several series on shared bins (e.g. geodesic lengths of two models). */
export function histogramSvg(series: readonly { label: string; values: readonly number[] }[], options: { title: string; xLabel: string; bins?: number; width?: number; height?: number }): string {
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const bins = options.bins ?? 20;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 0.5, hi + 0.5];
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
    return c;
  });
  const f = frame(options.width, options.height);
  const max = Math.max(1, ...counts.flat());
  const px = (x: number): number => f.left + ((x - lo) / (hi - lo)) * (f.width - f.left - f.right);
  const py = (y: number): number => f.height - f.bottom - (y / max) * (f.height - f.top - f.bottom);
  const bars: string[] = [];
  counts.forEach((c, si) => {
    for (let i = 0; i < bins; i++) {
      if (c[i] === 0) continue;
      const x0 = px(edges[i]!);
      const x1 = px(edges[i + 1]!);
      const y = py(c[i]!);
      bars.push(`<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, x1 - x0).toFixed(1)}" height="${(f.height - f.bottom - y).toFixed(1)}" fill="${colour(si)}" fill-opacity="0.55" stroke="${colour(si)}"><title>${esc(series[si]!.label)} ${esc(fmt(edges[i]!))}–${esc(fmt(edges[i + 1]!))}: ${c[i]}</title></rect>`);
    }
  });
  return svg(f, axes(f, [lo, hi], [0, max], options.xLabel, "count") + bars.join("") + legend(f, series.map((s) => s.label), series.map((_, i) => colour(i))), options.title);
}

/** Line chart of several series (e.g. losses per epoch or step). */
export function lineChartSvg(series: readonly { label: string; x: readonly number[]; y: readonly number[] }[], options: { title: string; xLabel: string; yLabel: string; width?: number; height?: number }): string {
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.y).filter((v) => Number.isFinite(v));
  const f = frame(options.width, options.height);
  let xr: [number, number] = [Math.min(...xs), Math.max(...xs)];
  let yr: [number, number] = [Math.min(0, ...ys), Math.max(...ys)];
  if (!(xr[1] > xr[0])) xr = [xr[0] - 1, xr[0] + 1];
  if (!(yr[1] > yr[0])) yr = [yr[0] - 1, yr[0] + 1];
  const px = (x: number): number => f.left + ((x - xr[0]) / (xr[1] - xr[0])) * (f.width - f.left - f.right);
  const py = (y: number): number => f.height - f.bottom - ((y - yr[0]) / (yr[1] - yr[0])) * (f.height - f.top - f.bottom);
  const lines = series.map((s, i) => {
    const pts = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.y[j]!).toFixed(1)}`).join(" ");
    const dots = s.x.length <= 30 ? s.x.map((x, j) => `<circle cx="${px(x).toFixed(1)}" cy="${py(s.y[j]!).toFixed(1)}" r="2.5" fill="${colour(i)}"/>`).join("") : "";
    return `<polyline fill="none" stroke="${colour(i)}" stroke-width="1.8" points="${pts}"/>${dots}`;
  });
  return svg(f, axes(f, xr, yr, options.xLabel, options.yLabel) + lines.join("") + legend(f, series.map((s) => s.label), series.map((_, i) => colour(i))), options.title);
}

/** Scatter of 2-D points coloured by group (e.g. latent nodes coloured by chart). */
export function scatterSvg(points: readonly { x: number; y: number; group: number }[], options: { title: string; xLabel: string; yLabel: string; groupLabel?: (g: number) => string; width?: number; height?: number }): string {
  const f = frame(options.width ?? 360, options.height ?? 300);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xr: [number, number] = [Math.min(...xs), Math.max(...xs)];
  const yr: [number, number] = [Math.min(...ys), Math.max(...ys)];
  const px = (x: number): number => f.left + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (f.width - f.left - f.right);
  const py = (y: number): number => f.height - f.bottom - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * (f.height - f.top - f.bottom);
  const dots = points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="1.8" fill="${colour(p.group)}" fill-opacity="0.7"/>`).join("");
  const groups = [...new Set(points.map((p) => p.group))].sort((a, b) => a - b);
  return svg(f, axes(f, xr, yr, options.xLabel, options.yLabel) + dots + legend(f, groups.map((g) => options.groupLabel?.(g) ?? String(g)), groups.map(colour)), options.title);
}
