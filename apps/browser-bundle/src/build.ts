/**
 * Bundle the test page for the browser, as an app would: esbuild (`platform: "browser"`) and Vite,
 * each into a folder that is served as it is. No Node built-in is stubbed or aliased: a package whose
 * default entry needs one fails the build.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const appDir = fileURLToPath(new URL("..", import.meta.url));
/** Resolve workspace packages to their TypeScript source, as the apps and tests do (never `node`). */
const conditions = ["@atlas/source"];

const html = (script: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Atlas in the browser</title></head><body><script type="module" src="${script}"></script></body></html>`;

/** What a build produced. */
export interface BuildResult {
  /** The folder to serve (holds index.html). */
  dir: string;
  /** Milliseconds the bundler took. */
  ms: number;
  /** Bytes of JavaScript written. */
  jsBytes: number;
}

/** esbuild, `platform: "browser"`, the `.wasm` files as assets (`--loader:.wasm=file`). */
export async function buildWithEsbuild(outDir: string): Promise<BuildResult> {
  const { build } = await import("esbuild");
  const t0 = performance.now();
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(appDir, "src/entry-esbuild.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions,
    outdir: outDir,
    entryNames: "page",
    assetNames: "[name]-[hash]",
    publicPath: "/",
    loader: { ".wasm": "file" },
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
  });
  if (result.errors.length > 0) throw new Error(`esbuild: ${result.errors.map((e) => e.text).join("; ")}`);
  await writeFile(join(outDir, "index.html"), html("/page.js"));
  const jsBytes = Object.entries(result.metafile.outputs).reduce((n, [f, o]) => (f.endsWith(".js") ? n + o.bytes : n), 0);
  return { dir: outDir, ms: performance.now() - t0, jsBytes };
}

/**
 * Vite (its production build of `index.html`, whose module script is src/entry-vite.ts, and of
 * `example/index.html`, the root README's browser example).
 */
export async function buildWithVite(outDir: string): Promise<BuildResult> {
  const { build } = await import("vite");
  const t0 = performance.now();
  const output = await build({
    root: appDir,
    configFile: false,
    logLevel: "silent",
    resolve: { conditions: [...conditions, "module", "browser", "production"] },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      minify: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 100_000,
      rollupOptions: { input: { main: join(appDir, "index.html"), example: join(appDir, "example/index.html") } },
    },
  });
  const outputs = (Array.isArray(output) ? output : [output]) as { output?: { type: string; code?: string }[] }[];
  let jsBytes = 0;
  for (const o of outputs) for (const f of o.output ?? []) if (f.type === "chunk") jsBytes += f.code?.length ?? 0;
  return { dir: outDir, ms: performance.now() - t0, jsBytes };
}
