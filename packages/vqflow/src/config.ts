/**
 * Options of {@link createVqFlow}, their defaults and presets, and their validation.
 */
import {
  InvalidArgumentError,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkOptions,
  describeValue,
} from "@atlas/core";
import type { CouplingMasks, FlowKind } from "./flows.js";
import type { FlowActivation } from "./params.js";

/** How the chart weights p_k are obtained: trained with the flows, or the share of training points nearest to each centre. */
export type ChartWeights = "learned" | "empirical";
/** Data transform before the flows: none (vectors) or the logit of dequantised pixels (images). */
export type DataTransform = "none" | "logit";
/** Named settings: the toy 3-D sets of the poster's figure and MNIST. */
export type VqFlowPreset = "sphere" | "torus" | "twoRings" | "mnist";

/** Options of {@link createVqFlow}. Everything but `dataShape` (or a `preset`) has a default. */
export interface VqFlowOptions {
  /** Settings to start from; the other options override them. */
  preset?: VqFlowPreset;
  /** Shape of one sample: `[D]` (vectors) or `[H, W, C]` (images, H and W divisible by 4). */
  dataShape?: readonly number[];
  /** K, the number of chart centres (1 = a plain flow without the VQ stage). */
  codebookSize?: number;
  /** m ≥ 1: every point belongs to at least m charts. */
  overlap?: number;
  /** ε ≥ 0: the chart overlap margin of U_k = { x : d_k(x) ≤ (1 + ε)·d̃_m(x) }. */
  epsilon?: number;
  /** Flow family of the chart maps. */
  flow?: FlowKind;
  /** L, flow layers. */
  layers?: number;
  /** Hidden widths of every conditioner network. */
  hidden?: readonly number[];
  /** d = dim Z ≤ D; below D a conformal embedding raises the dimension. */
  latentDim?: number;
  /** Dimension of the VQ autoencoder's code space V (where the centres live). */
  codeDim?: number;
  /** VQ autoencoder for vector data: hidden layers and width of the encoder and decoder MLPs. */
  autoencoderLayers?: number;
  autoencoderWidth?: number;
  /** VQ autoencoder for images: encoder conv channels (4×4, stride 2); the decoder mirrors them. */
  autoencoderFilters?: readonly number[];
  /** Conditioner activation. */
  activation?: FlowActivation;
  /** Scales of the affine layers pass through c·tanh(·/c). */
  scaleClamp?: number;
  /** RealNVP coupling masks. */
  masks?: CouplingMasks;
  chartWeights?: ChartWeights;
  transform?: DataTransform;
  /** α of the logit transform logit(α + (1 − 2α)x). */
  logitAlpha?: number;
  /** Seed of every initialisation (default 0). */
  seed?: number;
}

/** The resolved configuration of a VQ-Flow (every option filled in); what a model file stores. */
export interface VqFlowConfig {
  dataShape: number[];
  codebookSize: number;
  overlap: number;
  epsilon: number;
  flow: FlowKind;
  layers: number;
  hidden: number[];
  latentDim: number;
  codeDim: number;
  autoencoderLayers: number;
  autoencoderWidth: number;
  autoencoderFilters: number[];
  activation: FlowActivation;
  scaleClamp: number;
  masks: CouplingMasks;
  chartWeights: ChartWeights;
  transform: DataTransform;
  logitAlpha: number;
  seed: number;
}

const TOY: Readonly<Partial<VqFlowConfig>> = {
  dataShape: [3],
  codebookSize: 8,
  overlap: 1,
  epsilon: 0.2,
  layers: 8,
  hidden: [64, 64],
  codeDim: 3,
  autoencoderLayers: 2,
  autoencoderWidth: 64,
};

/**
 * The presets. Toy 3-D sets (`sphere`, `torus`, `twoRings`: the poster's figure): 8 charts with
 * m = 1, ε = 0.2, 8 flow layers with two hidden layers of 64, a 3-D code space from a 2 × 64 MLP
 * autoencoder. `mnist`: 10 charts, m = 1, ε = 0.1, 5 layers with one hidden layer of 512
 * (CPU scale), a 16-D code space from a conv autoencoder (16, 32 channels), logit transform with
 * α = 1e-6.
 */
export const VQFLOW_PRESETS: Readonly<Record<VqFlowPreset, Readonly<Partial<VqFlowConfig>>>> = {
  sphere: TOY,
  torus: TOY,
  twoRings: TOY,
  mnist: {
    dataShape: [28, 28, 1],
    codebookSize: 10,
    overlap: 1,
    epsilon: 0.1,
    layers: 5,
    hidden: [512],
    codeDim: 16,
    autoencoderFilters: [16, 32],
    transform: "logit",
    logitAlpha: 1e-6,
  },
};

