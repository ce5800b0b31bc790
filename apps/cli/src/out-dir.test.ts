import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OutputError, prepareOutDir, prepareOutFile, removeCreated } from "./out-dir.js";

describe("output locations are checked before any work", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const tmp = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), "atlas-out-"));
    dirs.push(d);
    return d;
  };

  it("creates missing levels, reports them, and removeCreated takes them back", async () => {
    const d = await tmp();
    const { dir, created } = await prepareOutDir(join(d, "a", "b", "c"));
    expect(dir).toBe(join(d, "a", "b", "c"));
    expect(created).toEqual([join(d, "a"), join(d, "a", "b"), join(d, "a", "b", "c")]);
    expect((await stat(dir)).isDirectory()).toBe(true);
    await removeCreated(created);
    expect(existsSync(join(d, "a"))).toBe(false);
    // an existing directory: nothing created, no probe file left behind
    const again = await prepareOutDir(d);
    expect(again.created).toEqual([]);
  });

  it("refuses a file where a directory is needed, naming the flag and the path", async () => {
    const d = await tmp();
    await writeFile(join(d, "f"), "x");
    await expect(prepareOutDir(join(d, "f"))).rejects.toThrow(`--out: ${join(d, "f")} is a file, not a directory`);
    await expect(prepareOutDir(join(d, "f", "sub"))).rejects.toThrow(`cannot be created: ${join(d, "f")} is a file, not a directory`);
    await expect(prepareOutFile(d, "--out")).rejects.toThrow(/is a directory; give a file name/);
    await expect(prepareOutDir(join(d, "f"))).rejects.toBeInstanceOf(OutputError);
  });

  it.skipIf(!existsSync("/proc/self"))("fails at once under /proc, where Node's recursive mkdir loops forever", async () => {
    const t0 = performance.now();
    await expect(prepareOutDir("/proc/atlas-test/x")).rejects.toThrow(/--out: \/proc\/atlas-test\/x cannot be created there/);
    expect(performance.now() - t0).toBeLessThan(5000); // a hang would time the test out; this says why
  });

  it.skipIf(process.getuid?.() === 0)("refuses a read-only directory (not testable as root, who may write anywhere)", async () => {
    const d = await tmp();
    await chmod(d, 0o555);
    try {
      await expect(prepareOutDir(join(d, "x"))).rejects.toThrow(/is not writable|cannot be created/);
    } finally {
      await chmod(d, 0o755);
    }
  });
});
