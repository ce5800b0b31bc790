import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError, describeValue } from "./errors.js";
import { basenamePath, dirnamePath, isAbsolutePath, joinPath, resolvePath, splitScheme } from "./platform/paths.js";
import { fileStoreFor } from "./platform/store.js";
import { resolveSavedDir, writeDirAtomic } from "./atomic-dir.js";
import { allFinite, checkOptions, checkPath } from "./validate.js";

export { writeDirAtomic, resolveSavedDir, findSavedDir, checkCreatableDir, type WriteDirAtomicOptions } from "./atomic-dir.js";

/** File names inside a model directory written by {@link saveModel}. */
export const MODEL_JSON = "model.json";
/** The one weights file of a model directory written by {@link saveModel}. */
export const MODEL_WEIGHTS = "weights.bin";
/** The manifest of a state directory written by {@link saveState}. */
export const STATE_JSON = "state.json";
/** The tensor data of a state directory written by {@link saveState}. */
export const STATE_TENSORS = "tensors.bin";

const STATE_FORMAT = "atlas-state";
const STATE_VERSION = 1;

/** Bytes per element of the dtypes Atlas writes and reads. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Bytes per element of quantised weights (tfjs converter output). */
const QUANT_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

// ---------------------------------------------------------------------------------------------
// Atomic directory writes (atomic-dir.ts, on any FileStore) and file writes
// ---------------------------------------------------------------------------------------------

function checkDir(name: string, dir: unknown): string {
  return resolvePath(checkPath(name, dir));
}

const textEncoder = new TextEncoder();

/**
 * Write `data` (chunk by chunk, so large tensors need no single buffer) to a new file and make it
 * durable (fsync on disk). Used for every file Atlas writes inside a temporary directory; works on
 * any store (`memory://…`, `indexeddb://…`), and on disk in Node.
 */
export async function writeFileSynced(file: string, data: string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  checkPath("file", file);
  const iterable = data !== null && typeof data === "object" && (Symbol.iterator in data || Symbol.asyncIterator in data);
  if (typeof data !== "string" && !(data instanceof Uint8Array) && !iterable) {
    throw new InvalidArgumentError("data", `expected a string, a Uint8Array or an iterable of Uint8Array chunks, got ${describeValue(data)}`);
  }
  const store = fileStoreFor(file, "writeFileSynced");
  async function* checked(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError("data", `expected Uint8Array chunks, got ${describeValue(chunk)}`);
      yield chunk;
    }
  }
  const chunks = typeof data === "string" ? [textEncoder.encode(data)] : data instanceof Uint8Array ? [data] : checked(data);
  try {
    await store.writeFile(resolvePath(file), chunks, { exclusive: true });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
      throw new InvalidArgumentError("file", `cannot create ${file} (${code === "EEXIST" || code === "EISDIR" ? "it exists already" : "its directory does not exist"})`, { cause: error });
    }
    throw error;
  }
}

/**
 * The directory to read: `dir` itself, or what a save killed between its renames left (core's one
 * recovery rule, {@link resolveSavedDir}); `requiredFile` must be in it.
 */
async function resolveReadDir(name: string, dir: unknown, requiredFile: string): Promise<string> {
  const root = await resolveSavedDir(name, dir);
  const st = await fileStoreFor(root, "load").stat(joinPath(root, requiredFile)).catch(() => undefined);
  if (st?.kind !== "file") {
    throw new FileNotFoundError(joinPath(root, requiredFile), `is missing: ${root} is not a saved ${requiredFile === MODEL_JSON ? "model" : "state"} directory`);
  }
  return root;
}

async function readFileOrThrow(file: string): Promise<Uint8Array> {
  try {
    return await fileStoreFor(file, "load").readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw new FileNotFoundError(file, "file is missing", { cause: error });
    throw new FileNotFoundError(file, `cannot be read (${code ?? String(error)})`, { cause: error });
  }
}

function parseJsonFile(file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CorruptFileError(file, `not valid JSON (${(error as Error).message}); the file is truncated or corrupt`, { cause: error });
  }
}

