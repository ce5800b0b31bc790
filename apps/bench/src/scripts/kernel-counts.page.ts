/** Browser side of `kernel-counts.ts --where=chromium`: one step's kernels on the page's WebGPU, stock or Atlas kernels. */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { expose, loaded, takeGpuErrors } from "@atlas/browser-test/page";
import { registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import { countStepKernels } from "./kernel-count-steps.js";

/**
 * `stock`: tfjs's kernels; `atlas`: all of Atlas's; `atlas-without-activation`: Atlas's without
 * `AtlasActivationGrad` (what the batch-norm and Adam kernels alone gave, before the activation one).
 */
expose("counts", async (which: "ae" | "awae", kernels: "stock" | "atlas" | "atlas-without-activation") => {
  if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') failed in this page");
  await tf.ready();
  if (kernels === "stock") restoreStockKernels("webgpu");
  else registerAtlasKernels("webgpu");
  if (kernels === "atlas-without-activation") restoreStockKernels("webgpu", { kernels: ["AtlasActivationGrad"] });
  return { ...(await countStepKernels(which)), backend: tf.getBackend(), gpuErrors: takeGpuErrors() };
});
loaded();
