#!/usr/bin/env node
// Runs the TypeScript CLI through tsx with workspace packages resolved to their source.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@atlas/source", cli, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
