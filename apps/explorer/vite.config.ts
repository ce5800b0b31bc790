import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

/**
 * Serve an explorer bundle (written by `atlas geodesic --export` or `atlas demo`) at /bundle/.
 * The folder: $ATLAS_EXPLORER_BUNDLE, else the demo's, <repo>/out/demo/explorer.
 */
function serveBundle(): Plugin {
  const dir = resolve(process.env.ATLAS_EXPLORER_BUNDLE ?? join(here, "..", "..", "out", "demo", "explorer"));
  const types: Record<string, string> = { ".json": "application/json", ".png": "image/png", ".bin": "application/octet-stream" };
  return {
    name: "atlas-explorer-bundle",
    configureServer(server) {
      server.middlewares.use("/bundle", (req, res, next) => {
        const rel = normalize(decodeURIComponent((req.url ?? "/").split("?")[0]!)).replace(/^([/\\])+/, "");
        const file = join(dir, rel);
        if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader("Content-Type", types[extname(file)] ?? "application/octet-stream");
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  root: here,
  plugins: [serveBundle()],
  // workspace packages from their TypeScript sources, their browser (default) entries
  resolve: { conditions: ["@atlas/source", "browser", "module", "development|production"] },
  build: { target: "es2022", chunkSizeWarningLimit: 4000 },
  server: { host: "127.0.0.1" },
});
