#!/usr/bin/env node
// Writes the fields every published package shares into its package.json, from the root
// package.json (one place to change them): license, author, repository (with the package's
// directory), homepage (its folder on the repository's web page), bugs, engines, and `files`
// (dist and the changelog; README, LICENSE and package.json are always packed). Copies the root
// LICENSE into each published package, where npm packs it from.
//
//   node tooling/release/sync-manifests.mjs          write
//   node tooling/release/sync-manifests.mjs --check  exit 1 and list what differs (the release test runs this)
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expectedManifestFields, publishedPackages, repositoryWebUrl } from "./workspace.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const check = process.argv.includes("--check");
const rootManifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const license = readFileSync(path.join(root, "LICENSE"), "utf8");
const problems = [];

for (const pkg of publishedPackages(root)) {
  const file = path.join(pkg.dir, "package.json");
  const text = readFileSync(file, "utf8");
  const manifest = JSON.parse(text);
  const want = expectedManifestFields(rootManifest, pkg.relDir);
  // keep the existing key order; new keys go after "license"
  const next = {};
  for (const [key, value] of Object.entries(manifest)) {
    next[key] = key in want ? want[key] : value;
    if (key === "license") for (const k of Object.keys(want)) if (!(k in manifest)) next[k] = want[k];
  }
  for (const k of Object.keys(want)) if (!(k in next)) next[k] = want[k];
  const out = `${JSON.stringify(next, null, 2)}\n`;
  if (out !== text) {
    if (check) problems.push(`${pkg.relDir}/package.json: shared fields differ from the root's (${Object.keys(want).filter((k) => JSON.stringify(manifest[k]) !== JSON.stringify(want[k])).join(", ")})`);
    else writeFileSync(file, out);
  }
  const licenseFile = path.join(pkg.dir, "LICENSE");
  let current = null;
  try {
    current = readFileSync(licenseFile, "utf8");
  } catch {}
  if (current !== license) {
    if (check) problems.push(`${pkg.relDir}/LICENSE: missing or different from the root LICENSE`);
    else writeFileSync(licenseFile, license);
  }
}

if (problems.length > 0) {
  console.error(`${problems.join("\n")}\nrun: node tooling/release/sync-manifests.mjs`);
  process.exit(1);
}
if (!check) console.log(`manifests in sync with ${repositoryWebUrl(rootManifest)}`);
