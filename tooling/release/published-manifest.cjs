// The manifest a published tarball carries (called by the beforePacking hook in .pnpmfile.cjs).
// The workspace's package.json serves development; a user installing from the registry needs none
// of these, and some would mislead:
//   - devDependencies name private workspace packages (@atlas/tsconfig, @atlas/vitest-config) that
//     exist on no registry;
//   - scripts run monorepo tools (tsdown, vitest, tsc -p tsconfig.json) that the tarball lacks;
//   - the "@atlas/source" export condition and ./src entries of sideEffects point at TypeScript
//     sources, which are not packed (dist's source maps embed their sources).
// Kept in its own file so .pnpmfile.cjs (whose checksum the lockfile records) rarely changes.
"use strict";

const SOURCE_CONDITION = "@atlas/source";

function withoutCondition(value) {
  if (Array.isArray(value)) return value.map(withoutCondition);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, v] of Object.entries(value)) if (key !== SOURCE_CONDITION) out[key] = withoutCondition(v);
  return out;
}

module.exports = function publishedManifest(manifest) {
  if (manifest.private === true) return manifest;
  const out = { ...manifest };
  delete out.devDependencies;
  delete out.scripts;
  if (out.exports !== undefined) out.exports = withoutCondition(out.exports);
  if (Array.isArray(out.sideEffects)) out.sideEffects = out.sideEffects.filter((p) => !/^(\.\/)?src\//.test(p));
  return out;
};
