/**
 * Side-effect module: importing it registers Atlas's kernels on the wasm and cpu backends, and on
 * webgpu when @tensorflow/tfjs-backend-webgpu is already loaded (as tfjs backends register theirs
 * on import). `initBackend()` imports it; it is listed in
 * `sideEffects` in package.json so bundlers keep it.
 */
import { ATLAS_KERNEL_BACKENDS, registerAtlasKernels } from "./registry.js";

for (const backendName of ATLAS_KERNEL_BACKENDS) registerAtlasKernels(backendName);