const OPTION_KEYS = [
  "preset",
  "dataShape",
  "codebookSize",
  "overlap",
  "epsilon",
  "flow",
  "layers",
  "hidden",
  "latentDim",
  "codeDim",
  "autoencoderLayers",
  "autoencoderWidth",
  "autoencoderFilters",
  "activation",
  "scaleClamp",
  "masks",
  "chartWeights",
  "transform",
  "logitAlpha",
  "seed",
] as const;

/** Upper bounds that keep a model inside what a backend can allocate (documented in the README). */
export const VQFLOW_LIMITS = {
  dataDim: 65_536,
  codebookSize: 4096,
  layers: 64,
  hiddenLayers: 8,
  width: 8192,
  codeDim: 1024,
  /** Parameters of the whole model. */
  parameters: 50_000_000,
} as const;

function intList(name: string, value: unknown, min: number, max: number, maxLength: number): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxLength) {
    throw new InvalidArgumentError(name, `expected an array of 1 to ${maxLength} integers, got ${describeValue(value)}`);
  }
  return value.map((v, i) => checkInteger(`${name}[${i}]`, v, { min, max }));
}

/**
 * Validate options and fill in the defaults: everything is checked before any tensor exists.
 * `name` prefixes argument names in errors (`options`, or `config` when loading a file).
 */
export function resolveConfig(options: VqFlowOptions, name = "options"): VqFlowConfig {
  const o = checkOptions(name, options, OPTION_KEYS);
  if (options === undefined) throw new InvalidArgumentError(name, "expected { dataShape, … } or { preset }, got undefined");
  const preset = o.preset === undefined ? {} : VQFLOW_PRESETS[checkOneOf(`${name}.preset`, o.preset, Object.keys(VQFLOW_PRESETS) as VqFlowPreset[])];
  const pick = <K extends keyof VqFlowConfig>(key: K): unknown => (o[key as keyof VqFlowOptions] !== undefined ? o[key as keyof VqFlowOptions] : preset[key]);

  const shapeValue = pick("dataShape");
  if (shapeValue === undefined) throw new InvalidArgumentError(`${name}.dataShape`, "required (the shape of one sample, [D] or [H, W, C]) unless a preset is given");
  if (!Array.isArray(shapeValue) || (shapeValue.length !== 1 && shapeValue.length !== 3)) {
    throw new InvalidArgumentError(`${name}.dataShape`, `expected [D] or [H, W, C], got ${describeValue(shapeValue)}`);
  }
  const dataShape = shapeValue.map((v, i) => checkInteger(`${name}.dataShape[${i}]`, v, { min: 1, max: VQFLOW_LIMITS.dataDim }));
  const D = dataShape.reduce((a, b) => a * b, 1);
  if (D > VQFLOW_LIMITS.dataDim) throw new InvalidArgumentError(`${name}.dataShape`, `at most ${VQFLOW_LIMITS.dataDim} values per sample, got ${D}`);
  const image = dataShape.length === 3;
  if (image && ((dataShape[0] as number) % 4 !== 0 || (dataShape[1] as number) % 4 !== 0)) {
    throw new InvalidArgumentError(`${name}.dataShape`, `image height and width must be divisible by 4 (the conv autoencoder halves them twice), got [${dataShape.join(", ")}]`);
  }

  const codebookSize = checkInteger(`${name}.codebookSize`, pick("codebookSize") ?? 8, { min: 1, max: VQFLOW_LIMITS.codebookSize });
  const overlap = checkInteger(`${name}.overlap`, pick("overlap") ?? 1, { min: 1 });
  if (overlap > codebookSize) {
    throw new InvalidArgumentError(`${name}.overlap`, `m (${overlap}) must be at most codebookSize K (${codebookSize}): a point cannot lie in more charts than there are`);
  }
  const epsilon = checkNumber(`${name}.epsilon`, pick("epsilon") ?? 0.1, { min: 0, max: 1e6 });
  const flow = checkOneOf(`${name}.flow`, pick("flow") ?? "realnvp", ["realnvp", "maf"] as const);
  const layers = checkInteger(`${name}.layers`, pick("layers") ?? 6, { min: 1, max: VQFLOW_LIMITS.layers });
  const hidden = intList(`${name}.hidden`, pick("hidden") ?? [64, 64], 1, VQFLOW_LIMITS.width, VQFLOW_LIMITS.hiddenLayers);
  const latentDim = checkInteger(`${name}.latentDim`, pick("latentDim") ?? D, { min: 1 });
  if (latentDim > D) throw new InvalidArgumentError(`${name}.latentDim`, `must be at most the data dimension D = ${D} (dim Z ≤ dim X), got ${latentDim}`);
  const codeDim = checkInteger(`${name}.codeDim`, pick("codeDim") ?? Math.min(D, 8), { min: 1, max: VQFLOW_LIMITS.codeDim });
  const autoencoderLayers = checkInteger(`${name}.autoencoderLayers`, pick("autoencoderLayers") ?? 2, { min: 0, max: VQFLOW_LIMITS.hiddenLayers });
  const autoencoderWidth = checkInteger(`${name}.autoencoderWidth`, pick("autoencoderWidth") ?? 64, { min: 1, max: VQFLOW_LIMITS.width });
  const autoencoderFilters = intList(`${name}.autoencoderFilters`, pick("autoencoderFilters") ?? [16, 32], 1, 1024, 2);
  if (image && autoencoderFilters.length !== 2) {
    throw new InvalidArgumentError(`${name}.autoencoderFilters`, `expected two channel counts for an image model, got ${autoencoderFilters.length}`);
  }
  const activation = checkOneOf(`${name}.activation`, pick("activation") ?? "relu", ["relu", "tanh", "elu", "leakyRelu"] as const);
  const scaleClamp = checkNumber(`${name}.scaleClamp`, pick("scaleClamp") ?? 3, { above: 0, max: 20 });
  const masks = checkOneOf(`${name}.masks`, pick("masks") ?? "shuffled", ["alternate", "shuffled"] as const);
  const chartWeights = checkOneOf(`${name}.chartWeights`, pick("chartWeights") ?? "learned", ["learned", "empirical"] as const);
  const transform = checkOneOf(`${name}.transform`, pick("transform") ?? (image ? "logit" : "none"), ["none", "logit"] as const);
  const logitAlpha = checkNumber(`${name}.logitAlpha`, pick("logitAlpha") ?? 1e-6, { above: 0, below: 0.5 });
  const seed = checkInteger(`${name}.seed`, pick("seed") ?? 0, { min: 0, max: 2 ** 53 - 1 });
  if (latentDim < D && transform !== "none") {
    throw new InvalidArgumentError(
      `${name}.latentDim`,
      `a latent dimension below D (${latentDim} < ${D}) needs transform 'none': the conformal embedding's density term d·log s holds only when every fixed map before it is a similarity, and the logit transform is not one`,
    );
  }

  const config: VqFlowConfig = {
    dataShape,
    codebookSize,
    overlap,
    epsilon,
    flow,
    layers,
    hidden,
    latentDim,
    codeDim,
    autoencoderLayers,
    autoencoderWidth,
    autoencoderFilters,
    activation,
    scaleClamp,
    masks,
    chartWeights,
    transform,
    logitAlpha,
    seed,
  };
  const count = countParameters(config);
  if (count > VQFLOW_LIMITS.parameters) {
    throw new InvalidArgumentError(`${name}.hidden`, `the model would have ${count} parameters, more than the limit of ${VQFLOW_LIMITS.parameters}; use fewer or narrower layers`);
  }
  return config;
}

