/**
 * apps/bench/device/exclude-device.sh (called by prepare.sh): `/.device/` must end up ignored in a
 * plain clone and in a git worktree, where `.git` is a file and `.git/info/exclude` is no path
 * (the shared recipe's `>> .git/info/exclude` failed there). Real git repositories in a temp folder.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../device/exclude-device.sh", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "atlas-exclude-"));
const git = (cwd: string, ...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });
/** Whether git ignores `.device/x` in `cwd` (check-ignore exits 0 when ignored, 1 when not). */
const ignored = (cwd: string): boolean => {
  try {
    execFileSync("git", ["check-ignore", "-q", ".device/x"], { cwd });
    return true;
  } catch {
    return false;
  }
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("exclude-device.sh", () => {
  const main = join(dir, "main");
  const wt = join(dir, "wt");
  execFileSync("git", ["init", "-q", main]);
  writeFileSync(join(main, "a.txt"), "a\n");
  git(main, "add", "a.txt");
  git(main, "commit", "-qm", "a");
  git(main, "worktree", "add", "-q", wt);

  it("in a worktree (.git is a file): writes the exclude file git reads, and .device/ is ignored", () => {
    expect(statSync(join(wt, ".git")).isFile()).toBe(true);
    expect(ignored(wt)).toBe(false);
    const file = execFileSync("bash", [script], { cwd: wt, encoding: "utf8" }).trim();
    expect(file).toBe(join(main, ".git", "info", "exclude"));
    expect(ignored(wt)).toBe(true);
    // the exclude file is shared by the worktrees of a repository: the main checkout ignores it too
    expect(ignored(main)).toBe(true);
  });

  it("in a plain checkout, and run twice: one line, not two", () => {
    execFileSync("bash", [script], { cwd: main });
    execFileSync("bash", [script], { cwd: join(main) });
    const lines = readFileSync(join(main, ".git", "info", "exclude"), "utf8").split("\n").filter((l) => l === "/.device/");
    expect(lines).toHaveLength(1);
    expect(ignored(main)).toBe(true);
  });
});
