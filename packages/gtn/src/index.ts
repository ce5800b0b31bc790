/**
 * @packageDocumentation
 * Generative Topological Networks: exact GTN labelling, the MLP h, sampling, interpolation, clustered GTN and the latent autoencoder.
 */
export { gtnLabels, type GtnLabelMethod, type GtnLabelOptions } from "./labels/index.js";
export { kMeans, type KMeansResult, type KMeansOptions } from "./kmeans.js";
export {
  GTN,
  trainGTN,
  GTN_PRESETS,
  type GtnArchitecture,
  type GtnPreset,
  type TrainGtnOptions,
  type GtnCluster,
  type GtnTrainingReport,
} from "./model.js";
export { LatentAutoencoder, trainLatentAutoencoder, type LatentAutoencoderOptions, type ImageInput } from "./autoencoder.js";
export { ks, swissRollWithin, uniformSquareStats, gapFraction } from "./reproduce.js";
