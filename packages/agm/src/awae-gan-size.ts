/**
 * How many weights an AWAE-GAN of a configuration has, computed from the configuration alone (no
 * tensor), so that a network too large for the backend is refused before anything is allocated.
 */

/** The configuration fields the size depends on. */
export interface AwaeGanSizeFields {
  readonly charts: number;
  readonly latentDim: number;
  readonly h: number;
  readonly dataShape: readonly number[];
  readonly encoderBias: boolean;
}

/**
 * Every weight of the networks `buildNets` makes for `c` (trainable ones, biases and the batch
 * norms' four vectors per channel): the architecture of Appendix A of the AGM paper. An upper
 * bound for 'pytorch' padding (the feature maps are counted with 'same' padding's ceil sizes).
 */
export function awaeGanWeightCount(c: AwaeGanSizeFields): number {
  const { charts: m, latentDim: d, h } = c;
  const bn = (units: number): number => 4 * units;
  const encBias = c.encoderBias ? 1 : 0;
  const image = c.dataShape.length === 3;
  // one encoder layer: dense or 4×4 conv, bias when encoderBias, then BN
  const encLayer = (inUnits: number, outUnits: number): number => (image ? 16 : 1) * inUnits * outUnits + encBias * outUnits + bn(outUnits);
  const dense = (inUnits: number, outUnits: number): number => inUnits * outUnits + outUnits;
  const convT = (inCh: number, outCh: number): number => 16 * inCh * outCh + outCh;
  const inChannels = image ? (c.dataShape[2] as number) : (c.dataShape[0] as number);
  const trunk = encLayer(inChannels, h) + encLayer(h, 2 * h) + encLayer(2 * h, 4 * h);
  // after three stride-2 layers, the head's own stride-2 layer: ⌈H/16⌉·⌈W/16⌉ positions
  const headPositions = image ? Math.ceil((c.dataShape[0] as number) / 16) * Math.ceil((c.dataShape[1] as number) / 16) : 1;
  const head = (units: number): number => encLayer(4 * h, 8 * h) + dense(headPositions * 8 * h, units);
  const encoders = trunk + m * head(d) + (m > 1 ? head(m) : 0);
  let decoder: number;
  let tail: number;
  if (image) {
    const grid = ((c.dataShape[0] as number) / 4) * ((c.dataShape[1] as number) / 4);
    decoder = dense(d, grid * 8 * h) + convT(8 * h, 4 * h) + bn(4 * h);
    tail = convT(4 * h, 2 * h) + bn(2 * h) + convT(2 * h, inChannels);
  } else {
    decoder = dense(d, 8 * h) + bn(8 * h) + dense(8 * h, 4 * h) + bn(4 * h);
    tail = dense(4 * h, 2 * h) + bn(2 * h) + dense(2 * h, inChannels);
  }
  const discriminator = dense(d, 4 * h) + 3 * dense(4 * h, 4 * h) + 4 * bn(4 * h) + dense(4 * h, 1);
  return encoders + m * decoder + tail + m * discriminator;
}

/**
 * Elements per sample of the main layer outputs one training step computes for `c` (trunk, the
 * m + 1 heads, the m chart decoders and the shared tail on all m codes of a sample): the activations
 * the step keeps for its backward pass, each in a few forms (batch-norm and Swish intermediates).
 */
export function awaeGanActivationCount(c: AwaeGanSizeFields): number {
  const { charts: m, h } = c;
  const heads = m + (m > 1 ? 1 : 0);
  if (c.dataShape.length === 3) {
    const [H, W, C] = c.dataShape as [number, number, number];
    const at = (s: number, ch: number): number => Math.ceil(H / s) * Math.ceil(W / s) * ch;
    const trunk = at(2, h) + at(4, 2 * h) + at(8, 4 * h);
    const decoder = (H / 4) * (W / 4) * 8 * h + at(2, 4 * h);
    const tail = H * W * (2 * h + C);
    return trunk + heads * at(16, 8 * h) + m * (decoder + tail);
  }
  const D = c.dataShape[0] as number;
  return 7 * h + heads * 8 * h + m * (12 * h + 2 * h + D);
}

/**
 * Bytes a training step (`AwaeGanTrainer.step`) on `n` samples needs on the wasm backend beyond the
 * model's weights, estimated from below: 14 float32 copies of {@link awaeGanActivationCount} per
 * sample plus 9 × the weights' bytes (gradients, both optimizers' slots, kernel workspaces).
 * Measured on wasm (apps/bench/src/scripts/awae-memory.ts, the heap's growth between batch 10 and
 * 20): 14.7 copies a sample at the paper's m = 4 (h = 64), 23 at m = 8 (h = 48); a fixed part of
 * 10.4 × the weights at m = 4. A step whose estimate exceeds what the heap can still hold cannot
 * run; one below it may still not fit.
 */
export function awaeGanStepBytes(c: AwaeGanSizeFields, n: number): number {
  return 14 * 4 * awaeGanActivationCount(c) * n + 9 * 4 * awaeGanWeightCount(c);
}
