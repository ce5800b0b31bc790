/**
 * @packageDocumentation
 * Generative Topological Networks: exact GTN labelling, the MLP h, sampling, interpolation, clustered GTN and the latent autoencoder.
 */
export { gtnLabels, type GtnLabelMethod, type GtnLabelOptions } from "./labels.js";
