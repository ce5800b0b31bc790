// `atlas geodesic MODEL --data SRC (--pairs N | --from i --to j) --out DIR [--export]`
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { Dataset } from "@atlas/core";
import * as tf from "@tensorflow/tfjs";
import { UsageError, requireFlag, type CommandSpec, type ParsedArgs } from "../args.js";
import { DATA_HELP } from "../data/index.js";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { geodesicAnalysis, lengthSummary, randomPairs } from "../lib/geodesics.js";
import { openModelAndData } from "./open.js";
import { prepareOutDir } from "../out-dir.js";
import type { Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";
import { writeExplorerBundle } from "../lib/export.js";

/** Most build points: the graph's decoder work grows with nodes · k · steps. */
export const MAX_NODES = 100_000;

export const geodesicSpec: CommandSpec = {
  name: "geodesic",
  summary: "Build the geodesic graph of a model over data points, find geodesics between pairs and write their lengths, strips (geodesic vs linear, chart of each frame) and the graph.",
  positionals: [{ name: "MODEL", help: "model directory written by 'atlas train' (an atlas model, or a gtn with its autoencoder)" }],
  flags: {
    data: { type: "string", value: "SRC", help: `points the graph is built on: ${DATA_HELP}` },
    split: { type: "string", value: "SPLIT", choices: ["train", "test"], default: "test", help: "split of a named data set" },
    nodes: { type: "int", min: 2, max: MAX_NODES, value: "N", default: "2000", help: "use the first N data points" },
    pairs: { type: "int", min: 1, max: 100_000, value: "N", help: "geodesics between N random pairs of points (default 100 unless --from/--to)" },
    from: { type: "int", min: 0, value: "I", help: "one geodesic from point I …" },
    to: { type: "int", min: 0, value: "J", help: "… to point J" },
    out: { type: "string", value: "DIR", help: "output directory" },
    k: { type: "int", min: 1, max: 1000, value: "K", default: "20", help: "neighbours per node in its chart (paper 20)" },
    steps: { type: "int", min: 1, max: 1000, value: "S", default: "15", help: "sub-segments per edge of the decoded curve length (paper 15)" },
    frames: { type: "int", min: 2, max: 100, value: "F", default: "10", help: "frames per interpolation strip" },
    strips: { type: "int", min: 0, max: 1000, value: "N", default: "5", help: "how many pairs get a strip PNG" },
    seed: { type: "int", min: 0, max: 2 ** 31 - 1, value: "N", default: "0", help: "seed of the pairs and of HNSW" },
    export: { type: "boolean", help: "also write DIR/explorer/: the bundle the web explorer loads (graph, decoders, thumbnails)" },
    ...COMMON_FLAGS,
  },
  notes: ["Writes DIR/geodesic.json (graph statistics, each pair's geodesic and linear lengths, charts), DIR/strips/*.png and DIR/graph/."],
};

export interface GeodesicCommandResult {
  out: string;
  nodes: number;
  stats: unknown;
  buildSeconds: number;
  summary: ReturnType<typeof lengthSummary>;
  pairs: unknown[];
  strips: string[];
  export: string | null;
}

/** Run `atlas geodesic`. */
export async function runGeodesic(args: ParsedArgs, rt: Runtime): Promise<GeodesicCommandResult> {
  const f = args.flags;
  const dataSpec = requireFlag<string>(f, "data", `the points to build the graph on: ${DATA_HELP}`);
  const outFlag = requireFlag<string>(f, "out", "the output directory");
  const single = f.from !== undefined || f.to !== undefined;
  if (single && (f.from === undefined || f.to === undefined)) throw new UsageError(f.from === undefined ? "--from" : "--to", "--from and --to go together");
  if (single && f.pairs !== undefined) throw new UsageError("--pairs", "give either --pairs or --from/--to, not both");
  const nodes = (f.nodes as number | undefined) ?? 2000;
  const k = (f.k as number | undefined) ?? 20;
  if (single) {
    for (const name of ["from", "to"]) if ((f[name] as number) >= nodes) throw new UsageError(`--${name}`, `expected a point index below --nodes (${nodes}), got ${f[name] as number}`);
    if (f.from === f.to) throw new UsageError("--to", "must differ from --from");
  }
  const { dir: out, created } = await prepareOutDir(outFlag);
  const { model, data } = await openModelAndData(args.positionals[0]!, dataSpec, { split: (f.split as "train" | "test" | undefined) ?? "test", limit: nodes }, created);
  try {
    if (!model.atlas.encode) throw new UsageError("MODEL", `${model.manifest.kind} on vectors has no encoder, and graph geodesics need one (train an awae-gan, wae-gan or atlas-vae)`);
    if (k >= data.n) throw new UsageError("--k", `must be below the number of points (${data.n}), got ${k}`);
    const seed = (f.seed as number | undefined) ?? 0;
    const pairs = single ? [[f.from as number, f.to as number] as const] : randomPairs(data.n, (f.pairs as number | undefined) ?? 100, seed);
    const buildBar = rt.workProgress("graph");
    const pairBar = rt.workProgress("geodesics");
    const input: Dataset | tf.Tensor = data.kind === "images" ? data.dataset : tf.tensor2d(data.data, [data.n, data.dim]);
    rt.log(`building the geodesic graph of ${model.manifest.kind} (${model.atlas.charts} chart${model.atlas.charts > 1 ? "s" : ""}) on ${data.n} points of ${data.source}, k = ${k}, steps = ${(f.steps as number | undefined) ?? 15}`);
    const analysis = await geodesicAnalysis(model.atlas, input, {
      k,
      steps: (f.steps as number | undefined) ?? 15,
      frames: (f.frames as number | undefined) ?? 10,
      pairs,
      strips: (f.strips as number | undefined) ?? 5,
      seed,
      onProgress: (p) => buildBar(p.done, p.total, p.phase),
      onPair: (done, total) => pairBar(done, total),
      signal: rt.signal,
    });
    if (input instanceof tf.Tensor) input.dispose();
    rt.checkInterrupted("while finding geodesics (nothing was written)");
    await fs.mkdir(join(out, "strips"), { recursive: true });
    const stripFiles: string[] = [];
    for (const s of analysis.strips) {
      const file = join(out, "strips", `pair-${s.from}-${s.to}.png`);
      await writeFileAtomic(file, s.canvas.png());
      stripFiles.push(file);
    }
    await analysis.graph.save(join(out, "graph"));
    const summary = lengthSummary(analysis.pairs);
    let exportDir: string | null = null;
    if (f.export === true) {
      exportDir = join(out, "explorer");
      await writeExplorerBundle(exportDir, model, analysis, data);
    }
    const doc = {
      format: "atlas-geodesic",
      version: 1,
      model: { dir: model.dir, kind: model.manifest.kind, charts: model.atlas.charts, latentDim: model.atlas.latentDim },
      data: { spec: dataSpec, source: data.source, nodes: data.n },
      settings: { k, steps: (f.steps as number | undefined) ?? 15, frames: (f.frames as number | undefined) ?? 10, seed },
      buildSeconds: analysis.buildSeconds,
      stats: analysis.stats,
      summary,
      pairs: analysis.pairs,
      strips: stripFiles.map((s) => s.slice(out.length + 1)),
    };
    await writeJsonAtomic(join(out, "geodesic.json"), doc);
    rt.log(`graph: ${analysis.stats.nodes} nodes, ${analysis.stats.edges} edges (${analysis.stats.chartCrossingEdges} across charts), built in ${analysis.buildSeconds.toFixed(1)} s`);
    rt.log(`${summary.connected} geodesics: mean length ${summary.meanLength.toFixed(3)} vs linear ${summary.meanLinearLength.toFixed(3)}; ${summary.withChartChange} change chart${summary.disconnected ? `; ${summary.disconnected} pairs not connected` : ""}`);
    rt.log(`wrote ${join(out, "geodesic.json")}, ${stripFiles.length} strips, the graph${exportDir ? " and the explorer bundle" : ""}`);
    analysis.graph.releaseNgraph();
    return { out, nodes: data.n, stats: analysis.stats, buildSeconds: analysis.buildSeconds, summary, pairs: analysis.pairs, strips: stripFiles, export: exportDir };
  } finally {
    model.dispose();
  }
}
