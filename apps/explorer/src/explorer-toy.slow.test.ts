// The toy atlas trained in the page (slow: minutes of in-browser training on the CPU backend).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, resultsDir as results, startExplorer, type Explorer } from "./harness.test-util.js";

describe.skipIf(!chromiumPath)("the explorer's toy atlas", () => {
  let explorer: Explorer;
  let url = "";
  let browser: Explorer["browser"];
  beforeAll(async () => {
    explorer = await startExplorer();
    ({ url, browser } = explorer);
    mkdirSync(results, { recursive: true });
  });
  afterAll(async () => {
    await explorer?.close();
  });

  it("trains a two-chart atlas of a toy manifold in the page; its geodesic half way round the ring changes chart", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}?toy&backend=cpu&epochs=20`, { timeout: 300_000, waitUntil: "commit" });
    await page.waitForSelector("body[data-state=ready]", { timeout: 300_000 });
    expect(errors).toEqual([]);
    expect(await page.locator(".panels canvas").count()).toBe(2);
    const charts = await page.locator("#geodesic-frames .frame").evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.chart)));
    expect(charts).toHaveLength(10);
    expect(new Set(charts).size).toBe(2);
    await page.screenshot({ path: join(results, "explorer-toy.png"), fullPage: true });
    await page.goto(`${url}?toy&backend=cpu&epochs=2#gtn`, { timeout: 300_000, waitUntil: "commit" });
    await page.waitForSelector("#gtn-samples canvas", { timeout: 300_000 });
    expect(await page.locator("#gtn-samples").getAttribute("data-seed")).toBe("0");
    await page.close();
  });
});
