// The READMEs as a user meets them: each published package's README is its npm page. Fast checks
// here (no build, no registry); registry.test.ts runs the code blocks.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { codeBlocks, conventionProblem, installCommands, runs } from "./readme-blocks.js";
import { hasContent, published, repositoryWeb, root } from "./workspace.js";

const packages = published().filter(hasContent);
/**
 * Repository files that READMEs already link to but that have not landed yet; their links are
 * checked once the file exists. docs/reproductions.md: the report of `pnpm reproduce` (issue 18),
 * committed after its long runs.
 */
const PENDING = new Set(["docs/reproductions.md"]);
const rootReadme = path.join(root, "README.md");

/** Markdown outside code: fenced blocks and inline code spans removed. */
function prose(markdown: string): string {
  return markdown.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2\s*$/gm, "").replace(/(`+)[^`\n]*?\1/g, "");
}

/** The targets of Markdown links and images in prose. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
}

/** GitHub's heading anchors of a Markdown file. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    out.add((m[1] as string).trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-"));
  }
  // explicit anchors (`<a id="…"></a>`, as docs/reproductions.md gives each experiment): GitHub keeps them
  for (const m of prose(markdown).matchAll(/<a\s+(?:id|name)="([^"]+)"\s*>/g)) out.add(m[1] as string);
  return out;
}

/** A link into this repository (`<web>/blob/main/<path>` or `/tree/main/<path>`) → the workspace path and anchor. */
function repoTarget(url: string): { file: string; anchor: string } | undefined {
  const web = repositoryWeb();
  const m = new RegExp(`^${web.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(?:blob|tree)/main/([^#?]*)(?:#(.*))?$`).exec(url);
  return m ? { file: path.join(root, decodeURIComponent(m[1] as string)), anchor: m[2] ?? "" } : undefined;
}

describe("package READMEs (their npm pages)", () => {
  it("every package with content has one", () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["@atlas/core", "@atlas/gtn", "@atlas/agm", "@atlas/geodesic", "@atlas/metrics"]));
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s: an Install section with the npm install line and its peers, a runnable example", (name, pkg) => {
    const text = readFileSync(path.join(pkg.dir, "README.md"), "utf8");
    const blocks = codeBlocks(text, `${pkg.relDir}/README.md`);
    expect(blocks.map(conventionProblem).filter(Boolean)).toEqual([]);
    const install = installCommands(blocks);
    const line = install.find((c) => /^npm install\s/.test(c) && c.split(/\s+/).includes(name));
    expect(line, `${name}: 'npm install ${name} …' under an Install heading`).toBeDefined();
    const words = (line as string).split(/\s+/);
    // its peers: TensorFlow.js always; core when the examples import it
    expect(words).toContain("@tensorflow/tfjs");
    for (const peer of Object.keys((pkg.manifest.peerDependencies ?? {}) as Record<string, string>)) {
      const optional = (pkg.manifest.peerDependenciesMeta as Record<string, { optional?: boolean }> | undefined)?.[peer]?.optional === true;
      if (!optional) expect(words, `${name}: required peer ${peer} on the install line`).toContain(peer);
    }
    // the backend to add for speed is named on the install line and explained
    expect(words).toContain("@tensorflow/tfjs-backend-wasm");
    const imported = new Set(blocks.filter(runs).flatMap((b) => [...b.code.matchAll(/from\s+"(@[^/"]+\/[^/"]+|[^@."/][^/"]*)/g)].map((m) => m[1] as string)));
    for (const dep of imported) if (dep.startsWith("@atlas/") || dep.startsWith("@tensorflow/")) expect(words, `${name}: an example imports ${dep}`).toContain(dep);
    expect(blocks.filter(runs).length).toBeGreaterThan(0);
  });

  it.each(packages.map((p) => [p.name, p] as const))("%s: links resolve from the registry page; no monorepo commands", (name, pkg) => {
    const text = readFileSync(path.join(pkg.dir, "README.md"), "utf8");
    const bad: string[] = [];
    for (const target of links(text)) {
      if (target.startsWith("#")) {
        if (!anchors(text).has(target.slice(1))) bad.push(`${target}: no such heading`);
        continue;
      }
      if (!/^https?:\/\//.test(target)) {
        bad.push(`${target}: relative links do not resolve on npm; use ${repositoryWeb()}/blob/main/…`);
        continue;
      }
      const repo = repoTarget(target);
      if (repo) {
        if (!existsSync(repo.file)) {
          if (!PENDING.has(path.relative(root, repo.file))) bad.push(`${target}: ${path.relative(root, repo.file)} is not in the repository`);
        }
        else if (repo.anchor && repo.file.endsWith(".md") && !anchors(readFileSync(repo.file, "utf8")).has(repo.anchor)) bad.push(`${target}: no heading #${repo.anchor}`);
      }
    }
    expect(bad, name).toEqual([]);
    const monorepo = [/pnpm (--filter|exec|bench|reproduce|test|vitest)\b/, /--conditions=@atlas\/source/, /\bcd (packages|apps)\//, /ATLAS_SLOW=1/, /shared\/papers\//, /\bpnpm add\b/];
    const found = monorepo.filter((re) => re.test(text)).map(String);
    expect(found, `${name}: monorepo commands belong in CONTRIBUTING.md`).toEqual([]);
  });
});

describe("the root README", () => {
  it("says how to install every package and which backend to add; its blocks follow the conventions", () => {
    const text = readFileSync(rootReadme, "utf8");
    const blocks = codeBlocks(text, "README.md");
    expect(blocks.map(conventionProblem).filter(Boolean)).toEqual([]);
    const install = installCommands(blocks).find((c) => /^npm install\s/.test(c));
    expect(install).toBeDefined();
    const words = (install as string).split(/\s+/);
    for (const p of packages) expect(words, `root README install line: ${p.name}`).toContain(p.name);
    expect(words).toContain("@tensorflow/tfjs");
    expect(words).toContain("@tensorflow/tfjs-backend-wasm");
    expect(prose(text)).toMatch(/backend/i);
    expect(blocks.filter(runs).length).toBeGreaterThan(0);
    for (const target of links(text)) {
      const file = target.split("#")[0] as string;
      if (!/^(https?:|#)/.test(target) && !PENDING.has(file)) expect(existsSync(path.join(root, file)), target).toBe(true);
    }
  });
});
