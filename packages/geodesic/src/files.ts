import {
  CorruptFileError,
  FileNotFoundError,
  InvalidArgumentError,
  ShapeMismatchError,
  UnsupportedError,
  joinPath,
  readFileBytes,
  readTextFile,
  resolveSavedDir,
  writeDirAtomic,
  writeFileSynced,
  type AtlasModel,
} from "@atlas/core";
import type { GraphArrays } from "./arrays.js";

const FORMAT = "atlas-geodesic-graph";
const VERSION = 1;

type TypedName = "Uint16Array" | "Int32Array" | "Float32Array" | "Float64Array";
const CTORS = { Uint16Array, Int32Array, Float32Array, Float64Array } as const;

const ARRAY_FIELDS = [
  "nodeChart",
  "nodeLatent",
  "nodePoint",
  "nodePsi",
  "chartStart",
  "offsets",
  "targets",
  "weights",
  "projBasis",
  "nodeProj",
  "component",
  "componentSizes",
  "pointStart",
  "pointNodes",
] as const;
type ArrayField = (typeof ARRAY_FIELDS)[number];

interface Manifest {
  format: string;
  version: number;
  charts: number;
  latentDim: number;
  dataShape: number[];
  dataDim: number;
  k: number;
  steps: number;
  epsilon: number;
  pointCount: number;
  projDim: number;
  latentScale: number | null;
  crossEdges: number;
  checksum: number;
  arrays: Record<ArrayField, { type: TypedName; length: number; byteOffset: number }>;
}

/** FNV-1a over the bytes (32 bit). */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Write a graph directory atomically (core's `writeDirAtomic`: temporary sibling, fsync, rename). */
export async function writeGraph(dir: string, g: GraphArrays): Promise<void> {
  if (typeof dir !== "string" || dir.length === 0) throw new InvalidArgumentError("dir", "expected a directory path");
  const parts: Uint8Array[] = [];
  const arrays = {} as Manifest["arrays"];
  let offset = 0;
  for (const name of ARRAY_FIELDS) {
    const arr = g[name];
    const type = arr.constructor.name as TypedName;
    const pad = (8 - (offset % 8)) % 8;
    if (pad) {
      parts.push(new Uint8Array(pad));
      offset += pad;
    }
    arrays[name] = { type, length: arr.length, byteOffset: offset };
    parts.push(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    offset += arr.byteLength;
  }
  const bin = new Uint8Array(offset);
  {
    let o = 0;
    for (const p of parts) {
      bin.set(p, o);
      o += p.length;
    }
  }
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    charts: g.charts,
    latentDim: g.latentDim,
    dataShape: [...g.dataShape],
    dataDim: g.dataDim,
    k: g.k,
    steps: g.steps,
    epsilon: g.epsilon,
    pointCount: g.pointCount,
    projDim: g.projDim,
    latentScale: Number.isFinite(g.latentScale) ? g.latentScale : null,
    crossEdges: g.crossEdges,
    checksum: fnv1a(bin),
    arrays,
  };
  // core's atomic directory write: temp sibling, fsync, rename into place (old version kept until then)
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(joinPath(tmp, "graph.bin"), bin);
    await writeFileSynced(joinPath(tmp, "graph.json"), JSON.stringify(manifest, null, 1));
  }, { argument: "dir" });
}

function fail(path: string, msg: string): never {
  throw new CorruptFileError(path, msg);
}

