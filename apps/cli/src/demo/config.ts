/** Sizes of one demo run. Every number is in the report, so a reader knows what was run. */
export interface DemoConfig {
  /** MNIST training images each autoencoder sees once: a fraction of an epoch (60 000). */
  trainImages: number;
  batchSize: number;
  /** Adam rate of encoders/ψ/decoders; the discriminators get half. */
  learningRate: number;
  /** Test images for the reconstruction error and the chart-confidence histogram. */
  evalImages: number;
  /** Test images the geodesic graphs are built on (the paper: 2 000). */
  graphNodes: number;
  /** Graph neighbours per node and sub-segments per edge (the paper: 20 and 15). */
  k: number;
  steps: number;
  /** Random test pairs connected by geodesics (the paper: 100), strips drawn and frames per strip. */
  pairs: number;
  strips: number;
  frames: number;
  /** Sub-segments of the straight latent line when measuring linear interpolation's decoded length. */
  linearSteps: number;
  /** Training codes the GTN is fitted to, and its epochs (upper bound; early stopping). */
  gtnCodes: number;
  gtnEpochs: number;
  /** Real test images and samples per model compared by FID/KID/precision-recall/IS. */
  metricSamples: number;
  /** VQ-Flow (the `mnist` preset): training images, stage-1 (VQ autoencoder) and stage-2 (flow) epochs. */
  vqTrainImages: number;
  vqAutoencoderEpochs: number;
  vqEpochs: number;
}

export type DemoMode = "full" | "quick" | "tiny";

/**
 * The three sizes: `full` (the default; ≤ 15 min on a 2-core CPU), `quick` (≤ 2 min), `tiny`
 * (seconds: every section on toy sizes, for tests).
 */
export const DEMO_PRESETS: Readonly<Record<DemoMode, Readonly<DemoConfig>>> = {
  full: {
    trainImages: 6000,
    batchSize: 100,
    learningRate: 1e-3,
    evalImages: 1000,
    graphNodes: 2000,
    k: 10,
    steps: 3,
    pairs: 100,
    strips: 5,
    frames: 10,
    linearSteps: 32,
    gtnCodes: 6000,
    gtnEpochs: 30,
    metricSamples: 2000,
    vqTrainImages: 6000,
    vqAutoencoderEpochs: 2,
    vqEpochs: 1,
  },
  quick: {
    trainImages: 1000,
    batchSize: 50,
    learningRate: 1e-3,
    evalImages: 500,
    graphNodes: 400,
    k: 6,
    steps: 2,
    pairs: 30,
    strips: 3,
    frames: 8,
    linearSteps: 16,
    gtnCodes: 1000,
    gtnEpochs: 8,
    metricSamples: 500,
    vqTrainImages: 500,
    vqAutoencoderEpochs: 1,
    vqEpochs: 1,
  },
  tiny: {
    trainImages: 100,
    batchSize: 50,
    learningRate: 1e-3,
    evalImages: 60,
    graphNodes: 60,
    k: 4,
    steps: 2,
    pairs: 6,
    strips: 2,
    frames: 5,
    linearSteps: 8,
    gtnCodes: 100,
    gtnEpochs: 2,
    metricSamples: 40,
    vqTrainImages: 100,
    vqAutoencoderEpochs: 1,
    vqEpochs: 1,
  },
};
