#!/usr/bin/env node
// What `changeset version` would do, without doing it here: clones the committed HEAD into a
// throwaway folder, runs `changeset version` there (with this workspace's node_modules) and reports
// each published package's new version and whether it got a CHANGELOG.md with an entry for it;
// then packs each versioned package there (pnpm pack, the manifest hook included) and checks what
// a user would install: that version, its internal dependencies at the new versions (no
// workspace: ranges), the CHANGELOG.md in the tarball.
//   node tooling/release/preview-version.mjs [--expect 0.1.0]
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pnpmCommand } from "./pnpm.mjs";
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
  // what a user installs: pack each versioned package in the clone (dist copied from this
  // workspace when built, so the tarball is complete; the checks below need only the manifest)
  const versions = new Map(publishedPackages(copy).map((p) => [p.name, p.manifest.version]));
  const [pnpmCmd, pnpmPre] = pnpmCommand();
  for (const pkg of publishedPackages(copy)) {
    const dist = path.join(root, pkg.relDir, "dist");
    if (existsSync(dist)) cpSync(dist, path.join(pkg.dir, "dist"), { recursive: true });
    const dest = path.join(tmp, "packed", pkg.relDir.replace("/", "-"));
    mkdirSync(dest, { recursive: true });
    sh(pnpmCmd, [...pnpmPre, "pack", "--pack-destination", dest], pkg.dir);
    const tgz = readdirSync(dest).find((f) => f.endsWith(".tgz"));
    sh("tar", ["-xzf", path.join(dest, String(tgz)), "-C", dest], dest);
    const m = JSON.parse(readFileSync(path.join(dest, "package", "package.json"), "utf8"));
    const problems = [];
    if (m.version !== pkg.manifest.version) problems.push(`packed version ${m.version}`);
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      for (const [dep, range] of Object.entries(m[field] ?? {})) {
        if (String(range).startsWith("workspace:")) problems.push(`${field}.${dep} = ${range}`);
        else if (versions.has(dep) && range !== `^${versions.get(dep)}` && range !== versions.get(dep)) problems.push(`${field}.${dep} = ${range}, not ^${versions.get(dep)}`);
      }
    }
    if (m.devDependencies !== undefined) problems.push("devDependencies published");
    const log = path.join(dest, "package", "CHANGELOG.md");
    if (!existsSync(log) || !readFileSync(log, "utf8").includes(`## ${m.version}`)) problems.push(`no CHANGELOG.md with ## ${m.version} in the tarball`);
    rows.push(`${pkg.name.padEnd(18)} tarball ${String(tgz).padEnd(28)} ${problems.length ? problems.join("; ") : "ok (version, dependencies, CHANGELOG)"}`);
    if (problems.length) failed = true;
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
