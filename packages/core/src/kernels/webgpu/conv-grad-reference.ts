/**
 * Float64 reference loops over the definition of the forward convolution, for testing the
 * convolution-gradient kernels: dw and dx for a given dy, and Σ|terms| of every output element
 * (the scale of the float32 rounding bound). Browser-safe; test support only (not exported).
 */

/** An NHWC convolution case: input, filter, strides and padding as tfjs takes them. */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  strides: [number, number];
  pad: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
}

/** Output size and top/left padding along one axis, from the TensorFlow padding rules. */
export function axisGeometry(size: number, k: number, s: number, pad: ConvCase["pad"], axis: 1 | 2): { out: number; before: number } {
  if (pad === "valid") return { out: Math.ceil((size - k + 1) / s), before: 0 };
  if (pad === "same") {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + k - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad[axis];
  return { out: Math.floor((size + b + a - k) / s) + 1, before: b };
}

/** dw, dx, |terms| sums and term counts, in float64, by direct loops. */
export function referenceGradients(
  c: ConvCase,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
): { dw: Float64Array; dx: Float64Array; dwAbs: Float64Array; dxAbs: Float64Array; outH: number; outW: number } {
  const [n, H, W, cin] = c.x;
  const [kH, kW, , cout] = c.k;
  const [sH, sW] = c.strides;
  const gh = axisGeometry(H, kH, sH, c.pad, 1);
  const gw = axisGeometry(W, kW, sW, c.pad, 2);
  const dw = new Float64Array(kH * kW * cin * cout);
  const dwAbs = new Float64Array(dw.length);
  const dx = new Float64Array(n * H * W * cin);
  const dxAbs = new Float64Array(dx.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < gh.out; i++)
      for (let j = 0; j < gw.out; j++)
        for (let p = 0; p < kH; p++) {
          const h = i * sH + p - gh.before;
          if (h < 0 || h >= H) continue;
          for (let q = 0; q < kW; q++) {
            const v = j * sW + q - gw.before;
            if (v < 0 || v >= W) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * H + h) * W + v) * cin + ci;
              const xv = x[xi] as number;
              for (let o = 0; o < cout; o++) {
                const g = dy[((b * gh.out + i) * gw.out + j) * cout + o] as number;
                const wi = ((p * kW + q) * cin + ci) * cout + o;
                const wv = w[wi] as number;
                dw[wi] = (dw[wi] as number) + xv * g;
                dwAbs[wi] = (dwAbs[wi] as number) + Math.abs(xv * g);
                dx[xi] = (dx[xi] as number) + wv * g;
                dxAbs[xi] = (dxAbs[xi] as number) + Math.abs(wv * g);
              }
            }
          }
        }
  return { dw, dx, dwAbs, dxAbs, outH: gh.out, outW: gw.out };
}

/** max_i |got_i − ref_i| / Σ|terms|_i (0 where the sum is 0 and the value is exactly 0). */
export function scaledError(got: ArrayLike<number>, ref: ArrayLike<number>, absSum: ArrayLike<number>): number {
  if (got.length !== ref.length) throw new Error(`length ${got.length} ≠ ${ref.length}`);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((got[i] as number) - (ref[i] as number));
    const s = absSum[i] as number;
    const e = s > 0 ? d / s : d === 0 ? 0 : Number.POSITIVE_INFINITY;
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
