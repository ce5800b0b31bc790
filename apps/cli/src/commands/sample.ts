// `atlas sample MODEL --n N --out FILE.png|.csv|.npy [--chart k]`
import { extname } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend, saveImageGrid } from "@atlas/core";
import { writeFileAtomic } from "../files.js";
import { UsageError, requireFlag, type CommandSpec, type ParsedArgs } from "../args.js";
import { encodeNpy } from "../data/npy.js";
import { formatCsv } from "../data/csv.js";
import { loadModelDir } from "../model-dir.js";
import { prepareOutFile, removeCreated } from "../out-dir.js";
import type { Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";

/** Most samples one call draws (a 28×28 grid of 10 000 is ~31 MB of PNG pixels). */
export const MAX_SAMPLES = 100_000;

export const sampleSpec: CommandSpec = {
  name: "sample",
  summary: "Draw samples from a trained model: a PNG grid for image models, CSV or .npy rows for vector models.",
  positionals: [{ name: "MODEL", help: "model directory written by 'atlas train'" }],
  flags: {
    n: { type: "int", min: 1, max: MAX_SAMPLES, value: "N", default: "64", help: "number of samples" },
    out: { type: "string", value: "FILE", help: "FILE.png (images), FILE.csv or FILE.npy (any model)" },
    chart: { type: "int", min: 0, max: 1023, value: "K", help: "sample chart K only (0-based); default: every chart, one row each" },
    seed: { type: "int", min: 0, max: 2 ** 31 - 1, value: "N", default: "0", help: "seed of the latent draws" },
    columns: { type: "int", min: 1, max: 1000, value: "C", help: "images per row of the PNG (default: samples per chart, or √n)" },
    scale: { type: "int", min: 1, max: 16, value: "S", default: "2", help: "PNG pixel scale" },
    ...COMMON_FLAGS,
  },
};

export interface SampleResult {
  out: string;
  n: number;
  format: "png" | "csv" | "npy";
  chart: number | null;
  shape: number[];
}

/** Run `atlas sample`. */
export async function runSample(args: ParsedArgs, rt: Runtime): Promise<SampleResult> {
  const f = args.flags;
  const n = (f.n as number | undefined) ?? 64;
  const outFlag = requireFlag<string>(f, "out", "the file to write: .png, .csv or .npy");
  const ext = extname(outFlag).toLowerCase();
  if (ext !== ".png" && ext !== ".csv" && ext !== ".npy") throw new UsageError("--out", `expected a file name ending in .png, .csv or .npy, got ${JSON.stringify(outFlag)}`);
  const chart = f.chart as number | undefined;
  const seed = (f.seed as number | undefined) ?? 0;
  const { file, created } = await prepareOutFile(outFlag);
  await initBackend();
  let model;
  try {
    model = await loadModelDir(args.positionals[0]!);
  } catch (error) {
    await removeCreated(created);
    throw error;
  }
  try {
    const shape = model.manifest.dataShape;
    if (ext === ".png" && model.manifest.dataKind !== "images") throw new UsageError("--out", `this model makes vectors of shape [${shape.join(", ")}]; write them as .csv or .npy`);
    if (chart !== undefined && chart >= model.atlas.charts) throw new UsageError("--chart", `expected a chart in [0, ${model.atlas.charts - 1}] (the model has ${model.atlas.charts}), got ${chart}`);
    const samples = await model.sample(n, seed, chart);
    // atlas models sample every chart in turn (one PNG row each); a VQ-Flow draws charts from its mixture
    const rowPerChart = chart === undefined && model.atlas.charts > 1 && model.manifest.kind !== "vqflow";
    try {
      if (ext === ".png") {
        const perRow = rowPerChart ? Math.ceil(n / model.atlas.charts) : Math.ceil(Math.sqrt(n));
        await saveImageGrid(file, samples as tf.Tensor4D, { columns: (f.columns as number | undefined) ?? perRow, scale: (f.scale as number | undefined) ?? 2 });
      } else {
        const values = (await samples.data()) as Float32Array;
        const dim = values.length / n;
        if (ext === ".csv") await writeFileAtomic(file, formatCsv(values, n, dim));
        else await writeFileAtomic(file, encodeNpy(values, [n, ...shape]));
      }
    } finally {
      samples.dispose();
    }
    rt.log(`wrote ${n} samples of ${model.manifest.kind}${chart !== undefined ? ` (chart ${chart})` : rowPerChart ? ` (rows: charts 0–${model.atlas.charts - 1})` : ""} to ${file}`);
    return { out: file, n, format: ext.slice(1) as SampleResult["format"], chart: chart ?? null, shape: [n, ...shape] };
  } finally {
    model.dispose();
  }
}
