// `atlas demo [--quick] [--out DIR]`: the project's main job.
import { join } from "node:path";
import type { CommandSpec, ParsedArgs } from "../args.js";
import { UsageError } from "../args.js";
import type { DemoMode } from "../demo/config.js";
import { DEMO_PRESETS } from "../demo/config.js";
import { demoReport, summaryRows } from "../demo/report.js";
import { runDemoPipeline, type DemoRecord } from "../demo/run.js";
import { writeFileAtomic } from "../files.js";
import { prepareOutDir } from "../out-dir.js";
import { renderReport } from "../report/html.js";
import type { Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";

export const demoSpec: CommandSpec = {
  name: "demo",
  summary: "Run the papers end to end on MNIST on this machine and write DIR/report.html (self-contained) and a summary table: a 4-chart AWAE-GAN and the WAE-GAN baseline, graph geodesics, a GTN on the latent space, metrics.",
  positionals: [],
  flags: {
    quick: { type: "boolean", help: "smaller sizes: about 2 minutes on a 2-core CPU instead of about 15" },
    tiny: { type: "boolean", help: "toy sizes, seconds (tests): every section, meaningless numbers" },
    out: { type: "string", value: "DIR", default: "out/demo", help: "output directory" },
    seed: { type: "int", min: 0, max: 2 ** 31 - 1, value: "N", default: "0", help: "seed of every model and draw" },
    resume: { type: "boolean", help: "continue an interrupted demo in DIR (finished stages are kept, training resumes from its checkpoint)" },
    ...COMMON_FLAGS,
  },
  notes: [
    `Sizes (full / --quick): training images ${DEMO_PRESETS.full.trainImages} / ${DEMO_PRESETS.quick.trainImages}, graph nodes ${DEMO_PRESETS.full.graphNodes} / ${DEMO_PRESETS.quick.graphNodes}, geodesic pairs ${DEMO_PRESETS.full.pairs} / ${DEMO_PRESETS.quick.pairs}, metric samples ${DEMO_PRESETS.full.metricSamples} / ${DEMO_PRESETS.quick.metricSamples}.`,
    "Ctrl-C saves what is done (and the training checkpoint); 'atlas demo --resume' with the same flags continues.",
  ],
};

export interface DemoCommandResult {
  out: string;
  report: string;
  mode: DemoMode;
  seconds: number;
  record: DemoRecord;
}

/** Run `atlas demo`. */
export async function runDemo(args: ParsedArgs, rt: Runtime): Promise<DemoCommandResult> {
  const f = args.flags;
  if (f.quick === true && f.tiny === true) throw new UsageError("--tiny", "give --quick or --tiny, not both");
  const mode: DemoMode = f.tiny === true ? "tiny" : f.quick === true ? "quick" : "full";
  const { dir: out } = await prepareOutDir((f.out as string | undefined) ?? "out/demo");
  const t0 = performance.now();
  const record = await runDemoPipeline({ mode, out, seed: (f.seed as number | undefined) ?? 0, resume: f.resume === true, rt });
  const report = join(out, "report.html");
  await writeFileAtomic(report, renderReport(await demoReport(out)));
  const seconds = (performance.now() - t0) / 1000;
  const { head, rows } = summaryRows(record);
  for (const line of formatTable(head, rows)) rt.log(line);
  rt.log(`demo (${mode}) finished in ${seconds.toFixed(0)} s; report: ${report}`);
  return { out, report, mode, seconds, record };
}

/** A plain-text table, columns padded. */
export function formatTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}
