// Whether a workspace package is ready to publish (used by check-publishable.mjs and the tests).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * What keeps a package from being published, [] when nothing: a README of some substance, a
 * built entry point (dist/index.js and its declarations) that exports at least one name.
 * @param {{ dir: string }} pkg
 * @returns {string[]}
 */
export function publishReadiness(pkg) {
  const problems = [];
  const readme = path.join(pkg.dir, "README.md");
  if (!existsSync(readme) || readFileSync(readme, "utf8").trim().length < 200) problems.push("no README.md (or an empty one)");
  const dts = path.join(pkg.dir, "dist", "index.d.ts");
  if (!existsSync(path.join(pkg.dir, "dist", "index.js")) || !existsSync(dts)) problems.push("not built (dist/index.js, dist/index.d.ts): run pnpm build");
  else if (!/^export\s+(\{\s*[A-Za-z_$]|declare|const|function|class|interface|type\s|\*)/m.test(readFileSync(dts, "utf8"))) problems.push("its entry point exports nothing");
  return problems;
}

/**
 * Whether a package has content at all, from its sources (no build needed): a README and an
 * index.ts that exports something. The empty placeholder (vqflow before its code lands) has not.
 * @param {{ dir: string }} pkg
 */
export function hasContent(pkg) {
  const readme = path.join(pkg.dir, "README.md");
  const index = path.join(pkg.dir, "src", "index.ts");
  return existsSync(readme) && readFileSync(readme, "utf8").trim().length >= 200 && existsSync(index) && /^export\s/m.test(readFileSync(index, "utf8"));
}
