// Node-only: the demo's HTML report, built from demo.json and the PNGs beside it (so
// `atlas report DIR` rebuilds it from a finished or interrupted run).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { FileNotFoundError } from "@atlas/core";
import type { Block, Report, Section } from "../report/html.js";
import { barChartSvg, histogramSvg, lineChartSvg } from "../report/svg.js";
import { DEMO_JSON, type DemoRecord } from "./run.js";

export { DEMO_JSON };

const NAMES: Record<string, string> = { "awae-gan": "AWAE-GAN (4 charts)", "wae-gan": "WAE-GAN (1 chart)", vqflow: "VQ-Flow" };

function n4(v: number | null | undefined): string {
  return typeof v === "number" && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "–";
}

/** Moving average (window w) so the step-loss curves of short runs are readable. */
function smooth(values: number[], w: number): number[] {
  return values.map((_, i) => {
    const a = Math.max(0, i - w + 1);
    const slice = values.slice(a, i + 1);
    return slice.reduce((s, v) => s + v, 0) / slice.length;
  });
}

async function image(dir: string, file: string, alt: string, caption: string): Promise<Block> {
  try {
    return { kind: "image", png: await fs.readFile(join(dir, file)), alt, caption };
  } catch {
    return { kind: "text", text: `(${file} is missing)` };
  }
}

/** The summary table printed on the terminal and shown at the top of the report. */
export function summaryRows(r: DemoRecord): { head: string[]; rows: string[][] } {
  const head = ["model", "recon. MSE", "FID", "KID", "precision", "recall", "IS", "geodesic length (mean)", "linear length (mean)"];
  const rows: string[][] = [];
  for (const m of r.metrics?.rows ?? []) {
    const key = Object.keys(NAMES).find((k) => k === m.model);
    const geo = key ? r.geodesics?.models[key]?.summary : undefined;
    rows.push([
      key ? NAMES[key]! : m.model,
      key ? n4(r.models[key]?.reconstructionMse) : "–",
      n4(m.fid),
      m.kid ? `${n4(m.kid.mean)} ± ${n4(m.kid.std)}` : "–",
      n4(m.precision),
      n4(m.recall),
      m.inceptionScore ? `${n4(m.inceptionScore.mean)} ± ${n4(m.inceptionScore.std)}` : "–",
      geo ? n4(geo.meanLength) : "–",
      geo ? n4(geo.meanLinearLength) : "–",
    ]);
  }
  if (rows.length === 0) {
    for (const [key, m] of Object.entries(r.models)) rows.push([NAMES[key] ?? key, n4(m.reconstructionMse), "–", "–", "–", "–", "–", n4(r.geodesics?.models[key]?.summary.meanLength), n4(r.geodesics?.models[key]?.summary.meanLinearLength)]);
  }
  return { head, rows };
}

