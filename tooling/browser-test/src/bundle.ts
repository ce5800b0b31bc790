/**
 * Bundling test code for the browser with esbuild, from TypeScript sources (`@atlas/source`
 * condition), with Node built-ins stubbed until every package has a browser-clean entry.
 */
import { build, type Metafile, type Plugin } from "esbuild";

/** Options of {@link bundleForBrowser}. */
export interface BundleOptions {
  /**
   * Module names to replace by an empty CommonJS module (named imports from it are `undefined`).
   * Default: every `node:*` built-in and Node-only packages a library may still import at top level
   * (`pngjs`, `hnswlib-node`, and the bare built-in names). Pass `[]` to stub nothing.
   */
  stubs?: readonly (string | RegExp)[];
  /** `define`s for esbuild (e.g. `{ "process.env.ATLAS_X": '"1"' }`). */
  define?: Record<string, string>;
  /** Minify (default false: readable stack traces). */
  minify?: boolean;
}

const BUILTINS = ["assert", "buffer", "child_process", "crypto", "events", "fs", "fs/promises", "module", "os", "path", "stream", "url", "util", "worker_threads", "zlib"];

/** The default list of stubbed modules. */
export const DEFAULT_STUBS: readonly (string | RegExp)[] = [/^node:/, "pngjs", "hnswlib-node", ...BUILTINS];

function stubPlugin(stubs: readonly (string | RegExp)[]): Plugin {
  const matches = (path: string): boolean => stubs.some((s) => (typeof s === "string" ? s === path : s.test(path)));
  return {
    name: "atlas-node-stubs",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (args.kind !== "entry-point" && matches(args.path) ? { path: args.path, namespace: "atlas-stub" } : undefined));
      b.onLoad({ filter: /.*/, namespace: "atlas-stub" }, (args) => ({
        contents: `module.exports = {}; // ${JSON.stringify(args.path)} is not available in a browser`,
        loader: "js",
      }));
    },
  };
}

/**
 * The package directories of `@tensorflow/tfjs-core` in a bundle: more than one means two tfjs
 * engines (broken `instanceof Tensor`, kernels registered on the wrong one).
 */
export function tfjsCoreCopies(metafile: Metafile): string[] {
  const roots = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/@tensorflow\/tfjs-core)\//.exec(input);
    if (m) roots.add(m[1] as string);
  }
  return [...roots];
}

/**
 * Bundle `entry` (a TypeScript or JavaScript file) into one ES module for the browser.
 *
 * @returns the code, and the package roots of tfjs-core it holds (exactly one is checked)
 * @throws Error when the build fails or the bundle holds more than one copy of tfjs-core
 */
export async function bundleForBrowser(entry: string, options: BundleOptions = {}): Promise<{ code: string; bytes: number }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    conditions: ["@atlas/source"],
    write: false,
    metafile: true,
    minify: options.minify ?? false,
    sourcemap: "inline",
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"', ...(options.define ?? {}) },
    plugins: [stubPlugin(options.stubs ?? DEFAULT_STUBS)],
  });
  const copies = tfjsCoreCopies(result.metafile);
  if (copies.length > 1) throw new Error(`the bundle of ${entry} holds ${copies.length} copies of @tensorflow/tfjs-core: ${copies.join(", ")}`);
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error(`esbuild wrote no output for ${entry}`);
  return { code: file.text, bytes: file.contents.byteLength };
}
