import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demo } from "./main.js";

describe("example: FID between two image folders", () => {
  const dirs: string[] = [];
  const saved = process.env.ATLAS_CACHE_DIR;
  beforeAll(() => {
    // the built-in extractor's weights as the atlas CLI ships them (a fresh cache would train for ~20 min)
    process.env.ATLAS_CACHE_DIR = fileURLToPath(new URL("../../../cli/assets/cache", import.meta.url));
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.ATLAS_CACHE_DIR;
    else process.env.ATLAS_CACHE_DIR = saved;
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("real digits against real digits score far better than against noisy copies (quick mode)", { timeout: 300_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "atlas-ex-fid-"));
    dirs.push(out);
    const r = await demo({ out, quick: true, log: () => {} });
    const real = r["A vs B (real vs real)"]!;
    const noisy = r["A vs B + noise"]!;
    expect(real.samples).toEqual([300, 300]);
    expect(real.fid).toBeLessThan(noisy.fid / 3);
    expect(real.kid).toBeLessThan(noisy.kid);
    expect(real.recall).toBeGreaterThan(noisy.recall);
    expect(real.precision).toBeGreaterThan(0.7);
  });
});
