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
  OutOfMemoryError,
  describeValue,
  type AtlasErrorCode,
} from "./errors.js";
export { UnsupportedError, platformName } from "./platform/platform.js";
export { joinPath, resolvePath, dirnamePath, basenamePath } from "./platform/paths.js";
export { memoryFileStore, registerFileStore, FileStoreError, type FileStore, type FileStat } from "./platform/store.js";
export { readFileBytes, readTextFile, statPath } from "./platform/io.js";
export { yieldToEventLoop, eventLoopYielder } from "./platform/event-loop.js";
export { indexedDbFileStore } from "./platform/indexeddb-store.js";
export { packDirectory, unpackDirectory } from "./platform/bundle.js";
export {
  checkNumber,
  checkInteger,
  checkOneOf,
  checkFinite,
  allFinite,
  checkChart,
  checkOptions,
  checkBoolean,
  checkFunction,
  checkSignal,
  checkString,
  checkPath,
  checkArray,
  checkTensor,
  checkTensorFinite,
  checkAllocation,
  MAX_ALLOCATION_BYTES,
  type NumberBounds,
  type ArrayCheck,
  type TensorCheck,
  type CheckOptionsSettings,
} from "./validate.js";
export { backendCapacityBytes, checkModelSize } from "./capacity.js";
export { guardWasmHeap } from "./wasm-heap.js";
export { Rng, toRng, type RngLike, type RngState } from "./rng.js";
export { toMatrix, readMatrix, type Matrix, type MatrixInput, type RowMajor, type ToMatrixOptions } from "./matrix.js";
export { uleb, sleb, section, wasmName, WASM_HEADER, wasmSimdAvailable, wasmRelaxedSimdAvailable, localGet, localSet, localTee, i32Const, simdOp, memarg } from "./wasm-bytes.js";
export { wasmThreadPool, WASM_POOL_MAX_PAGES, type WasmThreadPool } from "./wasm-threads.js";
export { spawnWorker, atomicsWait, workerThreadsAvailable, cpuCount, cpuLoad, type SpawnedWorker, type WorkerSpawner } from "./platform/workers.js";
export { singleChartAtlas, hasEncoder, type AtlasModel, type SingleChartGenerator } from "./atlas-model.js";
export {
  initBackend,
  backendMemory,
  BACKEND_ORDER,
  BACKEND_NAMES,
  type BackendChoice,
  type BackendRuntime,
  type BackendInfo,
  type InitBackendOptions,
  type PackageLoader,
} from "./backend.js";
export {
  registerAtlasKernels,
  restoreStockKernels,
  atlasKernelsRegistered,
  atlasKernelNames,
  ATLAS_KERNEL_BACKENDS,
  type AtlasKernelOptions,
} from "./kernels/registry.js";
export { adam, fusedAdamActive, ADAM_UPDATE_KERNEL } from "./adam.js";
export { activate, activation, leakyReLU, fusedActivationGradActive, ACTIVATION_GRAD_KERNEL, SWISH_KERNEL, type FusedActivation } from "./activation.js";
export { batchNormalization, batchNormTraining, fusedBatchNormGradActive, BATCH_NORM_GRAD_KERNEL, MOVING_AVERAGE_KERNEL, type BatchNormTrainingResult } from "./batch-norm.js";
export {
  saveModel,
  loadModel,
  readModelArtifacts,
  saveState,
  loadState,
  saveOptimizer,
  loadOptimizer,
  writeDirAtomic,
  resolveSavedDir,
  findSavedDir,
  checkCreatableDir,
  writeFileSynced,
  MODEL_JSON,
  MODEL_WEIGHTS,
  STATE_JSON,
  STATE_TENSORS,
  type SavedState,
  type LoadedState,
  type WriteDirAtomicOptions,
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
  type StepLossTensors,
  type LearningRate,
  type LearningRateSchedule,
  type EarlyStoppingOptions,
  type CheckpointOptions,
  type StopReason,
} from "./train.js";
export { progressBar, formatProgress, formatDuration, formatValue, type ProgressBarOptions, type ProgressStream } from "./progress.js";
export {
  createDataset,
  batchImages,
  batchLabels,
  subsetDataset,
  flattenDataset,
  type Dataset,
  type DatasetInit,
  type DatasetShape,
} from "./datasets/dataset.js";
export { parseIdx, readIdxFile, type IdxArray, type IdxType, type IdxExpectation } from "./datasets/idx.js";
export { resolvePackageDir, type PackageResolver } from "./datasets/files.js";
export { loadMnist, loadIdxDataset, MNIST_CLASSES, type MnistOptions, type IdxDatasetOptions, type IdxSource } from "./datasets/mnist.js";
export {
  loadFashionMnist,
  fashionMnistTestIndices,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_SPLIT_SEED,
  FASHION_MNIST_PER_CLASS,
  FASHION_MNIST_TEST_PER_CLASS,
  type FashionMnistOptions,
} from "./datasets/fashion-mnist.js";
export { loadCifar10, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, type Cifar10Options } from "./datasets/cifar10.js";
export {
  swissRoll,
  uniformSquare,
  disjointUniforms,
  circle,
  sphere,
  torus,
  twoRings,
  randomOrthonormalMap,
  embedOrthonormal,
  type SyntheticSet,
  type ManifoldSetOptions,
  type SwissRollParams,
  type UniformSquareParams,
  type DisjointUniformsParams,
  type CircleParams,
  type SphereParams,
  type TorusParams,
  type TwoRingsParams,
} from "./datasets/synthetic.js";
export { encodeImageGrid, saveImageGrid, imageGridLayout, type ImageBatch, type ImagePixels, type ImageGridOptions, type ImageGridLayout } from "./image.js";
export {
  mlp,
  convEncoder,
  convDecoder,
  gtnMnistAutoencoder,
  type Activation,
  type Init,
  type BatchNormOrder,
  type PerLayer,
  type MlpOptions,
  type ConvStackOptions,
  type ConvEncoderOptions,
  type ConvDecoderOptions,
  type GtnAutoencoderOptions,
} from "./nn.js";
