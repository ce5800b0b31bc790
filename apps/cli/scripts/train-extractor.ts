// Trains the built-in MNIST feature extractor of @atlas/metrics once (its default epochs and seed)
// into apps/cli/assets/cache, so that `atlas demo` on a fresh machine loads it instead of spending
// ~10–20 CPU minutes training it. The files are exactly what `mnistExtractor()` writes to its cache.
import { fileURLToPath } from "node:url";
import { initBackend } from "@atlas/core";
import { mnistExtractor } from "@atlas/metrics";

const cacheDir = fileURLToPath(new URL("../assets/cache", import.meta.url));
const backend = await initBackend();
console.log(`backend ${backend.name}`);
const ext = await mnistExtractor({ cacheDir, log: (l) => console.log(l) });
console.log(`${ext.id}: test accuracy ${ext.testAccuracy}, trained now: ${ext.trainedNow}, at ${ext.cachePath}`);
