#!/usr/bin/env node
// Run a README's code blocks against the workspace's sources (no build, no registry): the quick
// loop while writing a README. The registry test (src/registry.test.ts) is the real check: it
// runs the same blocks against the packages installed from a registry.
//   node tooling/release/try-readme.mjs packages/gtn/README.md [block line …]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);
const ts = require("typescript");
const [file, ...only] = process.argv.slice(2);
if (!file) {
  console.error("usage: node tooling/release/try-readme.mjs <README.md> [line …]");
  process.exit(2);
}
// the block parser is TypeScript: load it through tsx
const { codeBlocks, conventionProblem, runs } = await import(path.join(here, "src", "readme-blocks.ts")).catch(async () => {
  const { tsImport } = await import("tsx/esm/api");
  return tsImport(path.join(here, "src", "readme-blocks.ts"), import.meta.url);
});
const rel = path.relative(root, path.resolve(file));
const blocks = codeBlocks(readFileSync(path.resolve(file), "utf8"), rel);
const problems = blocks.map(conventionProblem).filter(Boolean);
if (problems.length) console.error(problems.join("\n"));
const dir = path.join(here, ".try");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
let failed = problems.length > 0;
for (const [i, b] of blocks.entries()) {
  if (!runs(b) || (only.length && !only.includes(String(b.line)))) continue;
  const js = ts.transpileModule(b.code, { fileName: `b${i}.ts`, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const out = path.join(dir, `block-${i}.mjs`);
  writeFileSync(out, js);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@atlas/source", out], { cwd: dir, stdio: "inherit", env: { ...process.env, ATLAS_CACHE_DIR: path.join(dir, ".cache") } });
  console.log(`${rel}:${b.line} ${r.status === 0 ? "ok" : `FAILED (${r.status})`} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failed = true;
}
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
