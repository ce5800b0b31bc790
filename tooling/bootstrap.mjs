#!/usr/bin/env node
// Set-up behind the README's two commands (`npx -y pnpm@12.21.0 demo` / `… test`), so that a fresh
// machine with only Node and npm needs nothing else typed by hand:
//   1. native addons (hnswlib-node) build against this Node's own headers when they are on disk,
//      instead of node-gyp downloading headers (which fails offline);
//   2. `pnpm install --frozen-lockfile` (a no-op of a few seconds when node_modules is current);
//   3. for the tests: Debian's Chromium for the browser tests, installed with apt when it is missing
//      and we may (root, apt-get present); otherwise a message that says how.
// Usage: node tooling/bootstrap.mjs [--browser]   (run by the root package.json scripts)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wantBrowser = process.argv.includes("--browser");
const env = { ...process.env };

function log(msg) {
  process.stderr.write(`[bootstrap] ${msg}\n`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env, ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

// 1. Node's headers for node-gyp. Node installs them under <prefix>/include/node; Debian's nodejs
// under /usr/include/node. An explicit npm_config_nodedir wins.
if (!env.npm_config_nodedir) {
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  const dir = [prefix, "/usr", "/usr/local"].find((d) => existsSync(path.join(d, "include", "node", "node.h")));
  if (dir) env.npm_config_nodedir = dir;
}

// 2. Install with the pnpm that runs us (npm_execpath), or the pinned one through npx.
const execpath = env.npm_execpath ?? "";
// pnpm ships both as a JavaScript file and as a single executable; npx falls back to the pinned one.
const pnpm = !/pnpm/.test(path.basename(execpath))
  ? ["npx", ["--yes", "pnpm@12.21.0"]]
  : /\.[cm]?js$/.test(execpath)
    ? [process.execPath, [execpath]]
    : [execpath, []];
const status = run(pnpm[0], [...pnpm[1], "install", "--frozen-lockfile"]);
if (status !== 0) {
  log(`pnpm install failed (exit ${status})`);
  process.exit(status);
}

// 3. Chromium for the browser tests.
if (wantBrowser) {
  const candidates = [env.ATLAS_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  if (!candidates.some((p) => existsSync(p))) {
    const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const hasApt = existsSync("/usr/bin/apt-get");
    if (isRoot && hasApt) {
      log("installing Debian's chromium for the browser tests (apt-get) …");
      const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
      let s = run("apt-get", ["update", "-qq"], { env: aptEnv });
      if (s === 0) s = run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { env: aptEnv });
      if (s !== 0) log(`apt-get could not install chromium (exit ${s}); the browser tests will say so`);
    } else {
      log(
        "Chromium was not found (/usr/bin/chromium). The browser tests need it: on Debian/Ubuntu run " +
          "`sudo apt-get install chromium`, or point ATLAS_CHROMIUM at a Chromium binary.",
      );
    }
  }
}