/** A tfjs IO handler (an object with a `save` or `load` function), not a path. */
function isIoHandler(v: unknown, method: "save" | "load"): v is tf.io.IOHandler {
  return typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[method] === "function";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkShape(file: string, what: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new CorruptFileError(file, `${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function toUint8(buffer: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** A standalone ArrayBuffer holding exactly `bytes` (a view may share a larger buffer). */
function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layers models
// ---------------------------------------------------------------------------------------------

/**
 * Save a tf.LayersModel to `dir` as `model.json` (topology, training config, weights manifest; the
 * tfjs "layers-model" format, so `tf.loadLayersModel` over http reads it too) and one `weights.bin`,
 * without tfjs-node. The directory is written atomically (see {@link writeDirAtomic}): a crash never
 * leaves a half-written model, and an existing model in `dir` is replaced only once the new one is
 * complete. Custom layers round-trip when registered with `tf.serialization.registerClass`.
 * `dir` is a disk path (Node), a store URL (`memory://ae`, `indexeddb://ae`), or a tfjs IO handler
 * (`tf.io.getSaveHandlers("downloads://ae")[0]`, `tf.io.withSaveHandler(fn)`, …), which gets
 * the model as tfjs's own `model.save(handler)` gives it.
 *
 * @example
 * await saveModel("models/ae", model);
 * const again = await loadModel("models/ae");
 * await saveModel(tf.io.getSaveHandlers("downloads://ae")[0]!, model); // in a page: ae.json + ae.weights.bin
 */
export async function saveModel(dir: string | tf.io.IOHandler, model: tf.LayersModel): Promise<void> {
  if (typeof (model as { save?: unknown } | null)?.save !== "function" || typeof (model as { getWeights?: unknown }).getWeights !== "function") {
    throw new InvalidArgumentError("model", `expected a tf.LayersModel, got ${describeValue(model)}`);
  }
  if (isIoHandler(dir, "save")) {
    await model.save(dir);
    return;
  }
  const target = checkDir("dir", dir);
  await writeDirAtomic(target, async (temp) => {
    await model.save(
      tf.io.withSaveHandler(async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
        const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
        const modelJson: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology as tf.io.ModelJSON["modelTopology"],
          weightsManifest: [{ paths: [`./${MODEL_WEIGHTS}`], weights: artifacts.weightSpecs ?? [] }],
          format: artifacts.format ?? "layers-model",
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: artifacts.convertedBy ?? null,
        };
        if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
        if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
        if (artifacts.modelInitializer) modelJson.modelInitializer = artifacts.modelInitializer;
        checkWeightsFinite(artifacts.weightSpecs ?? [], weightData, (w, i) => new InvalidArgumentError("model", `weight '${w}' holds ${i}; a model with non-finite weights cannot be saved (it would not load)`));
        const json = { ...modelJson, [CHECKSUMS_KEY]: weightChecksums(artifacts.weightSpecs ?? [], weightData) };
        await writeFileSynced(joinPath(temp, MODEL_WEIGHTS), new Uint8Array(weightData));
        await writeFileSynced(joinPath(temp, MODEL_JSON), JSON.stringify(json));
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData }) };
      }),
    );
  }, { argument: "dir" });
}

/** The model.json field where saveModel records each weight's checksum (tfjs ignores it). */
const CHECKSUMS_KEY = "atlasWeightChecksums";

/** The byte length of each weight of a manifest, in order. */
function weightByteLengths(specs: readonly tf.io.WeightsManifestEntry[]): number[] {
  return specs.map((spec) => {
    const size = sizeOf(spec.shape);
    const q = spec.quantization;
    return q ? size * (QUANT_BYTES[String(q.dtype)] ?? 0) : size * (DTYPE_BYTES[spec.dtype] ?? 0);
  });
}

/** FNV-1a of each weight's bytes by weight name, 8 hex digits each. */
function weightChecksums(specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer): Record<string, string> {
  const out: Record<string, string> = {};
  const bytes = new Uint8Array(data);
  let offset = 0;
  weightByteLengths(specs).forEach((length, i) => {
    out[(specs[i] as tf.io.WeightsManifestEntry).name] = hex8(fnv1a(bytes.subarray(offset, offset + length)));
    offset += length;
  });
  return out;
}

/**
 * Throw `fail(weightName, what)` when a float32 weight (unquantised) holds NaN or ±Infinity: a
 * model file with such weights would load and silently compute NaN.
 */
