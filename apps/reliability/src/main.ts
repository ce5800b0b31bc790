/**
 * `pnpm --filter @atlas/reliability harness [--slow] [--seed N] [--only ids] [--json file] [pkg…]`:
 * runs the bad-input harness and prints the outcome table (and each failing call).
 */
import { writeFileSync } from "node:fs";
import { FAILING, type CallRecord, type Outcome } from "./entry.js";
import { PACKAGES } from "./registry.js";
import { supervise, type SuperviseResult } from "./supervise.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const slow = args.includes("--slow");
if (slow) args.splice(args.indexOf("--slow"), 1);
const quiet = args.includes("--quiet");
if (quiet) args.splice(args.indexOf("--quiet"), 1);
const seed = Number(flag("--seed") ?? 1);
const only = flag("--only");
const json = flag("--json");
const pkgs = args.length ? args : PACKAGES;

const results: SuperviseResult[] = [];
for (const pkg of pkgs) {
  const res = await supervise(pkg, {
    mode: slow ? "slow" : "fast",
    seed,
    ...(only ? { only } : {}),
    onRecord: (r: CallRecord) => {
      if (!quiet && FAILING.has(r.outcome)) process.stdout.write(`  ✗ ${r.outcome.padEnd(12)} ${r.id} ${r.path} = ${r.label}${r.detail ? ` — ${r.detail}` : ""}\n`);
    },
  });
  results.push(res);
  if (res.fatal) process.stdout.write(`  ! ${pkg}: ${res.fatal.split("\n").slice(0, 6).join("\n    ")}\n`);
}

const outcomes: Outcome[] = ["clean", "finite", "wrong-arg", "raw", "accepted", "nonfinite", "leak", "hang", "crash", "poisoned", "broken-entry"];
process.stdout.write(`\n${"package".padEnd(10)} ${"calls".padStart(6)} ${"ok %".padStart(6)} ${outcomes.map((o) => o.padStart(9)).join(" ")}  seconds\n`);
let all: CallRecord[] = [];
for (const r of results) {
  const bad = r.records.filter((x) => x.label !== "valid");
  all = all.concat(r.records);
  const count = (o: Outcome): number => r.records.filter((x) => x.outcome === o && (x.label !== "valid" || o === "broken-entry")).length;
  const ok = bad.filter((x) => !FAILING.has(x.outcome)).length;
  process.stdout.write(`${r.pkg.padEnd(10)} ${String(bad.length).padStart(6)} ${(bad.length ? (100 * ok) / bad.length : 100).toFixed(1).padStart(6)} ${outcomes.map((o) => String(count(o)).padStart(9)).join(" ")}  ${r.seconds.toFixed(0)}${r.fatal ? "  FATAL" : ""}\n`);
}
const badAll = all.filter((x) => x.label !== "valid");
const okAll = badAll.filter((x) => !FAILING.has(x.outcome)).length;
process.stdout.write(`${"all".padEnd(10)} ${String(badAll.length).padStart(6)} ${(badAll.length ? (100 * okAll) / badAll.length : 100).toFixed(1).padStart(6)}\n`);
if (json) writeFileSync(json, JSON.stringify(results, null, 1));
