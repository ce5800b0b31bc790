/**
 * Registering the WebGPU kernels in Node, where @tensorflow/tfjs-backend-webgpu is not imported:
 * nothing is registered (the stock package would replace ours when imported later). The kernels
 * themselves are tested in Chromium (webgpu-kernels.test.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { ATLAS_KERNEL_BACKENDS, atlasKernelNames, atlasKernelsRegistered, registerAtlasKernels, restoreStockKernels } from "../registry.js";

describe("registerAtlasKernels('webgpu') without the WebGPU backend", () => {
  it("names the two convolution-gradient kernels the batch-norm gradient, Adam update, activation gradient, moving average and Swish, and registers none of them", () => {
    expect(ATLAS_KERNEL_BACKENDS).toContain("webgpu");
    expect(atlasKernelNames("webgpu")).toEqual(["Conv2DBackpropFilter", "Conv2DBackpropInput", "AtlasBatchNormGrad", "AtlasAdamUpdate", "AtlasActivationGrad", "AtlasMovingAverage", "AtlasSwish"]);
    expect(tf.findBackendFactory("webgpu")).toBeNull();
    expect(registerAtlasKernels("webgpu")).toEqual([]);
    expect(tf.getKernel("Conv2DBackpropFilter", "webgpu")).toBeUndefined();
    expect(atlasKernelsRegistered("webgpu")).toBe(false);
    expect(restoreStockKernels("webgpu")).toEqual([]);
  });
  it("still checks the kernel names it is given", () => {
    expect(() => registerAtlasKernels("webgpu", { kernels: ["Tile"] })).toThrow(/options\.kernels: Atlas has no 'Tile' kernel for 'webgpu'/);
  });
});
