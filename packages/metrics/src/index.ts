/**
 * @packageDocumentation
 * `@atlas/metrics`: FID, Inception Score, KID and precision/recall matching the reference
 * implementations, the float64 linear algebra they need, and feature extractors.
 */
export { gaussianStats, GaussianAccumulator, type GaussianStats } from "./stats.js";
export { fid, frechetDistance, traceSqrtProduct, type FidResult, type FidOptions } from "./fid.js";
export { inceptionScore, type InceptionScoreOptions, type InceptionScoreResult } from "./inception-score.js";
export { kid, type KidOptions, type KidResult } from "./kid.js";
export { precisionRecall, type PrecisionRecallOptions, type PrecisionRecallResult } from "./precision-recall.js";
export type { FeatureInput, LabelledFeatures, Provenance } from "./features.js";
export type { SymmetricEigen, SymmetricEigenOptions, Tridiagonal } from "./linalg/eigen.js";
export { symmetricEigen, tridiagonalize, tridiagonalQL, gemmNT, matmul, gram, transpose } from "./linalg/checked.js";
export { setThreads, getThreads, cpuThreads, stopThreads } from "./linalg/parallel.js";
export type { GemmOptions } from "./linalg/gemm.js";
export { fusedProducts } from "./linalg/simd-kernel.js";
export {
  loadFeatureExtractor,
  makeExtractor,
  type LoadFeatureExtractorOptions,
} from "./extractors/load.js";
export type { FeatureExtractor, ImageInput, ExtractOptions, Normalization, Preprocess } from "./extractors/extractor.js";
export {
  mnistExtractor,
  fashionMnistExtractor,
  buildClassifier,
  classifierAccuracy,
  defaultCacheDir,
  setDefaultCacheDir,
  STANDARD_TRAINING_DATA,
  type BuiltinExtractor,
  type BuiltinExtractorOptions,
  type BuiltinDataset,
} from "./extractors/builtin.js";
export { datasetFingerprint, weightsFingerprint } from "./extractors/fingerprint.js";
