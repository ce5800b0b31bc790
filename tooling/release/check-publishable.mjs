#!/usr/bin/env node
// Before `changeset publish` (pnpm release): every package that would be published is ready —
// built, exporting something, with a README. An empty placeholder package must stay private (or
// unpublished) until it has content; publishing it would reserve a version for nothing.

import { fileURLToPath } from "node:url";
import { publishedPackages } from "./workspace.mjs";
import { publishReadiness } from "./readiness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const problems = publishedPackages(root).flatMap((pkg) => publishReadiness(pkg).map((p) => `${pkg.name}: ${p}`));
if (problems.length > 0) {
  console.error(`not ready to publish:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("every published package is built, exports something and has a README");
