// The registry round-trip (issue 17): a real npm registry (Verdaccio) on 127.0.0.1 with a
// throwaway storage folder; every library published to it with `changeset publish` (what
// `pnpm release` runs); then, in scratch folders outside the workspace, each package installed
// alone with npm exactly as its README's Install section says, and every code block of every
// package README and of the root README run in Node (and type-checked) against what was installed.
//
// The registry serves @atlas/* from its own storage only (no proxy: nothing named @atlas can come
// from anywhere else) and proxies every other package to the npm registry npm is configured with,
// so the scratch installs get tfjs, ngraph, hnswlib-node, … as a user's would.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeBlocks, conventionProblem, installCommands, runs, type CodeBlock } from "./readme-blocks.js";
import { buildOnce, expectOk, hasContent, pnpm, published, readiness, root, run, type RunResult, type WorkspacePackage } from "./workspace.js";

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

/** The npm registry npm uses here (the uplink), from npm's own config. */
async function upstreamRegistry(): Promise<string> {
  const r = await run("npm", ["config", "get", "registry"], { cwd: tmp });
  const url = r.stdout.trim();
  return /^https?:\/\//.test(url) && !url.includes("127.0.0.1") ? url : "https://registry.npmjs.org/";
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
    "uplinks:",
    "  npmjs:",
    `    url: ${JSON.stringify(await upstreamRegistry())}`,
    "    timeout: 60s",
    "packages:",
    "  '@atlas/*':",
    "    access: $all",
    "    publish: $authenticated",
    "  '**':",
    "    access: $all",
    "    publish: $authenticated",
    "    proxy: npmjs",
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
  writeFileSync(npmrc, [...own, `registry=${registryUrl}`, `//127.0.0.1:${port}/:_authToken=${token}`, "fund=false", "audit=false", "update-notifier=false", ""].join("\n"));
  npmEnv = { ...process.env, npm_config_userconfig: npmrc, npm_config_registry: registryUrl, ATLAS_CACHE_DIR: path.join(tmp, "atlas-cache") };
  // native addons (hnswlib-node) build against this Node's headers, offline (as tooling/bootstrap.mjs does)
  if (!npmEnv.npm_config_nodedir) {
    const prefix = path.resolve(path.dirname(process.execPath), "..");
    const dir = [prefix, "/usr", "/usr/local"].find((d) => existsSync(path.join(d, "include", "node", "node.h")));
    if (dir) npmEnv.npm_config_nodedir = dir;
  }
}

/** Publish every library with `changeset publish` (what `pnpm release` runs), or, while a placeholder is still empty, pnpm publish the ready ones. */
async function publishAll(): Promise<void> {
  const env = { ...npmEnv };
  if (ready.length === packages.length) {
    const r = expectOk(await pnpm(["exec", "changeset", "publish", "--no-git-tag"], { cwd: root, env, timeoutMs: 600_000 }), "changeset publish");
    log.push(r.stdout.split("\n").filter((l) => /published|Publishing/.test(l)).join("\n"));
  } else {
    for (const pkg of ready) expectOk(await pnpm(["publish", "--no-git-checks"], { cwd: pkg.dir, env, timeoutMs: 300_000 }), `pnpm publish ${pkg.name}`);
    log.push(`published ${ready.map((p) => p.name).join(", ")} with pnpm publish; not published (not ready): ${packages.filter((p) => !ready.includes(p)).map((p) => `${p.name} (${readiness(p).join("; ")})`).join(", ")}`);
  }
}

/** A scratch project outside the workspace, with the README's Install commands run in it. */
function install(doc: Doc): Promise<{ dir: string; result: RunResult[] }> {
  const dir = path.join(tmp, "scratch", doc.name.replace(/[@/]/g, "_"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name: "atlas-readme-check", private: true, type: "module" }, null, 2)}\n`);
  return (async () => {
    const result: RunResult[] = [];
    for (const cmd of installCommands(doc.blocks)) {
      const r = await run("sh", ["-c", cmd], { cwd: dir, env: npmEnv, timeoutMs: 600_000 });
      result.push({ ...r, stdout: `$ ${cmd}\n${r.stdout}` });
      if (r.code !== 0) break;
    }
    return { dir, result };
  })();
}

/** TypeScript → an ES module Node runs (types stripped; imports as written). */
function toModule(code: string, fileName: string): string {
  return ts.transpileModule(code, { fileName, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: false } }).outputText;
}

beforeAll(async () => {
  await buildOnce();
  for (const pkg of ready) {
    const problems = readiness(pkg);
    if (problems.length > 0) throw new Error(`${pkg.name} is not ready to publish: ${problems.join("; ")}`);
  }
  await startRegistry();
  await publishAll();
  // installs run side by side (mostly network); each test then waits for its own
  for (const d of docs) installs.set(d.name, install(d));
}, 900_000);

afterAll(async () => {
  stopRegistry();
  if (registry && registry.exitCode === null) await new Promise((r) => registry?.once("exit", r));
  await Promise.allSettled(installs.values());
  rmSync(tmp, { recursive: true, force: true });
  if (log.length) console.log(log.join("\n"));
}, 120_000);

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
    it("installs from the registry as its README says, and every ts/js block runs in Node and type-checks", async () => {
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
      // type-check every ts block against the installed declarations (a user's strict tsconfig)
      const tsBlocks = blocks.filter((b) => ["ts", "typescript"].includes(b.lang));
      tsBlocks.forEach((b, i) => writeFileSync(path.join(dir, `check-${i}.ts`), `${b.code}\nexport {};\n`));
      if (tsBlocks.length > 0) {
        const typeRoots = path.join(path.dirname(require.resolve("@types/node/package.json")), "..");
        writeFileSync(
          path.join(dir, "tsconfig.json"),
          JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", lib: ["ES2023", "DOM"], strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [typeRoots] }, include: ["check-*.ts"] }),
        );
        const tsc = path.join(path.dirname(require.resolve("typescript/package.json")), "bin", "tsc");
        const r = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, timeoutMs: 300_000 });
        if (r.code !== 0) {
          const text = r.stdout.replace(/check-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, i: string, l: string, c: string) => {
            const b = tsBlocks[Number(i)] as CodeBlock;
            return `${b.file}:${b.line + Number(l)}:${c}`;
          });
          failures.push(`type errors:\n${text.slice(0, 6000)}`);
        }
      }
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
});
