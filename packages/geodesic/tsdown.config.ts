import { defineConfig } from "tsdown";

// Two entries with one API: index (runs anywhere; exact kNN) and index.node (the `node` export
// condition: installs hnswlib-node, then re-exports index).
export default defineConfig({
  entry: ["src/index.ts", "src/index.node.ts"],
  format: "esm",
  platform: "neutral",
  dts: true,
  // optional native addon: never bundle it (tsdown bundles optionalDependencies by default)
  external: ["hnswlib-node", /^node:/],
  sourcemap: true,
  clean: true,
  outExtensions: () => ({ js: ".js", dts: ".d.ts" }),
});
