// Test harness: the explorer's Vite dev server and Debian's Chromium through playwright-core.
import { createServer, type ViteDevServer } from "vite";
import { chromium, type Browser } from "playwright-core";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { CHROMIUM_ARGS, findChromium } from "@atlas/browser-test";

export const explorerDir = fileURLToPath(new URL("..", import.meta.url));
export const resultsDir = join(explorerDir, "test-results");
export const chromiumPath = findChromium();

export interface Explorer {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Serve the explorer (with `bundleDir` at /bundle/) and launch Chromium. */
export async function startExplorer(bundleDir?: string): Promise<Explorer> {
  if (bundleDir) process.env.ATLAS_EXPLORER_BUNDLE = bundleDir;
  const server: ViteDevServer = await createServer({ configFile: join(explorerDir, "vite.config.ts"), server: { port: 0, host: "127.0.0.1" }, logLevel: "error" });
  await server.listen();
  const browser = await chromium.launch({ executablePath: chromiumPath!, args: [...CHROMIUM_ARGS, "--disable-gpu"] });
  return {
    url: server.resolvedUrls!.local[0]!,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
