import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCsv, run } from "./main.js";

describe("example: GTN on your own vectors", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it("fits two moons (quick mode): samples have the data's spread and lie near the data", { timeout: 300_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "atlas-ex-gtn-"));
    dirs.push(out);
    const r = await run({ out, quick: true, log: () => {} });
    const samples = readCsv(await readFile(join(out, "samples.csv"), "utf8"));
    expect([samples.n, samples.dim, samples.header]).toEqual([2000, 2, ["x", "y"]]);
    for (const c of r.columns) {
      expect(Math.abs(c.sampleMean - c.dataMean)).toBeLessThan(0.15);
      expect(c.sampleStd / c.dataStd).toBeGreaterThan(0.75);
      expect(c.sampleStd / c.dataStd).toBeLessThan(1.25);
    }
    // a sample's nearest data point is closer than the moons' width (noise sd 0.06, arcs 1 apart)
    expect(r.sampleToData).toBeLessThan(0.1);
    expect((await readFile(join(out, "scatter.png"))).subarray(1, 4).toString()).toBe("PNG");
  });
});
