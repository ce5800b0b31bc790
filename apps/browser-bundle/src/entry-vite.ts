// Vite: `?url` turns these imports into URLs of hashed copies in the build's assets.
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import "./page.js";

setWasmPaths({ "tfjs-backend-wasm.wasm": wasm, "tfjs-backend-wasm-simd.wasm": wasmSimd, "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd });
