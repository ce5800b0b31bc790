import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { strictAsyncProjects } from "./strict-async.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The one root config: every package and app is a project (their own vitest.config.ts), and every
 * package again as a `strict-async:<name>` project (found by `strictAsyncProjects`, see strict-async.ts).
 */
export default defineConfig({
  test: {
    root,
    projects: ["packages/*", "apps/!(examples)", "apps/examples/*/vitest.config.ts", "tooling/release", "tooling/browser-test", "packages/metrics/vitest.fused.config.ts", ...strictAsyncProjects()],
    reporters: ["default", fileURLToPath(new URL("./reporter.ts", import.meta.url))],
    pool: "forks",
    maxWorkers: 2,
  },
});
