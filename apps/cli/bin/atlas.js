#!/usr/bin/env node
// The `atlas` command. It runs src/cli.ts in a child Node process through tsx, with the workspace
// packages resolved to their TypeScript source (the @atlas/source export condition). tsx and the
// tsconfig are resolved relative to THIS file, not the working directory, so the command works
// from any directory and when linked or installed globally (`pnpm link --global`, `npm i -g`).
// SIGINT, SIGTERM and SIGHUP are forwarded to the child, which saves a checkpoint and exits; this
// process then exits with the child's code (128 + signal number if the child was killed by one).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const tsconfig = fileURLToPath(new URL("../tsconfig.json", import.meta.url));
let tsx;
try {
  tsx = import.meta.resolve("tsx");
} catch {
  console.error("atlas: cannot find the 'tsx' package next to the atlas command; run 'pnpm install' in the Atlas repository");
  process.exit(3);
}

const child = spawn(process.execPath, ["--conditions=@atlas/source", "--import", tsx, cli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
});
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  });
}
child.on("error", (error) => {
  console.error(`atlas: cannot start Node: ${error.message}`);
  process.exit(70);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
});
