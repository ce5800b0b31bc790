// Plain JavaScript: package configs import this through node_modules, where Node loads it untranspiled.
import { basename } from "node:path";
import { defineProject } from "vitest/config";

/** Resolve workspace packages to their TypeScript source (the `@atlas/source` export condition). */
export const sourceConditions = ["@atlas/source", "module", "node", "development|production"];

/** Slow tests live in `*.slow.test.ts` and run only with ATLAS_SLOW=1 (`pnpm test:slow`). */
export const runSlow = process.env.ATLAS_SLOW === "1";

/**
 * The vitest project every package and app uses: tests beside the code (`src/**\/*.test.ts`),
 * source-first resolution, slow tests opt-in, generous timeouts for tensor work on a 2-core CPU.
 * @param {string} dir the package directory
 * @param {import("vitest/config").UserWorkspaceConfig["test"]} [overrides]
 */
export function atlasProject(dir, overrides = {}) {
  return defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
    test: {
      name: basename(dir),
      root: dir,
      include: ["src/**/*.test.ts"],
      exclude: runSlow ? ["**/node_modules/**"] : ["**/node_modules/**", "src/**/*.slow.test.ts"],
      environment: "node",
      testTimeout: 120_000,
      hookTimeout: 120_000,
      ...overrides,
    },
  });
}