function checkWeightsFinite(specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer, fail: (weight: string, what: string) => Error): void {
  let offset = 0;
  for (const spec of specs) {
    const size = sizeOf(spec.shape);
    const q = spec.quantization;
    if (q) {
      offset += size * (QUANT_BYTES[String(q.dtype)] ?? 0);
      continue;
    }
    const bytes = size * (DTYPE_BYTES[spec.dtype] ?? 0);
    if (spec.dtype === "float32" && offset % 4 === 0) {
      const values = new Float32Array(data, offset, size);
      if (!allFinite(values)) {
        const i = values.findIndex((v) => !Number.isFinite(v));
        throw fail(spec.name, `${values[i]} at index ${i}`);
      }
    }
    offset += bytes;
  }
}

function weightBytes(file: string, spec: unknown, index: number): number {
  if (!isRecord(spec) || typeof spec.name !== "string") {
    throw new CorruptFileError(file, `weightsManifest weight ${index}: expected {name, shape, dtype}, got ${JSON.stringify(spec)}`);
  }
  const shape = checkShape(file, `weight '${spec.name}'`, spec.shape);
  const quant = spec.quantization;
  if (isRecord(quant)) {
    const q = QUANT_BYTES[String(quant.dtype)];
    if (q === undefined) throw new CorruptFileError(file, `weight '${spec.name}': unknown quantization dtype ${JSON.stringify(quant.dtype)}`);
    return sizeOf(shape) * q;
  }
  const b = DTYPE_BYTES[String(spec.dtype)];
  if (b === undefined) {
    throw new CorruptFileError(file, `weight '${spec.name}': unknown dtype ${JSON.stringify(spec.dtype)} (expected float32, int32, bool or complex64)`);
  }
  return sizeOf(shape) * b;
}

/**
 * Load a model saved by {@link saveModel} (or any tfjs "layers-model" directory with a
 * `model.json` and its weight files). Validates before building: a missing directory or file gives
 * a `FileNotFoundError`; bad JSON, a manifest without topology or weights, an unknown dtype, or
 * weight files whose length differs from the manifest give a `CorruptFileError` naming the file.
 * `dir` may also be a tfjs IO handler with `load` (`tf.io.browserFiles([json, weights])` for files
 * a user picked in a page), read by `tf.loadLayersModel`.
 *
 * @example
 * const model = await loadModel("models/ae");
 * const picked = await loadModel(tf.io.browserFiles([jsonFile, weightsFile]));
 */
export async function loadModel(dir: string | tf.io.IOHandler): Promise<tf.LayersModel> {
  if (isIoHandler(dir, "load")) return tf.loadLayersModel(dir);
  const artifacts = await readModelArtifacts(dir);
  const jsonFile = joinPath(resolvePath(dir), MODEL_JSON);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    const msg = (error as Error).message ?? String(error);
    const hint = /Unknown (layer|constraint|initializer|regularizer|activation)/i.test(msg)
      ? " (a custom class must be registered with tf.serialization.registerClass before loading)"
      : "";
    throw new CorruptFileError(jsonFile, `cannot build the model: ${msg}${hint}`, { cause: error });
  }
}

