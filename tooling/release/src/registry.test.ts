// The registry round-trip (issue 17): a real npm registry (Verdaccio 6.8.0) on 127.0.0.1 with a
// throwaway storage folder and no uplinks; every library published to it with `changeset publish`
// (what `pnpm release` runs); then, in scratch folders outside the workspace, each package installed
// alone with npm exactly as its README's Install section says, and every ts/js code block of every
// package README and of the root README run in Node against what was installed; the blocks are
// type-checked, and the published declarations are checked to need no @types/node; the blocks not
// marked node-only are bundled (esbuild, platform browser) from that install and run in headless
// Chromium.
//
// npm gets `@atlas:registry=<the local registry>`: @atlas/* comes from the local registry and
// nowhere else, every other package (tfjs, ngraph, hnswlib-node, …) from the npm registry npm is
// configured with, as for any user — with npm's own cache, so repeated runs download little.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPage } from "@atlas/browser-test";
import { blockModule, pageEntry } from "./browser-entry.js";
import { codeBlocks, conventionProblem, installCommands, runs, runsInBrowser, type CodeBlock } from "./readme-blocks.js";
import { buildOnce, expectOk, hasContent, pnpm, published, readiness, releaseLock, root, run, type RunResult, type WorkspacePackage } from "./workspace.js";

const require = createRequire(import.meta.url);
const tmp = mkdtempSync(path.join(tmpdir(), "atlas-registry-"));
let registry: ChildProcess | undefined;
let registryUrl = "";
let npmEnv: NodeJS.ProcessEnv = {};
const log: string[] = [];

/** A README to check: a published package's, or the root one. */
interface Doc {
  name: string;
  readme: string;
  blocks: CodeBlock[];
}
const packages = published();
/** Packages with content (an empty placeholder is neither published nor installed). */
const ready: WorkspacePackage[] = packages.filter(hasContent);
const docs: Doc[] = [...ready.map((p) => ({ name: p.name, readme: path.join(p.dir, "README.md") })), { name: "root", readme: path.join(root, "README.md") }].map((d) => ({
  ...d,
  blocks: codeBlocks(readFileSync(d.readme, "utf8"), path.relative(root, d.readme)),
}));
const installs = new Map<string, Promise<{ dir: string; result: RunResult[] }>>();

function stopRegistry(): void {
  if (registry?.pid !== undefined && registry.exitCode === null) {
    try {
      process.kill(registry.pid, "SIGTERM");
    } catch {}
  }
}
process.on("exit", stopRegistry);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    if (registry?.exitCode !== null && registry?.exitCode !== undefined) throw new Error(`verdaccio exited (${registry.exitCode}):\n${readFileSync(path.join(tmp, "verdaccio.log"), "utf8")}`);
    if (Date.now() > end) throw new Error(`verdaccio did not answer ${url} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startRegistry(): Promise<void> {
  const port = await freePort();
  registryUrl = `http://127.0.0.1:${port}/`;
  const storage = path.join(tmp, "storage");
  mkdirSync(storage);
  const config = [
    `storage: ${JSON.stringify(storage)}`,
    "auth:",
    "  htpasswd:",
    `    file: ${JSON.stringify(path.join(tmp, "htpasswd"))}`,
    "    max_users: 1",
    "packages:",
    "  '@atlas/*':",
    "    access: $all",
    "    publish: $authenticated",
    "  '**':",
    "    access: $all",
    "    publish: $authenticated",
    "log: { type: stdout, format: pretty, level: warn }",
    "",
  ].join("\n");
  writeFileSync(path.join(tmp, "verdaccio.yaml"), config);
  const bin = path.join(path.dirname(require.resolve("verdaccio/package.json")), "bin", "verdaccio");
  const out = path.join(tmp, "verdaccio.log");
  writeFileSync(out, "");
  registry = spawn(process.execPath, [bin, "--config", path.join(tmp, "verdaccio.yaml"), "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "pipe", "pipe"] });
  registry.stdout?.on("data", (d: Buffer) => writeFileSync(out, d, { flag: "a" }));
  registry.stderr?.on("data", (d: Buffer) => writeFileSync(out, d, { flag: "a" }));
  await waitFor(`${registryUrl}-/ping`, 60_000);
  // a user for publishing (npm adduser's request)
  const res = await fetch(`${registryUrl}-/user/org.couchdb.user:atlas-release`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "atlas-release", password: "release-test-only", email: "release@example.invalid", type: "user", roles: [], date: new Date().toISOString() }),
  });
  const token = ((await res.json()) as { token?: string }).token;
  if (!res.ok || !token) throw new Error(`could not create a registry user: ${res.status}`);
  // npm and pnpm read this userconfig: the user's own settings (nodedir, …) plus our registry and token
  const userrc = process.env.npm_config_userconfig ?? path.join(homedir(), ".npmrc");
  const own = existsSync(userrc) ? readFileSync(userrc, "utf8").split("\n").filter((l) => !/^\s*(registry|\/\/)/.test(l)) : [];
  const npmrc = path.join(tmp, "npmrc");
  writeFileSync(npmrc, [...own.filter((l) => !/^\s*@atlas:registry/.test(l)), `@atlas:registry=${registryUrl}`, `//127.0.0.1:${port}/:_authToken=${token}`, "fund=false", "audit=false", "update-notifier=false", ""].join("\n"));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_registry$|^npm_config_@atlas:registry$/i.test(k)));
  npmEnv = { ...clean, npm_config_userconfig: npmrc, ATLAS_CACHE_DIR: path.join(tmp, "atlas-cache") };
  // native addons (hnswlib-node) build against this Node's headers, offline (as tooling/bootstrap.mjs does)
  if (!npmEnv.npm_config_nodedir) {
    const prefix = path.resolve(path.dirname(process.execPath), "..");
    const dir = [prefix, "/usr", "/usr/local"].find((d) => existsSync(path.join(d, "include", "node", "node.h")));
    if (dir) npmEnv.npm_config_nodedir = dir;
  }
}

