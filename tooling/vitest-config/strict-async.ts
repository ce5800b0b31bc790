import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * The `strict-async` projects: each package's main tests again, under the package's own project
 * settings (its `vitest.config.ts`, extended), with synchronous tensor reads by library code made to
 * throw (`strict-async.setup.ts`), so a `dataSync()`/`arraySync()` that creeps back into a library
 * path fails CI on a CPU machine just as it would fail on a GPU backend. Run them alone with
 * `--project 'strict-async*'`.
 *
 * Every directory under `packages/` with a `vitest.config.ts` gets one, found when the root config
 * loads: a new package is covered without editing this file, and runs all its main tests (its own
 * `include`; slow tests excluded as usual). A package listed in `STRICT_ASYNC_TESTS` runs only the
 * listed files — those that exercise every path that reads tensors (trainers, evaluation, labelling
 * inputs, graph builds and queries, feature extraction) — to keep the default suite short; to
 * narrow a new package the same way, add its directory name and files there.
 */
export const STRICT_ASYNC_TESTS: Readonly<Record<string, readonly string[]>> = {
  core: ["src/train.test.ts", "src/validate.test.ts", "src/image.test.ts"],
  gtn: ["src/labels.test.ts", "src/autoencoder.test.ts", "src/model.test.ts"],
  agm: ["src/evaluate.test.ts", "src/awae-gan.test.ts", "src/awae-gan-train.test.ts", "src/atlas-vae.test.ts"],
  geodesic: ["src/atlas.test.ts", "src/sphere.test.ts"],
  metrics: ["src/metrics.test.ts", "src/extractors/extractors.test.ts"],
  // the files reaching every module that reads (train, evaluate, model, io, pipeline, data)
  vqflow: ["src/train.test.ts", "src/model.test.ts", "src/io.test.ts", "src/density.test.ts", "src/errors.test.ts"],
};

const packagesDir = fileURLToPath(new URL("../../packages/", import.meta.url));
const setup = fileURLToPath(new URL("./strict-async.setup.ts", import.meta.url));

/** The packages with a vitest project (`packages/<name>/vitest.config.ts`), by directory name. */
export function strictAsyncPackages(): string[] {
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${packagesDir}${entry.name}/vitest.config.ts`))
    .map((entry) => entry.name)
    .sort();
}

/** The package's test files under `src/` (relative to the package, `/`-separated) not in `keep`. */
function otherTestFiles(name: string, keep: readonly string[]): string[] {
  const src = `${packagesDir}${name}/src`;
  return readdirSync(src, { recursive: true, encoding: "utf8" })
    .map((file) => `src/${file.split("\\").join("/")}`)
    .filter((file) => /\.test\.[cm]?[jt]sx?$/.test(file) && !keep.includes(file))
    .sort();
}

/**
 * One project per package. It extends the package's config; vitest merges an extending project's
 * arrays into the extended ones (`include`, `setupFiles` are appended), so the setup file is added
 * after the package's own and a listed package is narrowed by excluding its other test files.
 */
export function strictAsyncProjects(): TestProjectInlineConfiguration[] {
  return strictAsyncPackages().map((name) => {
    const keep = STRICT_ASYNC_TESTS[name];
    return {
      extends: `${packagesDir}${name}/vitest.config.ts`,
      test: {
        name: `strict-async:${name}`,
        ...(keep === undefined ? {} : { exclude: otherTestFiles(name, keep) }),
        setupFiles: [setup],
      },
    } as TestProjectInlineConfiguration;
  });
}