/**
 * Read a tfjs model directory (`model.json` and the weight files its manifest lists) into
 * `tf.io.ModelArtifacts`, for `tf.loadLayersModel(tf.io.fromMemory(a))` or
 * `tf.loadGraphModel({ load: async () => a })`. Validates as {@link loadModel} does: weight paths
 * inside the directory, known dtypes, and file lengths equal to what the manifest describes.
 *
 * @example
 * const graph = await tf.loadGraphModel({ load: () => readModelArtifacts("inception-v3") });
 */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const root = await resolveReadDir("dir", dir, MODEL_JSON);
  const jsonFile = joinPath(root, MODEL_JSON);
  const parsed = parseJsonFile(jsonFile, await readFileOrThrow(jsonFile));
  if (!isRecord(parsed) || !isRecord(parsed.modelTopology)) {
    throw new CorruptFileError(jsonFile, "expected an object with a 'modelTopology' object (a tfjs model)");
  }
  const manifest = parsed.weightsManifest;
  if (!Array.isArray(manifest)) throw new CorruptFileError(jsonFile, "expected a 'weightsManifest' array");
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  const weightFiles: string[] = [];
  let total = 0;
  for (const [g, group] of manifest.entries()) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new CorruptFileError(jsonFile, `weightsManifest[${g}]: expected {paths: string[], weights: []}`);
    }
    let expected = 0;
    for (const [i, spec] of group.weights.entries()) {
      expected += weightBytes(jsonFile, spec, i);
      specs.push(spec as tf.io.WeightsManifestEntry);
    }
    let actual = 0;
    const names: string[] = [];
    for (const p of group.paths) {
      if (typeof p !== "string" || p === "" || isAbsolutePath(p) || splitScheme(p).scheme !== undefined || p.split(/[\\/]/).includes("..")) {
        throw new CorruptFileError(jsonFile, `weightsManifest[${g}]: weight path must be a relative file name inside the model directory, got ${JSON.stringify(p)}`);
      }
      const file = joinPath(root, p);
      const bytes = await readFileOrThrow(file);
      actual += bytes.byteLength;
      names.push(file);
      weightFiles.push(file);
      chunks.push(bytes);
    }
    if (actual !== expected) {
      throw new CorruptFileError(
        names.length === 1 ? (names[0] as string) : jsonFile,
        `weights are ${actual} bytes but the manifest in ${MODEL_JSON} describes ${expected} bytes; the file is truncated or does not belong to this model`,
      );
    }
    total += actual;
  }
  const weightData = new ArrayBuffer(total);
  const view = new Uint8Array(weightData);
  let offset = 0;
  for (const c of chunks) {
    view.set(c, offset);
    offset += c.byteLength;
  }
  const weightsFile = weightFiles.length === 1 ? (weightFiles[0] as string) : jsonFile;
  checkWeightsFinite(specs, weightData, (w, what) => new CorruptFileError(weightsFile, `weight '${w}' holds ${what}; the file is corrupt (a model with non-finite weights computes NaN)`));
  // files saved by saveModel record each weight's checksum: weights altered, or renamed / swapped
  // with another of the same shape (which tfjs would load into the wrong layer), are refused
  const recorded = parsed[CHECKSUMS_KEY];
  if (recorded !== undefined) {
    if (!isRecord(recorded)) throw new CorruptFileError(jsonFile, `${CHECKSUMS_KEY}: expected an object of per-weight checksums`);
    const actual = weightChecksums(specs, weightData);
    for (const [name, sum] of Object.entries(actual)) {
      if (!(name in recorded)) throw new CorruptFileError(jsonFile, `weight '${name}' is not among the weights the model was saved with (${CHECKSUMS_KEY}); the manifest was edited`);
      if (recorded[name] !== sum) throw new CorruptFileError(weightsFile, `weight '${name}': checksum mismatch (the weight was altered, or its name swapped with another weight's in ${MODEL_JSON})`);
    }
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: parsed.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: specs,
    weightData,
  };
  if (isRecord(parsed.trainingConfig)) artifacts.trainingConfig = parsed.trainingConfig as unknown as tf.io.TrainingConfig;
  if (typeof parsed.format === "string") artifacts.format = parsed.format;
  if (typeof parsed.generatedBy === "string") artifacts.generatedBy = parsed.generatedBy;
  if (isRecord(parsed.userDefinedMetadata)) artifacts.userDefinedMetadata = parsed.userDefinedMetadata as { [key: string]: {} };
  if (isRecord(parsed.signature)) artifacts.signature = parsed.signature as {};
  if (isRecord(parsed.modelInitializer)) artifacts.modelInitializer = parsed.modelInitializer as {};
  return artifacts;
}

// ---------------------------------------------------------------------------------------------
// Named tensors + JSON state
// ---------------------------------------------------------------------------------------------

/** What {@link saveState} writes and {@link loadState} returns. */
export interface SavedState {
  /** Named tensors (codebooks, normalisation constants, optimizer slots). */
  tensors?: Record<string, tf.Tensor>;
  /** Any JSON-serialisable value (numbers that are not finite become null, as in JSON.stringify). */
  json?: unknown;
}

/** What {@link loadState} returns: the tensors (new, owned by the caller) and the JSON value. */
export interface LoadedState {
  tensors: Record<string, tf.Tensor>;
  json: unknown;
}

interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  byteOffset: number;
  byteLength: number;
  /**
   * FNV-1a of the tensor's name (UTF-8), a NUL, then its bytes (8 hex digits): bound to the name, so
   * names swapped in the manifest are caught. Files written before it existed have none.
   */
  fnv1a?: string;
}

/** FNV-1a (32-bit) of `bytes`, continuing from `h` (the offset basis by default). */
function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const hex8 = (h: number): string => h.toString(16).padStart(8, "0");

/** FNV-1a over `name`, a NUL byte and `bytes`, as 8 hex digits. */
function fnv1aHex(name: string, bytes: Uint8Array): string {
  return hex8(fnv1a(bytes, fnv1a(new Uint8Array([...new TextEncoder().encode(name), 0]))));
}

/**
 * Save named tensors and a JSON value to `dir` atomically: `state.json` (format, version, the JSON
 * value and a manifest of every tensor's name, dtype, shape, byte offset and length) plus
 * `tensors.bin` (the tensors' data, little-endian, back to back). Tensors are read one at a time, so
 * the write never holds more than one tensor's data. The caller keeps ownership of the tensors.
 *
 * @example
 * await saveState("models/vq/state", { tensors: { codebook }, json: { mean: 0.13, std: 0.31 } });
 * const { tensors, json } = await loadState("models/vq/state");
 */
