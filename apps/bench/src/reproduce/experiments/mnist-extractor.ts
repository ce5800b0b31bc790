/** The MNIST feature extractor of the experiments that compute FID (gtn-mnist, vqflow-mnist). */
import { join } from "node:path";
import { loadMnist, subsetDataset } from "@atlas/core";
import { mnistExtractor, type BuiltinExtractor } from "@atlas/metrics";
import type { ExperimentContext } from "../types.js";

/**
 * The built-in MNIST extractor of @atlas/metrics (trained once, cached). With `--quick`: a
 * throw-away extractor trained for one epoch on 2 000 images in the work directory, so that a
 * smoke run never writes a weak classifier into the shared cache (and needs no minutes-long training).
 */
export async function experimentMnistExtractor(ctx: Pick<ExperimentContext, "quick" | "work" | "log">, quick: boolean = ctx.quick): Promise<BuiltinExtractor> {
  if (!quick) return mnistExtractor({ log: (l) => ctx.log(l) });
  const train = subsetDataset(await loadMnist("train"), { start: 0, end: 2000 });
  const test = subsetDataset(await loadMnist("test"), { start: 0, end: 500 });
  return mnistExtractor({ cacheDir: join(ctx.work, "extractor-quick"), epochs: 1, data: { train, test }, log: (l) => ctx.log(l) });
}
