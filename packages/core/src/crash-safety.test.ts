/**
 * Crash safety of core's artifacts (issue 16): a save killed exactly between its two renames
 * (`target → target.old-<stamp>` done, `target.ready-<stamp> → target` not) must leave the complete
 * new version readable through every loader, and the next save must remove what the killed one left.
 * The layout is made from two real saves, renamed as writeDirAtomic's steps 3–4 name them (same
 * stamp for both, the pid of a process that no longer runs).
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOptimizer, loadState, saveOptimizer, saveState } from "./files.js";
import { packDirectory, unpackDirectory } from "./platform/bundle.js";
import { trainLoop } from "./train.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await fs.mkdtemp(path.join(os.tmpdir(), "atlas-crash-"));
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

/** Lay out `next` (a complete save) and `target` as a save of `next` over `target` killed between the renames. */
async function killBetweenRenames(target: string, next: string): Promise<void> {
  const stamp = `${Date.now().toString(36)}00-999999-0badc0de`;
  await fs.rename(target, `${target}.old-${stamp}`);
  await fs.rename(next, `${target}.ready-${stamp}`);
  await expect(fs.stat(target)).rejects.toThrow(/ENOENT/);
}

const siblings = async (target: string): Promise<string[]> => (await fs.readdir(path.dirname(target))).filter((n) => n.startsWith(`${path.basename(target)}.`));

describe("state files (saveState / loadState)", () => {
  it("a save killed between the renames loads as the new version; the next save cleans up", async () => {
    const target = path.join(root, "state");
    const v = (x: number) => tf.tensor([x, x + 1]);
    const [a, b, c] = [v(1), v(2), v(3)];
    await saveState(target, { tensors: { t: a }, json: { version: 1 } });
    await saveState(path.join(root, "state-next"), { tensors: { t: b }, json: { version: 2 } });
    await killBetweenRenames(target, path.join(root, "state-next"));
    const loaded = await loadState(target);
    expect(loaded.json).toEqual({ version: 2 });
    expect(Array.from(await loaded.tensors.t!.data())).toEqual([2, 3]);
    tf.dispose(Object.values(loaded.tensors));
    expect(await siblings(target)).toHaveLength(2);
    await saveState(target, { tensors: { t: c }, json: { version: 3 } });
    expect(await siblings(target)).toEqual([]);
    const again = await loadState(target);
    expect(again.json).toEqual({ version: 3 });
    tf.dispose([...Object.values(again.tensors), a, b, c]);
  });
});

describe("optimizer state (saveOptimizer / loadOptimizer)", () => {
  it("restores the slots of the save that was being committed, not the previous one", async () => {
    const target = path.join(root, "adam");
    const w = tf.variable(tf.tensor([1, -2]));
    const adam = tf.train.adam(0.1);
    const step = () => tf.dispose(adam.minimize(() => w.square().sum() as tf.Scalar, true) ?? []);
    step();
    await saveOptimizer(target, adam);
    step();
    await saveOptimizer(path.join(root, "adam-next"), adam);
    const slots = async (o: tf.Optimizer) => {
      const ws = await o.getWeights();
      const out = await Promise.all(ws.map(async (x) => Array.from(await x.tensor.data())));
      ws[0]!.tensor.dispose(); // the iteration counter getWeights made
      return out;
    };
    const expected = await slots(adam);
    await killBetweenRenames(target, path.join(root, "adam-next"));
    const fresh = tf.train.adam(0.1);
    await loadOptimizer(target, fresh);
    // two steps taken: the restored iteration counter is 2 (the .old copy holds 1)
    expect(await slots(fresh)).toEqual(expected);
    expect(expected[0]).toEqual([2]);
    w.dispose();
    adam.dispose();
    fresh.dispose();
  });
});

describe("unpacked bundles (unpackDirectory)", () => {
  it("a bundle unpack killed between the renames leaves the unpacked version readable; the next unpack cleans up", async () => {
    const src = path.join(root, "bundle-src");
    const t = tf.tensor([7]);
    await saveState(src, { tensors: { t }, json: { from: "bundle" } });
    t.dispose();
    const bundle = await packDirectory(src);
    const target = path.join(root, "bundle-target");
    await saveState(target, { json: { from: "before" } });
    await unpackDirectory(bundle, path.join(root, "bundle-next"));
    await killBetweenRenames(target, path.join(root, "bundle-next"));
    const loaded = await loadState(target);
    expect(loaded.json).toEqual({ from: "bundle" });
    tf.dispose(Object.values(loaded.tensors));
    await unpackDirectory(bundle, target);
    expect(await siblings(target)).toEqual([]);
  });
});

describe("trainLoop checkpoints", () => {
  it("a checkpoint save killed between the renames: the next run resumes from it, and its own save removes the left-overs", async () => {
    const dir = path.join(root, "ck");
    const run = (epochs: number, seen: number[] = []) =>
      trainLoop({
        size: 4,
        batchSize: 2,
        epochs,
        step: (_b, ctx) => {
          seen.push(ctx.globalStep);
          return 1;
        },
        checkpoint: { dir, every: 1, save: () => undefined, load: () => undefined },
      });
    await run(1);
    await fs.cp(dir, path.join(root, "ck-epoch1"), { recursive: true });
    await run(2);
    // the epoch-2 checkpoint was being committed over the epoch-1 one when the process died
    await fs.rename(dir, path.join(root, "ck-epoch2"));
    await fs.rename(path.join(root, "ck-epoch1"), dir);
    await killBetweenRenames(dir, path.join(root, "ck-epoch2"));
    const seen: number[] = [];
    const h = await run(3, seen);
    expect(h.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(seen).toEqual([4, 5]);
    expect(h.epochs).toHaveLength(3);
    expect(await siblings(dir)).toEqual([]);
  });
});