/** Build the demo report from a demo directory. */
export async function demoReport(dir: string): Promise<Report> {
  let r: DemoRecord;
  try {
    r = JSON.parse(await fs.readFile(join(dir, DEMO_JSON), "utf8")) as DemoRecord;
  } catch (error) {
    throw new FileNotFoundError(join(dir, DEMO_JSON), "cannot be read: is this a directory 'atlas demo' wrote?", { cause: error });
  }
  const c = r.config;
  const sections: Section[] = [];
  const summary = summaryRows(r);
  sections.push({
    id: "summary",
    title: "Summary",
    blocks: [
      {
        kind: "text",
        text: `Two autoencoders trained on ${c.trainImages} MNIST training images (${((c.trainImages / 60000) * 100).toFixed(0)}% of one epoch, batch ${c.batchSize}, Adam ${c.learningRate}) at the CPU widths (the paper's widths / 8), then compared on held-out test images. The numbers are small-budget results, not the paper's (80 epochs at 8× the width on a GPU).`,
      },
      { kind: "table", head: summary.head, rows: summary.rows, caption: r.metrics ? `Metrics: ${r.metrics.rows[0]?.samples[0] ?? c.metricSamples} test images vs as many samples; extractor ${r.metrics.extractor} (not comparable with InceptionV3 FIDs). Geodesic lengths: decoded curve lengths of ${c.pairs} test pairs.` : "Metrics did not run." },
    ],
  });
  for (const key of ["awae-gan", "wae-gan"]) {
    const m = r.models[key];
    if (!m) continue;
    const blocks: Block[] = [
      {
        kind: "text",
        text: `${m.charts} chart${m.charts > 1 ? "s" : ""}, latent dimension ${m.latentDim}, width h = ${m.width}, ${m.parameters.toLocaleString("en")} encoder + decoder parameters; ${m.steps} steps in ${m.trainSeconds.toFixed(0)} s (${m.samplesPerSecond.toFixed(1)} samples/s). Test reconstruction MSE per pixel (${c.evalImages} images, argmax chart): ${m.reconstructionMse.toFixed(4)}.`,
      },
    ];
    const keys = ["reconstruction", "adversarial", "discriminator", ...(m.charts > 1 ? ["chartBalance"] : [])];
    const w = Math.max(1, Math.floor(m.stepLosses.length / 20));
    blocks.push({
      kind: "row",
      blocks: [
        {
          kind: "svg",
          svg: lineChartSvg(
            keys.map((k) => ({ label: k, x: m.stepLosses.map((_, i) => i + 1), y: smooth(m.stepLosses.map((s) => s[k] ?? NaN), w) })),
            { title: `${key} training losses`, xLabel: "step", yLabel: "loss", width: 460 },
          ),
          caption: `Losses per step (moving average over ${w}) of eq. 6: reconstruction, the encoder's adversarial term, the discriminators' loss${m.charts > 1 ? ", the chart-balance KL" : ""}.`,
        },
        await image(dir, m.images.reconstructions, `${key} reconstructions`, "Top row: test images; bottom row: their reconstructions through the most likely chart."),
      ],
    });
    const chartBlocks: Block[] = [await image(dir, m.images.chartSamples, `${key} samples per chart`, m.charts > 1 ? "Fig. 2a: each row holds 12 samples G_y(z), z ~ N(0, I), of one chart y." : "Samples G(z), z ~ N(0, I).")];
    if (m.charts > 1) {
      chartBlocks.push({
        kind: "svg",
        svg: barChartSvg(m.confidence.edges, m.confidence.counts, { title: "chart confidence", xLabel: "max_y ψ_y(x)", width: 420 }),
        caption: `Fig. 2b: chart-assignment confidence max_y ψ_y(x) on ${c.evalImages} test images (mean ${m.confidence.mean.toFixed(3)}); points per chart (argmax): ${m.chartCounts.join(" / ")}.`,
      });
    }
    blocks.push({ kind: "row", blocks: chartBlocks });
    sections.push({ id: key, title: NAMES[key]!, blocks });
  }
  if (r.geodesics) {
    const g = r.geodesics;
    const blocks: Block[] = [
      {
        kind: "text",
        text: `Graphs (AGM paper Algorithm 1) on the first ${c.graphNodes} test images: a node per chart with ψ_y(x) > 1/(2m), k = ${c.k} neighbours per chart, edges weighted by decoded curve length with ${c.steps} sub-segments (the paper: k = 20, 15 sub-segments; smaller here for the CPU budget), chart-crossing edges between a point's nodes. ${c.pairs} random test pairs, the same for both models, connected by optimal A* paths.`,
      },
      {
        kind: "table",
        head: ["model", "nodes", "edges", "across charts", "components", "diameter (hops)", "build (s)", "connected pairs", "mean length", "median", "linear (mean)", "paths changing chart"],
        rows: Object.entries(g.models).map(([key, v]) => [
          NAMES[key] ?? key,
          String(v.stats.nodes),
          String(v.stats.edges),
          String(v.stats.chartCrossingEdges),
          String(v.stats.components),
          String(v.stats.diameter.hops),
          v.buildSeconds.toFixed(0),
          String(v.summary.connected),
          n4(v.summary.meanLength),
          n4(v.summary.medianLength),
          n4(v.summary.meanLinearLength),
          String(v.summary.withChartChange),
        ]),
      },
      {
        kind: "svg",
        svg: histogramSvg(
          Object.entries(g.models).map(([key, v]) => ({ label: NAMES[key] ?? key, values: v.pairs.filter((p) => p.length !== null).map((p) => p.length!) })),
          { title: "geodesic lengths", xLabel: "decoded curve length", width: 620 },
        ),
        caption: `Fig. 3a: lengths of the ${c.pairs} graph geodesics between the same test pairs, AWAE-GAN vs WAE-GAN.`,
      },
      { kind: "text", text: lengthNote(g.models) },
    ];
    for (const s of g.strips) {
      blocks.push(await image(dir, s, s, "Fig. 3b: AWAE-GAN geodesic with the chart of each frame in the band below it ('a/b' on a chart-crossing edge, a chart change outlined), the linear interpolation in the start point's chart, then the WAE-GAN's geodesic and linear interpolation between the same two test images."));
    }
    sections.push({ id: "geodesics", title: "Geodesics", blocks });
  }
  if (r.gtn) {
    sections.push({
      id: "gtn",
      title: "GTN on the autoencoder's latent space",
      blocks: [
        {
          kind: "text",
          text: `A Generative Topological Network (GTN paper): the WAE-GAN's codes of ${r.gtn.codes} training images are its data; Algorithm 1 labelled them in ${r.gtn.labelSeconds.toFixed(2)} s; h (7 × 50, batch norm) trained ${r.gtn.epochs} epochs in ${r.gtn.trainSeconds.toFixed(0)} s (best validation MSE ${n4(r.gtn.validationLoss)}). Samples are G(h(y)), y ~ N(0, I).`,
        },
        { kind: "row", blocks: [await image(dir, r.gtn.images.samples, "GTN samples", "GTN samples decoded by the WAE-GAN."), await image(dir, r.gtn.images.interpolation, "GTN interpolation", "Latent interpolation: each row is h along a straight line between two N(0, I) draws, decoded.")] },
      ],
    });
  }
  if (r.vqflow) {
    const v = r.vqflow;
    sections.push({
      id: "vqflow",
      title: "VQ-Flow",
      blocks: [
        {
          kind: "text",
          text: `A VQ-Flow (VQ-Flows poster, the package's \`mnist\` preset): a VQ autoencoder's ${v.charts} centres are the charts; one ${v.flow === "maf" ? "MAF" : "RealNVP"} of ${v.layers} layers conditioned on the centre is every chart map; the density is the exact mixture of eq. (2). Trained on ${v.trainImages} MNIST training images (${v.autoencoderEpochs} autoencoder epoch${v.autoencoderEpochs > 1 ? "s" : ""}, ${v.epochs} flow epoch${v.epochs > 1 ? "s" : ""}) in ${v.trainSeconds.toFixed(0)} s: ${v.bitsPerDim.toFixed(3)} bits/dim on ${v.testImages} dequantised test images (8 bits/dim is uniform noise). Chart weights p_k: ${v.chartWeights.map((w) => w.toFixed(3)).join(", ")}.`,
        },
        {
          kind: "row",
          blocks: [
            await image(dir, v.images.samples, "VQ-Flow samples", "Samples of the mixture: k ~ p_k, x = g_k(z), z ~ N(0, I)."),
            await image(dir, v.images.chartSamples, "VQ-Flow samples per chart", `Each chart's map g_k on the same six z ~ N(0, I), two charts per row (k = 0 … ${v.charts - 1}).`),
          ],
        },
      ],
    });
  }
  if (r.metrics) {
    sections.push({
      id: "metrics",
      title: "Metrics",
      blocks: [
        {
          kind: "table",
          head: ["samples", "FID", "KID", "precision", "recall", "IS"],
          rows: r.metrics.rows.map((m) => [NAMES[m.model] ?? m.model, n4(m.fid), m.kid ? `${n4(m.kid.mean)} ± ${n4(m.kid.std)}` : "–", n4(m.precision), n4(m.recall), m.inceptionScore ? `${n4(m.inceptionScore.mean)} ± ${n4(m.inceptionScore.std)}` : "–"]),
          caption: `Each row against the first ${r.metrics.rows[0]?.samples[0] ?? "?"} MNIST test images; features from the built-in ${r.metrics.extractor} (a small MNIST classifier's penultimate layer). The reference row (training images) is the floor a perfect generator would reach at this sample size. KID: 100 subsets; precision/recall: k = 3.`,
        },
      ],
    });
  }
  const total = Object.values(r.stages).reduce((a, b) => a + b, 0);
  sections.push({
    id: "run",
    title: "Run",
    blocks: [
      {
        kind: "table",
        head: ["", ""],
        rows: [
          ["mode", r.mode],
          ["backend", `${r.backend.name} (${r.backend.reason})`],
          ["machine", `${r.machine.cpus} CPUs, ${r.machine.cpuModel}, ${r.machine.platform}, Node ${r.machine.node}; load average at start ${r.machine.loadAverage.map((v) => v.toFixed(2)).join(" ")}`],
          ["started / finished", `${r.startedAt} / ${r.finishedAt ?? "(not finished)"}`],
          ...Object.entries(r.stages).map(([k, v]) => [`stage: ${k}`, `${v.toFixed(1)} s`]),
          ["stages total", `${total.toFixed(1)} s`],
          ["settings", JSON.stringify(c)],
          ["seed", String(r.seed)],
        ],
      },
    ],
  });
  return {
    title: "Atlas demo: atlases, geodesics, GTN, VQ-Flow and metrics on MNIST",
    subtitle: [`${r.mode} run, ${r.backend.name} backend, ${total.toFixed(0)} s of stages; models and raw numbers beside this file (demo.json, awae-gan/, wae-gan/, geodesics/, gtn/, vqflow/).`],
    sections,
    footer: "Written by `atlas demo` (apps/cli). Everything in this file is embedded; it needs no network.",
  };
}

