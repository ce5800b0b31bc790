import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, STATE_JSON, describeValue, joinPath, loadState, resolvePath, saveState } from "@atlas/core";
import { AwaeGan, createAwaeGan, resolveAwaeGanConfig, type AwaeGanConfig } from "./awae-gan.js";
import { AtlasVae, createAtlasVae, type AtlasVaeConfig } from "./atlas-vae.js";

const FORMAT = "atlas-agm";
const VERSION = 1;

type Kind = "awae-gan" | "atlas-vae";

interface AgmFileJson {
  format: string;
  version: number;
  kind: Kind;
  config: AwaeGanConfig | AtlasVaeConfig;
  /** Per sub-model (in `allModels` order): its weights' names (moving BN statistics included). */
  models: { name: string; weights: string[] }[];
  /**
   * FNV-1a of each tensor's bytes by tensor name (`<model>/<weight>`), so that altered or swapped
   * tensors of equal shape are refused (files written before it existed have none: not checked).
   */
  checksums?: Record<string, string>;
}

/** FNV-1a over a float32 tensor's bytes, as 8 hex digits. */
function checksum(values: Float32Array | Int32Array | Uint8Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

async function saveModels(dir: string, kind: Kind, config: object, models: readonly tf.LayersModel[]): Promise<void> {
  const tensors: Record<string, tf.Tensor> = {};
  const manifest: AgmFileJson["models"] = [];
  const checksums: Record<string, string> = {};
  for (const [i, model] of models.entries()) {
    const names: string[] = [];
    for (const [j, w] of model.weights.entries()) {
      const t = w.read();
      tensors[`${i}/${j}`] = t;
      checksums[`${i}/${j}`] = checksum((await t.data()) as Float32Array);
      names.push(w.originalName);
    }
    manifest.push({ name: model.name, weights: names });
  }
  const json: AgmFileJson = { format: FORMAT, version: VERSION, kind, config: config as AgmFileJson["config"], models: manifest, checksums };
  await saveState(dir, { tensors, json });
}

/** Read a saved file's weights into `models` (built from the file's config, or given: then the configs must agree). */
async function readWeights(
  dir: string,
  kind: Kind,
  target: (config: unknown, file: string) => { models: tf.LayersModel[]; discard: () => void },
): Promise<void> {
  const { tensors, json } = await loadState(dir);
  const file = joinPath(resolvePath(dir), STATE_JSON);
  let built: { models: tf.LayersModel[]; discard: () => void } | undefined;
  try {
    const j = json as Partial<AgmFileJson> | null;
    if (!j || j.format !== FORMAT) throw new CorruptFileError(file, `not an @atlas/agm model (expected format '${FORMAT}')`);
    if (j.version !== VERSION) throw new CorruptFileError(file, `unsupported @atlas/agm model version ${JSON.stringify(j.version)}`);
    if (j.kind !== kind) throw new CorruptFileError(file, `holds a '${String(j.kind)}' model, not a '${kind}'`);
    if (!Array.isArray(j.models)) throw new CorruptFileError(file, "models: expected the list of sub-models");
    const checksums = j.checksums;
    if (checksums !== undefined && (checksums === null || typeof checksums !== "object" || Array.isArray(checksums))) throw new CorruptFileError(file, "checksums: expected an object of per-tensor checksums");
    built = target(j.config, file);
    const models = built.models;
    if (models.length !== j.models.length) throw new CorruptFileError(file, `expected ${models.length} sub-models for this config, the file has ${j.models.length}`);
    // every tensor is checked before any is written into a model
    const all: tf.Tensor[][] = [];
    for (const [i, sub] of models.entries()) {
      const listed = (j.models[i] as { weights?: unknown } | undefined)?.weights;
      const values: tf.Tensor[] = [];
      for (const [k, w] of sub.weights.entries()) {
        const key = `${i}/${k}`;
        const t = tensors[key];
        if (!t) throw new CorruptFileError(file, `sub-model ${sub.name}: weight ${w.originalName} (tensor '${key}') is missing`);
        if (Array.isArray(listed) && listed[k] !== w.originalName) {
          throw new CorruptFileError(file, `models[${i}].weights[${k}]: the file names tensor '${key}' ${JSON.stringify(listed[k])}, this configuration's weight there is '${w.originalName}'`);
        }
        const expected = w.shape as number[];
        if (t.shape.length !== expected.length || t.shape.some((s, q) => s !== expected[q])) {
          throw new CorruptFileError(file, `sub-model ${sub.name}: weight ${w.originalName} (tensor '${key}') has shape [${t.shape.join(", ")}], expected [${expected.join(", ")}]`);
        }
        if (checksums !== undefined && checksums[key] !== checksum((await t.data()) as Float32Array)) {
          throw new CorruptFileError(file, `tensor '${key}' (${sub.name}: ${w.originalName}): checksum mismatch (the tensor was altered, truncated or swapped with another)`);
        }
        values.push(t);
      }
      if (Object.keys(tensors).filter((key) => key.startsWith(`${i}/`)).length !== values.length) {
        throw new CorruptFileError(file, `sub-model ${sub.name}: the file has more weights than the model`);
      }
      all.push(values);
    }
    models.forEach((sub, i) => sub.setWeights(all[i] as tf.Tensor[]));
  } catch (error) {
    built?.discard();
    throw error;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function buildOrThrow<M>(file: string, build: () => M): M {
  try {
    return build();
  } catch (error) {
    throw new CorruptFileError(file, `config: ${(error as Error).message}`, { cause: error });
  }
}

function checkModel(name: string, model: unknown, cls: typeof AwaeGan | typeof AtlasVae): void {
  if (!(model instanceof cls)) throw new InvalidArgumentError(name, `expected an ${cls.name}, got ${describeValue(model)}`);
}

/**
 * Save an AWAE-GAN (configuration, every weight including BN moving statistics and the
 * discriminators) to the directory `dir`, atomically (core's `saveState`).
 *
 * @example
 * await saveAwaeGan("models/awae", model);
 * const again = await loadAwaeGan("models/awae");
 */
export async function saveAwaeGan(dir: string, model: AwaeGan): Promise<void> {
  checkModel("model", model, AwaeGan);
  await saveModels(dir, "awae-gan", model.config, model.allModels);
}

/** Load an AWAE-GAN saved by {@link saveAwaeGan}; a damaged or foreign file gives a `CorruptFileError`. */
export async function loadAwaeGan(dir: string): Promise<AwaeGan> {
  let model: AwaeGan | undefined;
  await readWeights(dir, "awae-gan", (config, file) => {
    const m = buildOrThrow(file, () => createAwaeGan(config as AwaeGanConfig));
    model = m;
    return { models: m.allModels, discard: () => m.dispose() };
  });
  return model!;
}

/**
 * Overwrite the weights of `model` with those saved in `dir` (same configuration), e.g. to resume
 * training from a checkpoint.
 */
export async function restoreAwaeGan(dir: string, model: AwaeGan): Promise<void> {
  checkModel("model", model, AwaeGan);
  await readWeights(dir, "awae-gan", (config, file) => {
    // files written before a field existed resolve it to its default
    const saved = buildOrThrow(file, () => resolveAwaeGanConfig(config as AwaeGanConfig));
    if (!sameConfig(saved, model.config)) throw new CorruptFileError(file, `saved config ${JSON.stringify(config)} differs from the model's ${JSON.stringify(model.config)}`);
    return { models: model.allModels, discard: () => undefined };
  });
}

/**
 * Save an Atlas VAE to the directory `dir`, atomically.
 *
 * @example
 * await saveAtlasVae("models/vae", vae);
 */
export async function saveAtlasVae(dir: string, model: AtlasVae): Promise<void> {
  checkModel("model", model, AtlasVae);
  await saveModels(dir, "atlas-vae", model.config, model.allModels);
}

/** Load an Atlas VAE saved by {@link saveAtlasVae}. */
export async function loadAtlasVae(dir: string): Promise<AtlasVae> {
  let model: AtlasVae | undefined;
  await readWeights(dir, "atlas-vae", (config, file) => {
    const m = buildOrThrow(file, () => createAtlasVae(config as AtlasVaeConfig));
    model = m;
    return { models: m.allModels, discard: () => m.dispose() };
  });
  return model!;
}

/** Overwrite the weights of `model` with those saved in `dir` (same configuration). */
export async function restoreAtlasVae(dir: string, model: AtlasVae): Promise<void> {
  checkModel("model", model, AtlasVae);
  await readWeights(dir, "atlas-vae", (config, file) => {
    if (!sameConfig(config, model.config)) throw new CorruptFileError(file, `saved config ${JSON.stringify(config)} differs from the model's ${JSON.stringify(model.config)}`);
    return { models: model.allModels, discard: () => undefined };
  });
}
