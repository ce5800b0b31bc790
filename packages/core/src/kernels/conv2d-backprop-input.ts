/**
 * `Conv2DBackpropInput` (the input gradient of a 2-D convolution, and the forward pass of
 * `conv2dTranspose`) built from a backend's own fast `Conv2D` kernel: the "sub-pixel" form.
 *
 * The wasm backend's stock kernel is a plain loop, about 10× slower than its XNNPACK `Conv2D` on the
 * GTN autoencoder's layers. For a forward convolution with stride s and padding (top, left),
 *   dx[n, h, w, c] = Σ_{i·s + p − top = h, j·s + q − left = w} dy[n, i, j, o] · w[p, q, c, o].
 * Write g = h + top = u·s + r with phase r = g mod s: only taps p = r + s·t contribute, with
 * i = u − t. So for each phase (r_h, r_w) dx is a stride-1 correlation of dy with the flipped
 * sub-filter w[r_h + s·t, r_w + s·t', ·, ·]; stacking all s_h·s_w phases as output channels gives
 * ONE stride-1 `Conv2D` of dy (padding T−1 on top/left, T = ⌈k/s⌉) with a filter of shape
 * [T_h, T_w, Cout, s_h·s_w·Cin]. Its output Z[n, u, v, (r_h, r_w, c)] is interleaved back
 * (depth-to-space: one `Transpose`) to D[n, u·s_h + r_h, v·s_w + r_w, c], and dx = D[:, top:top+H,
 * left:left+W, :]. The work equals the direct product up to the rows the cropping drops.
 */
import * as tf from "@tensorflow/tfjs";
import { runBackendKernel } from "./run-kernel.js";

const run = (...args: Parameters<typeof runBackendKernel> extends [string, ...infer R] ? R : never): tf.TensorInfo =>
  runBackendKernel("Conv2DBackpropInput", ...args);

type TensorInfo = tf.TensorInfo;
type KernelBackend = tf.KernelBackend;

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  inputShape: [number, number, number, number];
}


/** A view of the same data with another shape (Reshape without the kernel; not to be disposed). */
function view(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/**
 * The sub-pixel filter: out[a, b, o, (r_h, r_w, c)] = w[r_h + s_h·(T_h−1−a), r_w + s_w·(T_w−1−b), c, o]
 * (zero where the tap index is ≥ k).
 */
export function subPixelFilter(
  w: Float32Array,
  kH: number,
  kW: number,
  cin: number,
  cout: number,
  sH: number,
  sW: number,
): { values: Float32Array; shape: [number, number, number, number] } {
  const tH = Math.ceil(kH / sH);
  const tW = Math.ceil(kW / sW);
  const depth = sH * sW * cin;
  const values = new Float32Array(tH * tW * cout * depth);
  for (let a = 0; a < tH; a++) {
    for (let rh = 0; rh < sH; rh++) {
      const p = rh + sH * (tH - 1 - a);
      if (p >= kH) continue;
      for (let b = 0; b < tW; b++) {
        for (let rw = 0; rw < sW; rw++) {
          const q = rw + sW * (tW - 1 - b);
          if (q >= kW) continue;
          const wBase = (p * kW + q) * cin * cout;
          const outBase = (a * tW + b) * cout * depth + (rh * sW + rw) * cin;
          for (let c = 0; c < cin; c++) {
            const wRow = wBase + c * cout;
            const outCol = outBase + c;
            for (let o = 0; o < cout; o++) values[outCol + o * depth] = w[wRow + o] as number;
          }
        }
      }
    }
  }
  return { values, shape: [tH, tW, cout, depth] };
}

/**
 * The flipped sub-filter of one phase: out[t, u, o, c] = w[r_h + s_h·(T_h−1−t), r_w + s_w·(T_w−1−u), c, o]
 * with T = ⌈(k − r)/s⌉ taps.
 */
export function phaseFilter(
  w: Float32Array,
  kH: number,
  kW: number,
  cin: number,
  cout: number,
  sH: number,
  sW: number,
  rH: number,
  rW: number,
): { values: Float32Array; shape: [number, number, number, number] } {
  const tH = Math.ceil((kH - rH) / sH);
  const tW = Math.ceil((kW - rW) / sW);
  const values = new Float32Array(tH * tW * cout * cin);
  for (let t = 0; t < tH; t++) {
    const p = rH + sH * (tH - 1 - t);
    for (let u = 0; u < tW; u++) {
      const q = rW + sW * (tW - 1 - u);
      const wBase = (p * kW + q) * cin * cout;
      const outBase = (t * tW + u) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) values[outBase + o * cin + c] = w[wBase + c * cout + o] as number;
      }
    }
  }
  return { values, shape: [tH, tW, cout, cin] };
}

/** Padding of one phase's stride-1 correlation along one axis, or undefined when it would be negative. */
function phasePad(a: number, pad: number, s: number, k: number, outLen: number, dyLen: number): { r: number; taps: number; before: number; after: number } | undefined {
  const r = (a + pad) % s;
  const base = Math.floor((a + pad) / s);
  const taps = Math.ceil((k - r) / s);
  if (taps < 1) return undefined;
  const before = taps - 1 - base;
  const after = outLen - dyLen - before + taps - 1;
  if (before < 0 || after < 0) return undefined;
  return { r, taps, before, after };
}

