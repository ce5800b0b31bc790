/**
 * AGM paper, Figure 2 (AWAE-GAN with 8 charts): (a) 12 random samples from each chart, (b) the
 * histogram of the chart assignment confidence max_y ψ_y(x) on the 10 000 test images.
 */
import { join } from "node:path";
import { saveChartSampleGrid } from "@atlas/agm";
import { countsPlot, SERIES } from "../plot.js";
import type { Experiment, FigureRef, ReportRow } from "../types.js";
import { agmSizes, evaluation, objectiveText, scaleText, trainedModel, type Objective } from "./agm-common.js";
import { median, saveFigure } from "./common.js";
import { mkdir } from "node:fs/promises";

export const agmFig2: Experiment = {
  id: "agm-fig2",
  title: "Fig. 2: per-chart samples and chart-assignment confidence, m = 8",
  paper: "AGM",
  description:
    "Fig. 2 of the AGM paper, for the AWAE-GAN with 8 charts on MNIST and FashionMNIST: (a) 12 random samples G_y(z), z ~ N(0, I), from each chart — the paper observes that each digit/item typically appears in only 2–3 charts; (b) the histogram of max_y ψ_y(x) on the 10 000 test images, close to 1 for most points. We report the mean confidence, the fractions above 0.9 and 0.99, and per class the number of charts that receive at least 10% of the class's test points (argmax ψ), for the models of agm-table1 (both objectives; trained there once and shared).",
  estimate: { cpu: "≈ 2 min after agm-table1 (else ≈ 2 h: it trains its 4 models)", paper: "GPU (models shared with agm-table1)", quick: "≈ 30 s" },
  cpuSeconds: 120,
  async run(ctx) {
    const s = agmSizes(ctx);
    const m = s.charts.includes(8) ? 8 : Math.max(...s.charts);
    const rows: ReportRow[] = [];
    const figures: FigureRef[] = [];
    await mkdir(ctx.dir, { recursive: true });
    for (const objective of ["balanced", "eq6"] as Objective[]) {
      const histograms = [];
      for (const [i, dataset] of s.datasets.entries()) {
        const spec = { dataset, charts: m, objective, tail: "pooled" as const };
        const ev = await evaluation(ctx, s, spec);
        const v = ev.value;
        const name = `${dataset === "mnist" ? "MNIST" : "FashionMNIST"}, m = ${m}, ${objectiveText(objective)}`;
        const base = { scale: scaleText(s, dataset, m), seeds: `${s.seed} (model), 0 (samples)`, seconds: ev.trainSeconds + ev.seconds, backend: ctx.backend };
        rows.push(
          { quantity: `Mean chart confidence max_y ψ_y(x) — ${name}`, paper: "close to 1 for most points (Fig. 2b)", ours: v.confidenceMean, ...base },
          { quantity: `Fraction with confidence ≥ 0.9 / ≥ 0.99 — ${name}`, paper: null, ours: `${v.confidenceAbove["0.9"]} / ${v.confidenceAbove["0.99"]}`, ...base },
          { quantity: `Charts holding ≥ 10% of a class (median over the 10 classes) — ${name}`, paper: "2–3 (Fig. 2a)", ours: median(v.chartsPerClass), ...base, note: `per class ${v.chartsPerClass.join(", ")}; test points per chart ${v.chartCounts.join("/")}` },
        );
        histograms.push({ counts: v.confidenceHistogram, color: SERIES[i]!, label: dataset === "mnist" ? "MNIST" : "FASHION" });
        const { model } = await trainedModel(ctx, s, spec);
        try {
          const file = `samples-${dataset}-${objective}.png`;
          await saveChartSampleGrid(join(ctx.dir, file), model, { perChart: 12, seed: 0, scale: 2 });
          figures.push({ file, caption: `Fig. 2a, ${name}: each row is one chart, 12 samples G_y(z), z ~ N(0, I).` });
        } finally {
          model.dispose();
        }
      }
      figures.push(
        await saveFigure(
          ctx,
          `confidence-${objective}.png`,
          countsPlot(histograms, [1 / m, 1]),
          `Fig. 2b, ${objectiveText(objective)}: histogram of max_y ψ_y(x) over the ${s.testImages.toLocaleString("en-US")} test images, from 1/m to 1 (MNIST blue, FashionMNIST orange).`,
        ),
      );
    }
    return { rows, figures, settings: { ...s, m } };
  },
};
