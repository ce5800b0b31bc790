// The README's pictures: the demo's report and the explorer on the demo's bundle, taken with
// Debian's Chromium through playwright-core.
//   pnpm --filter @atlas/explorer screenshots [DEMO_DIR]   (default <repo>/out/demo)
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { explorerDir, startExplorer } from "../src/harness.test-util.js";

const demo = resolve(process.argv[2] ?? join(explorerDir, "..", "..", "out", "demo"));
const images = join(explorerDir, "..", "..", "docs", "images");
mkdirSync(images, { recursive: true });
const ex = await startExplorer(join(demo, "explorer"));
try {
  const page = await ex.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${ex.url}?backend=cpu`, { timeout: 600_000, waitUntil: "commit" });
  await page.waitForSelector("body[data-state=ready]", { timeout: 600_000 });
  await page.locator("#play").click(); // then back to the first frame, paused
  await page.locator("#play").click();
  await page.screenshot({ path: join(images, "explorer.png"), fullPage: true });
  const report = await ex.browser.newPage({ viewport: { width: 1100, height: 1500 } });
  await report.goto(pathToFileURL(join(demo, "report.html")).href);
  await report.screenshot({ path: join(images, "report.png") });
  console.log(`wrote ${join(images, "explorer.png")} and ${join(images, "report.png")}`);
} finally {
  await ex.close();
}