/**
 * Number of trainable values of the model these options describe (flows, embeddings, chart
 * weights, autoencoder and codebook), without building it.
 *
 * @example
 * parameterCount({ preset: "mnist" });
 */
export function parameterCount(options: VqFlowOptions): number {
  return countParameters(resolveConfig(options));
}

/** {@link parameterCount} of a resolved configuration. */
export function countParameters(c: VqFlowConfig): number {
  const D = c.dataShape.reduce((a, b) => a * b, 1);
  const d = c.latentDim;
  const K = c.codebookSize;
  const ctx = K > 1 ? c.codeDim : 0;
  const net = (inDim: number, outDim: number): number => {
    const widths = [inDim, ...c.hidden, outDim];
    let n = 0;
    for (let j = 1; j < widths.length; j++) n += ((widths[j - 1] as number) + 1) * (widths[j] as number);
    return n;
  };
  let flow = 0;
  for (let l = 0; l < c.layers; l++) {
    if (c.flow === "maf") flow += net(d + ctx, 2 * d);
    else {
      const a = d === 1 ? 0 : l % 2 === 0 ? Math.floor(d / 2) : d - Math.floor(d / 2);
      flow += net(Math.max(1, a + ctx), 2 * (d - a));
    }
  }
  const embedding = d < D ? K * (D + 1 + d * D) : 0;
  let ae = 0;
  if (K > 1) {
    if (c.dataShape.length === 3) {
      const [h, w, ch] = c.dataShape as [number, number, number];
      const [f1, f2] = c.autoencoderFilters as [number, number];
      const enc = 16 * ch * f1 + f1 + 16 * f1 * f2 + f2 + (h / 4) * (w / 4) * f2 * c.codeDim + c.codeDim;
      const dec = c.codeDim * (h / 4) * (w / 4) * f2 + (h / 4) * (w / 4) * f2 + 16 * f2 * f1 + f1 + 16 * f1 * ch + ch;
      ae = enc + dec + K * c.codeDim;
    } else {
      const mlpCount = (i: number, o: number): number => {
        const widths = [i, ...Array.from({ length: c.autoencoderLayers }, () => c.autoencoderWidth), o];
        let n = 0;
        for (let j = 1; j < widths.length; j++) n += ((widths[j - 1] as number) + 1) * (widths[j] as number);
        return n;
      };
      ae = mlpCount(D, c.codeDim) + mlpCount(c.codeDim, D) + K * c.codeDim;
    }
  }
  return flow + embedding + ae + (K > 1 ? K : 0);
}