/**
 * Publish every library with `changeset publish`, what `pnpm release` runs (it publishes each
 * non-private package whose version the registry lacks). A placeholder without content is
 * published too (this registry is thrown away) but never installed; `pnpm release` refuses it
 * (check-publishable.mjs).
 */
async function publishAll(): Promise<void> {
  // publishing (and changeset's `npm info` look-ups) goes to the local registry
  const env = { ...npmEnv, npm_config_registry: registryUrl };
  const r = expectOk(await pnpm(["exec", "changeset", "publish", "--no-git-tag"], { cwd: root, env, timeoutMs: 600_000 }), "changeset publish");
  const text = `${r.stdout}\n${r.stderr}`;
  const missing = packages.filter((p) => !text.includes(`${p.name}@${p.manifest.version}`)).map((p) => p.name);
  if (missing.length > 0) throw new Error(`changeset publish did not publish ${missing.join(", ")}:\n${text.slice(-4000)}`);
  log.push(`changeset publish: ${packages.map((p) => `${p.name}@${p.manifest.version}`).join(", ")}${ready.length < packages.length ? `; not installed (no content yet): ${packages.filter((p) => !ready.includes(p)).map((p) => `${p.name} (${readiness(p).join("; ")})`).join(", ")}` : ""}`);
}

