/**
 * The `gpu` suite on the GPU machine: TensorFlow.js's WebGPU backend on Dawn (the npm package
 * `webgpu`, Vulkan on the GPU), with the stock kernels and with Atlas's, plus the PyTorch peer's
 * result (gpu_torch.py, run before by apps/bench/device/gpu-run.sh). Bundled with esbuild into one
 * file (`pnpm --filter @atlas/bench bundle:device`, `webgpu` left external) so no node_modules has
 * to travel; see apps/bench/README.md ("On a GPU machine").
 *
 * Args: `--out=DIR` (writes gpu.json and gpu.md), `--torch-json=FILE`, `--workloads=a,b`,
 * `--kernels=stock,atlas`, `--profile=ae-1024,awae-m1` (one profiled step per kernel set; `none`),
 * `--steps=N`, `--warmup=N`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import { markdownTable, torchRows, type TorchResult } from "./suites/gpu/report.js";
import { type GpuPlan, type GpuRow, GPU_WORKLOAD_NAMES, describeWorkloads, profileWorkload, runGpuWorkloads } from "./suites/gpu/workloads.js";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith("--"))
    .map((a) => {
      const eq = a.indexOf("=");
      return eq < 0 ? [a.slice(2), "true"] : [a.slice(2, eq), a.slice(eq + 1)];
    }),
) as Record<string, string>;
const out = args.out ?? process.env.OUT ?? "gpu-results";
mkdirSync(out, { recursive: true });
const log = (m: string): void => void process.stderr.write(`${m}\n`);
const names = (args.workloads ?? GPU_WORKLOAD_NAMES.join(",")).split(",").filter(Boolean);
const kernelSets = (args.kernels ?? "stock,atlas").split(",").filter(Boolean);
const profiles = args.profile === "none" ? [] : (args.profile ?? "ae-1024,awae-m1").split(",").filter(Boolean);
const plan: GpuPlan = { ...(args.steps ? { steps: Number(args.steps) } : {}), ...(args.warmup ? { warmup: Number(args.warmup) } : {}) };

// WebGPU in Node: Dawn's globals and navigator.gpu before the backend package is imported
const webgpuPackage = "webgpu"; // only on the GPU machine (.device/node_modules); no types here
const webgpu = (await import(/* @vite-ignore */ webgpuPackage)) as unknown as { create(flags: string[]): unknown; globals: Record<string, unknown> };
Object.assign(globalThis, webgpu.globals);
(globalThis as { navigator?: unknown }).navigator = { gpu: webgpu.create([]), userAgent: "node" };
await import("@tensorflow/tfjs-backend-webgpu");
if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') failed: no adapter?");
await tf.ready();
const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string }; device: { onuncapturederror: unknown; features?: Set<string> } };
const gpuErrors: string[] = [];
backend.device.onuncapturederror = (e: { error: { message: string } }) => gpuErrors.push(e.error.message.split("\n")[0] ?? "");
const adapter = backend.adapterInfo ?? {};
log(`webgpu adapter: ${JSON.stringify(adapter)}; timestamp-query: ${String(backend.device.features?.has("timestamp-query"))}`);

const rows: GpuRow[] = [];
const kernelProfiles: Record<string, Record<string, number> | string> = {};
for (const set of kernelSets) {
  if (set === "atlas") registerAtlasKernels("webgpu");
  else restoreStockKernels("webgpu");
  log(`kernels: ${set}`);
  rows.push(...(await runGpuWorkloads(names, `webgpu (Dawn), ${set === "atlas" ? "Atlas" : "stock"} kernels`, plan, log)));
  for (const p of profiles.filter((n) => names.includes(n))) {
    try {
      kernelProfiles[`${p}, ${set} kernels`] = await profileWorkload(p);
    } catch (err) {
      kernelProfiles[`${p}, ${set} kernels`] = `failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
registerAtlasKernels("webgpu");

let torch: TorchResult | undefined;
if (args["torch-json"] && existsSync(args["torch-json"])) {
  try {
    torch = JSON.parse(readFileSync(args["torch-json"], "utf8").trim().split("\n").pop() ?? "{}") as TorchResult;
    rows.push(...torchRows(torch));
  } catch (err) {
    log(`could not read the PyTorch result: ${String(err)}`);
  }
}
rows.sort((a, b) => names.indexOf(a.workload) - names.indexOf(b.workload));

const profileText = Object.entries(kernelProfiles)
  .map(([k, v]) => `- ${k}: ${typeof v === "string" ? v : Object.entries(v).slice(0, 8).map(([n, ms]) => `${n} ${ms.toFixed(1)} ms`).join(", ")}`)
  .join("\n");
const md = [
  `# gpu suite on ${adapter.description ?? adapter.vendor ?? "the GPU"} (${new Date().toISOString()})`,
  "",
  `WebGPU adapter: ${JSON.stringify(adapter)}; PyTorch: ${torch ? `${torch.version} on ${torch.deviceName}` : "not measured"}.`,
  "",
  markdownTable(rows),
  "",
  ...describeWorkloads(names).map((d) => `- ${d}`),
  "",
  "Kernel time of one profiled step (tf.profile; GPU timestamps where the device offers them):",
  profileText || "- (none)",
  ...(gpuErrors.length ? ["", `WebGPU errors: ${gpuErrors.join("; ")}`] : []),
  "",
].join("\n");
writeFileSync(join(out, "gpu.md"), md);
writeFileSync(join(out, "gpu.json"), `${JSON.stringify({ adapter, rows, torch, kernelProfiles, gpuErrors, date: new Date().toISOString() }, null, 2)}\n`);
process.stdout.write(md);
