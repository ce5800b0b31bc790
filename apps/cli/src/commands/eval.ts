// `atlas eval MODEL --data SRC [--metrics fid,kid,pr,is] [--extractor NAME|DIR]`
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batchImages } from "@atlas/core";
import { reconstructionError } from "@atlas/agm";
import { UsageError, requireFlag, type CommandSpec, type ParsedArgs } from "../args.js";
import { DATA_HELP } from "../data/index.js";
import { writeJsonAtomic } from "../files.js";
import { METRICS, evaluateSamples, realFeatures, resolveExtractor, type MetricName, type SampleMetrics } from "../lib/metrics.js";
import { openModelAndData } from "./open.js";
import { prepareOutFile } from "../out-dir.js";
import type { Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";

export const evalSpec: CommandSpec = {
  name: "eval",
  summary: "Sample a trained model and compare the samples with real data: FID, KID, precision/recall, Inception Score (with a built-in extractor), plus the test reconstruction error of atlas models and the bits/dim (images) or NLL (vectors) of VQ-Flows.",
  positionals: [{ name: "MODEL", help: "model directory written by 'atlas train'" }],
  flags: {
    data: { type: "string", value: "SRC", help: `real data: ${DATA_HELP}` },
    split: { type: "string", value: "SPLIT", choices: ["train", "test"], default: "test", help: "split of a named data set" },
    n: { type: "int", min: 10, max: 100_000, value: "N", default: "2000", help: "real images and samples compared" },
    metrics: { type: "list", choices: METRICS, value: "LIST", default: "fid,kid,pr,is", help: "which metrics" },
    extractor: { type: "string", value: "NAME|DIR", help: "mnist, fashion-mnist, raw (vectors as they are) or a tfjs model folder (default: by --data; raw for vectors)" },
    seed: { type: "int", min: 0, max: 2 ** 31 - 1, value: "N", default: "0", help: "seed of the samples and of KID's subsets" },
    out: { type: "string", value: "FILE", help: "where to write the JSON (default MODEL/eval.json)" },
    ...COMMON_FLAGS,
  },
  notes: ["Numbers are comparable only with the same extractor; it is recorded with them."],
};

export interface EvalResult extends SampleMetrics {
  model: string;
  kind: string;
  data: string;
  reconstructionMse?: number;
  /** VQ-Flows on images: mean bits/dim of the real images (dequantised); on vectors: their mean −log p in nats. */
  bitsPerDim?: number;
  nll?: number;
  out: string;
}

/** Run `atlas eval`. */
export async function runEval(args: ParsedArgs, rt: Runtime): Promise<EvalResult> {
  const f = args.flags;
  const dataSpec = requireFlag<string>(f, "data", `the real data to compare with: ${DATA_HELP}`);
  const n = (f.n as number | undefined) ?? 2000;
  const metrics = ((f.metrics as string[] | undefined) ?? ["fid", "kid", "pr", "is"]) as MetricName[];
  const seed = (f.seed as number | undefined) ?? 0;
  const { file: out, created } = await prepareOutFile((f.out as string | undefined) ?? join(args.positionals[0]!, "eval.json"));
  const { model, data } = await openModelAndData(args.positionals[0]!, dataSpec, { split: (f.split as "train" | "test" | undefined) ?? "test", limit: n }, created);
  try {
    const extractorSpec = (f.extractor as string | undefined) ?? (data.kind === "vectors" ? "raw" : dataSpec === "mnist" || dataSpec === "fashion-mnist" ? dataSpec : undefined);
    if (extractorSpec === undefined) throw new UsageError("--extractor", `required for ${dataSpec}: mnist, fashion-mnist, raw or a tfjs model folder`);
    if (data.kind === "vectors" && extractorSpec !== "raw") throw new UsageError("--extractor", "vector data can only be compared as they are (raw)");
    const ext = await resolveExtractor(extractorSpec, (l) => rt.log(l));
    const real = data.kind === "images" ? batchImages(data.dataset, Int32Array.from({ length: data.n }, (_, i) => i)) : tf.tensor2d(data.data, [data.n, data.dim]);
    let fake: tf.Tensor | undefined;
    try {
      fake = await model.sample(data.n, seed);
      rt.log(`comparing ${data.n} samples of ${model.manifest.kind} with ${data.n} images of ${data.source} (extractor ${ext === "raw" ? "raw" : ext.id})`);
      const rf = await realFeatures(ext, real);
      const m = await evaluateSamples(ext, rf, fake, metrics, seed);
      let reconstructionMse: number | undefined;
      // a VQ-Flow has exact densities (its charts are invertible: a reconstruction error says nothing)
      let density: { bitsPerDim?: number; nll?: number } = {};
      if (model.vqflow) density = data.kind === "images" ? { bitsPerDim: mean(await model.vqflow.bitsPerDim(real, { seed })) } : { nll: -mean(await model.vqflow.logProb(real)) };
      else if (model.atlas.encode && data.kind === "images") reconstructionMse = (await reconstructionError(model.atlas, real)).mse;
      const result: EvalResult = { model: model.dir, kind: model.manifest.kind, data: data.source, ...m, ...(reconstructionMse !== undefined ? { reconstructionMse } : {}), ...density, out };
      await writeJsonAtomic(out, { format: "atlas-eval", version: 1, ...result });
      rt.log(formatMetrics(m) + (reconstructionMse !== undefined ? `, reconstruction MSE ${reconstructionMse.toFixed(4)}` : "") + (density.bitsPerDim !== undefined ? `, ${density.bitsPerDim.toFixed(3)} bits/dim` : "") + (density.nll !== undefined ? `, NLL ${density.nll.toFixed(3)} nats` : ""));
      rt.log(`wrote ${out}`);
      return result;
    } finally {
      real.dispose();
      fake?.dispose();
      if (ext !== "raw") ext.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** `FID 12.3, KID 0.0123 ± 0.0011, precision 0.81, recall 0.62, IS 8.1 ± 0.2` */
export function formatMetrics(m: SampleMetrics): string {
  const parts: string[] = [];
  if (m.fid !== undefined) parts.push(`FID ${m.fid.toFixed(2)}`);
  if (m.kid) parts.push(`KID ${m.kid.mean.toFixed(4)} ± ${m.kid.std.toFixed(4)}`);
  if (m.precision !== undefined) parts.push(`precision ${m.precision.toFixed(3)}, recall ${m.recall!.toFixed(3)}`);
  if (m.inceptionScore) parts.push(`IS ${m.inceptionScore.mean.toFixed(2)} ± ${m.inceptionScore.std.toFixed(2)}`);
  return parts.join(", ");
}

function mean(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}
