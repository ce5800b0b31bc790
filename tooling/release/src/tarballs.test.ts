// What a user downloads: every published package, built and packed exactly as `changeset publish`
// packs it (pnpm pack, with the beforePacking hook), unpacked and read.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnce, expectedFields, pack, published, readiness, releaseLock, repositoryWeb, root, run, type Packed } from "./workspace.js";

const out = mkdtempSync(path.join(tmpdir(), "atlas-tarballs-"));
const packages = published();
const packed = new Map<string, Packed>();
const privateNames = new Set<string>();

let unlock: () => void = () => {};
beforeAll(async () => {
  unlock = await releaseLock();
  await buildOnce();
  for (const pkg of packages) packed.set(pkg.name, await pack(pkg, out));
  for (const group of ["packages", "apps", "tooling"]) {
    const list = await run("ls", [group], { cwd: root });
    for (const d of list.stdout.split("\n").filter(Boolean)) {
      try {
        const m = JSON.parse(readFileSync(path.join(root, group, d, "package.json"), "utf8")) as { name: string; private?: boolean };
        if (m.private) privateNames.add(m.name);
      } catch {}
    }
  }
});
afterAll(() => {
  unlock();
  rmSync(out, { recursive: true, force: true });
});

/** Files a tarball may hold: the build output and the four files npm shows on the registry page. */
const ALLOWED = /^(dist\/.+|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
/** Test data, test code and development leftovers that must never ship, wherever they are. */
const FORBIDDEN = [/(^|\/)fixtures?\//, /\.test\./, /\.test-util\./, /\.slow\./, /(^|\/)mnist-stats\./, /\.py$/, /(^|\/)__tests__\//, /\.tsbuildinfo$/, /(^|\/)src\//];

describe("published tarballs", () => {
  it("there are published packages, and the private ones are the tooling and the apps that say so", () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["@atlas/core", "@atlas/gtn", "@atlas/agm", "@atlas/geodesic", "@atlas/metrics"]));
    expect(privateNames.has("@atlas/tsconfig")).toBe(true);
    expect(privateNames.has("@atlas/vitest-config")).toBe(true);
    for (const p of packages) expect(privateNames.has(p.name)).toBe(false);
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s: only dist and the registry files; no test data or test code; LICENSE and README", (name) => {
    const { files, dir } = packed.get(name) as Packed;
    const stray = files.filter((f) => !ALLOWED.test(f));
    expect(stray, `files outside dist/ in ${name}`).toEqual([]);
    for (const re of FORBIDDEN) expect(files.filter((f) => re.test(f)), `${name}: ${re}`).toEqual([]);
    expect(files).toContain("LICENSE");
    expect(readFileSync(path.join(dir, "LICENSE"), "utf8")).toBe(readFileSync(path.join(root, "LICENSE"), "utf8"));
    expect(readFileSync(path.join(dir, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    expect(files).toContain("package.json");
    // a package with content (the vqflow placeholder has none yet: check-publishable.mjs keeps it from a release)
    if (readiness(packages.find((p) => p.name === name) as (typeof packages)[number]).length === 0) {
      expect(files).toContain("README.md");
      expect(files).toContain("dist/index.js");
      expect(files).toContain("dist/index.d.ts");
    }
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s: manifest fields for the registry page, no private or workspace-only references", (name, pkg) => {
    const m = (packed.get(name) as Packed).manifest;
    const want = expectedFields(pkg.relDir);
    for (const key of ["license", "author", "repository", "homepage", "bugs", "engines"]) expect(m[key], `${name}.${key}`).toEqual(want[key]);
    expect(m.repository.directory).toBe(pkg.relDir);
    expect(m.homepage).toBe(`${repositoryWeb()}/tree/main/${pkg.relDir}#readme`);
    expect(m.license).toBe("MIT");
    expect(typeof m.description === "string" && m.description.length > 20).toBe(true);
    expect(Array.isArray(m.keywords) && m.keywords.length >= 3).toBe(true);
    expect(m.engines.node).toMatch(/^>=\d/);
    expect(m.devDependencies).toBeUndefined();
    expect(m.scripts).toBeUndefined();
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      for (const [dep, range] of Object.entries((m[field] ?? {}) as Record<string, string>)) {
        expect(privateNames.has(dep), `${name} ${field} names the private ${dep}`).toBe(false);
        expect(range, `${name} ${field}.${dep}`).not.toMatch(/^(workspace|catalog|link|file):/);
      }
    }
    // no export condition pointing at the (unpacked) TypeScript sources
    expect(JSON.stringify(m.exports)).not.toContain("@atlas/source");
    expect(JSON.stringify(m.exports)).not.toContain("./src/");
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s: every entry point and declared file is in the tarball; source maps carry their sources", (name) => {
    const { files, manifest, dir } = packed.get(name) as Packed;
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === "string") targets.push(v);
      else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
    };
    walk(manifest.exports);
    for (const key of ["main", "types", "module"]) if (typeof manifest[key] === "string") targets.push(manifest[key]);
    for (const t of targets) expect(files, `${name}: ${t}`).toContain(t.replace(/^\.\//, ""));
    for (const map of files.filter((f) => f.endsWith(".map"))) {
      const sm = JSON.parse(readFileSync(path.join(dir, map), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect(sm.sourcesContent?.length, `${name}/${map} sourcesContent`).toBe(sm.sources.length);
      expect(sm.sourcesContent?.every((s) => typeof s === "string" && s.length > 0)).toBe(true);
    }
  });
});
