/**
 * Atlas's fused activation gradient (`AtlasActivationGrad`) on WebGPU in headless Chromium
 * (SwiftShader without a GPU): model shapes and edges against tfjs's stock chain and float64,
 * deliberately wrong kernels (which must fail), core's layers, the kernels run, leaks (tolerances
 * in activation-reference.ts). activation-grad.slow.test.ts runs random shapes.
 */
import { ACTIVATION_CASES, describeActivationGrad } from "./activation-grad.cases.js";

describeActivationGrad("AtlasActivationGrad on WebGPU in Chromium (SwiftShader without a GPU)", ACTIVATION_CASES, true);
