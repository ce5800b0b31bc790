/**
 * Serve a built folder from 127.0.0.1 (a page opened from file:// never runs its module script) and
 * open it in Debian's Chromium through playwright-core — never a downloaded browser.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";

/** Chromium to drive: `$ATLAS_CHROMIUM` (as tooling/bootstrap.mjs), else Debian's. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  return [env.ATLAS_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p): p is string => typeof p === "string" && p !== "" && existsSync(p));
}

/** The flags every run uses: new headless, no GPU process, no network chatter. */
export const BASE_ARGS: readonly string[] = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".map": "application/json" };

/** Serve `dir` (read-only, no listing) on 127.0.0.1; with `isolated`, cross-origin-isolation headers. */
export async function serveDirectory(dir: string, options: { isolated?: boolean } = {}): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const root = normalize(dir + sep);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    requests.push(path);
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (options.isolated) {
      headers["cross-origin-opener-policy"] = "same-origin";
      headers["cross-origin-embedder-policy"] = "require-corp";
    }
    if (!file.startsWith(root)) {
      res.writeHead(403, headers).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { ...headers, "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404, headers).end(`not found: ${path}`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** An open page: `call` runs one of the page's `__atlas` functions. */
export interface OpenPage {
  call<T>(name: string, ...args: unknown[]): Promise<T>;
  readonly page: Page;
  /** Console lines and page errors so far. */
  readonly log: string[];
  /** Reload the page (same profile: IndexedDB kept) and wait for its module again. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Launch Chromium (fresh profile in a temporary `--user-data-dir`, {@link BASE_ARGS} plus `args`),
 * open `url` and wait until the page's module has set `__atlasReady`.
 */
export async function openPage(executablePath: string, url: string, args: readonly string[] = []): Promise<OpenPage> {
  const profile = await mkdtemp(join(tmpdir(), "atlas-chromium-"));
  let context: BrowserContext | undefined;
  const log: string[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: false, args: [...BASE_ARGS, ...args] });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
    const ready = async (): Promise<void> => {
      try {
        await page.waitForFunction(() => (globalThis as { __atlasReady?: boolean }).__atlasReady === true, undefined, { timeout: 60_000, polling: 100 });
      } catch (error) {
        throw new Error(`the page's module did not load; page log:\n${log.join("\n")}`, { cause: error });
      }
    };
    await page.goto(url);
    await ready();
    const ctx = context;
    return {
      page,
      log,
      async call<T>(name: string, ...callArgs: unknown[]): Promise<T> {
        try {
          return (await page.evaluate(([n, a]) => (globalThis as unknown as { __atlas: Record<string, (...x: unknown[]) => unknown> }).__atlas[n as string]!(...(a as unknown[])), [name, callArgs] as const)) as T;
        } catch (error) {
          throw new Error(`${name}() failed in the page: ${(error as Error).message}\npage log:\n${log.slice(-30).join("\n")}`, { cause: error });
        }
      },
      async reload() {
        await page.reload();
        await ready();
      },
      async close() {
        await ctx.close().catch(() => undefined);
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