/**
 * Make the `kernelFunc` of a `Conv2DBackpropInput` for the backend named `backendName`, built from
 * that backend's `Conv2D`, `Transpose`, `Concat` and `Slice` kernels. With `exactPhases` (default)
 * and H, W multiples of the stride, each phase is its own Conv2D computing exactly its rows;
 * otherwise one Conv2D computes all phases on a common grid and the extra rows are cropped.
 */
export function makeConv2DBackpropInput(backendName: string, options: { exactPhases?: boolean } = {}): tf.KernelFunc {
  const allowExact = options.exactPhases ?? true;
  return (args) => {
    const backend = args.backend as KernelBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as BackpropInputAttrs;
    const channelsLast = (attrs.dataFormat ?? "NHWC") !== "NCHW";
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      channelsLast ? "channelsLast" : "channelsFirst",
    );
    const { filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW, batchSize: n } = info;
    const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo, inChannels: cin, outChannels: cout } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const tH = Math.ceil(kH / sH);
    const tW = Math.ceil(kW / sW);
    // rows u = 0..U−1 of the phase grid cover g = top .. top+H−1
    const U = Math.floor((top + H - 1) / sH) + 1;
    const V = Math.floor((left + W - 1) / sW) + 1;

    const intermediates: TensorInfo[] = [];
    const dyNhwc = channelsLast ? dy : run("Transpose", backendName, backend, { x: dy }, { perm: [0, 2, 3, 1] });
    if (!channelsLast) intermediates.push(dyNhwc);

    // the backend's own (fast) stride-1 Conv2D of dy with an NHWC filter and explicit row/column padding
    const stride1Conv = (f: TensorInfo, padH: [number, number], padW: [number, number]): TensorInfo =>
      run("Conv2D", backendName, backend, { x: dyNhwc, filter: f }, { strides: [1, 1], pad: [[0, 0], padH, padW, [0, 0]], dataFormat: "NHWC", dilations: [1, 1] });

    const w = backend.readSync(filter.dataId) as Float32Array;
    let z: TensorInfo | undefined;
    let exact = false;
    // Exact form when every output phase has the same number of rows/columns (H, W multiples of the
    // stride) and non-negative paddings: one stride-1 Conv2D per phase computing exactly its rows
    // (no cropped rows), concatenated along channels in (r_h, r_w, c) order.
    if (allowExact && H % sH === 0 && W % sW === 0 && (sH > 1 || sW > 1)) {
      const hs = Array.from({ length: sH }, (_, a) => phasePad(a, top, sH, kH, H / sH, Ho));
      const ws = Array.from({ length: sW }, (_, a) => phasePad(a, left, sW, kW, W / sW, Wo));
      if (hs.every((p) => p !== undefined) && ws.every((p) => p !== undefined)) {
        const parts: TensorInfo[] = [];
        for (const ph of hs) {
          for (const pw of ws) {
            const f = phaseFilter(w, kH, kW, cin, cout, sH, sW, ph!.r, pw!.r);
            const fInfo: TensorInfo = { dataId: backend.write(f.values, f.shape, "float32"), shape: f.shape, dtype: "float32" };
            intermediates.push(fInfo);
            const part = stride1Conv(fInfo, [ph!.before, ph!.after], [pw!.before, pw!.after]);
            intermediates.push(part);
            parts.push(part);
          }
        }
        z = run("Concat", backendName, backend, parts as unknown as Record<string, TensorInfo>, { axis: 3 });
        exact = true;
      }
    }
    if (z === undefined) {
      const sub = subPixelFilter(w, kH, kW, cin, cout, sH, sW);
      const subInfo: TensorInfo = { dataId: backend.write(sub.values, sub.shape, "float32"), shape: sub.shape, dtype: "float32" };
      intermediates.push(subInfo);
      z = stride1Conv(subInfo, [tH - 1, Math.max(0, U - Ho)], [tW - 1, Math.max(0, V - Wo)]);
    }
    intermediates.push(z);
    const zu = z.shape[1] as number;
    const zv = z.shape[2] as number;
    let d: TensorInfo;
    if (sH === 1 && sW === 1) {
      d = z;
    } else {
      // Z [n·U, V, s_h, s_w·cin] → [n·U, s_h, V, s_w·cin] ≡ D [n, U·s_h, V·s_w, cin]
      const t = run("Transpose", backendName, backend, { x: view(z, [n * zu, zv, sH, sW * cin]) }, { perm: [0, 2, 1, 3] });
      intermediates.push(t);
      d = view(t, [n, zu * sH, zv * sW, cin]);
    }
    let dx: TensorInfo;
    if (exact || (top === 0 && left === 0 && d.shape[1] === H && d.shape[2] === W)) {
      dx = d;
    } else {
      dx = run("Slice", backendName, backend, { x: d }, { begin: [0, top, left, 0], size: [n, H, W, cin] });
      intermediates.push(dx);
    }
    if (!channelsLast) {
      dx = run("Transpose", backendName, backend, { x: dx }, { perm: [0, 3, 1, 2] });
      intermediates.push(dx);
    }
    // dx owns its data (it is the last kernel output, or z itself when nothing was left to do)
    for (const t of intermediates) if (t.dataId !== dx.dataId) backend.disposeData(t.dataId);
    return dx;
  };
}
