import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo } from "./demo.js";

describe("atlas demo (the main job)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("trains, lowers the held-out reconstruction error and writes the PNG and the model", async () => {
    const out = await mkdtemp(join(tmpdir(), "atlas-demo-"));
    dirs.push(out);
    const lines: string[] = [];
    let events = 0;
    const r = await runDemo({ steps: 8, batchSize: 16, evalImages: 200, out, log: (l) => lines.push(l), onProgress: () => events++ });
    expect(r.steps).toBe(8);
    expect(events).toBeGreaterThanOrEqual(8);
    expect(r.testMseAfter).toBeLessThan(r.testMseBefore);
    expect(lines[0]).toMatch(/^backend: (wasm|cpu|node|node-gpu) \(/);
    const png = await readFile(r.reconstructionsPng);
    // PNG signature, then IHDR: width and height as big-endian uint32 at bytes 16 and 20.
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // 8 columns × 4 rows of 28-px images, 2-px padding around and between, scaled ×2
    expect(png.readUInt32BE(16)).toBe((8 * 28 + 9 * 2) * 2);
    expect(png.readUInt32BE(20)).toBe((4 * 28 + 5 * 2) * 2);
    expect((await stat(join(r.modelDir, "decoder", "model.json"))).isFile()).toBe(true);
  });

  it("rejects bad options before any work", async () => {
    await expect(runDemo({ steps: 0 })).rejects.toThrow(/steps: expected an integer ≥ 1, got 0/);
    await expect(runDemo({ learningRate: Number.NaN })).rejects.toThrow(/learningRate/);
  });
});
