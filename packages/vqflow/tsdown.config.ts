import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  platform: "neutral",
  dts: true,
  // Node built-ins appear only in the node entry's modules
  external: [/^node:/],
  sourcemap: true,
  clean: true,
  outExtensions: () => ({ js: ".js", dts: ".d.ts" }),
});