/** At most `limit` of the returned functions' bodies run at once. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
const installSlot = limiter(2);

/** A scratch project outside the workspace, with the README's Install commands run in it. */
function install(doc: Doc): Promise<{ dir: string; result: RunResult[] }> {
  const dir = path.join(tmp, "scratch", doc.name.replace(/[@/]/g, "_"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "atlas-readme-check", private: true, type: "module" }, null, 2)}\n`);
  return installSlot(async () => {
    const result: RunResult[] = [];
    for (const cmd of installCommands(doc.blocks)) {
      const r = await run("sh", ["-c", cmd], { cwd: dir, env: npmEnv, timeoutMs: 600_000 });
      result.push({ ...r, stdout: `$ ${cmd}\n${r.stdout}` });
      if (r.code !== 0) break;
    }
    return { dir, result };
  });
}

const tscBin = (): string => path.join(path.dirname(require.resolve("typescript/package.json")), "bin", "tsc");

/** TypeScript → an ES module Node runs (types stripped; imports as written). */
function toModule(code: string, fileName: string): string {
  return ts.transpileModule(code, { fileName, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false } }).outputText;
}

let unlock: () => void = () => {};
beforeAll(async () => {
  unlock = await releaseLock();
  await buildOnce();
  for (const pkg of ready) {
    const problems = readiness(pkg);
    if (problems.length > 0) throw new Error(`${pkg.name} is not ready to publish: ${problems.join("; ")}`);
  }
  await startRegistry();
  await publishAll();
  // installs run two at a time (mostly network); each test waits for its own. The root README's
  // install (every package) first: the type checks use it.
  for (const d of [...docs].sort((a, b) => (a.name === "root" ? -1 : b.name === "root" ? 1 : 0))) installs.set(d.name, install(d));
}, 900_000);

afterAll(async () => {
  // the registry is stopped by its PID whatever happened (also on the process's exit, above)
  stopRegistry();
  if (registry && registry.exitCode === null) await new Promise((r) => registry?.once("exit", r));
  log.push(`registry (pid ${registry?.pid}) stopped: exit ${registry?.exitCode ?? registry?.signalCode}`);
  await Promise.allSettled(installs.values());
  // the scratch folders hold several copies of tfjs and MNIST: removed in the background
  spawn("rm", ["-rf", tmp], { stdio: "ignore", detached: true }).unref();
  unlock();
  if (log.length) console.log(log.join("\n"));
}, 600_000);

describe("registry round-trip", () => {
  it("the scratch folders are outside the workspace, and the registry serves what the workspace holds (published manifests without devDependencies)", async () => {
    expect(path.relative(root, tmp).startsWith("..")).toBe(true);
    for (const pkg of ready) {
      const r = expectOk(await run("npm", ["view", `${pkg.name}@${pkg.manifest.version}`, "--json"], { cwd: tmp, env: npmEnv }), `npm view ${pkg.name}`);
      const info = JSON.parse(r.stdout) as Record<string, any>;
      expect(info.version).toBe(pkg.manifest.version);
      expect(info.devDependencies).toBeUndefined();
      expect(info.dist.tarball).toContain(registryUrl.replace(/\/$/, ""));
      expect(info.license).toBe("MIT");
    }
  });

  it("every README code block says what it is; every package README has an Install section naming the package, and code that runs", () => {
    const problems = docs.flatMap((d) => d.blocks.map(conventionProblem).filter(Boolean));
    expect(problems).toEqual([]);
    for (const d of docs) {
      const commands = installCommands(d.blocks);
      expect(commands.length, `${d.name}: sh commands under an "Install" heading`).toBeGreaterThan(0);
      if (d.name !== "root") expect(commands.some((c) => c.startsWith("npm install") && c.split(/\s+/).includes(d.name)), `${d.name}: an npm install line naming it`).toBe(true);
      expect(d.blocks.filter(runs).length, `${d.name}: runnable blocks`).toBeGreaterThan(0);
    }
    const skipped = docs.flatMap((d) => d.blocks.filter((b) => b.flags.includes("no-run")).map((b) => `${b.file}:${b.line}`));
    log.push(`README blocks: ${docs.reduce((s, d) => s + d.blocks.filter(runs).length, 0)} run, ${skipped.length} marked no-run (${skipped.join(", ")})`);
  });

  describe.each(docs.map((d) => [d.name, d] as const))("%s", (_name, doc) => {
    it("installs from the registry as its README says, and every ts/js block runs in Node", async () => {
      const { dir, result } = await (installs.get(doc.name) as Promise<{ dir: string; result: RunResult[] }>);
      for (const r of result) if (r.code !== 0) throw new Error(`install failed (exit ${r.code}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
      // the @atlas packages came from this registry, at the workspace's versions
      for (const pkg of ready) {
        const file = path.join(dir, "node_modules", ...pkg.name.split("/"), "package.json");
        if (!existsSync(file)) continue;
        const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
        expect(m.version).toBe(pkg.manifest.version);
        expect(m.devDependencies).toBeUndefined();
      }
      if (doc.name !== "root") expect(existsSync(path.join(dir, "node_modules", ...doc.name.split("/"), "dist", "index.js"))).toBe(true);
      const blocks = doc.blocks.filter(runs);
      const failures: string[] = [];
      for (const [i, b] of blocks.entries()) {
        const file = path.join(dir, `block-${i}.mjs`);
        writeFileSync(file, toModule(b.code, `block-${i}.${b.lang === "js" || b.lang === "javascript" || b.lang === "mjs" ? "js" : "ts"}`));
        const t0 = performance.now();
        const r = await run(process.execPath, [file], { cwd: dir, env: npmEnv, timeoutMs: 300_000 });
        log.push(`${b.file}:${b.line} ${r.code === 0 ? "ran" : "FAILED"} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        if (r.code !== 0) failures.push(`${b.file}:${b.line} exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
      }
      expect(failures, failures.join("\n\n")).toEqual([]);
    });
  });

  it("every README ts block type-checks (strict) against the published declarations", async () => {
    const { dir, result } = await (installs.get("root") as Promise<{ dir: string; result: RunResult[] }>);
    if (result.some((r) => r.code !== 0)) throw new Error("the root README's install failed (see its test)");
    const check = path.join(dir, "typecheck");
    mkdirSync(check, { recursive: true });
    const tsBlocks = docs.flatMap((d) => d.blocks.filter((b) => runs(b) && ["ts", "typescript"].includes(b.lang)));
    tsBlocks.forEach((b, i) => writeFileSync(path.join(check, `block-${i}.ts`), `${b.code}\nexport {};\n`));
    const typeRoots = path.join(path.dirname(require.resolve("@types/node/package.json")), "..");
    const config = { compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2023", "DOM"], strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [typeRoots] }, include: ["block-*.ts"] };
    writeFileSync(path.join(check, "tsconfig.json"), JSON.stringify(config));
    const r = await run(process.execPath, [tscBin(), "-p", "tsconfig.json"], { cwd: check, timeoutMs: 600_000 });
    const text = r.stdout.replace(/block-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, i: string, l: string, c: string) => {
      const b = tsBlocks[Number(i)] as CodeBlock;
      return `${b.file}:${b.line + Number(l)}:${c}`;
    });
    expect(r.code, text.slice(0, 8000)).toBe(0);
    log.push(`type-checked ${tsBlocks.length} README blocks`);
  });

  it("every block not marked node-only runs in headless Chromium, bundled from the packages the registry installed", async () => {
    const { dir, result } = await (installs.get("root") as Promise<{ dir: string; result: RunResult[] }>);
    if (result.some((r) => r.code !== 0)) throw new Error("the root README's install failed (see its test)");
    const blocks = docs.flatMap((d) => d.blocks.filter(runsInBrowser));
    expect(blocks.length).toBeGreaterThan(0);
    // inside the scratch project, so the bundler resolves @atlas/* and tfjs from its node_modules
    const pageDir = path.join(dir, "browser-page");
    mkdirSync(pageDir, { recursive: true });
    blocks.forEach((b, i) => writeFileSync(path.join(pageDir, `block-${i}.ts`), blockModule(b.code)));
    writeFileSync(path.join(pageDir, "entry.ts"), pageEntry(blocks.map((_, i) => `./block-${i}.ts`)));
    const t0 = performance.now();
    const page = await openPage({ entry: path.join(pageDir, "entry.ts"), loadTimeoutMs: 120_000 });
    log.push(`browser page: ${(page.bundleBytes / 2 ** 20).toFixed(1)} MiB bundle, loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const failures: string[] = [];
    try {
      for (const [i, b] of blocks.entries()) {
        const t1 = performance.now();
        try {
          await page.call(`block-${i}`);
          log.push(`${b.file}:${b.line} ran in Chromium in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        } catch (err) {
          failures.push(`${b.file}:${b.line} failed in Chromium: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const errors = page.log.filter((l) => l.startsWith("[pageerror]"));
      expect(errors, "uncaught errors in the page").toEqual([]);
    } finally {
      await page.close();
    }
    expect(failures, failures.join("\n\n")).toEqual([]);
  });

  it("the published declarations need no @types/node: a browser tsconfig with skipLibCheck false type-checks a file importing every package", async () => {
    const { dir, result } = await (installs.get("root") as Promise<{ dir: string; result: RunResult[] }>);
    if (result.some((r) => r.code !== 0)) throw new Error("the root README's install failed (see its test)");
    const check = path.join(dir, "browser-types");
    mkdirSync(check, { recursive: true });
    const imports = ready.map((p, i) => `import * as m${i} from "${p.name}";`).join("\n");
    writeFileSync(path.join(check, "all.ts"), `${imports}\nexport const all = [${ready.map((_, i) => `m${i}`).join(", ")}];\n`);
    // no "types": [] would pull in every @types package in node_modules; [] means none
    const config = { compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2023", "DOM"], strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ["all.ts"] };
    writeFileSync(path.join(check, "tsconfig.json"), JSON.stringify(config));
    const r = await run(process.execPath, [tscBin(), "-p", "tsconfig.json"], { cwd: check, timeoutMs: 600_000 });
    // only our declarations are judged here: errors inside third-party packages are listed, not failed on
    const ours = r.stdout.split("\n").filter((l) => /node_modules\/@atlas\//.test(l) || /^all\.ts/.test(l));
    const theirs = r.stdout.split("\n").filter((l) => /error TS/.test(l) && !ours.includes(l));
    if (theirs.length) log.push(`browser type check: ${theirs.length} error(s) in third-party declarations, e.g. ${theirs[0]}`);
    expect(ours, r.stdout.slice(0, 6000)).toEqual([]);
  });
});
