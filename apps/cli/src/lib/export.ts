// Node-only: `atlas geodesic --export` — the bundle the web explorer (apps/explorer) loads.
//
// Format `atlas-explorer-bundle`, version 1: a folder of static files.
//   bundle.json   what the bundle holds (below) and the list of every other file in it
//   model/        the model as its package saves it (saveAwaeGan / saveAtlasVae; a GTN's autoencoder
//                 and h), loaded in the page with the same package's load function from a
//                 memory:// file store
//   graph/        the geodesic graph as GeodesicGraph.save writes it (loadGeodesicGraph in the page)
//   points.png    the build points as one image grid (thumbnails and, decoded, the data for ψ and
//                 the encoders in the page)
// Serve the folder over http; the explorer fetches bundle.json, then every file in `files`.
import { promises as fs } from "node:fs";
import { join, relative } from "node:path";
import { encodeImageGrid, writeDirAtomic, type AtlasModel } from "@atlas/core";
import { AtlasVae, AwaeGan, saveAtlasVae, saveAwaeGan } from "@atlas/agm";
import type { LoadedData } from "../data/index.js";
import type { LoadedModel } from "../model-dir.js";
import type { GeodesicAnalysis } from "./geodesics.js";
import { UsageError } from "../args.js";

export const BUNDLE_FORMAT = "atlas-explorer-bundle";
export const BUNDLE_VERSION = 1;

/** Top-2 principal directions of rows (power iteration with deflation): a [2, d] basis and the mean. */
export function pca2(rows: Float32Array, n: number, d: number): { mean: Float64Array; basis: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k]! += rows[i * d + k]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = rows[i * d + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b]! += (va * (rows[i * d + b]! - mean[b]!)) / Math.max(1, n - 1);
    }
  }
  const basis = new Float64Array(2 * d);
  for (let c = 0; c < Math.min(2, d); c++) {
    let v = Float64Array.from({ length: d }, (_, k) => 1 + k * 0.01 * (c + 1));
    for (let it = 0; it < 300; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a]! += cov[a * d + b]! * v[b]!;
      if (c === 1) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += w[k]! * basis[k]!;
        for (let k = 0; k < d; k++) w[k]! -= dot * basis[k]!;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      v = w.map((x) => x / norm);
    }
    basis.set(v, c * d);
  }
  return { mean, basis };
}

/** 2-D view of every graph node: the PCA of its chart's codes (one panel per chart in the explorer). */
export function nodeViews(model: AtlasModel, graph: GeodesicAnalysis["graph"]): { xy: number[]; chart: number[]; point: number[] } {
  const N = graph.nodeCount;
  const d = model.latentDim;
  const nodes = Array.from({ length: N }, (_, i) => graph.node(i));
  const xy = new Array<number>(2 * N).fill(0);
  for (let y = 0; y < model.charts; y++) {
    const ids = nodes.flatMap((node, i) => (node.chart === y ? [i] : []));
    if (ids.length === 0) continue;
    const rows = new Float32Array(ids.length * d);
    ids.forEach((id, r) => rows.set(nodes[id]!.z, r * d));
    const { mean, basis } = pca2(rows, ids.length, d);
    for (const id of ids) {
      for (let c = 0; c < 2; c++) {
        let s = 0;
        if (c < d) for (let k = 0; k < d; k++) s += (nodes[id]!.z[k]! - mean[k]!) * basis[c * d + k]!;
        xy[2 * id + c] = Number(s.toFixed(5));
      }
    }
  }
  return { xy, chart: nodes.map((n) => n.chart), point: nodes.map((n) => n.point) };
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(relative(base, p).split("\\").join("/"));
  }
  return out.sort();
}

/** Extra content of a bundle (e.g. the demo's metrics table, shown on the explorer's metrics page). */
export interface BundleExtras {
  metrics?: unknown;
  title?: string;
  /**
   * A GTN and the one-chart model whose latent space it samples, as directories on disk (GTN.save,
   * and saveAwaeGan or LatentAutoencoder.save): the explorer's GTN page decodes its samples.
   */
  gtn?: { gtnDir: string; decoderDir: string; decoderKind: "awae-gan" | "autoencoder" };
}

/**
 * Write the explorer bundle of a geodesic analysis: the model (as its package saves it), the graph,
 * the build points as a PNG grid, each node's 2-D view, the analysed pairs.
 */
export async function writeExplorerBundle(dir: string, loaded: LoadedModel, analysis: GeodesicAnalysis, data: LoadedData, extras: BundleExtras = {}): Promise<void> {
  const model = loaded.atlas;
  if (data.kind !== "images") throw new UsageError("--export", "the explorer shows images; this model's data are vectors");
  const [h, w, c] = data.shape as [number, number, number];
  const P = data.n;
  const columns = Math.min(50, P);
  const views = nodeViews(model, analysis.graph);
  await writeDirAtomic(dir, async (tmp) => {
    await fs.mkdir(join(tmp, "model"));
    if (model instanceof AwaeGan) await saveAwaeGan(join(tmp, "model", "agm"), model);
    else if (model instanceof AtlasVae) await saveAtlasVae(join(tmp, "model", "agm"), model);
    else if (loaded.autoencoder) await loaded.autoencoder.save(join(tmp, "model", "autoencoder"));
    else throw new UsageError("--export", `a ${loaded.manifest.kind} model cannot be exported to the explorer`);
    let gtn: { dir: string; decoder: { kind: "awae-gan" | "autoencoder"; dir: string } } | null = null;
    if (extras.gtn) {
      await fs.cp(extras.gtn.gtnDir, join(tmp, "gtn", "model"), { recursive: true });
      await fs.cp(extras.gtn.decoderDir, join(tmp, "gtn", "decoder"), { recursive: true });
      gtn = { dir: "gtn/model", decoder: { kind: extras.gtn.decoderKind, dir: "gtn/decoder" } };
    } else if (loaded.gtn && loaded.autoencoder) {
      await loaded.gtn.save(join(tmp, "gtn", "model"));
      gtn = { dir: "gtn/model", decoder: { kind: "autoencoder", dir: "model/autoencoder" } };
    }
    await analysis.graph.save(join(tmp, "graph"));
    await fs.writeFile(join(tmp, "points.png"), encodeImageGrid({ data: data.dataset.images, shape: [P, h, w, c] }, { columns, padding: 0 }));
    const bundle = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      title: extras.title ?? `${loaded.manifest.kind} on ${data.source}`,
      model: { kind: loaded.manifest.kind, charts: model.charts, latentDim: model.latentDim, dataShape: [...model.dataShape], format: model instanceof AwaeGan ? "awae-gan" : model instanceof AtlasVae ? "atlas-vae" : "autoencoder", dir: model instanceof AwaeGan || model instanceof AtlasVae ? "model/agm" : "model/autoencoder" },
      gtn,
      data: { source: data.source, points: P },
      graph: { dir: "graph", stats: analysis.stats },
      points: { file: "points.png", columns, width: w, height: h, channels: c },
      nodes: views,
      pairs: analysis.pairs,
      metrics: extras.metrics ?? null,
      files: [] as string[],
    };
    bundle.files = [...(await listFiles(tmp)).filter((f) => f !== "bundle.json")];
    await fs.writeFile(join(tmp, "bundle.json"), JSON.stringify(bundle));
  });
}
