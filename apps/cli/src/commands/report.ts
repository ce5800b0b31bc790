// `atlas report DIR [--out FILE.html]`
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import type { CommandSpec, ParsedArgs } from "../args.js";
import { writeFileAtomic } from "../files.js";
import { prepareOutFile } from "../out-dir.js";
import { renderReport } from "../report/html.js";
import { runDirectoryReport } from "../report/run-report.js";
import type { Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";
import { demoReport, DEMO_JSON } from "../demo/report.js";

export const reportSpec: CommandSpec = {
  name: "report",
  summary: "Write a self-contained HTML report (images embedded) of a directory atlas wrote: a model, geodesics, evaluations, or a demo run.",
  positionals: [{ name: "DIR", help: "run directory" }],
  flags: {
    out: { type: "string", value: "FILE", help: "the HTML file (default DIR/report.html)" },
    ...COMMON_FLAGS,
  },
};

export interface ReportResult {
  out: string;
  sections: string[];
  bytes: number;
}

/** Run `atlas report`. */
export async function runReport(args: ParsedArgs, rt: Runtime): Promise<ReportResult> {
  const dir = resolve(args.positionals[0]!);
  const { file } = await prepareOutFile((args.flags.out as string | undefined) ?? join(dir, "report.html"));
  const isDemo = await fs.stat(join(dir, DEMO_JSON)).then(() => true, () => false);
  const report = isDemo ? await demoReport(dir) : await runDirectoryReport(dir);
  const html = renderReport(report);
  await writeFileAtomic(file, html);
  rt.log(`wrote ${file} (${(html.length / 1024).toFixed(0)} kB, sections: ${report.sections.map((s) => s.title).join("; ")})`);
  return { out: file, sections: report.sections.map((s) => s.title), bytes: html.length };
}