export async function saveState(dir: string, state: SavedState): Promise<void> {
  const target = checkDir("dir", dir);
  if (state === undefined) throw new InvalidArgumentError("state", "expected { tensors?, json? }, got undefined");
  checkOptions("state", state, ["tensors", "json"], { nullable: ["json"] });
  const tensors = state.tensors ?? {};
  if (!isRecord(tensors) || (Object.getPrototypeOf(tensors) !== Object.prototype && Object.getPrototypeOf(tensors) !== null)) {
    throw new InvalidArgumentError("state.tensors", `expected a record of named tensors, got ${describeValue(tensors)}`);
  }
  const entries: TensorEntry[] = [];
  const list: tf.Tensor[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof tf.Tensor)) throw new InvalidArgumentError(`state.tensors.${name}`, `expected a tf.Tensor, got ${describeValue(t)}`);
    if (t.isDisposed) throw new InvalidArgumentError(`state.tensors.${name}`, "the tensor is disposed");
    const b = DTYPE_BYTES[t.dtype];
    if (b === undefined || t.dtype === "complex64") {
      throw new InvalidArgumentError(`state.tensors.${name}`, `expected dtype float32, int32 or bool, got ${t.dtype}`);
    }
    const byteLength = t.size * b;
    entries.push({ name, dtype: t.dtype, shape: [...t.shape], byteOffset: offset, byteLength });
    list.push(t);
    offset += byteLength;
  }
  const manifest = (): string => JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, tensors: entries, totalBytes: offset, json: state.json ?? null, hasJson: state.json !== undefined });
  try {
    manifest(); // checked before any work; written (with the checksums) once the data is
  } catch (error) {
    throw new InvalidArgumentError("state.json", `must be JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const [i, t] of list.entries()) {
      const data = await t.data();
      if (data instanceof Float32Array && !allFinite(data)) {
        const at = data.findIndex((v) => !Number.isFinite(v));
        throw new InvalidArgumentError(`state.tensors.${entries[i]?.name}`, `holds ${data[at]} at index ${at}; non-finite values cannot be saved (the file would not load)`);
      }
      const bytes = toUint8(data as Float32Array | Int32Array | Uint8Array);
      if (bytes.byteLength !== entries[i]?.byteLength) throw new InvalidArgumentError(`state.tensors.${entries[i]?.name}`, "tensor data has an unexpected length");
      (entries[i] as TensorEntry).fnv1a = fnv1aHex((entries[i] as TensorEntry).name, bytes);
      yield bytes;
    }
  }
  await writeDirAtomic(target, async (temp) => {
    await writeFileSynced(joinPath(temp, STATE_TENSORS), chunks());
    await writeFileSynced(joinPath(temp, STATE_JSON), manifest());
  }, { argument: "dir" });
}

/**
 * Load what {@link saveState} wrote. The returned tensors are new and owned by the caller (dispose
 * them). A missing directory or file gives a `FileNotFoundError`; bad JSON, an unknown format or
 * dtype, a shape that does not match its byte length, or a `tensors.bin` whose length differs from
 * the manifest give a `CorruptFileError` naming the file and the problem.
 *
 * @example
 * const { tensors, json } = await loadState("models/vq/state");
 */
export async function loadState(dir: string): Promise<LoadedState> {
  const root = await resolveReadDir("dir", dir, STATE_JSON);
  const jsonFile = joinPath(root, STATE_JSON);
  const binFile = joinPath(root, STATE_TENSORS);
  const parsed = parseJsonFile(jsonFile, await readFileOrThrow(jsonFile));
  if (!isRecord(parsed) || parsed.format !== STATE_FORMAT) {
    throw new CorruptFileError(jsonFile, `not an Atlas state file (expected format '${STATE_FORMAT}')`);
  }
  if (parsed.version !== STATE_VERSION) {
    throw new CorruptFileError(jsonFile, `unsupported state version ${JSON.stringify(parsed.version)} (this build reads version ${STATE_VERSION})`);
  }
  if (!Array.isArray(parsed.tensors)) throw new CorruptFileError(jsonFile, "expected a 'tensors' array in the manifest");
  const entries: TensorEntry[] = [];
  let expected = 0;
  for (const [i, e] of parsed.tensors.entries()) {
    if (!isRecord(e) || typeof e.name !== "string") throw new CorruptFileError(jsonFile, `tensors[${i}]: expected {name, dtype, shape, byteOffset, byteLength}`);
    const b = DTYPE_BYTES[String(e.dtype)];
    if (b === undefined || e.dtype === "complex64") {
      throw new CorruptFileError(jsonFile, `tensor '${e.name}': unknown dtype ${JSON.stringify(e.dtype)} (expected float32, int32 or bool)`);
    }
    const shape = checkShape(jsonFile, `tensor '${e.name}'`, e.shape);
    const byteLength = sizeOf(shape) * b;
    if (e.byteLength !== byteLength || e.byteOffset !== expected) {
      throw new CorruptFileError(
        jsonFile,
        `tensor '${e.name}': shape [${shape.join(",")}] ${e.dtype} needs ${byteLength} bytes at offset ${expected}, manifest says ${JSON.stringify(e.byteLength)} at ${JSON.stringify(e.byteOffset)}`,
      );
    }
    if (e.fnv1a !== undefined && (typeof e.fnv1a !== "string" || !/^[0-9a-f]{8}$/.test(e.fnv1a))) throw new CorruptFileError(jsonFile, `tensor '${e.name}': fnv1a must be 8 hex digits, got ${JSON.stringify(e.fnv1a)}`);
    entries.push({ name: e.name, dtype: e.dtype as string, shape, byteOffset: expected, byteLength, ...(e.fnv1a !== undefined ? { fnv1a: e.fnv1a as string } : {}) });
    expected += byteLength;
  }
  const bin = await readFileOrThrow(binFile);
  if (bin.byteLength !== expected) {
    throw new CorruptFileError(binFile, `is ${bin.byteLength} bytes but the manifest in ${STATE_JSON} describes ${expected} bytes; the file is truncated or corrupt`);
  }
  const arrays: [TensorEntry, Float32Array | Int32Array | Uint8Array][] = [];
  for (const e of entries) {
    const bytes = bin.subarray(e.byteOffset, e.byteOffset + e.byteLength);
    const buf = exactArrayBuffer(bytes);
    const values = e.dtype === "float32" ? new Float32Array(buf) : e.dtype === "int32" ? new Int32Array(buf) : new Uint8Array(buf);
    if (values instanceof Float32Array && !allFinite(values)) {
      const at = values.findIndex((v) => !Number.isFinite(v));
      throw new CorruptFileError(binFile, `tensor '${e.name}' holds ${values[at]} at index ${at}; the file is corrupt (non-finite values are never saved)`);
    }
    // values altered, or two tensors' names swapped in state.json (which would load them into each other's place)
    if (e.fnv1a !== undefined && fnv1aHex(e.name, bytes) !== e.fnv1a) {
      throw new CorruptFileError(binFile, `tensor '${e.name}': checksum mismatch (its bytes were altered, or its name was swapped with another tensor's in ${STATE_JSON})`);
    }
    arrays.push([e, values]);
  }
  const tensors: Record<string, tf.Tensor> = {};
  for (const [e, values] of arrays) tensors[e.name] = tf.tensor(values, e.shape, e.dtype as tf.DataType);
  return { tensors, json: parsed.hasJson === false ? undefined : parsed.json };
}