/** Read and validate a graph directory written by {@link writeGraph}; checks it fits `model`. */
export async function readGraph(dir: string, model: AtlasModel): Promise<GraphArrays> {
  if (typeof dir !== "string" || dir.length === 0) throw new InvalidArgumentError("dir", "expected a directory path");
  // core's recovery rule: a save killed between its renames left the complete version beside `dir`
  const root = await resolveSavedDir("dir", dir);
  const jsonPath = joinPath(root, "graph.json");
  const binPath = joinPath(root, "graph.bin");
  let text: string;
  let bin: Uint8Array;
  try {
    text = await readTextFile(jsonPath);
    bin = await readFileBytes(binPath);
  } catch (err) {
    if (err instanceof UnsupportedError) throw err;
    throw new FileNotFoundError(dir, "not a geodesic graph directory (graph.json and graph.bin are needed); write one with graph.save(dir)", { cause: err });
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new CorruptFileError(jsonPath, "not valid JSON", { cause: err });
  }
  if (m === null || typeof m !== "object" || m.format !== FORMAT) fail(jsonPath, `not a geodesic graph manifest (format ${JSON.stringify((m as Manifest | null)?.format)})`);
  if (m.version !== VERSION) fail(jsonPath, `unsupported version ${m.version} (this package reads ${VERSION})`);
  const posInt = (v: unknown, name: string, min = 0): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(jsonPath, `${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  };
  const charts = posInt(m.charts, "charts", 1);
  const d = posInt(m.latentDim, "latentDim", 1);
  const D = posInt(m.dataDim, "dataDim", 1);
  const k = posInt(m.k, "k", 1);
  const steps = posInt(m.steps, "steps", 1);
  const pointCount = posInt(m.pointCount, "pointCount", 1);
  const r = posInt(m.projDim, "projDim", 0);
  const crossEdges = posInt(m.crossEdges, "crossEdges", 0);
  if (typeof m.epsilon !== "number" || !(m.epsilon >= 0 && m.epsilon < 1)) fail(jsonPath, `epsilon must be in [0, 1), got ${m.epsilon}`);
  if (!Array.isArray(m.dataShape) || m.dataShape.reduce((a, b) => a * b, 1) !== D) fail(jsonPath, "dataShape does not match dataDim");
  if (model.charts !== charts || model.latentDim !== d || model.dataShape.length !== m.dataShape.length || model.dataShape.some((v, i) => v !== m.dataShape[i])) {
    throw new ShapeMismatchError(
      "model",
      `the graph in ${dir} was built for ${charts} charts, latent dimension ${d}, data shape [${m.dataShape.join(", ")}]; ` +
        `the model has ${model.charts} charts, latent dimension ${model.latentDim}, data shape [${model.dataShape.join(", ")}]`,
    );
  }
  if (fnv1a(bin) !== m.checksum) fail(binPath, "checksum mismatch: the file is truncated or was modified");
  const out: Partial<Record<ArrayField, ArrayLike<number>>> = {};
  for (const name of ARRAY_FIELDS) {
    const spec = m.arrays?.[name];
    if (!spec || !(spec.type in CTORS)) fail(jsonPath, `array ${name} is missing or of unknown type`);
    const Ctor = CTORS[spec.type];
    const bytes = spec.length * Ctor.BYTES_PER_ELEMENT;
    if (!Number.isInteger(spec.byteOffset) || spec.byteOffset < 0 || spec.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0 || spec.byteOffset + bytes > bin.length) {
      fail(binPath, `array ${name} lies outside the file`);
    }
    const copy = new Uint8Array(bytes);
    copy.set(bin.subarray(spec.byteOffset, spec.byteOffset + bytes));
    out[name] = new Ctor(copy.buffer);
  }
  const a = out as unknown as Pick<GraphArrays, ArrayField>;
  const n = a.nodeChart.length;
  const expect = (cond: boolean, msg: string): void => {
    if (!cond) fail(binPath, msg);
  };
  expect(a.nodeLatent.length === n * d, "nodeLatent has the wrong length");
  expect(a.nodePoint.length === n && a.nodePsi.length === n && a.component.length === n, "per-node arrays disagree in length");
  expect(a.chartStart.length === charts + 1 && a.chartStart[0] === 0 && a.chartStart[charts] === n, "chartStart is inconsistent");
  for (let y = 0; y < charts; y++) {
    const s = a.chartStart[y] as number;
    const e = a.chartStart[y + 1] as number;
    expect(e >= s, "chartStart is not increasing");
    for (let i = s; i < e; i++) expect(a.nodeChart[i] === y, `node ${i} is not in chart ${y}`);
  }
  expect(a.offsets.length === n + 1 && a.offsets[0] === 0 && a.offsets[n] === a.targets.length, "CSR offsets are inconsistent");
  expect(a.weights.length === a.targets.length && a.targets.length % 2 === 0, "CSR weights/targets disagree");
  for (let i = 0; i < n; i++) expect((a.offsets[i + 1] as number) >= (a.offsets[i] as number), "CSR offsets decrease");
  for (let e = 0; e < a.targets.length; e++) {
    const t = a.targets[e] as number;
    expect(t >= 0 && t < n, `edge target ${t} out of range`);
    const w = a.weights[e] as number;
    expect(Number.isFinite(w) && w >= 0, `edge weight ${w} is not a finite non-negative number`);
  }
  for (let i = 0; i < n * d; i++) expect(Number.isFinite(a.nodeLatent[i] as number), "a node latent is not finite");
  for (let i = 0; i < n; i++) {
    const p = a.nodePoint[i] as number;
    expect(p >= 0 && p < pointCount, `node ${i} names point ${p}, out of range`);
    const c = a.component[i] as number;
    expect(c >= 0 && c < a.componentSizes.length, `node ${i} names component ${c}, out of range`);
  }
  let sizeSum = 0;
  for (const s of a.componentSizes) sizeSum += s;
  expect(sizeSum === n, "component sizes do not add up to the node count");
  expect(a.projBasis.length === r * D || (r === D && a.projBasis.length === D * D), "projBasis has the wrong length");
  expect(a.nodeProj.length === n * r, "nodeProj has the wrong length");
  expect(a.pointStart.length === pointCount + 1 && a.pointStart[pointCount] === n && a.pointNodes.length === n, "point → node index is inconsistent");
  for (const v of a.pointNodes) expect(v >= 0 && v < n, "point → node index out of range");
  const latentScale = checkLatentScale(jsonPath, m.latentScale, a, d);
  // crossEdges decides whether A* may use the latent heuristic: it must be what the edges say
  let crossings = 0;
  for (let i = 0; i < n; i++) for (let e = a.offsets[i] as number; e < (a.offsets[i + 1] as number); e++) if (a.nodeChart[i] !== a.nodeChart[a.targets[e] as number]) crossings++;
  if (crossings !== 2 * crossEdges) fail(jsonPath, `crossEdges is ${crossEdges}, but the graph has ${crossings / 2} chart-crossing edges; the file was edited or is damaged`);
  return {
    ...a,
    charts,
    latentDim: d,
    dataShape: [...m.dataShape],
    dataDim: D,
    k,
    steps,
    epsilon: m.epsilon,
    pointCount,
    projDim: r,
    latentScale,
    crossEdges,
  };
}

/**
 * The A* heuristic's scale must be what the graph implies — min over in-chart edges of (stored
 * weight / latent length), as the builder computes it: a larger value makes the heuristic
 * inadmissible (A* then returns non-optimal paths), so an edited one is refused, not trusted.
 */
function checkLatentScale(jsonPath: string, stored: unknown, a: Pick<GraphArrays, "nodeChart" | "nodeLatent" | "offsets" | "targets" | "weights">, d: number): number {
  if (stored !== null && (typeof stored !== "number" || !Number.isFinite(stored) || stored < 0)) fail(jsonPath, `latentScale must be a finite number ≥ 0 or null, got ${JSON.stringify(stored)}`);
  let scale = Infinity;
  const n = a.nodeChart.length;
  for (let i = 0; i < n; i++) {
    for (let e = a.offsets[i] as number; e < (a.offsets[i + 1] as number); e++) {
      const j = a.targets[e] as number;
      if (a.nodeChart[i] !== a.nodeChart[j]) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += ((a.nodeLatent[i * d + c] as number) - (a.nodeLatent[j * d + c] as number)) ** 2;
      if (s > 0) scale = Math.min(scale, (a.weights[e] as number) / Math.sqrt(s));
    }
  }
  const value = stored === null ? Infinity : (stored as number);
  const same = value === scale || (Number.isFinite(scale) && Math.abs(value - scale) <= 1e-9 * scale);
  if (!same) fail(jsonPath, `latentScale is ${JSON.stringify(stored)}, but the graph's edges give ${Number.isFinite(scale) ? scale : "null (no in-chart edge)"} (min of weight / latent length over in-chart edges); the file was edited or is damaged`);
  return scale;
}
