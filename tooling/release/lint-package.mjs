#!/usr/bin/env node
// `pnpm lint` in a library (run by turbo after its build): packs the package exactly as it will be
// published (pnpm pack, so the beforePacking hook shapes the manifest) and lints that tarball with
// publint (strict: warnings fail) and with Are the Types Wrong (`attw`, ESM-only profile: the
// packages ship ES modules only, so CommonJS `require` resolution is out of scope).
//   cd packages/gtn && node ../../tooling/release/lint-package.mjs
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { pnpmCommand } from "./pnpm.mjs";

const dir = process.cwd();
const name = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name;
const out = mkdtempSync(path.join(tmpdir(), "atlas-lint-"));
let failed = false;
try {
  const [cmd, pre] = pnpmCommand();
  const pack = spawnSync(cmd, [...pre, "pack", "--pack-destination", out], { cwd: dir, encoding: "utf8" });
  if (pack.status !== 0) throw new Error(`pnpm pack failed in ${dir}:\n${pack.stdout}\n${pack.stderr}`);
  const tgz = path.join(out, readdirSync(out).find((f) => f.endsWith(".tgz")));
  const bytes = readFileSync(tgz);
  const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball }, strict: true, level: "suggestion" });
  for (const m of messages) {
    console.log(`publint ${name} ${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
    if (m.type !== "suggestion") failed = true;
  }
  if (messages.length === 0) console.log(`publint ${name}: all good`);
  const attwBin = path.join(path.dirname(createRequire(import.meta.url).resolve("@arethetypeswrong/cli/package.json")), "dist", "index.js");
  const attw = spawnSync(process.execPath, [attwBin, tgz, "--profile", "esm-only", "--format", "ascii", "--no-color", "--no-emoji"], { encoding: "utf8" });
  process.stdout.write(attw.stdout);
  process.stderr.write(attw.stderr);
  if (attw.status !== 0) failed = true;
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failed) {
  console.error(`lint ${name}: failed`);
  process.exit(1);
}
