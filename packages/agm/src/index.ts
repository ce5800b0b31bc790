/**
 * @packageDocumentation
 * Atlas Generative Models: Atlas WAE-GAN, the single-chart WAE-GAN baseline and Atlas VAE as AtlasModels.
 */
export {
  AwaeGan,
  createAwaeGan,
  paperAwaeGanOptions,
  cpuAwaeGanOptions,
  resolveAwaeGanConfig,
  PAPER_WIDTHS,
  CPU_WIDTHS,
  type AwaeGanOptions,
  type AwaeGanConfig,
  type AwaeGanParameterCount,
  type AwaeGanPresetOptions,
  type AwaeGanForward,
  type OutputActivation,
  type EncoderPadding,
  type TailStatistics,
} from "./awae-gan.js";
export {
  sampleCost,
  weightedReconstruction,
  encoderAdversarial,
  discriminatorLoss,
  chartBalanceDivergence,
  type ReconstructionCost,
} from "./awae-gan-loss.js";
export {
  AwaeGanTrainer,
  AWAE_GAN_SCHEDULES,
  scheduledRate,
  type AwaeGanSchedule,
  type AwaeGanLossOptions,
  type AwaeGanStepStats,
  type AwaeGanStepLosses,
} from "./awae-gan-trainer.js";
export {
  AtlasVae,
  createAtlasVae,
  resolveAtlasVaeConfig,
  type AtlasVaeOptions,
  type AtlasVaeConfig,
  type AtlasVaeLossTerms,
  type VaeLikelihood,
} from "./atlas-vae.js";
export { trainAwaeGan, trainAtlasVae, type TrainAwaeGanOptions, type TrainAtlasVaeOptions, type AgmTrainCommonOptions } from "./train.js";
export { saveAwaeGan, loadAwaeGan, restoreAwaeGan, saveAtlasVae, loadAtlasVae, restoreAtlasVae } from "./io.js";
export {
  reconstructionError,
  chartConfidence,
  histogramImage,
  saveChartConfidencePng,
  sampleCharts,
  saveChartSampleGrid,
  type ReconstructionMode,
  type ReconstructionErrorOptions,
  type ReconstructionErrorResult,
  type ChartConfidenceResult,
} from "./evaluate.js";
export { toSampleTable, SampleTable, type AgmData } from "./data.js";
export { ringImages, type RingImages } from "./toy-data.js";