/**
 * What the lengths mean: a graph geodesic passes through encoded test images (it stays on the
 * data), while the straight latent line is free to cross regions no image encodes to, where the
 * decoder gives blurred averages whose decoded curve is short. So a geodesic longer than the linear
 * interpolation is expected with few nodes; the paper compares geodesic lengths between models
 * (Fig. 3a), not with linear interpolation (which it calls ill-defined for an atlas).
 */
export function lengthNote(models: Record<string, { pairs: readonly { length: number | null; linearLength: number }[] }>): string {
  const counts = Object.entries(models).map(([key, v]) => {
    const connected = v.pairs.filter((p) => p.length !== null);
    const shorter = connected.filter((p) => p.length! < p.linearLength).length;
    return `${NAMES[key] ?? key}: shorter for ${shorter} of ${connected.length}`;
  });
  return `Geodesic vs linear length, pair by pair (${counts.join("; ")}). A graph geodesic is a chain of straight latent segments between encoded test images, so it stays on the data; the straight line between two codes is free to cross latent regions no image encodes to, where the decoder gives blurred averages, and their decoded curve is short. With a few thousand nodes the graph path also zigzags between its nodes. A geodesic longer than the linear interpolation therefore does not mean a worse path: compare the strips below, where the linear frames leave the digits. The AGM paper compares geodesic lengths between models (Fig. 3a: its AWAE-GAN's are slightly longer than its WAE-GAN's, which it attributes to bottlenecks at the chart overlaps), not with linear interpolation, which it considers ill-defined on an atlas.`;
}
