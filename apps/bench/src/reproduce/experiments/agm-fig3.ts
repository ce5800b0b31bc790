/**
 * AGM paper, Figure 3: lengths of 100 graph geodesics between random test points, WAE-GAN vs
 * AWAE-GAN with 8 charts (a), and geodesic interpolations with the chart of each step (b).
 */
import * as tf from "@tensorflow/tfjs";
import { decodeResampled, loadGeodesicGraph, type GeodesicPath } from "@atlas/geodesic";
import { histogramPlot, labelledStrips, SERIES } from "../plot.js";
import type { Experiment, FigureRef, ReportRow } from "../types.js";
import { agmSizes, evaluation, images, objectiveText, scaleText, trainedModel, type AgmDataset, type ModelSpec, type Objective } from "./agm-common.js";
import { mean, median, round, saveFigure, take } from "./common.js";

const FRAMES = 10;
const STRIPS = 3;

interface PathSummary {
  lengths: (number | null)[];
  chartChanges: number;
  /** For the first pairs: the frames' charts (1-based, "a/b" on a crossing edge) and images. */
  strips: { labels: string[]; images: number[][] }[];
}

async function geodesics(spec: ModelSpec, ctxArgs: Parameters<Experiment["run"]>[0], s: ReturnType<typeof agmSizes>): Promise<{ value: PathSummary; seconds: number; trainSeconds: number }> {
  const ev = await evaluation(ctxArgs, s, spec);
  const { model } = await trainedModel(ctxArgs, s, spec);
  try {
    const part = await ctxArgs.part(`agm/geodesics-${spec.dataset}-m${spec.charts}-${spec.objective}`, { graph: ev.value.graphDir, pairs: s.pairs, first: s.graphPoints, frames: FRAMES }, async () => {
      const graph = await loadGeodesicGraph(ev.value.graphDir, model);
      const ends = await images(spec.dataset, "test", s.graphPoints, 2 * s.pairs);
      const lengths: (number | null)[] = [];
      const strips: PathSummary["strips"] = [];
      let chartChanges = 0;
      const tick = ctxArgs.counter(`${spec.dataset} m=${spec.charts} ${spec.objective}: geodesics`, 60);
      try {
        for (let i = 0; i < s.pairs; i++) {
          const a = ends.slice([2 * i, 0, 0, 0], [1, -1, -1, -1]);
          const b = ends.slice([2 * i + 1, 0, 0, 0], [1, -1, -1, -1]);
          let path: GeodesicPath | null = null;
          try {
            path = await graph.shortestPath(a, b);
          } catch (error) {
            ctxArgs.log(`pair ${i}: ${(error as Error).message}`);
          } finally {
            tf.dispose([a, b]);
          }
          lengths.push(path ? round(path.length, 6) : null);
          if (path && path.chartSequence.length > 1) chartChanges++;
          if (path && strips.length < STRIPS) {
            const frames = path.resample(FRAMES);
            const pixels = await take(await decodeResampled(model, frames));
            const size = pixels.length / FRAMES;
            strips.push({
              labels: frames.map((f) => (f.crossing ? `${f.crossing[0] + 1}/${f.crossing[1] + 1}` : String(f.chart + 1))),
              images: Array.from({ length: FRAMES }, (_, k) => Array.from(pixels.subarray(k * size, (k + 1) * size), (v) => round(v, 3))),
            });
          }
          tick(i + 1, s.pairs);
        }
      } finally {
        ends.dispose();
      }
      return { lengths, chartChanges, strips };
    });
    return { value: part.value, seconds: part.seconds, trainSeconds: ev.trainSeconds + ev.seconds };
  } finally {
    model.dispose();
  }
}

