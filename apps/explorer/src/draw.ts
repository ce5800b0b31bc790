// Canvas helpers: images, scatter plots, chart colours (the same Tableau 10 as the CLI's report).

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Colour of chart `y`. */
export function chartColour(y: number): string {
  return PALETTE[y % PALETTE.length]!;
}

/** Create an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** A canvas showing one image (`h·w·c` values in [0, 1]) at its own resolution; scale it with CSS. */
export function imageCanvas(values: ArrayLike<number>, h: number, w: number, c: number): HTMLCanvasElement {
  const canvas = el("canvas", { width: String(w), height: String(h), class: "px" });
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(w, h);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) {
      const v = values[p * c + (c === 1 ? 0 : k)]!;
      img.data[p * 4 + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** Draw one image into an existing canvas (same size). */
export function paintImage(canvas: HTMLCanvasElement, values: ArrayLike<number>, h: number, w: number, c: number): void {
  const src = imageCanvas(values, h, w, c);
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
}

/** Scatter of 2-D points; `highlight` indices drawn larger in black, joined in order. */
export function scatter(canvas: HTMLCanvasElement, xy: ArrayLike<number>, colours: readonly string[], highlight: readonly number[] = []): void {
  const ctx = canvas.getContext("2d")!;
  const W = canvas.width;
  const H = canvas.height;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  const n = xy.length / 2;
  if (n === 0) return;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    [x0, x1] = [Math.min(x0, xy[2 * i]!), Math.max(x1, xy[2 * i]!)];
    [y0, y1] = [Math.min(y0, xy[2 * i + 1]!), Math.max(y1, xy[2 * i + 1]!)];
  }
  const px = (v: number): number => 6 + ((v - x0) / (x1 - x0 || 1)) * (W - 12);
  const py = (v: number): number => H - 6 - ((v - y0) / (y1 - y0 || 1)) * (H - 12);
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = colours[i] ?? "#999";
    ctx.globalAlpha = 0.6;
    ctx.fillRect(px(xy[2 * i]!) - 1.5, py(xy[2 * i + 1]!) - 1.5, 3, 3);
  }
  ctx.globalAlpha = 1;
  if (highlight.length > 0) {
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    highlight.forEach((i, k) => (k === 0 ? ctx.moveTo(px(xy[2 * i]!), py(xy[2 * i + 1]!)) : ctx.lineTo(px(xy[2 * i]!), py(xy[2 * i + 1]!))));
    ctx.stroke();
    for (const i of highlight) {
      ctx.fillStyle = "#000";
      ctx.fillRect(px(xy[2 * i]!) - 3, py(xy[2 * i + 1]!) - 3, 6, 6);
    }
  }
}

/** Per-chart 2-D views of latent codes: the two leading principal directions of each chart's codes (d = 1: the code and 0). */
export function chartViews(codes: readonly Float32Array[], d: number): Float32Array {
  const n = codes.length;
  const out = new Float32Array(2 * n);
  if (n === 0) return out;
  const mean = new Float64Array(d);
  for (const z of codes) for (let k = 0; k < d; k++) mean[k]! += z[k]! / n;
  if (d === 1) {
    codes.forEach((z, i) => (out[2 * i] = z[0]! - mean[0]!));
    return out;
  }
  const cov = new Float64Array(d * d);
  for (const z of codes) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b]! += ((z[a]! - mean[a]!) * (z[b]! - mean[b]!)) / n;
  const basis: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, (_, k) => 1 + 0.01 * k * (c + 1));
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a]! += cov[a * d + b]! * v[b]!;
      for (const u of basis) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += w[k]! * u[k]!;
        for (let k = 0; k < d; k++) w[k]! -= dot * u[k]!;
      }
      const norm = Math.hypot(...w) || 1;
      v = w.map((x) => x / norm);
    }
    basis.push(v);
  }
  codes.forEach((z, i) => {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (z[k]! - mean[k]!) * basis[c]![k]!;
      out[2 * i + c] = s;
    }
  });
  return out;
}