// ---------------------------------------------------------------------------------------------
// Optimizer state
// ---------------------------------------------------------------------------------------------

/**
 * Scalar variables an optimizer keeps outside `getWeights()` (Adam's and Adamax's running
 * powers of beta, Adamax's iteration): saved too, because `setWeights` recomputes them with `pow`,
 * which can differ from the running product in the last bit and break an exact resume.
 */
function extraVariables(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [key, value] of Object.entries(optimizer)) {
    if (value instanceof tf.Variable && !value.isDisposed) out[key] = value;
  }
  return out;
}

/**
 * Save an optimizer's state (iteration count and slots, e.g. Adam's first and second moments, and
 * its running beta powers) to `dir` with {@link saveState}, so a resumed run makes exactly the same
 * updates. Slots are matched to variables by position when loaded, as tfjs does.
 *
 * @example
 * await saveOptimizer("ckpt/adam", optimizer);
 * await loadOptimizer("ckpt/adam", freshAdam);
 */
export async function saveOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  if (typeof (optimizer as { getWeights?: unknown } | null)?.getWeights !== "function") {
    throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer, got ${describeValue(optimizer)}`);
  }
  const weights = await optimizer.getWeights();
  const tensors: Record<string, tf.Tensor> = {};
  const names: string[] = [];
  for (const [i, w] of weights.entries()) {
    tensors[`w${i}:${w.name}`] = w.tensor;
    names.push(w.name);
  }
  const extras = extraVariables(optimizer);
  for (const [key, v] of Object.entries(extras)) tensors[`x:${key}`] = v;
  try {
    await saveState(dir, { tensors, json: { className: optimizer.getClassName(), names, extras: Object.keys(extras) } });
  } finally {
    // the iteration counter is a fresh scalar made by getWeights; slots are the optimizer's own
    weights[0]?.tensor.dispose();
  }
}

/**
 * Restore an optimizer's state saved by {@link saveOptimizer} into `optimizer` (same class, same
 * variables in the same order). Replaced slot variables are disposed.
 */
export async function loadOptimizer(dir: string, optimizer: tf.Optimizer): Promise<void> {
  if (typeof (optimizer as { setWeights?: unknown } | null)?.setWeights !== "function") {
    throw new InvalidArgumentError("optimizer", `expected a tf.Optimizer, got ${describeValue(optimizer)}`);
  }
  const { tensors, json } = await loadState(dir);
  const file = joinPath(resolvePath(dir), STATE_JSON);
  const fail = (error: Error): never => {
    tf.dispose(Object.values(tensors));
    throw error;
  };
  if (!isRecord(json) || !Array.isArray(json.names) || !Array.isArray(json.extras)) {
    return fail(new CorruptFileError(file, "not an optimizer state (expected the names of its weights)"));
  }
  if (json.className !== optimizer.getClassName()) {
    return fail(new InvalidArgumentError("optimizer", `the saved state is for a ${String(json.className)} optimizer, got a ${optimizer.getClassName()}`));
  }
  const named: { name: string; tensor: tf.Tensor }[] = [];
  for (const [i, name] of json.names.entries()) {
    const tensor = tensors[`w${i}:${String(name)}`];
    if (!tensor) return fail(new CorruptFileError(file, `optimizer weight ${i} ('${String(name)}') is missing`));
    named.push({ name: String(name), tensor });
  }
  const extras = extraVariables(optimizer);
  for (const key of json.extras) {
    const saved = tensors[`x:${String(key)}`];
    const target = extras[String(key)];
    if (!saved || !target || !tf.util.arraysEqual(saved.shape, target.shape)) {
      return fail(new CorruptFileError(file, `optimizer variable '${String(key)}' is missing or does not match this optimizer`));
    }
  }
  const previous = await optimizer.getWeights();
  await optimizer.setWeights(named);
  for (const key of json.extras) (extras[String(key)] as tf.Variable).assign(tensors[`x:${String(key)}`] as tf.Tensor);
  // setWeights wraps the loaded tensors in new variables (sharing their data) and drops the old slots
  tf.dispose(previous.map((w) => w.tensor));
  tf.dispose(Object.values(tensors));
}
