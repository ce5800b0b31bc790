/**
 * Per-kernel time of one AWAE-GAN training step (CPU widths, batch 100) on the backend
 * `initBackend()` picks, via `tf.profile`; then the step rate over 3 steps. `--stock` restores the
 * stock wasm Conv2DBackpropInput first; `--detail` lists the largest Sum/Multiply/Mean/Tile calls.
 *
 * Run from apps/bench: `pnpm exec tsx --conditions=@atlas/source ../../packages/agm/scripts/profile-step.ts 4 [--stock] [--detail]`
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend, loadMnist, batchImages, restoreStockKernels } from "@atlas/core";
import { AwaeGanTrainer, cpuAwaeGanOptions, createAwaeGan } from "../src/index.js";

const m = Number(process.argv[2] ?? 1);
const stock = process.argv.includes("--stock");
const be = await initBackend();
if (stock) restoreStockKernels("wasm", { kernels: ["Conv2DBackpropInput"] });
const train = await loadMnist("train");
const model = createAwaeGan({ ...cpuAwaeGanOptions(m), seed: 0 });
const trainer = new AwaeGanTrainer(model, {});
const batch = (k: number) => batchImages(train, Int32Array.from({ length: 100 }, (_, i) => k * 100 + i));
const x0 = batch(0); await trainer.step(x0); x0.dispose();
const x = batch(1);
const info = await tf.profile(async () => { await trainer.step(x); });
const by = new Map<string, number>();
let total = 0;
for (const k of info.kernels) { const t = Number(k.kernelTimeMs) || 0; by.set(k.name, (by.get(k.name) ?? 0) + t); total += t; }
console.log(be.tfBackend, "m", m, stock ? "stock BackpropInput" : "atlas", "kernel total ms", total.toFixed(0));
for (const [n, t] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(n.padEnd(24), t.toFixed(1));
if (process.argv.includes("--detail")) for (const k of info.kernels.filter((k) => ["Sum", "Multiply", "Mean", "Tile", "Identity"].includes(k.name)).sort((a, b) => Number(b.kernelTimeMs) - Number(a.kernelTimeMs)).slice(0, 30)) console.log(k.name, Number(k.kernelTimeMs).toFixed(1), JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes));
let ms = 0; for (let k = 2; k < 5; k++) { const b = batch(k); const t0 = performance.now(); await trainer.step(b); ms += performance.now() - t0; b.dispose(); }
console.log("samples/s", (300 / (ms / 1000)).toFixed(1));
