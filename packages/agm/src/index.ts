/**
 * @packageDocumentation
 * Atlas Generative Models: Atlas WAE-GAN, the single-chart WAE-GAN baseline and Atlas VAE as AtlasModels.
 */
export {};
