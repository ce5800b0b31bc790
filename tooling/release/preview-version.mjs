#!/usr/bin/env node
// What `changeset version` would do, without doing it here: clones the committed HEAD into a
// throwaway folder, runs `changeset version` there (with this workspace's node_modules) and reports
// each published package's new version and whether it got a CHANGELOG.md with an entry for it.
//   node tooling/release/preview-version.mjs [--expect 0.1.0]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publishedPackages } from "./workspace.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const at = process.argv.indexOf("--expect");
const expected = at > 0 ? process.argv[at + 1] : undefined;
const tmp = mkdtempSync(path.join(tmpdir(), "atlas-version-preview-"));
const copy = path.join(tmp, "repo");
const sh = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
let failed = false;
try {
  sh("git", ["clone", "-q", "--shared", root, copy], tmp);
  symlinkSync(path.join(root, "node_modules"), path.join(copy, "node_modules"));
  const before = new Map(publishedPackages(copy).map((p) => [p.name, p.manifest.version]));
  sh(process.execPath, [path.join(root, "node_modules", "@changesets", "cli", "bin.js"), "version"], copy);
  const rows = [];
  for (const pkg of publishedPackages(copy)) {
    const changelog = path.join(pkg.dir, "CHANGELOG.md");
    const text = existsSync(changelog) ? readFileSync(changelog, "utf8") : "";
    const hasEntry = text.includes(`## ${pkg.manifest.version}`);
    rows.push(`${pkg.name.padEnd(18)} ${String(before.get(pkg.name)).padEnd(8)} → ${pkg.manifest.version.padEnd(8)} CHANGELOG ${hasEntry ? "with its entry" : "MISSING"}`);
    if (!hasEntry || (expected && pkg.manifest.version !== expected)) failed = true;
    // internal dependencies point at the new versions
    for (const [dep, range] of Object.entries(pkg.manifest.dependencies ?? {})) {
      if (dep.startsWith("@atlas/") && !String(range).startsWith("workspace:")) {
        rows.push(`  ${dep}: ${range} is not a workspace range`);
        failed = true;
      }
    }
  }
  const left = sh("git", ["status", "--porcelain", ".changeset"], copy).split("\n").filter((l) => /\.md$/.test(l) && !/README\.md$/.test(l));
  console.log(rows.join("\n"));
  console.log(`${left.length} changeset file(s) consumed`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (failed) {
  console.error(expected ? `not every published package would be ${expected} with a changelog entry` : "some package would get no changelog entry");
  process.exit(1);
}
