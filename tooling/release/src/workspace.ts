// Helpers the release tests share: the workspace, pnpm, building and packing.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error plain JavaScript helpers shared with the scripts (no declarations)
import { pnpmCommand } from "../pnpm.mjs";
// @ts-expect-error plain JavaScript helpers shared with the scripts (no declarations)
import { expectedManifestFields, publishedPackages, repositoryWebUrl } from "../workspace.mjs";
// @ts-expect-error plain JavaScript helpers shared with the scripts (no declarations)
import { hasContent as hasContentJs, publishReadiness } from "../readiness.mjs";

export const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface WorkspacePackage {
  name: string;
  dir: string;
  relDir: string;
  manifest: Record<string, any>;
}

export const published = (): WorkspacePackage[] => publishedPackages(root) as WorkspacePackage[];
export const readiness = (pkg: WorkspacePackage): string[] => publishReadiness(pkg) as string[];
/** A README and an index.ts that exports something (no build needed). */
export const hasContent = (pkg: WorkspacePackage): boolean => hasContentJs(pkg) as boolean;
export const rootManifest = (): Record<string, any> => JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
export const expectedFields = (relDir: string): Record<string, unknown> => expectedManifestFields(rootManifest(), relDir);
export const repositoryWeb = (): string => repositoryWebUrl(rootManifest());

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command, collecting its output; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    // A child that exits without reading its stdin (most do) closes the pipe first: the write then
    // fails with EPIPE, which is not the child's failure and must not surface as an uncaught error.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/** Run pnpm (the one running the tests, else the one on the PATH). */
export function pnpm(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const [cmd, pre] = pnpmCommand(options.env ?? process.env) as [string, string[]];
  return run(cmd, [...pre, ...args], options);
}

export function expectOk(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/**
 * An exclusive lock for this workspace's release tests (build, pack, registry), across vitest's
 * worker processes: they write dist/ and read it back, so they take turns. A lock left by a dead
 * process is taken over. Resolves to the release function.
 */
export async function releaseLock(): Promise<() => void> {
  const file = path.join(tmpdir(), `atlas-release-${createHash("sha256").update(root).digest("hex").slice(0, 12)}.lock`);
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      const release = (): void => {
        try {
          if (readFileSync(file, "utf8") === String(process.pid)) rmSync(file, { force: true });
        } catch {}
      };
      process.once("exit", release);
      return release;
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, "utf8"));
      } catch {}
      let alive = false;
      try {
        alive = Number.isInteger(holder) && holder > 0 && process.kill(holder, 0);
      } catch {}
      if (!alive) rmSync(file, { force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

let built: Promise<void> | undefined;
/** `pnpm build` (turbo, cached) once per test process: every library's dist/. */
export function buildOnce(): Promise<void> {
  built ??= pnpm(["run", "build"], { cwd: root }).then((r) => void expectOk(r, "pnpm build"));
  return built;
}

/** Every file under a directory, as paths relative to it with forward slashes. */
export function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, base));
    else out.push(path.relative(base, full).split(path.sep).join("/"));
  }
  return out.sort();
}

export interface Packed {
  pkg: WorkspacePackage;
  tarball: string;
  /** Where the tarball was unpacked (its `package/` folder). */
  dir: string;
  files: string[];
  manifest: Record<string, any>;
}

/** `pnpm pack` a package into `outDir` and unpack it there. */
export async function pack(pkg: WorkspacePackage, outDir: string): Promise<Packed> {
  const dest = path.join(outDir, pkg.relDir.replace("/", "-"));
  mkdirSync(dest, { recursive: true });
  expectOk(await pnpm(["pack", "--pack-destination", dest], { cwd: pkg.dir }), `pnpm pack ${pkg.name}`);
  const tgz = readdirSync(dest).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error(`pnpm pack ${pkg.name} wrote no tarball to ${dest}`);
  const tarball = path.join(dest, tgz);
  expectOk(await run("tar", ["-xzf", tarball, "-C", dest], { cwd: dest }), `tar -xzf ${tarball}`);
  const dir = path.join(dest, "package");
  return { pkg, tarball, dir, files: listFiles(dir), manifest: JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) };
}
