/** Every network block and every model's training step on webgpu (stock and Atlas kernels) vs wasm, in Chromium (ATLAS_SLOW=1); see models.cases.ts. */
import { BLOCKS, STEPS, describeModelChecks } from "./models.cases.js";

describeModelChecks("webgpu vs wasm in Chromium: network blocks", BLOCKS, ["webgpu-atlas", "webgpu-stock"]);
describeModelChecks("webgpu vs wasm in Chromium: one training step of each model", STEPS, ["webgpu-atlas", "webgpu-stock"]);
