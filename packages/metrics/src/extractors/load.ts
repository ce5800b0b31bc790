import * as tf from "@tensorflow/tfjs";
import {
  CorruptFileError,
  FileNotFoundError,
  InvalidArgumentError,
  UnsupportedError,
  basenamePath,
  checkArray,
  checkBoolean,
  checkFunction,
  checkInteger,
  checkOneOf,
  checkOptions,
  checkPath,
  checkString,
  joinPath,
  loadModel,
  readModelArtifacts,
  readTextFile,
  resolvePath,
} from "@atlas/core";
import { checkNormalization, checkPreprocess, extractRows, type ExtractOptions, type FeatureExtractor, type ImageInput, type Normalization } from "./extractor.js";

/** Options for {@link loadFeatureExtractor}. */
export interface LoadFeatureExtractorOptions {
  /** Identifier reported with every metric (default: `<directory name>/<feature output>`). Name the weights and the layer. */
  id?: string;
  /** `"layers"` (tf.LayersModel), `"graph"` (tf.GraphModel, what tensorflowjs_converter makes from a SavedModel / TF-Hub module) or `"auto"` (default: read `format` in model.json). */
  format?: "layers" | "graph" | "auto";
  /** Network input `[height, width, channels]` (default: from the model's input shape). */
  inputSize?: readonly [number, number, number];
  /** Resize method (default bilinear). */
  resize?: "bilinear" | "nearest";
  /** Pixel normalisation after resizing (default `"none"`: the [0, 1] input as is). */
  normalization?: Normalization;
  /** Layer name (layers model) or node name (graph model, e.g. `"pool_3"`) giving the features (default: the model's output). */
  featureOutput?: string;
  /** Layer or node giving classifier logits, for the Inception Score (optional). */
  logitsOutput?: string;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (error) {
    if (error instanceof UnsupportedError) throw error;
    throw new FileNotFoundError(file, "cannot read the model description (model.json) of the feature extractor", { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new CorruptFileError(file, "model.json is not a JSON object", { cause: error });
  }
}

function inputSizeOf(shape: readonly (number | null)[] | undefined, given: readonly [number, number, number] | undefined, where: string): [number, number, number] {
  if (given) {
    if (given.length !== 3 || !given.every((v) => Number.isInteger(v) && v > 0)) {
      throw new InvalidArgumentError("options.inputSize", `expected [height, width, channels] of positive integers, got [${given.join(", ")}]`);
    }
    return [given[0], given[1], given[2]];
  }
  if (shape && shape.length === 4 && shape.slice(1).every((v) => typeof v === "number" && v > 0)) return [shape[1] as number, shape[2] as number, shape[3] as number];
  throw new InvalidArgumentError("options.inputSize", `${where} does not fix its input size ([${(shape ?? []).join(", ")}]); give inputSize: [height, width, channels]`);
}

/** A layers model as a feature extractor (features from `featureOutput`, logits from `logitsOutput`). */
function layersExtractor(model: tf.LayersModel, root: string, options: LoadFeatureExtractorOptions, pre: { resize: "bilinear" | "nearest"; normalization: Normalization }): FeatureExtractor {
  const pick = (name: string | undefined, what: string): tf.SymbolicTensor => {
    if (name === undefined) return model.outputs[0] as tf.SymbolicTensor;
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch (error) {
      throw new InvalidArgumentError(what, `the model has no layer '${name}'; its layers are ${model.layers.map((l) => l.name).join(", ")}`, { cause: error });
    }
    return layer.output as tf.SymbolicTensor;
  };
  const featureT = pick(options.featureOutput, "options.featureOutput");
  const logitsT = options.logitsOutput !== undefined ? pick(options.logitsOutput, "options.logitsOutput") : undefined;
  const sub = tf.model({ inputs: model.inputs, outputs: logitsT ? [featureT, logitsT] : [featureT] });
  const inputSize = inputSizeOf(model.inputs[0]?.shape, options.inputSize, "the model");
  const id = options.id ?? `${basenamePath(root)}/${options.featureOutput ?? "output"}`;
  const p = { inputSize, ...pre };
  const run = (x: tf.Tensor4D, index: number): tf.Tensor =>
    tf.tidy(() => {
      const out = sub.predict(x) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? (out[index] as tf.Tensor) : out;
    });
  const featureDim = (featureT.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  return makeExtractor(id, inputSize, featureDim, logitsT ? ((logitsT.shape[1] as number) ?? undefined) : undefined, p, run, logitsT !== undefined, () => {
    model.dispose();
  });
}

/**
 * Load a feature extractor from a tfjs model in a local directory (`model.json` + weight files):
 * a layers model (via `@atlas/core`'s `loadModel`) or a graph model (e.g. InceptionV3 converted
 * with `tensorflowjs_converter`). Nothing is downloaded. Images are resized to the network's input,
 * channels matched (grey → RGB by repetition) and normalised as configured.
 *
 * @example
 * const inception = await loadFeatureExtractor("./inception-v3-fid", {
 *   id: "pt_inception-2015-12-05/pool3", featureOutput: "pool_3", logitsOutput: "logits",
 *   inputSize: [299, 299, 3], normalization: "minus-one-one" });
 * const r = fid(await inception.features(real), await inception.features(fake));
 */
export async function loadFeatureExtractor(dir: string, options: LoadFeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  checkPath("dir", dir);
  checkOptions("options", options, ["id", "format", "inputSize", "resize", "normalization", "featureOutput", "logitsOutput"]);
  if (options.id !== undefined) checkString("options.id", options.id);
  const format = checkOneOf("options.format", options.format ?? "auto", ["layers", "graph", "auto"] as const);
  if (options.inputSize !== undefined) checkArray("options.inputSize", options.inputSize, { length: 3, integers: { min: 1, max: 65_536 } });
  if (options.resize !== undefined) checkOneOf("options.resize", options.resize, ["bilinear", "nearest"]);
  if (options.featureOutput !== undefined) checkString("options.featureOutput", options.featureOutput);
  if (options.logitsOutput !== undefined) checkString("options.logitsOutput", options.logitsOutput);
  if (options.normalization !== undefined && typeof options.normalization === "string") checkNormalization("options.normalization", options.normalization, 0);
  const root = resolvePath(dir);
  const json = await readJson(joinPath(root, "model.json"));
  const kind = format !== "auto" ? format : json.format === "graph-model" ? "graph" : "layers";
  const pre = { resize: options.resize ?? "bilinear", normalization: options.normalization ?? "none" } as const;
  if (kind === "layers") {
    const model = await loadModel(root);
    try {
      return layersExtractor(model, root, options, pre);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  const graph = await tf.loadGraphModel({ load: () => readModelArtifacts(root) });
  const inputSize = inputSizeOf(graph.inputs[0]?.shape as (number | null)[] | undefined, options.inputSize, "the graph model");
  const featureNode = options.featureOutput ?? (graph.outputs[0]?.name as string);
  const outputs = options.logitsOutput !== undefined ? [featureNode, options.logitsOutput] : [featureNode];
  const id = options.id ?? `${basenamePath(root)}/${featureNode}`;
  const p = { inputSize, ...pre };
  // executeAsync: a graph may read values (shapes, control flow), which `execute` does synchronously
  const run = async (x: tf.Tensor4D, index: number): Promise<tf.Tensor> => {
    const out = (await graph.executeAsync(x, outputs)) as tf.Tensor | tf.Tensor[];
    if (!Array.isArray(out)) return out;
    out.forEach((t, i) => i !== index && t.dispose());
    return out[index] as tf.Tensor;
  };
  const runOnZeros = async (index: number): Promise<tf.Tensor> => {
    const zeros = tf.zeros([1, ...inputSize]) as tf.Tensor4D;
    try {
      return await run(zeros, index);
    } finally {
      zeros.dispose();
    }
  };
  // the feature dimension: one probe image (also checks that the named nodes exist)
  let probe: tf.Tensor;
  try {
    probe = await runOnZeros(0);
  } catch (error) {
    graph.dispose();
    throw new InvalidArgumentError(
      options.logitsOutput !== undefined ? "options.featureOutput/options.logitsOutput" : "options.featureOutput",
      `cannot run the graph to node(s) ${outputs.join(", ")}: ${(error as Error).message}; the model's outputs are ${graph.outputNodes.join(", ")}`,
      { cause: error },
    );
  }
  const featureDim = probe.size;
  probe.dispose();
  let classes: number | undefined;
  if (options.logitsOutput !== undefined) {
    const l = await runOnZeros(1);
    classes = l.size;
    l.dispose();
  }
  try {
    return makeExtractor(id, inputSize, featureDim, classes, p, run, options.logitsOutput !== undefined, () => graph.dispose());
  } catch (error) {
    graph.dispose();
    throw error;
  }
}

/**
 * Assemble a {@link FeatureExtractor} from a forward function (output 0: features, 1: logits).
 * `run` may be asynchronous; it returns one tensor and disposes everything else it makes (wrap a
 * synchronous one in `tf.tidy`).
 */
export function makeExtractor(
  id: string,
  inputSize: readonly [number, number, number],
  featureDim: number,
  classes: number | undefined,
  p: { inputSize: readonly [number, number, number]; resize?: "bilinear" | "nearest"; normalization?: Normalization },
  run: (x: tf.Tensor4D, output: number) => tf.Tensor | Promise<tf.Tensor>,
  hasLogits: boolean,
  dispose: () => void,
): FeatureExtractor {
  checkString("id", id);
  checkArray("inputSize", inputSize, { length: 3, integers: { min: 1, max: 65_536 } });
  checkInteger("featureDim", featureDim, { min: 1 });
  if (classes !== undefined) checkInteger("classes", classes, { min: 1 });
  checkPreprocess("p", p);
  checkFunction("run", run);
  checkBoolean("hasLogits", hasLogits);
  checkFunction("dispose", dispose);
  const features = async (images: ImageInput, o?: ExtractOptions): Promise<{ data: Float32Array; dim: number; extractor: string }> => {
    const r = await extractRows("images", images, o, (x) => run(x, 0), p);
    return { ...r, extractor: id };
  };
  const ext: FeatureExtractor = {
    id,
    inputSize,
    featureDim,
    ...(classes !== undefined ? { classes } : {}),
    features,
    dispose,
  };
  if (hasLogits) {
    (ext as { logits?: FeatureExtractor["logits"] }).logits = async (images: ImageInput, o?: ExtractOptions) => {
      const r = await extractRows("images", images, o, (x) => run(x, 1), p);
      return { ...r, extractor: `${id}#logits` };
    };
  }
  return ext;
}
