import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkCreatableDir, findSavedDir, makeDirs, resolveSavedDir, writeDirAtomic } from "./atomic-dir.js";
import { FileNotFoundError, InvalidArgumentError } from "./errors.js";

const root = await mkdtemp(path.join(tmpdir(), "atlas-atomic-"));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A stamp as writeDirAtomic makes it: time (base 36, two counter digits), pid, random hex. */
const stampOf = (ms: number, pid = 999_999): string => `${ms.toString(36)}00-${pid}-abcd1234`;

async function version(dir: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "v.txt"), text);
}

const read = async (dir: string): Promise<string> => readFile(path.join(dir, "v.txt"), "utf8");

describe("the recovery rule for atomic directories", () => {
  it("reads the target when it exists, whatever siblings a crash left", async () => {
    const t = path.join(root, "a");
    await version(t, "current");
    await version(`${t}.ready-${stampOf(5000)}`, "never committed");
    expect(await read(await resolveSavedDir("dir", t))).toBe("current");
  });

  it("killed between the two renames (target → .old, .ready → target): the complete new save is read", async () => {
    // the state writeDirAtomic leaves when killed after renaming the target away: before this
    // change loaders found only the .old copy, or nothing (FileNotFoundError for GTN.load)
    const t = path.join(root, "b");
    await version(`${t}.old-${stampOf(1000)}`, "v1");
    await version(`${t}.ready-${stampOf(2000)}`, "v2");
    expect(await read(await resolveSavedDir("dir", t))).toBe("v2");
  });

  it("with only previous versions left, the newest one is read; several ready copies: the newest", async () => {
    const t = path.join(root, "c");
    await version(`${t}.old-${stampOf(1000)}`, "v1");
    await version(`${t}.old-${stampOf(3000)}`, "v3");
    expect(await read(await resolveSavedDir("dir", t))).toBe("v3");
    await version(`${t}.ready-${stampOf(4000)}`, "v4");
    await version(`${t}.ready-${stampOf(5000)}`, "v5");
    expect(await read(await resolveSavedDir("dir", t))).toBe("v5");
  });

  it("never reads an unfinished .tmp- copy", async () => {
    const t = path.join(root, "d");
    await version(`${t}.tmp-${stampOf(9000)}`, "half");
    expect(await findSavedDir(t)).toBeNull();
    await expect(resolveSavedDir("dir", t)).rejects.toThrow(FileNotFoundError);
  });

  it("the next successful save removes what killed saves left; then rm -rf target is really gone", async () => {
    const t = path.join(root, "e");
    await version(`${t}.old-${stampOf(1000)}`, "v1");
    await version(`${t}.ready-${stampOf(2000)}`, "v2");
    await version(`${t}.tmp-${stampOf(3000)}`, "half");
    await writeDirAtomic(t, async (tmp) => writeFile(path.join(tmp, "v.txt"), "v3"));
    expect(await read(await resolveSavedDir("dir", t))).toBe("v3");
    expect((await readdir(root)).filter((n) => n.startsWith("e."))).toEqual([]);
    await rm(t, { recursive: true });
    // before: loadModel("m") returned the oldest left-over version here
    await expect(resolveSavedDir("dir", t)).rejects.toThrow(FileNotFoundError);
  });

  it("leaves the siblings of a save that is still running in another process", async () => {
    const t = path.join(root, "f");
    const mine = `${t}.tmp-${stampOf(1000, process.pid === 1 ? 2 : 1)}`; // pid 1 (init) is always alive
    await version(mine, "running");
    await writeDirAtomic(t, async (tmp) => writeFile(path.join(tmp, "v.txt"), "x"));
    expect((await readdir(root)).filter((n) => n.startsWith("f."))).toEqual([path.basename(mine)]);
  });

  it("a failing writer leaves the previous version untouched and no temporary directory", async () => {
    const t = path.join(root, "g");
    await writeDirAtomic(t, async (tmp) => writeFile(path.join(tmp, "v.txt"), "good"));
    await expect(writeDirAtomic(t, async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full");
    expect(await read(t)).toBe("good");
    expect((await readdir(root)).filter((n) => n.startsWith("g."))).toEqual([]);
  });

  it("refuses paths it cannot create as an InvalidArgumentError naming the argument, without hanging", async () => {
    const file = path.join(root, "plain-file");
    await writeFile(file, "x");
    const err = await writeDirAtomic(path.join(file, "sub"), async () => undefined, { argument: "dir" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe("dir");
    // Node's recursive mkdir never returns for paths under /proc; ours stops at the first level
    const proc = await makeDirs("out", "/proc/atlas-no-such/x").catch((e: unknown) => e);
    expect(proc).toBeInstanceOf(InvalidArgumentError);
  });

  it("checkCreatableDir accepts a directory or a creatable path without creating it, and refuses a file in the way naming the argument", async () => {
    const fresh = path.join(root, "creatable", "a", "b");
    await checkCreatableDir("options.checkpointDir", fresh);
    await checkCreatableDir("options.checkpointDir", root);
    expect((await readdir(root)).includes("creatable")).toBe(false); // nothing created
    const file = path.join(root, "in-the-way");
    await writeFile(file, "x");
    for (const dir of [file, path.join(file, "sub", "deeper")]) {
      const err = await checkCreatableDir("options.cacheDir", dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe("options.cacheDir");
      expect((err as Error).message).toContain(`${file} is a file, not a directory`);
    }
    await expect(checkCreatableDir("options.cacheDir", "")).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
