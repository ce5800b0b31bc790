/**
 * Suite `gpu`: the workloads a GPU should make fast (suites/gpu/workloads.ts) — the GTN App. F
 * autoencoder step at batch 128 and 1024, a batch-norm layer's training gradient (bn-grad), the AWAE-GAN step at the paper's widths m = 1, 4, 8 at
 * batch 100, and a geodesic build's curve-length decoding — in samples/s, on any backend, with
 * Atlas's and the stock kernels, beside the same workloads in PyTorch (CUDA when present).
 *
 * `--where=node` (default): the backend `initBackend()` picks (`--backend=` forces one).
 * `--where=chromium`: in headless Chromium (@atlas/browser-test) on its WebGPU — SwiftShader on a
 * machine without a GPU, which checks the code paths but says nothing about GPU speed — or
 * `--backend=wasm`. On the GPU machine the same workloads run from src/gpu-device.ts (README).
 * Options: `--workloads=ae-128,…`, `--kernels=atlas,stock`, `--steps`, `--warmup`, `--pytorch=false`,
 * `--python=PATH`, `--torch-device=cuda|cpu`, `--quick`.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { atlasKernelNames, initBackend, registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import type { BenchRow, BenchSuite, SuiteContext, SuiteResult } from "../framework.js";
import { ratioToTorch, torchRows, markdownTable, type TorchResult } from "./gpu/report.js";
import { type GpuPlan, type GpuRow, GPU_WORKLOAD_NAMES, describeWorkloads, runGpuWorkloads } from "./gpu/workloads.js";

function list(value: string | undefined, fallback: readonly string[], allowed: readonly string[], key: string): string[] {
  const items = value === undefined ? [...fallback] : value.split(",").filter((s) => s !== "");
  for (const s of items) if (!allowed.includes(s)) throw new Error(`--${key}: unknown '${s}' (one of ${allowed.join(", ")})`);
  return items;
}

function int(options: Record<string, string>, key: string): number | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} expects a non-negative integer, got '${v}'`);
  return n;
}

/** Run gpu_torch.py; resolves to its result or undefined (with the reason logged). */
export async function runTorchPeer(ctx: SuiteContext, names: readonly string[], extra: string[] = []): Promise<TorchResult | undefined> {
  const script = fileURLToPath(new URL("./gpu/gpu_torch.py", import.meta.url));
  const python = ctx.options.python ?? "/usr/bin/python3";
  const args = [script, `--workloads=${names.join(",")}`, ...extra];
  if (ctx.options["torch-device"]) args.push(`--device=${ctx.options["torch-device"]}`);
  if (ctx.quick) args.push("--quick");
  ctx.log(`  PyTorch peer: ${python} ${args.slice(1).join(" ")}`);
  try {
    const { stdout, stderr } = await promisify(execFile)(python, args, { timeout: 1_800_000, maxBuffer: 16 << 20 });
    for (const line of stderr.split("\n")) if (line.trim()) ctx.log(`  ${line.trim()}`);
    return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as TorchResult;
  } catch (err) {
    const e = err as { message?: string; killed?: boolean; signal?: string; stderr?: string };
    const why = e.killed ? `stopped after the 30-minute limit (${e.signal ?? "killed"})` : (e.stderr ?? "").trim().split("\n").pop() || (e.message ?? String(err)).split("\n")[0];
    for (const line of (e.stderr ?? "").split("\n")) if (line.trim()) ctx.log(`  ${line.trim()}`);
    ctx.log(`    PyTorch not measured: ${why}`);
    return undefined;
  }
}

async function inNode(ctx: SuiteContext, names: string[], kernels: string[], plan: GpuPlan): Promise<{ rows: GpuRow[]; backend: string; reason: string }> {
  const info = await initBackend(ctx.options.backend ? { backend: ctx.options.backend as never } : {});
  ctx.log(`initBackend: ${info.name} (${info.reason})`);
  const backend = tf.getBackend();
  const rows: GpuRow[] = [];
  const hasOwn = atlasKernelNames(backend).length > 0;
  for (const k of kernels) {
    if (k === "stock" && !hasOwn) continue;
    if (k === "stock" && backend === "wasm") {
      rows.push({ workload: "all", variant: `${backend}, stock kernels`, backend, batch: 0, steps: 0, note: "cannot train conv nets: stock wasm has no Conv2DBackpropFilter" });
      continue;
    }
    if (k === "atlas") registerAtlasKernels(backend);
    else restoreStockKernels(backend);
    try {
      rows.push(...(await runGpuWorkloads(names, `${backend} (Node), ${k === "atlas" ? "Atlas" : "stock"} kernels`, plan, ctx.log)));
    } finally {
      registerAtlasKernels(backend);
    }
  }
  return { rows, backend, reason: info.reason };
}

