// How to run pnpm from a script: the pnpm that runs us (npm_execpath, a JavaScript file or a
// single executable), else `pnpm` on the PATH.
import path from "node:path";

/** @returns {[string, string[]]} command and leading arguments */
export function pnpmCommand(env = process.env) {
  const execpath = env.npm_execpath ?? "";
  if (/pnpm/.test(path.basename(execpath))) return /\.[cm]?js$/.test(execpath) ? [process.execPath, [execpath]] : [execpath, []];
  return ["pnpm", []];
}
