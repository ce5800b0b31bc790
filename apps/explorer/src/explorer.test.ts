// The explorer in Debian's Chromium (playwright-core, no browser download), served by Vite:
// a bundle written by the atlas CLI is loaded, a geodesic between two picked points is drawn and
// checked against the CLI's own result, the metrics page computes; screenshots are kept in
// test-results/ (gitignored).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, resultsDir as results, startExplorer, type Explorer } from "./harness.test-util.js";

const cli = fileURLToPath(new URL("../../cli/bin/atlas.js", import.meta.url));

function atlas(...args: string[]): void {
  const r = spawnSync(process.execPath, [cli, ...args, "--quiet"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`atlas ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
}

describe.skipIf(!chromiumPath)("the explorer in Chromium", () => {
  let dir = "";
  let explorer: Explorer;
  let url = "";
  let browser: Explorer["browser"];
  let bundle: { pairs: { from: number; to: number; length: number | null; chartChanges: number }[]; model: { charts: number } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "atlas-explorer-"));
    // a small 4-chart AWAE-GAN and its geodesic graph on 60 test digits, exported for the explorer
    atlas("train", "awae-gan", "--data", "mnist", "--limit", "200", "--batch-size", "50", "--epochs", "1", "--width", "4", "--out", join(dir, "model"));
    atlas("geodesic", join(dir, "model"), "--data", "mnist", "--nodes", "60", "--k", "4", "--steps", "3", "--pairs", "8", "--strips", "0", "--export", "--out", join(dir, "geo"));
    bundle = JSON.parse(readFileSync(join(dir, "geo", "explorer", "bundle.json"), "utf8"));
    explorer = await startExplorer(join(dir, "geo", "explorer"));
    ({ url, browser } = explorer);
    mkdirSync(results, { recursive: true });
  });

  afterAll(async () => {
    await explorer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads an exported bundle, draws the geodesic between two picked images with each frame's chart, as the CLI found it", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const pair = bundle.pairs.find((p) => p.length !== null)!;
    await page.goto(`${url}?backend=cpu&from=${pair.from}&to=${pair.to}`, { timeout: 300_000, waitUntil: "commit" });
    await page.waitForSelector("body[data-state=ready]", { timeout: 300_000 });
    expect(errors).toEqual([]);
    // one latent panel per chart, a thumbnail per shown point
    expect(await page.locator(".panels canvas").count()).toBe(bundle.model.charts);
    expect(await page.locator("#thumbs canvas").count()).toBe(60);
    // ten geodesic and ten linear frames, each labelled with its chart ("a/b" on a chart-crossing edge)
    const labels = await page.locator("#geodesic-frames .chart").allTextContents();
    expect(labels).toHaveLength(10);
    for (const l of labels) expect(l).toMatch(/^[0-3](\/[0-3])?$/);
    expect(await page.locator("#linear-frames .frame").count()).toBe(10);
    // the same optimal length as the CLI's A* on the same graph
    const text = await page.locator("#path-length").textContent();
    expect(Number(/geodesic length ([\d.]+)/.exec(text ?? "")?.[1])).toBeCloseTo(pair.length!, 3);
    // the player shows frame 1 of the geodesic: every pixel painted, each 6×6 block the colour of
    // the matching pixel of the strip's first frame
    const mismatch = await page.evaluate(() => {
      const big = document.getElementById("player-geodesic") as HTMLCanvasElement;
      const small = document.querySelector("#geodesic-frames canvas") as HTMLCanvasElement;
      const B = big.getContext("2d")!.getImageData(0, 0, big.width, big.height).data;
      const S = small.getContext("2d")!.getImageData(0, 0, small.width, small.height).data;
      const f = big.width / small.width;
      let bad = 0;
      for (let y = 0; y < small.height; y++) {
        for (let x = 0; x < small.width; x++) {
          const b = ((y * f + f / 2) * big.width + x * f + f / 2) * 4;
          const s = (y * small.width + x) * 4;
          if (B[b + 3] !== 255 || Math.abs(B[b]! - S[s]!) > 1) bad++;
        }
      }
      return bad;
    });
    expect(mismatch).toBe(0);
    await page.screenshot({ path: join(results, "explorer-geodesics.png"), fullPage: true });
    // picking two thumbnails computes a new geodesic
    await page.locator('#thumbs canvas[data-point="3"]').click();
    await page.locator('#thumbs canvas[data-point="40"]').click();
    await page.waitForFunction(() => document.getElementById("status")?.textContent?.startsWith("geodesic from point 3 to point 40") ?? false, undefined, { timeout: 120_000 });
    expect(await page.locator("#geodesic-frames .frame").count()).toBe(10);
    // the metrics page computes precision/recall of model samples in the page
    await page.goto(`${url}?backend=cpu#metrics`, { timeout: 300_000, waitUntil: "commit" });
    await page.waitForFunction(() => /precision \d/.test(document.getElementById("live-metrics")?.textContent ?? ""), undefined, { timeout: 300_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
