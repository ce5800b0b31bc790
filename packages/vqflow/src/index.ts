/**
 * @packageDocumentation
 * VQ-Flows: normalizing flows as chart maps over a VQ autoencoder's chart centres, with exact mixture density.
 */
export { VqFlow, createVqFlow, MAX_SAMPLES, MAX_SAMPLE_VALUES, type VqFlowState, type EvaluateOptions, type SampleOptions, type ChartMass } from "./model.js";
export {
  VQFLOW_PRESETS,
  VQFLOW_LIMITS,
  parameterCount,
  type VqFlowOptions,
  type VqFlowConfig,
  type VqFlowPreset,
  type ChartWeights,
  type DataTransform,
} from "./config.js";
export { trainVqFlow, type TrainVqFlowOptions, type VqFlowTrainResult, type VqFlowProgress, type VqFlowEpochRecord } from "./train.js";
export { saveVqFlow, loadVqFlow, restoreVqFlow } from "./io.js";
export { chartMembership } from "./charts.js";
export { mmd, ksStatistics, MMD_MAX_POINTS, type MmdResult, type PointSet } from "./evaluate.js";
export type { ConditionalFlow, FlowSpec, FlowKind, CouplingMasks, LayerOutput } from "./flows.js";
export type { FlowActivation } from "./params.js";
export type { VqFlowData } from "./data.js";
