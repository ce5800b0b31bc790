/** More random shapes for Atlas's WebGPU convolution-gradient kernels (ATLAS_SLOW=1); see webgpu-kernels.cases.ts. */
import { MORE_MODEL_CASES, describeWebGpuConvKernels, randomCases } from "./webgpu-kernels.cases.js";

describeWebGpuConvKernels("WebGPU convolution-gradient kernels, random shapes (slow)", [...MORE_MODEL_CASES, ...randomCases(24, 7)]);
