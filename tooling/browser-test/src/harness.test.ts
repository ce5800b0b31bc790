/**
 * The harness itself: bundling (stubs, the one-tfjs-core check) without a browser, and one page in
 * Chromium (calls, errors carried back with the page's message, the WebGPU adapter).
 */
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import { bundleForBrowser, openPage, tfjsCoreCopies } from "./index.js";

const smoke = fileURLToPath(new URL("./fixtures/smoke-page.ts", import.meta.url));

describe("bundleForBrowser", () => {
  it("bundles a page and stubs Node built-ins instead of failing on them", async () => {
    const { code } = await bundleForBrowser(smoke);
    expect(code).toContain("failed on purpose");
    expect(code).toContain("import_node_fs"); // the stub module stands in for node:fs
  });
  it("counts the copies of tfjs-core a bundle holds", () => {
    const inputs = (paths: string[]): Metafile => ({ inputs: Object.fromEntries(paths.map((p) => [p, { bytes: 1, imports: [] }])), outputs: {} }) as unknown as Metafile;
    const a = "node_modules/.pnpm/@tensorflow+tfjs-core@4.22.0/node_modules/@tensorflow/tfjs-core/dist/engine.js";
    const b = "node_modules/.pnpm/@tensorflow+tfjs-core@4.21.0/node_modules/@tensorflow/tfjs-core/dist/engine.js";
    expect(tfjsCoreCopies(inputs([a, a.replace("engine", "ops/add")]))).toHaveLength(1);
    expect(tfjsCoreCopies(inputs([a, b]))).toHaveLength(2);
  });
});

describe("openPage (headless Chromium)", () => {
  it("calls the page's functions, carries its errors back, and finds a WebGPU adapter", async () => {
    const page = await openPage({ entry: smoke });
    try {
      expect(await page.call("add", 2, 3)).toBe(5);
      expect(await page.call("nodeFs")).toBe("undefined");
      await expect(page.call("fail")).rejects.toThrow(/fail\(…\) failed in the page: .*failed on purpose/);
      await expect(page.call("missing")).rejects.toThrow(/exposes no function 'missing'/);
      const adapter = await page.call<{ vendor: string; architecture: string } | undefined>("adapter");
      // SwiftShader on machines without a GPU; a real adapter elsewhere
      expect(adapter?.vendor).toBeTruthy();
    } finally {
      await page.close();
    }
  }, 120_000);
});
