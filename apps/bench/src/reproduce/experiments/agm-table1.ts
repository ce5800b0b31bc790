/**
 * AGM paper, Table 1 (MNIST / FashionMNIST): trainable parameters, test reconstruction error and
 * the geodesic graph's nodes, edges and diameter for the WAE-GAN and the AWAE-GAN with m = 2, 4,
 * 8, 16 charts, under the paper's objective (chartBalance 0) and the package default.
 */
import { PAPER_WIDTHS, createAwaeGan, paperAwaeGanOptions } from "@atlas/agm";
import type { Experiment, ReportRow } from "../types.js";
import { TABLE_1, agmSizes, evaluation, modelKey, objectiveText, scaleText, widthOf, type AgmDataset, type ModelSpec, type Objective } from "./agm-common.js";

const DATASET_NAME: Record<AgmDataset, string> = { mnist: "MNIST", fashion: "FashionMNIST" };

export const agmTable1: Experiment = {
  id: "agm-table1",
  title: "Table 1: parameters, reconstruction error, graph nodes / edges / diameter",
  paper: "AGM",
  description:
    "Table 1 of the AGM paper: for the WAE-GAN (m = 1, latent R^8) and the AWAE-GAN with m = 2, 4, 8, 16 charts (R^7 × {1..m}), trained 80 epochs on MNIST and FashionMNIST at widths h = 128, 86, 64, 48, 34: the trainable parameters of encoders and decoders, the mean reconstruction error on the 10 000 test images (per-pixel MSE, argmax chart) and the nodes, edges and diameter (hops) of the geodesic graph of 2 000 encoded points (k = 20 neighbours, 15 curve steps; we use the first 2 000 test images, ψ threshold ε = 0.5/m). Each AWAE-GAN is trained twice: with the paper's eq. (6) literally (chartBalance 0) and with the package's default chart-balance term. Parameter counts are those of the paper-width models in both encoder layouts (the paper preset's PyTorch padding without encoder biases, and TensorFlow 'same' padding with biases). At cpu scale the networks are the paper's at 1/8 width, trained on 10 000 images for 2 epochs (200 steps instead of 48 000), so the errors are not comparable with the paper's, only the trends across m; the graph statistics depend less on training. The last rows compare the shared decoder tail's batch norm pooled over the charts (default) with per-chart statistics on MNIST, m = 8.",
  estimate: { cpu: "≈ 6 h (measured 6.1 h of one core: 19 trainings 2.2 h, 19 evaluations with their graphs 4.0 h)", paper: "GPU: ≈ 80 epochs × 18 models (a few hours each on one GPU)", quick: "≈ 1.5 min" },
  cpuSeconds: 22_000,
  owns: ["agm-table1/", "agm/train-", "agm/eval-"],
  parallel: true,
  async run(ctx) {
    const s = agmSizes(ctx);
    const rows: ReportRow[] = [];
    // 1) parameter counts at the paper's widths, both layouts
    for (const m of s.countParameters) {
      const t0 = performance.now();
      const counts = (["paper", "same"] as const).map((layout) => {
        const model = createAwaeGan(paperAwaeGanOptions(m as 1 | 2 | 4 | 8 | 16, layout === "paper" ? {} : { padding: "same", encoderBias: true }));
        try {
          return model.countParameters().encodersAndDecoders;
        } finally {
          model.dispose();
        }
      });
      const seconds = (performance.now() - t0) / 1000;
      const common = { scale: `h = ${PAPER_WIDTHS[m]} (paper width), untrained`, seeds: "—", seconds, backend: ctx.backend };
      const diff = (v: number): string => `${v - TABLE_1[m]!.params >= 0 ? "+" : ""}${(((v - TABLE_1[m]!.params) / TABLE_1[m]!.params) * 100).toFixed(3)}%`;
      rows.push(
        { quantity: `Trainable parameters, m = ${m}, paper layout (PyTorch padding, no encoder biases)`, paper: TABLE_1[m]!.params, ours: counts[0]!, ...common, note: diff(counts[0]!) },
        { quantity: `Trainable parameters, m = ${m}, TensorFlow 'same' padding with biases`, paper: TABLE_1[m]!.params, ours: counts[1]!, ...common, note: diff(counts[1]!) },
      );
    }
    // 2) trained models: reconstruction error and graph statistics; 3) the shared tail's batch
    // statistics, pooled (default) vs per chart, MNIST, the largest m run ≤ 8. Every model is trained
    // and evaluated first (`--jobs` runners take them from different starting points), then the rows
    // are written in report order.
    const objectives: Objective[] = ["eq6", "balanced"];
    const mTail = Math.max(...s.charts.filter((m) => m > 1 && m <= 8));
    const tailSpecs = (["pooled", "per-chart"] as const).map((tail) => ({ dataset: s.datasets[0]!, charts: mTail, objective: "balanced" as const, tail }));
    const tableSpecs: ModelSpec[] = s.datasets.flatMap((dataset) =>
      s.charts.flatMap((m) => (m === 1 ? (["eq6"] as Objective[]) : objectives).map((objective) => ({ dataset, charts: m, objective, tail: "pooled" as const }))),
    );
    const evaluations = new Map<string, Awaited<ReturnType<typeof evaluation>>>();
    const specs = [...tableSpecs, ...tailSpecs.filter((t) => !tableSpecs.some((x) => modelKey(x) === modelKey(t)))];
    await ctx.units(specs, async (spec) => void evaluations.set(modelKey(spec), await evaluation(ctx, s, spec)));
    for (const dataset of s.datasets) {
      const col = dataset === "mnist" ? 0 : 1;
      for (const m of s.charts) {
        for (const objective of m === 1 ? (["eq6"] as Objective[]) : objectives) {
          const spec = { dataset, charts: m, objective, tail: "pooled" as const };
          const ev = evaluations.get(modelKey(spec))!;
          const v = ev.value;
          const who = m === 1 ? `WAE-GAN (m = 1)` : `AWAE-GAN m = ${m}, ${objectiveText(objective)}`;
          const tag = `${DATASET_NAME[dataset]}, ${who}`;
          const scale = `${scaleText(s, dataset, m)}; ${ev.parameters.toLocaleString("en-US")} parameters`;
          const base = { scale, seeds: String(s.seed), backend: ctx.backend };
          const paper = TABLE_1[m];
          rows.push(
            { quantity: `Reconstruction error (${s.testImages.toLocaleString("en-US")} test images) — ${tag}`, paper: paper?.recon[col] ?? null, ours: v.recon, ...base, seconds: ev.trainSeconds + ev.seconds, note: m > 1 ? `chart counts ${v.chartCounts.join("/")}` : undefined },
            { quantity: `Graph nodes (${s.graphPoints} points) — ${tag}`, paper: paper?.nodes[col] ?? null, ours: v.nodes, scale: `${scale}; k = ${s.k}, ${s.steps} steps`, seeds: base.seeds, backend: base.backend, seconds: v.graphSeconds },
            { quantity: `Graph edges — ${tag}`, paper: paper ? `${(paper.edges[col] / 1000).toFixed(1)}k` : null, ours: `${(v.edges / 1000).toFixed(1)}k`, scale: `k = ${s.k}`, seeds: base.seeds, backend: base.backend, seconds: v.graphSeconds, note: m > 1 ? `${v.crossingEdges} chart-crossing` : undefined },
            { quantity: `Graph diameter (hops) — ${tag}`, paper: paper?.diameter[col] ?? null, ours: v.diameter, scale: `k = ${s.k}`, seeds: base.seeds, backend: base.backend, seconds: v.graphSeconds, note: `${v.components} component(s)${v.diameterExact ? "" : ", lower bound"}` },
          );
        }
      }
    }
    const dataset = s.datasets[0]!;
    for (const spec of tailSpecs) {
      const tail = spec.tail;
      const ev = evaluations.get(modelKey(spec))!;
      rows.push({
        quantity: `Reconstruction error, ${DATASET_NAME[dataset]}, AWAE-GAN m = ${mTail}, default objective — decoder tail BN ${tail === "pooled" ? "pooled over the charts (default)" : "per chart"}`,
        paper: tail === "pooled" ? TABLE_1[mTail]?.recon[0] ?? null : "not stated",
        ours: ev.value.recon,
        scale: `${scaleText(s, dataset, mTail)} (${modelKey(spec)})`,
        seeds: String(s.seed),
        seconds: ev.trainSeconds + ev.seconds,
        backend: ctx.backend,
        note: `chart counts ${ev.value.chartCounts.join("/")}; mean max ψ ${ev.value.confidenceMean}`,
      });
    }
    return {
      rows,
      figures: [],
      settings: { ...s, widthsUsed: Object.fromEntries(s.charts.map((m) => [m, widthOf(s, m)])) },
      notes: [
        "Edges are undirected and deduplicated (a pair of mutual neighbours is one edge); chart-crossing edges are included. The paper does not give its ψ threshold ε; we use the package default 0.5/m.",
        "Timings were taken on a 2-core machine shared with other jobs.",
      ],
    };
  },
};