async function inChromium(ctx: SuiteContext, names: string[], kernels: string[], plan: GpuPlan): Promise<{ rows: GpuRow[]; backend: string; reason: string }> {
  const backend = ctx.options.backend ?? "webgpu";
  if (backend !== "webgpu" && backend !== "wasm") throw new Error(`--backend: in Chromium 'webgpu' or 'wasm', got '${backend}'`);
  const { openPage, tfjsWasmFiles } = await import("@atlas/browser-test");
  const benchDir = fileURLToPath(new URL("../..", import.meta.url));
  const page = await openPage({ entry: fileURLToPath(new URL("./gpu/browser.page.ts", import.meta.url)), files: tfjsWasmFiles(benchDir), loadTimeoutMs: 120_000 });
  try {
    const adapter = await page.call<{ vendor: string; architecture: string } | undefined>("adapter");
    const rows: GpuRow[] = [];
    for (const k of kernels) {
      if (k === "stock" && backend === "wasm") continue;
      // one call per workload, so progress shows as it goes (a SwiftShader step can take minutes)
      for (const name of names) {
        const r = await page.call<{ rows: GpuRow[]; log: string[]; gpuErrors: string[] }>("run", backend, k, [name], plan);
        for (const line of r.log) ctx.log(line);
        if (r.gpuErrors.length > 0) throw new Error(`WebGPU reported errors: ${r.gpuErrors.join("; ")}`);
        rows.push(...r.rows);
      }
    }
    const where = adapter ? `adapter: ${adapter.vendor} ${adapter.architecture}` : "no WebGPU adapter";
    return { rows, backend: `${backend} (Chromium)`, reason: where };
  } finally {
    await page.close();
  }
}

function toBenchRows(rows: readonly GpuRow[]): BenchRow[] {
  const ratios = ratioToTorch(rows);
  return rows.map((r) => ({
    variant: `${r.workload}: ${r.variant}`,
    backend: r.backend,
    steps: r.steps,
    ...(r.msPerStep !== undefined ? { msPerStep: r.msPerStep } : {}),
    ...(r.throughput !== undefined ? { throughput: r.throughput, unit: r.unit ?? "samples" } : {}),
    ...(ratios.has(r) ? { ratio: ratios.get(r)! } : {}),
    ...(r.note ? { note: r.note } : {}),
  }));
}

export const gpuSuite: BenchSuite = {
  name: "gpu",
  description: "GPU workloads: GTN App. F AE step (batch 128, 1024), a batch-norm layer's gradient, AWAE-GAN paper widths m = 1, 4, 8 (batch 100), geodesic curve-length decoding; ratios vs PyTorch",
  async run(ctx): Promise<SuiteResult> {
    const o = ctx.options;
    const names = list(o.workloads, GPU_WORKLOAD_NAMES, GPU_WORKLOAD_NAMES, "workloads");
    const kernels = list(o.kernels, ["atlas", "stock"], ["atlas", "stock"], "kernels");
    const steps = int(o, "steps");
    const warmup = int(o, "warmup");
    const plan: GpuPlan = { quick: ctx.quick, ...(steps !== undefined ? { steps } : {}), ...(warmup !== undefined ? { warmup } : {}) };
    const where = o.where ?? "node";
    if (where !== "node" && where !== "chromium") throw new Error(`--where: 'node' or 'chromium', got '${where}'`);
    const measured = where === "chromium" ? await inChromium(ctx, names, kernels, plan) : await inNode(ctx, names, kernels, plan);
    const rows = [...measured.rows];
    let torch: TorchResult | undefined;
    if (o.pytorch !== "false") {
      torch = await runTorchPeer(ctx, names, [...(steps !== undefined ? [`--steps=${steps}`] : []), ...(warmup !== undefined ? [`--warmup=${warmup}`] : [])]);
      if (torch) rows.push(...torchRows(torch));
    }
    // one table per workload: order rows by workload
    rows.sort((a, b) => names.indexOf(a.workload) - names.indexOf(b.workload));
    const notes = [
      `${measured.backend}: ${measured.reason}`,
      ...describeWorkloads(names),
      "ratio: throughput ÷ the PyTorch row of the same workload, measured in the same run",
      ...(measured.reason.includes("swiftshader") ? ["SwiftShader runs WebGPU on the CPU: these numbers check that the code paths work, they are not GPU speed"] : []),
    ];
    return {
      suite: this.name,
      description: this.description,
      backend: measured.backend,
      rows: toBenchRows(rows),
      notes,
      extra: { markdown: markdownTable(rows), ...(torch ? { torch } : {}) },
    };
  },
};
