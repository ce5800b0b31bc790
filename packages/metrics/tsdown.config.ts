import { defineConfig } from "tsdown";

// Two entries with one API: index (runs anywhere) and index.node (the `node` export condition:
// the built-in extractors' cache under ~/.cache/atlas, then re-exports index).
export default defineConfig({
  entry: ["src/index.ts", "src/index.node.ts"],
  format: "esm",
  platform: "neutral",
  dts: true,
  // Node built-ins appear only in the node entry's modules
  external: [/^node:/],
  sourcemap: true,
  clean: true,
  outExtensions: () => ({ js: ".js", dts: ".d.ts" }),
});