export const agmFig3: Experiment = {
  id: "agm-fig3",
  title: "Fig. 3: geodesic lengths (WAE-GAN vs AWAE-GAN m = 8) and interpolations",
  paper: "AGM",
  description:
    "Fig. 3 of the AGM paper: for 100 random pairs of test points, the length of the graph geodesic (decoded curve length, eq. 10) in the WAE-GAN and in the AWAE-GAN with 8 charts; the paper finds the AWAE-GAN's paths tend to be somewhat longer (chart overlaps act as bottlenecks) and the interpolations of comparable quality, crossing charts along the way. Graphs are agm-table1's (2 000 test images, k = 20, 15 steps); the 100 pairs are the next 200 test images, added to the graph as data samples (encoded, joined to their 20 nearest nodes in each chart where ψ > ε) and searched with the package's admissible A*; the strips are resampled at 10 points equidistant in decoded length, labelled with the chart (1-based; 'a/b' on a chart-crossing edge).",
  estimate: { cpu: "≈ 15 min after agm-table1", paper: "GPU (models and graphs shared with agm-table1)", quick: "≈ 30 s" },
  cpuSeconds: 900,
  owns: ["agm-fig3/", "agm/geodesics-"],
  async run(ctx) {
    const s = agmSizes(ctx);
    const m = s.charts.includes(8) ? 8 : Math.max(...s.charts);
    const rows: ReportRow[] = [];
    const figures: FigureRef[] = [];
    for (const dataset of s.datasets as AgmDataset[]) {
      const dname = dataset === "mnist" ? "MNIST" : "FashionMNIST";
      const wae = await geodesics({ dataset, charts: 1, objective: "eq6", tail: "pooled" }, ctx, s);
      const waeLengths = wae.value.lengths.filter((v): v is number => v !== null);
      const waeMean = mean(waeLengths);
      const base = { seeds: String(s.seed), backend: ctx.backend };
      rows.push({ quantity: `Mean / median geodesic length, ${dname}, WAE-GAN`, paper: null, ours: `${round(waeMean, 4)} / ${round(median(waeLengths), 4)}`, scale: scaleText(s, dataset, 1), ...base, seconds: wae.seconds, note: `${waeLengths.length} of ${s.pairs} pairs connected` });
      const hist = [{ values: waeLengths, color: SERIES[0]!, label: "WAE" }];
      const stripRows: { images: number[][]; labels?: string[]; title?: string }[] = [];
      for (const objective of ["balanced", "eq6"] as Objective[]) {
        const awae = await geodesics({ dataset, charts: m, objective, tail: "pooled" }, ctx, s);
        const lengths = awae.value.lengths.filter((v): v is number => v !== null);
        const who = `${dname}, AWAE-GAN m = ${m}, ${objectiveText(objective)}`;
        const scale = scaleText(s, dataset, m);
        rows.push(
          { quantity: `Mean / median geodesic length — ${who}`, paper: null, ours: `${round(mean(lengths), 4)} / ${round(median(lengths), 4)}`, scale, ...base, seconds: awae.seconds, note: `${lengths.length} of ${s.pairs} pairs connected` },
          { quantity: `Mean geodesic length AWAE-GAN / WAE-GAN — ${who}`, paper: "> 1 (\"tend to be longer\", Fig. 3a)", ours: round(mean(lengths) / waeMean, 4), scale, ...base, seconds: awae.seconds + wae.seconds },
          { quantity: `Paths that change chart — ${who}`, paper: "some (Fig. 3b)", ours: `${awae.value.chartChanges} of ${lengths.length}`, scale, ...base, seconds: awae.seconds },
        );
        if (objective === "balanced") {
          hist.push({ values: lengths, color: SERIES[1]!, label: `AWAE M=${m}` });
          awae.value.strips.forEach((strip, i) => {
            const w = wae.value.strips[i];
            if (w) stripRows.push({ images: w.images, labels: w.labels.map(() => ""), title: "WAE" });
            stripRows.push({ images: strip.images, labels: strip.labels, title: "AWAE" });
          });
        }
      }
      figures.push(await saveFigure(ctx, `lengths-${dataset}.png`, histogramPlot(hist, { bins: 20 }), `Fig. 3a, ${dname}: geodesic lengths of ${s.pairs} test pairs, WAE-GAN (blue) and AWAE-GAN m = ${m}, default objective (orange).`));
      figures.push(
        await saveFigure(
          ctx,
          `interpolations-${dataset}.png`,
          labelledStrips(stripRows, 28, 28, { scale: 2, titleWidth: 40 }),
          `Fig. 3b, ${dname}: geodesic interpolations between the same test pairs in the WAE-GAN (rows "WAE") and the AWAE-GAN m = ${m}, default objective (rows "AWAE"), ${FRAMES} points equidistant in decoded length; under each AWAE step its chart (1-based; "a/b" on an edge between charts).`,
        ),
      );
    }
    return { rows, figures, settings: { ...s, m, frames: FRAMES } };
  },
};
