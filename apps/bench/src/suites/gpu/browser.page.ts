/**
 * The `gpu` suite in Chromium (`pnpm bench gpu --where=chromium`): runs the workloads on the page's
 * WebGPU (SwiftShader without a GPU) or wasm backend, with Atlas's or the stock kernels.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import { type GpuPlan, type GpuRow, runGpuWorkloads } from "./workloads.js";

setWasmPaths("/wasm/");

const watchedLoss = new WeakSet<object>();
let lostMessage: string | undefined;

expose("adapter", () => webgpuAdapterInfo());

expose("run", async (backend: "webgpu" | "wasm", kernels: "atlas" | "stock", names: string[], plan: GpuPlan): Promise<{ rows: GpuRow[]; log: string[]; gpuErrors: string[] }> => {
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed in this page`);
  await tf.ready();
  if (backend === "webgpu") {
    const device = (tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] & { lost?: Promise<{ message: string }> } }).device;
    watchGpuErrors(device);
    // a lost device turns later work into no-ops that read back quickly: never time those
    if (!watchedLoss.has(device)) {
      watchedLoss.add(device);
      void device.lost?.then((info) => (lostMessage = `WebGPU device lost: ${info.message}`));
    }
  }
  if (lostMessage !== undefined) throw new Error(lostMessage);
  if (kernels === "atlas") registerAtlasKernels(backend);
  else restoreStockKernels(backend);
  const log: string[] = [];
  const rows = await runGpuWorkloads(names, `${backend} (Chromium), ${kernels === "atlas" ? "Atlas" : "stock"} kernels`, plan, (m) => log.push(m));
  return { rows, log, gpuErrors: [...takeGpuErrors(), ...(lostMessage !== undefined ? [lostMessage] : [])] };
});

loaded();
