/**
 * Browser side of webgpu-kernels.test.ts: runs in headless Chromium on the `webgpu` backend
 * (SwiftShader where there is no GPU) and compares Atlas's WGSL convolution-gradient kernels with
 * the stock tfjs-backend-webgpu kernels and with float64 reference loops.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { Rng } from "../../rng.js";
import { atlasKernelNames, atlasKernelsRegistered, registerAtlasKernels, restoreStockKernels } from "../registry.js";
import { type ConvCase, referenceGradients, scaledError } from "./conv-grad-reference.js";

const ready = tf.setBackend("webgpu").then(async (ok) => {
  await tf.ready();
  if (ok) watchGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] }).device);
  return ok;
});

function padAttr(pad: ConvCase["pad"]): "same" | "valid" | tf.backend_util.ExplicitPadding {
  return pad === "same" || pad === "valid" ? pad : (pad as unknown as tf.backend_util.ExplicitPadding);
}

async function runBoth(which: "filter" | "input", c: ConvCase, x: tf.Tensor4D, w: tf.Tensor4D, dy: tf.Tensor4D): Promise<Float32Array> {
  const attrs = { strides: c.strides, pad: padAttr(c.pad), dataFormat: "NHWC" };
  const out =
    which === "filter"
      ? (tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: c.k }) as tf.Tensor)
      : (tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { ...attrs, inputShape: c.x }) as tf.Tensor);
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

/** One case: errors of the Atlas and stock kernels against float64, scaled by Σ|terms|. */
async function convCase(c: ConvCase, seed: number): Promise<Record<string, number | string | boolean>> {
  await ready;
  const rng = new Rng(seed);
  const [n, H, W, cin] = c.x;
  const [kH, kW, , cout] = c.k;
  const xv = rng.normalArray(n * H * W * cin);
  const wv = rng.normalArray(kH * kW * cin * cout);
  const ref0 = referenceGradients(c, xv, wv, new Float32Array(0));
  const dyv = rng.normalArray(n * ref0.outH * ref0.outW * cout);
  const ref = referenceGradients(c, xv, wv, dyv);
  const x = tf.tensor4d(xv, c.x);
  const w = tf.tensor4d(wv, c.k);
  const dy = tf.tensor4d(dyv, [n, ref.outH, ref.outW, cout]);
  try {
    const result: Record<string, number | string | boolean> = {};
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      result[`${variant}Registered`] = atlasKernelsRegistered("webgpu");
      const dw = await runBoth("filter", c, x, w, dy);
      const dx = await runBoth("input", c, x, w, dy);
      result[`${variant}FilterError`] = scaledError(dw, ref.dw, ref.dwAbs);
      result[`${variant}InputError`] = scaledError(dx, ref.dx, ref.dxAbs);
    }
    // the longest sum of one output element: dw sums N·Ho·Wo terms, dx at most kH·kW·Cout
    result.filterTerms = n * ref.outH * ref.outW;
    result.gpuErrors = takeGpuErrors().join("; ");
    result.inputTerms = kH * kW * cout;
    return result;
  } finally {
    registerAtlasKernels("webgpu");
    x.dispose();
    w.dispose();
    dy.dispose();
  }
}

/** Tensors alive after a few gradient calls with the Atlas kernels (after one warm-up). */
async function leakCheck(): Promise<{ before: number; after: number; gpuErrors: string[] }> {
  await ready;
  registerAtlasKernels("webgpu");
  const c: ConvCase = { name: "leak", x: [4, 16, 16, 3], k: [3, 3, 3, 5], strides: [1, 1], pad: "same" };
  const run = async (): Promise<void> => {
    const x = tf.randomNormal(c.x) as tf.Tensor4D;
    const w = tf.randomNormal(c.k) as tf.Tensor4D;
    const dy = tf.randomNormal([4, 16, 16, 5]) as tf.Tensor4D;
    await runBoth("filter", c, x, w, dy);
    await runBoth("input", c, x, w, dy);
    tf.dispose([x, w, dy]);
  };
  await run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await run();
  return { before, after: tf.memory().numTensors, gpuErrors: takeGpuErrors() };
}

/**
 * Milliseconds per call of each convolution-gradient kernel (stock and Atlas) on one case, after a
 * warm-up call (pipelines compiled), waiting for the result each call. On SwiftShader this is a
 * sanity check of the kernels' relative cost on a CPU, not GPU speed.
 */
async function kernelTimes(c: ConvCase, reps: number): Promise<Record<string, number>> {
  await ready;
  const [n, H, W, cin] = c.x;
  const [kH, kW, , cout] = c.k;
  const ref = referenceGradients({ ...c, x: [1, H, W, 1], k: [kH, kW, 1, 1] }, new Float32Array(H * W), new Float32Array(kH * kW), new Float32Array(0));
  const x = tf.randomNormal(c.x) as tf.Tensor4D;
  const w = tf.randomNormal(c.k) as tf.Tensor4D;
  const dy = tf.randomNormal([n, ref.outH, ref.outW, cout]) as tf.Tensor4D;
  const out: Record<string, number> = {};
  try {
    for (const variant of ["stock", "atlas"] as const) {
      if (variant === "stock") restoreStockKernels("webgpu");
      else registerAtlasKernels("webgpu");
      for (const which of ["filter", "input"] as const) {
        await runBoth(which, c, x, w, dy);
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) await runBoth(which, c, x, w, dy);
        out[`${variant} ${which}`] = (performance.now() - t0) / reps;
      }
    }
    out.cin = cin;
    return out;
  } finally {
    registerAtlasKernels("webgpu");
    tf.dispose([x, w, dy]);
  }
}

expose("kernelTimes", kernelTimes);
expose("setup", async () => ({ ok: await ready, backend: tf.getBackend(), adapter: await webgpuAdapterInfo(), kernels: atlasKernelNames("webgpu"), registered: registerAtlasKernels("webgpu").length >= 0 && atlasKernelsRegistered("webgpu") }));
expose("convCase", convCase);
expose("leakCheck", leakCheck);
loaded();
