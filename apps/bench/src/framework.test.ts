import { describe, expect, it } from "vitest";
import { formatTable, parseArgs, timeSteps, withRatios, type SuiteResult } from "./framework.js";

describe("bench framework", () => {
  it("parses suites, --quick and --key=value", () => {
    expect(parseArgs(["gtn-autoencoder", "--quick", "--steps=3", "--", "x", "--flag"])).toEqual({
      suites: ["gtn-autoencoder", "x"],
      quick: true,
      options: { steps: "3", flag: "true" },
    });
  });

  it("computes ratios against the baseline row by throughput", () => {
    const rows = withRatios(
      [
        { variant: "fast", backend: "wasm", steps: 2, msPerStep: 100, throughput: 1280 },
        { variant: "base", backend: "cpu", steps: 1, msPerStep: 4000, throughput: 32 },
        { variant: "broken", backend: "wasm", steps: 0, note: "cannot train" },
      ],
      "base",
    );
    expect(rows.map((r) => r.ratio)).toEqual([40, 1, undefined]);
  });

  it("prints a table with every row and the notes", () => {
    const result: SuiteResult = {
      suite: "demo",
      description: "a demo",
      backend: "wasm",
      baseline: "base",
      rows: withRatios(
        [
          { variant: "fast", backend: "wasm", steps: 2, msPerStep: 100, throughput: 1280, unit: "samples" },
          { variant: "base", backend: "cpu", steps: 1, msPerStep: 4000, throughput: 32, unit: "samples" },
        ],
        "base",
      ),
      notes: ["hello"],
    };
    const text = formatTable(result);
    expect(text).toMatch(/^demo — a demo\nbackend: wasm; ratios relative to "base"/);
    expect(text).toMatch(/fast\s+wasm\s+2\s+100\.0\s+1280\.0 samples\/s\s+40\.0×/);
    expect(text).toMatch(/base\s+cpu\s+1\s+4000\.0\s+32\.0 samples\/s\s+1\.00×/);
    expect(text).toMatch(/note: hello$/);
  });

  it("times the requested number of steps after the warm-up", async () => {
    let calls = 0;
    const { times } = await timeSteps(() => calls++, 3, 2);
    expect(calls).toBe(5);
    expect(times).toHaveLength(3);
  });
});
