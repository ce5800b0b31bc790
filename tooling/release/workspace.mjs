// The workspace's published packages and the manifest fields they share. Plain JavaScript, so
// sync-manifests.mjs runs under plain Node and the tests import the same definitions.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Every package of `packages/*` and `apps/*` whose manifest is not `private`, in name order.
 * @param {string} root the workspace root
 * @returns {{ name: string, dir: string, relDir: string, manifest: Record<string, any> }[]}
 */
export function publishedPackages(root) {
  const out = [];
  for (const group of ["packages", "apps"]) {
    const base = path.join(root, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = path.join(base, entry.name, "package.json");
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, "utf8"));
      if (manifest.private === true) continue;
      out.push({ name: manifest.name, dir: path.join(base, entry.name), relDir: `${group}/${entry.name}`, manifest });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * `https://github.com/owner/repo` from the root manifest's `repository.url`
 * (`git+https://github.com/owner/repo.git`).
 * @param {Record<string, any>} rootManifest
 */
export function repositoryWebUrl(rootManifest) {
  const url = typeof rootManifest.repository === "string" ? rootManifest.repository : rootManifest.repository?.url;
  if (typeof url !== "string") throw new Error("the root package.json has no repository.url");
  return url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/**
 * The fields each published manifest must carry, derived from the root manifest.
 * @param {Record<string, any>} rootManifest
 * @param {string} relDir e.g. "packages/gtn"
 */
export function expectedManifestFields(rootManifest, relDir) {
  const web = repositoryWebUrl(rootManifest);
  return {
    license: rootManifest.license,
    author: rootManifest.author,
    repository: { type: "git", url: rootManifest.repository.url, directory: relDir },
    homepage: `${web}/tree/main/${relDir}#readme`,
    bugs: rootManifest.bugs,
    engines: rootManifest.engines,
    files: ["dist", "CHANGELOG.md"],
  };
}
