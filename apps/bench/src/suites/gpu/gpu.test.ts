/**
 * The `gpu` suite's plumbing (no workload is run here: each is seconds to minutes on a CPU; the
 * numbers are in apps/bench/README.md and the webgpu-vs-wasm correctness in apps/webgpu-check).
 */
import { describe, expect, it } from "vitest";
import { gpuSuite } from "../gpu.js";
import { markdownTable, ratioToTorch, torchRows, type TorchResult } from "./report.js";
import { GPU_WORKLOAD_NAMES, describeWorkloads, runGpuWorkloads } from "./workloads.js";

const torch: TorchResult = {
  device: "cpu",
  deviceName: "CPU, 2 threads",
  version: "1.13.0",
  rows: [
    { workload: "ae-128", msPerStep: 64, batch: 128, steps: 3 },
    { workload: "geodesic-decode", msPerStep: 20.48, batch: 4096, steps: 1, note: "512 edges" },
  ],
};

describe("gpu suite", () => {
  it("has the issue's workloads: AE at batch 128 and 1024, a batch-norm gradient, a Swish gradient, AWAE-GAN m = 1, 4, 8, the geodesic decoding", () => {
    expect(GPU_WORKLOAD_NAMES).toEqual(["ae-128", "ae-1024", "bn-grad", "act-grad", "adam-ae", "geodesic-decode", "awae-m1", "awae-m4", "awae-m8"]);
    const text = describeWorkloads(GPU_WORKLOAD_NAMES).join("\n");
    expect(text).toMatch(/batch 1024/);
    expect(text).toMatch(/m = 8 .*batch 100/);
  });

  it("turns PyTorch rows into throughputs: batch·1000 / ms", () => {
    const rows = torchRows(torch);
    // 128 samples in 64 ms → 2000 samples/s; 4096 points in 20.48 ms → 200 000 points/s
    expect(rows[0]!.throughput).toBeCloseTo(2000, 9);
    expect(rows[1]!.throughput).toBeCloseTo(200_000, 6);
    expect(rows[1]!.unit).toBe("decoded points");
    expect(rows[0]!.variant).toBe("PyTorch 1.13.0 (cpu: CPU, 2 threads)");
  });

  it("divides each row's throughput by the PyTorch row of the same workload only", () => {
    const tfjs = [
      { workload: "ae-128", variant: "wasm", backend: "wasm", batch: 128, steps: 3, msPerStep: 256, throughput: 500, unit: "samples" },
      { workload: "awae-m1", variant: "wasm", backend: "wasm", batch: 100, steps: 1, msPerStep: 1000, throughput: 100, unit: "samples" },
    ];
    const rows = [...tfjs, ...torchRows(torch)];
    const ratios = ratioToTorch(rows);
    expect(ratios.get(tfjs[0]!)).toBeCloseTo(0.25, 12); // 500 / 2000
    expect(ratios.has(tfjs[1]!)).toBe(false); // no PyTorch awae-m1 row
    const md = markdownTable(rows).split("\n");
    expect(md[2]).toBe("| ae-128 | wasm | 256.0 | 500 samples/s | 0.25 |  |");
    expect(md).toHaveLength(2 + rows.length);
  });

  it("refuses unknown workloads, kernels, places and counts before running anything", async () => {
    const ctx = (options: Record<string, string>) => ({ quick: true, options, log: () => {} });
    await expect(gpuSuite.run(ctx({ workloads: "ae-64" }))).rejects.toThrow(/--workloads: unknown 'ae-64'/);
    await expect(gpuSuite.run(ctx({ kernels: "fast" }))).rejects.toThrow(/--kernels: unknown 'fast'/);
    await expect(gpuSuite.run(ctx({ steps: "-1" }))).rejects.toThrow(/--steps expects a non-negative integer/);
    await expect(gpuSuite.run(ctx({ where: "gpu" }))).rejects.toThrow(/--where: 'node' or 'chromium'/);
    await expect(runGpuWorkloads(["nope"], "x")).rejects.toThrow(/unknown gpu workload 'nope'/);
  });
});
