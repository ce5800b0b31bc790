/**
 * @packageDocumentation
 * `@atlas/core`: tensors and backend selection, seeded randomness, datasets, model files, network
 * building blocks, the training loop, images, the `AtlasModel` interface and errors.
 */
export {
  AtlasError,
  InvalidArgumentError,
  ShapeMismatchError,
  CorruptFileError,
  FileNotFoundError,
  MissingDependencyError,
  describeValue,
  type AtlasErrorCode,
} from "./errors.js";
export { checkNumber, checkInteger, checkOneOf, checkFinite, checkChart, type NumberBounds } from "./validate.js";
export { Rng, toRng, type RngLike, type RngState } from "./rng.js";
export { toMatrix, type Matrix, type MatrixInput, type RowMajor, type ToMatrixOptions } from "./matrix.js";
export { singleChartAtlas, hasEncoder, type AtlasModel, type SingleChartGenerator } from "./atlas-model.js";
export {
  initBackend,
  backendMemory,
  BACKEND_ORDER,
  type BackendChoice,
  type BackendInfo,
  type InitBackendOptions,
  type PackageLoader,
} from "./backend.js";
export { registerAtlasKernels, restoreStockKernels, atlasKernelsRegistered, ATLAS_KERNEL_BACKENDS } from "./kernels/registry.js";
export {
  saveModel,
  loadModel,
  saveState,
  loadState,
  saveOptimizer,
  loadOptimizer,
  writeDirAtomic,
  writeFileSynced,
  MODEL_JSON,
  MODEL_WEIGHTS,
  STATE_JSON,
  STATE_TENSORS,
  type SavedState,
  type LoadedState,
} from "./files.js";
export {
  trainLoop,
  setLearningRate,
  getLearningRate,
  learningRateAt,
  type TrainLoopOptions,
  type TrainHistory,
  type TrainProgress,
  type EpochRecord,
  type StepContext,
  type ValidateContext,
  type StepLosses,
  type LearningRate,
  type LearningRateSchedule,
  type EarlyStoppingOptions,
  type CheckpointOptions,
  type StopReason,
} from "./train.js";
export { progressBar, formatProgress, formatDuration, formatValue, type ProgressBarOptions, type ProgressStream } from "./progress.js";
