/**
 * VQ-Flow model files: the configuration, the training state and every weight, written
 * atomically through core's `saveState` (a crash never leaves a half-written model). Loading
 * checks everything before a model is returned: format, configuration ranges, tensor names,
 * shapes, finiteness and a per-tensor checksum (so swapped tensors of equal shape are caught).
 */
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, STATE_JSON, allFinite, describeValue, joinPath, loadState, resolvePath, saveState } from "@atlas/core";
import { resolveConfig, type VqFlowConfig } from "./config.js";
import { VqFlow, type VqFlowState } from "./model.js";
import { requireAlive } from "./pipeline.js";

const FORMAT = "atlas-vqflow";
const VERSION = 1;

/** A weight's place in a model: a ParamSet variable or a tf.layers weight. */
interface Slot {
  shape: readonly number[];
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}

/** Every weight of `model` by its file name. */
function slots(model: VqFlow): Map<string, Slot> {
  const out = new Map<string, Slot>();
  for (const [name, v] of model.params.entries()) out.set(name, { shape: v.shape as number[], read: () => v, write: (t) => v.assign(t) });
  const ae = model.autoencoder;
  if (ae) {
    for (const [part, net] of [["encoder", ae.encoder], ["decoder", ae.decoder]] as const) {
      net.weights.forEach((w, i) => out.set(`autoencoder/${part}/${i}`, { shape: w.shape as number[], read: () => w.read(), write: (t) => w.write(t) }));
    }
  }
  return out;
}

