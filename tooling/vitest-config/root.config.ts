import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The one root config: every package and app is a project (their own vitest.config.ts). */
export default defineConfig({
  test: {
    root,
    projects: ["packages/*", "apps/!(examples)", "apps/examples/*/vitest.config.ts", "tooling/release", "tooling/browser-test", "packages/metrics/vitest.fused.config.ts"],
    reporters: ["default", fileURLToPath(new URL("./reporter.ts", import.meta.url))],
    pool: "forks",
    maxWorkers: 2,
  },
});
