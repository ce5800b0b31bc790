// Sample-quality metrics of a generator against real data, with the extractor recorded.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import {
  defaultCacheDir,
  fashionMnistExtractor,
  fid,
  inceptionScore,
  kid,
  loadFeatureExtractor,
  mnistExtractor,
  precisionRecall,
  type FeatureExtractor,
} from "@atlas/metrics";

/** The metrics `atlas eval` knows. */
export const METRICS = ["fid", "kid", "pr", "is"] as const;
export type MetricName = (typeof METRICS)[number];

/** Where `atlas` ships the built-in MNIST extractor's trained weights (what `mnistExtractor()` caches). */
export const SHIPPED_CACHE = fileURLToPath(new URL("../../assets/cache", import.meta.url));

async function cached(cacheDir: string, id: string): Promise<boolean> {
  return fs.stat(join(cacheDir, "metrics", id, "info.json")).then(
    () => true,
    () => false,
  );
}

/**
 * The built-in extractor of `@atlas/metrics` for a data set: from the user's cache when it is
 * there; for MNIST otherwise from the weights shipped with atlas (the same files `mnistExtractor()`
 * writes after training, so the same id and numbers); else trained now (minutes) and cached.
 */
export async function builtinExtractor(dataset: "mnist" | "fashion-mnist", log?: (line: string) => void): Promise<FeatureExtractor> {
  const user = defaultCacheDir();
  if (dataset === "fashion-mnist") return fashionMnistExtractor({ ...(log ? { log } : {}) });
  if (!(await cached(user, "atlas-mnist-cnn-v1")) && (await cached(SHIPPED_CACHE, "atlas-mnist-cnn-v1"))) {
    return mnistExtractor({ cacheDir: SHIPPED_CACHE, train: false });
  }
  return mnistExtractor({ ...(log ? { log } : {}) });
}

/** `mnist`, `fashion-mnist`, a folder with a tfjs model, or `raw` (the samples themselves as features). */
export async function resolveExtractor(spec: string, log?: (line: string) => void): Promise<FeatureExtractor | "raw"> {
  if (spec === "raw") return "raw";
  if (spec === "mnist" || spec === "fashion-mnist") return builtinExtractor(spec, log);
  return loadFeatureExtractor(spec);
}

/** Results of {@link evaluateSamples}; absent metrics were not asked for (or IS without logits). */
export interface SampleMetrics {
  extractor: string;
  samples: [number, number];
  fid?: number;
  kid?: { mean: number; std: number };
  precision?: number;
  recall?: number;
  inceptionScore?: { mean: number; std: number };
  seconds: number;
}

/** Features of real images, computed once and reused against several generators. */
export interface RealFeatures {
  extractor: string;
  features: { data: Float32Array; dim: number; extractor?: string };
}

async function features(ext: FeatureExtractor | "raw", x: tf.Tensor): Promise<{ data: Float32Array; dim: number; extractor?: string }> {
  if (ext === "raw") {
    const data = (await x.data()) as Float32Array;
    return { data, dim: data.length / x.shape[0]!, extractor: "raw" };
  }
  return ext.features(x as tf.Tensor4D);
}

/** Features of the real samples. */
export async function realFeatures(ext: FeatureExtractor | "raw", real: tf.Tensor): Promise<RealFeatures> {
  const f = await features(ext, real);
  return { extractor: ext === "raw" ? "raw" : ext.id, features: f };
}

/** FID, KID, precision/recall (k = 3) and IS of `fake` against precomputed real features. */
export async function evaluateSamples(ext: FeatureExtractor | "raw", real: RealFeatures, fake: tf.Tensor, metrics: readonly MetricName[], seed = 0): Promise<SampleMetrics> {
  const t0 = performance.now();
  const ff = await features(ext, fake);
  const nReal = real.features.data.length / real.features.dim;
  const nFake = ff.data.length / ff.dim;
  const out: SampleMetrics = { extractor: real.extractor, samples: [nReal, nFake], seconds: 0 };
  const a = { data: real.features.data, dim: real.features.dim };
  const b = { data: ff.data, dim: ff.dim };
  if (metrics.includes("fid")) out.fid = (await fid(a, b)).fid;
  if (metrics.includes("kid")) {
    // subsets of at most half the samples: with all of them every subset would be the same set (std 0)
    const r = await kid(a, b, { subsets: 100, subsetSize: Math.max(2, Math.min(1000, Math.floor(Math.min(nReal, nFake) / 2))), seed });
    out.kid = { mean: r.mean, std: r.std };
  }
  if (metrics.includes("pr")) {
    const r = await precisionRecall(a, b, { k: Math.min(3, nReal - 1, nFake - 1) });
    out.precision = r.precision;
    out.recall = r.recall;
  }
  if (metrics.includes("is") && ext !== "raw" && ext.logits) {
    const r = await inceptionScore(await ext.logits(fake as tf.Tensor4D), { splits: Math.min(10, nFake) });
    out.inceptionScore = { mean: r.mean, std: r.std };
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
