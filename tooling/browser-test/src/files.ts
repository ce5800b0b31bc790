/** Files a page commonly needs served (Node side). */
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The tfjs-backend-wasm binaries, by URL path under `prefix` (default `/wasm/`), resolved from
 * `fromDir`'s node_modules. In the page: `setWasmPaths(prefix)` before `tf.setBackend("wasm")`.
 */
export function tfjsWasmFiles(fromDir: string, prefix = "/wasm/"): Record<string, string> {
  const require = createRequire(join(fromDir, "package.json"));
  const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"));
  const files: Record<string, string> = {};
  for (const name of readdirSync(join(dist, "dist"))) if (name.endsWith(".wasm")) files[`${prefix}${name}`] = join(dist, "dist", name);
  return files;
}
