/**
 * `pnpm bench [suite...] [--quick] [--key=value]`: runs the named suites (all when none is named),
 * prints a table per suite and writes `bench-results/<suite>.json` (backend, absolute times and
 * ratios measured in one run).
 */
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { formatTable, parseArgs, writeResult } from "./framework.js";
import { SUITES } from "./suites/index.js";

const RESULTS_DIR = fileURLToPath(new URL("../bench-results", import.meta.url));

async function main(argv: readonly string[]): Promise<number> {
  const { suites, quick, options } = parseArgs(argv);
  if (options.help !== undefined || options.list !== undefined) {
    process.stdout.write(`usage: pnpm bench [suite...] [--quick] [--key=value]\nsuites:\n${SUITES.map((s) => `  ${s.name}: ${s.description}`).join("\n")}\n`);
    return 0;
  }
  const unknown = suites.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(", ")}; available: ${SUITES.map((s) => s.name).join(", ")}\n`);
    return 2;
  }
  const chosen = suites.length === 0 ? SUITES : SUITES.filter((s) => suites.includes(s.name));
  for (const suite of chosen) {
    process.stderr.write(`running ${suite.name}${quick ? " (quick)" : ""}…\n`);
    const t0 = performance.now();
    const result = await suite.run({ quick, options, log: (m) => process.stderr.write(`${m}\n`) });
    result.date = new Date().toISOString();
    result.totalSeconds = Math.round((performance.now() - t0) / 100) / 10;
    result.host = { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };
    const path = await writeResult(RESULTS_DIR, result);
    process.stdout.write(`\n${formatTable(result)}\n→ ${path}\n`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
