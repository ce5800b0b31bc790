// The `atlas` bin as users run it: a child process, from another directory, with signals.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.js";

const BIN = fileURLToPath(new URL("../bin/atlas.js", import.meta.url));

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the bin in `cwd`; `onStart` gets the process (to signal it). */
function runBin(args: string[], cwd: string, onStart?: (kill: (sig: NodeJS.Signals) => void) => void): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.((sig) => child.kill(sig));
  });
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const quiet = { write: () => true };

describe("the atlas bin", () => {
  let d = "";
  beforeAll(async () => {
    d = await mkdtemp(join(tmpdir(), "atlas-bin-"));
  });
  afterAll(async () => {
    await rm(d, { recursive: true, force: true });
  });

  it("runs from any directory; a bad flag is one line on stderr and exit code 2", { timeout: 120_000 }, async () => {
    const help = await runBin(["help"], d);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith("atlas — generative modelling on data manifolds")).toBe(true);
    const bad = await runBin(["train", "awae-gan", "--data", "mnist", "--out", "x", "--epochs", "ten"], d);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('atlas train: --epochs: expected an integer in [1, 100000], got "ten"\n');
    expect(existsSync(join(d, "x"))).toBe(false); // flags are checked before the output directory is made
  });

  it("SIGINT during training saves a checkpoint and exits 130; --resume ends where an uninterrupted run ends", { timeout: 600_000 }, async () => {
    const flags = ["--data", "mnist", "--limit", "200", "--batch-size", "10", "--epochs", "2", "--width", "4", "--seed", "3"];
    const out = join(d, "interrupted");
    const trainer = join(out, "checkpoint", "trainer");
    let sent = false;
    const r = await runBin(["train", "wae-gan", ...flags, "--out", out], d, (kill) => {
      // the loop writes its first checkpoint after epoch 1; interrupt epoch 2
      void until(() => existsSync(trainer), 300_000).then(() => {
        sent = true;
        kill("SIGINT");
      });
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("atlas: SIGINT received — saving a checkpoint, then stopping");
    expect(r.stderr).toContain(`atlas train: interrupted by SIGINT during training wae-gan; checkpoint saved in ${join(out, "checkpoint")}`);
    expect(existsSync(join(out, "atlas.json"))).toBe(false);
    const state = JSON.parse(await readFile(join(trainer, "trainer", "state.json"), "utf8")).json.state;
    expect(state.globalStep).toBeGreaterThan(20); // 20 steps per epoch: stopped inside epoch 2…
    expect(state.globalStep).toBeLessThan(40); // …before its end

    // a different setting is refused, naming the flag
    let err = "";
    const refused = await main(["train", "wae-gan", ...flags.slice(0, -2), "--seed", "4", "--out", out, "--resume"], { stdout: quiet, stderr: { write: (s: string) => (err += s) }, signal: new AbortController().signal });
    expect(refused).toBe(2);
    expect(err).toBe("atlas train: --seed: 4 differs from the interrupted run's 3; a resumed run keeps its settings\n");

    const resumed = await main(["train", "wae-gan", ...flags, "--out", out, "--resume", "--quiet"], { stdout: quiet, stderr: quiet, signal: new AbortController().signal });
    expect(resumed).toBe(0);
    const straight = await main(["train", "wae-gan", ...flags, "--out", join(d, "straight"), "--quiet"], { stdout: quiet, stderr: quiet, signal: new AbortController().signal });
    expect(straight).toBe(0);
    const a = JSON.parse(await readFile(join(out, "train.json"), "utf8")).history;
    const b = JSON.parse(await readFile(join(d, "straight", "train.json"), "utf8")).history;
    expect(a.resumedFrom).not.toBeNull();
    expect(a.globalStep).toBe(40);
    // core's exact resume: the same epoch losses, to the last bit, as the run that was never stopped
    expect(a.epochs.map((e: { losses: unknown }) => e.losses)).toEqual(b.epochs.map((e: { losses: unknown }) => e.losses));
    expect(existsSync(join(out, "checkpoint"))).toBe(false);
  });
});
