/** Tables of the `gpu` suite's rows (browser-safe): throughput beside the PyTorch peer of each workload. */
import type { GpuRow } from "./workloads.js";

/** A PyTorch row as gpu_torch.py prints it. */
export interface TorchRow {
  workload: string;
  msPerStep: number;
  batch: number;
  steps: number;
  note?: string;
}

/** What gpu_torch.py prints. */
export interface TorchResult {
  device: string;
  deviceName: string;
  version: string;
  rows: TorchRow[];
}

/** PyTorch rows as suite rows. */
export function torchRows(result: TorchResult): GpuRow[] {
  return result.rows.map((r) => ({
    workload: r.workload,
    variant: `PyTorch ${result.version} (${result.device}: ${result.deviceName})`,
    backend: "pytorch",
    batch: r.batch,
    steps: r.steps,
    msPerStep: r.msPerStep,
    throughput: (r.batch * 1000) / r.msPerStep,
    unit: r.workload === "geodesic-decode" ? "decoded points" : r.workload === "adam-ae" ? "updates" : "samples",
    ...(r.note ? { note: r.note } : {}),
  }));
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? "—" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** Ratio of each row's throughput to the PyTorch row of the same workload (undefined without one). */
export function ratioToTorch(rows: readonly GpuRow[]): Map<GpuRow, number> {
  const out = new Map<GpuRow, number>();
  for (const r of rows) {
    const peer = rows.find((t) => t.backend === "pytorch" && t.workload === r.workload && t.throughput !== undefined);
    if (peer && r.throughput !== undefined) out.set(r, r.throughput / peer.throughput!);
  }
  return out;
}

/** A markdown table: workload, variant, ms/step, throughput, × PyTorch, note. */
export function markdownTable(rows: readonly GpuRow[]): string {
  const ratios = ratioToTorch(rows);
  const lines = ["| workload | variant | ms/step | throughput | × PyTorch | note |", "|---|---|---|---|---|---|"];
  for (const r of rows) {
    const ratio = ratios.get(r);
    lines.push(
      `| ${r.workload} | ${r.variant} | ${fmt(r.msPerStep, 1)} | ${r.throughput === undefined ? "—" : `${fmt(r.throughput)} ${r.unit ?? ""}/s`} | ${ratio === undefined || r.backend === "pytorch" ? "" : ratio.toPrecision(2)} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}