/** FNV-1a over a tensor's bytes, as 8 hex digits. */
function checksum(values: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function checkModel(model: unknown): VqFlow {
  if (!(model instanceof VqFlow)) throw new InvalidArgumentError("model", `expected a VqFlow, got ${describeValue(model)}`);
  requireAlive(model);
  return model;
}

function checkDir(dir: unknown): string {
  if (typeof dir !== "string" || dir.trim() === "") throw new InvalidArgumentError("dir", `expected a directory path, got ${describeValue(dir)}`);
  return dir;
}

/**
 * Save a VQ-Flow (configuration, training state, every weight) to the directory `dir` — a disk
 * path in Node or a store URL of core's (`memory://…`) anywhere — atomically: the directory is
 * replaced only once the new one is complete.
 *
 * @example
 * await saveVqFlow(model, "models/sphere");
 * const again = await loadVqFlow("models/sphere");
 */
export async function saveVqFlow(model: VqFlow, dir: string): Promise<void> {
  checkModel(model);
  checkDir(dir);
  const tensors: Record<string, tf.Tensor> = {};
  const sums: Record<string, string> = {};
  for (const [name, slot] of slots(model)) {
    const t = slot.read();
    tensors[name] = t;
    sums[name] = checksum((await t.data()) as Float32Array);
  }
  await saveState(dir, { tensors, json: { format: FORMAT, version: VERSION, config: model.config, state: model.state, checksums: sums } });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseState(file: string, value: unknown, charts: number): VqFlowState {
  if (!isRecord(value)) throw new CorruptFileError(file, `state: expected an object, got ${describeValue(value)}`);
  const count = (key: string): number => {
    const v = value[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new CorruptFileError(file, `state.${key}: expected a non-negative integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const stage1Epochs = count("stage1Epochs");
  const stage2Epochs = count("stage2Epochs");
  if (typeof value.standardized !== "boolean") throw new CorruptFileError(file, `state.standardized: expected true or false, got ${JSON.stringify(value.standardized)}`);
  let chartMass: number[] | null = null;
  if (value.chartMass !== null && value.chartMass !== undefined) {
    const m = value.chartMass;
    if (!Array.isArray(m) || m.length !== charts || !m.every((v) => typeof v === "number" && v >= 0 && v <= 1)) {
      throw new CorruptFileError(file, `state.chartMass: expected ${charts} numbers in [0, 1] or null, got ${JSON.stringify(m)}`);
    }
    chartMass = m as number[];
  }
  return { stage1Epochs, stage2Epochs, standardized: value.standardized, chartMass };
}

interface Parsed {
  config: VqFlowConfig;
  state: VqFlowState;
  checksums: Record<string, string>;
}

function parseJson(file: string, json: unknown): Parsed {
  if (!isRecord(json) || json.format !== FORMAT) throw new CorruptFileError(file, `not a VQ-Flow model file (expected format '${FORMAT}')`);
  if (json.version !== VERSION) throw new CorruptFileError(file, `unsupported version ${JSON.stringify(json.version)} (this build reads version ${VERSION})`);
  let config: VqFlowConfig;
  try {
    config = resolveConfig(json.config as VqFlowConfig, "config");
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CorruptFileError(file, `${error.message}`, { cause: error });
    throw error;
  }
  if (!isRecord(json.checksums)) throw new CorruptFileError(file, "checksums: expected an object of per-tensor checksums");
  return { config, state: parseState(file, json.state, config.codebookSize), checksums: json.checksums as Record<string, string> };
}

/** Check the saved tensors against the model's weights (names, shapes, finiteness, checksums), then write them. */
async function assign(file: string, model: VqFlow, tensors: Record<string, tf.Tensor>, checksums: Record<string, string>): Promise<void> {
  const expected = slots(model);
  for (const name of Object.keys(tensors)) {
    if (!expected.has(name)) throw new CorruptFileError(file, `tensor '${name}' does not belong to a VQ-Flow of this configuration`);
  }
  for (const [name, slot] of expected) {
    const t = tensors[name];
    if (!t) throw new CorruptFileError(file, `tensor '${name}' is missing`);
    if (t.dtype !== "float32") throw new CorruptFileError(file, `tensor '${name}': expected float32, got ${t.dtype}`);
    if (!tf.util.arraysEqual(t.shape, [...slot.shape])) throw new CorruptFileError(file, `tensor '${name}': expected shape [${slot.shape.join(", ")}], got [${t.shape.join(", ")}]`);
    const values = (await t.data()) as Float32Array;
    if (!allFinite(values)) throw new CorruptFileError(file, `tensor '${name}' holds NaN or infinite values`);
    if (checksums[name] !== checksum(values)) throw new CorruptFileError(file, `tensor '${name}': checksum mismatch (the tensor was altered, truncated or swapped with another)`);
  }
  for (const [name, slot] of expected) slot.write(tensors[name] as tf.Tensor);
}

/**
 * Load a VQ-Flow saved by {@link saveVqFlow}. A missing directory or file gives a
 * `FileNotFoundError`; anything damaged or foreign (bad JSON, unknown format, a configuration
 * field out of range, a missing, extra, reshaped, non-finite or altered tensor, an invalid training
 * state) gives a `CorruptFileError` naming the file and the field.
 */
export async function loadVqFlow(dir: string): Promise<VqFlow> {
  checkDir(dir);
  const { tensors, json } = await loadState(dir);
  const file = joinPath(resolvePath(dir), STATE_JSON);
  try {
    const parsed = parseJson(file, json);
    const model = new VqFlow(parsed.config);
    try {
      await assign(file, model, tensors, parsed.checksums);
      model.state = parsed.state;
      return model;
    } catch (error) {
      model.dispose();
      throw error;
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Overwrite `model`'s weights and training state with those saved in `dir` (same configuration),
 * e.g. to resume from a checkpoint. Checked as {@link loadVqFlow}; the model is untouched on error.
 */
export async function restoreVqFlow(dir: string, model: VqFlow): Promise<void> {
  checkModel(model);
  checkDir(dir);
  const { tensors, json } = await loadState(dir);
  const file = joinPath(resolvePath(dir), STATE_JSON);
  try {
    const parsed = parseJson(file, json);
    if (JSON.stringify(parsed.config) !== JSON.stringify(model.config)) {
      throw new CorruptFileError(file, `config: the saved model's configuration ${JSON.stringify(parsed.config)} differs from this model's ${JSON.stringify(model.config)}`);
    }
    await assign(file, model, tensors, parsed.checksums);
    model.state = parsed.state;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
