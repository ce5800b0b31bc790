import "@tensorflow/tfjs-backend-webgpu"; // WebGPU where the browser has it (WebGL and CPU come with @tensorflow/tfjs)
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { encodeImageGrid, initBackend, packDirectory, swissRoll } from "@atlas/core";
import { GTN, trainGTN } from "@atlas/gtn";

const log = (line: string): void => void (document.getElementById("log")!.textContent += `${line}\n`);

// where Vite put the wasm backend's binaries
setWasmPaths({ "tfjs-backend-wasm.wasm": wasm, "tfjs-backend-wasm-simd.wasm": wasmSimd, "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd });
// webgpu → webgl → wasm → cpu, or the one named in the page's URL (?backend=wasm)
const { name, reason } = await initBackend({ backend: new URLSearchParams(location.search).get("backend") ?? "auto" });
log(`backend: ${name} (${reason})`);

// train a GTN on a swiss roll's angle, save it in IndexedDB (kept across reloads), load it back
const roll = swissRoll(500, 0);
const gtn = await trainGTN({ data: roll.theta, dim: 1 }, { preset: "swissRoll", epochs: 2, seed: 0 });
await gtn.save("indexeddb://swiss-roll-gtn");
const again = await GTN.load("indexeddb://swiss-roll-gtn");
const drawn = again.sample(5, 1);
const samples = await drawn.data();
drawn.dispose();
log(`samples of θ: ${Array.from(samples, (v) => v.toFixed(3)).join(", ")}`);

// the saved model as one file to download, and a PNG drawn in the page
const bundle = await packDirectory("indexeddb://swiss-roll-gtn");
const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(new Blob([bundle])), download: "swiss-roll-gtn.atlas", textContent: "download the model" });
const png = encodeImageGrid({ data: Float32Array.from({ length: 64 }, (_, i) => i / 63), shape: [4, 4, 4, 1] }, { scale: 8 });
const img = Object.assign(document.createElement("img"), { src: URL.createObjectURL(new Blob([png], { type: "image/png" })) });
document.body.append(link, img);
log(`done: ${bundle.length} bytes in the bundle`);
