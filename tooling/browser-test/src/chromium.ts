/**
 * A page in headless Chromium serving a bundle from 127.0.0.1 (a page opened from file:// never
 * runs its module script), driven by playwright-core with the system Chromium (no browser download).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { type BundleOptions, bundleForBrowser } from "./bundle.js";

/** Where Chromium is looked for: `$ATLAS_CHROMIUM` (as tooling/bootstrap.mjs), `$CHROMIUM_PATH`, then Debian's and other common locations. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [env.ATLAS_CHROMIUM, env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  return candidates.find((p): p is string => typeof p === "string" && p !== "" && existsSync(p));
}

/**
 * Chromium's flags: new headless mode, WebGPU enabled (on a machine without a GPU Chromium gives a
 * SwiftShader adapter: vendor google, architecture swiftshader), no network chatter.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Options of {@link openPage}. */
export interface OpenPageOptions extends BundleOptions {
  /** The test code's entry file; it registers functions with `expose()` from `@atlas/browser-test/page`. */
  entry: string;
  /** Extra files served by URL path (e.g. `{ "/wasm/tfjs-backend-wasm-simd.wasm": "/abs/path" }`). */
  files?: Record<string, string>;
  /** Extra Chromium flags. */
  args?: readonly string[];
  /** Milliseconds to wait for the page's module to finish loading (default 60 000). */
  loadTimeoutMs?: number;
  /** Send cross-origin-isolation headers (SharedArrayBuffer, wasm threads). Default false. */
  crossOriginIsolated?: boolean;
}

/** A page with the bundled test code loaded. */
export interface BrowserPage {
  /** Call a function the page registered with `expose(name, fn)`; arguments and result are JSON-like. */
  call<T = unknown>(name: string, ...args: unknown[]): Promise<T>;
  /** The playwright page (for anything else). */
  readonly page: Page;
  /** Console lines and page errors seen so far (for failure messages). */
  readonly log: string[];
  /** The bundle's size in bytes. */
  readonly bundleBytes: number;
  /** Close the browser and the server. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".html": "text/html" };

async function serve(code: string, files: Record<string, string>, isolated: boolean): Promise<Server> {
  const html = `<!doctype html><meta charset="utf-8"><title>atlas browser test</title><script type="module" src="/bundle.js"></script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (isolated) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { ...headers, "content-type": type });
      res.end(body);
    };
    if (path === "/" || path === "/index.html") return send(200, "text/html", html);
    if (path === "/favicon.ico") return send(204, "text/plain", "");
    if (path === "/bundle.js") return send(200, "text/javascript", code);
    const file = files[path];
    if (file === undefined) return send(404, "text/plain", `not found: ${path}`);
    readFile(file).then(
      (body) => send(200, TYPES[extname(file)] ?? "application/octet-stream", body),
      (err: unknown) => send(500, "text/plain", String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return server;
}

/**
 * Bundle `options.entry`, serve it from 127.0.0.1 and open it in headless Chromium; resolves when the
 * page's module has run (its `expose()` calls are done).
 *
 * @throws Error when no Chromium is found (set `CHROMIUM_PATH`), the bundle fails, or the page fails to load
 */
export async function openPage(options: OpenPageOptions): Promise<BrowserPage> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error("no Chromium found: install Debian's `chromium` (apt-get install -y chromium) or set ATLAS_CHROMIUM");
  }
  const { code, bytes } = await bundleForBrowser(options.entry, options);
  const server = await serve(code, options.files ?? {}, options.crossOriginIsolated ?? false);
  let browser: Browser | undefined;
  const log: string[] = [];
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
    const page = await browser.newPage();
    page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    const timeout = options.loadTimeoutMs ?? 60_000;
    try {
      await page.waitForFunction(() => (globalThis as { __atlasPage?: { loaded?: boolean } }).__atlasPage?.loaded === true, undefined, { timeout, polling: 100 });
    } catch (err) {
      throw new Error(`the page's module did not finish loading within ${timeout} ms; page log:\n${log.join("\n")}`, { cause: err });
    }
    const b = browser;
    return {
      page,
      log,
      bundleBytes: bytes,
      async call<T>(name: string, ...args: unknown[]): Promise<T> {
        try {
          return (await page.evaluate(
            ([n, a]) => {
              const reg = (globalThis as unknown as { __atlasPage: { functions: Record<string, (...x: unknown[]) => unknown> } }).__atlasPage;
              const fn = reg.functions[n as string];
              if (fn === undefined) throw new Error(`the page exposes no function '${String(n)}' (it has ${Object.keys(reg.functions).join(", ")})`);
              return fn(...(a as unknown[]));
            },
            [name, args] as const,
          )) as T;
        } catch (err) {
          const tail = log.slice(-20).join("\n");
          throw new Error(`${name}(…) failed in the page: ${err instanceof Error ? err.message : String(err)}${tail ? `\npage log (last lines):\n${tail}` : ""}`, { cause: err });
        }
      },
      async close(): Promise<void> {
        await b.close().catch(() => {});
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (err) {
    await browser?.close().catch(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
}
