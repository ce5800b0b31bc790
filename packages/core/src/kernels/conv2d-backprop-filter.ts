/**
 * `Conv2DBackpropFilter` (the filter gradient of a 2-D convolution) built from a backend's own fast
 * `Transpose` and `Conv2D` kernels.
 *
 * The wasm backend of TensorFlow.js has no `Conv2DBackpropFilter`, so without this kernel conv nets
 * cannot train there; the stock CPU kernel is a plain six-deep loop and this one is many times
 * faster on the CPU backend too.
 *
 * The identity used: for a forward convolution
 *   y[n, i, j, o] = Σ_{p, q, c} x[n, i·sₕ + p − padTop, j·s_w + q − padLeft, c] · w[p, q, c, o]
 * the filter gradient is
 *   dw[p, q, c, o] = Σ_{n, i, j} x[n, p + i·sₕ − padTop, q + j·s_w − padLeft, c] · dy[n, i, j, o],
 * which is itself a convolution: of the input seen as a batch of `Cin` images with `N` channels,
 * `x'` = x transposed to [Cin, H, W, N], by the filter `dy'` = dy transposed to [Ho, Wo, N, Cout],
 * with stride 1, dilation = the forward stride and explicit padding (padTop, padLeft); its output
 * [Cin, kH, kW, Cout] transposed to [kH, kW, Cin, Cout] is `dw`.
 */
import * as tf from "@tensorflow/tfjs";
import { runBackendKernel } from "./run-kernel.js";

const run = (...args: Parameters<typeof runBackendKernel> extends [string, ...infer R] ? R : never): tf.TensorInfo =>
  runBackendKernel("Conv2DBackpropFilter", ...args);

type TensorInfo = tf.TensorInfo;
type KernelBackend = tf.KernelBackend;
type Conv2DPad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

/** Attributes of the `Conv2DBackpropFilter` kernel, as tfjs-core passes them. */
interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: Conv2DPad;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  filterShape: [number, number, number, number];
}


function release(backend: KernelBackend, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/**
 * Make the `kernelFunc` of a `Conv2DBackpropFilter` for the backend named `backendName`, built from
 * that backend's `Transpose`, `Conv2D` and (rarely) `Slice` kernels.
 */
export function makeConv2DBackpropFilter(backendName: string): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as KernelBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as BackpropFilterAttrs;
    const dataFormat = attrs.dataFormat ?? "NHWC";
    const channelsLast = dataFormat !== "NCHW";
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      channelsLast ? "channelsLast" : "channelsFirst",
    );
    const { filterHeight: kH, filterWidth: kW, strideHeight: sH, strideWidth: sW } = info;
    const { inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo, inChannels: cin, outChannels: cout } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Padding at the far side so that the output has (at least) kH × kW positions; when the forward
    // convolution left rows of x unused the needed padding is negative: pad 0 and crop the output.
    const bottom = Math.max(0, kH - 1 + (Ho - 1) * sH - top - (H - 1));
    const right = Math.max(0, kW - 1 + (Wo - 1) * sW - left - (W - 1));

    const xT = run("Transpose", backendName, backend, { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
    const dyT = run("Transpose", backendName, backend, { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
    let conv = run(
      "Conv2D",
      backendName,
      backend,
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: "NHWC",
        dilations: [sH, sW],
      },
    );
    release(backend, xT);
    release(backend, dyT);
    if (conv.shape[1] !== kH || conv.shape[2] !== kW) {
      const cropped = run("Slice", backendName, backend, { x: conv }, { begin: [0, 0, 0, 0], size: [cin, kH, kW, cout] });
      release(backend, conv);
      conv = cropped;
    }
    const dw = run("Transpose", backendName, backend, { x: conv }, { perm: [1, 2, 0, 3] });
    release(backend, conv);
    return dw;
  };
}
