/**
 * What the AGM experiments share: the paper's Table 1, the settings per scale, and trained models,
 * their evaluations and geodesic graphs kept in the work directory so that agm-table1, agm-fig2
 * and agm-fig3 train and evaluate each model once.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batchImages, loadFashionMnist, loadMnist, subsetDataset, type Dataset } from "@atlas/core";
import {
  AWAE_GAN_SCHEDULES,
  CPU_WIDTHS,
  PAPER_WIDTHS,
  chartConfidence,
  createAwaeGan,
  loadAwaeGan,
  reconstructionError,
  saveAwaeGan,
  trainAwaeGan,
  type AwaeGan,
  type TailStatistics,
} from "@atlas/agm";
import { buildGeodesicGraph } from "@atlas/geodesic";
import { settingsHash } from "../files.js";
import type { ExperimentContext } from "../types.js";
import { pick, round } from "./common.js";

export type AgmDataset = "mnist" | "fashion";
/** `eq6`: chartBalance 0 (the paper's objective literally); `balanced`: the package default (chart-balance term λ_y = λ). */
export type Objective = "eq6" | "balanced";

export const CHART_COUNTS = [1, 2, 4, 8, 16] as const;

/** The AGM paper's Table 1, MNIST / FashionMNIST. */
export const TABLE_1: Record<number, { params: number; recon: [number, number]; nodes: [number, number]; edges: [number, number]; diameter: [number, number] }> = {
  1: { params: 21_967_881, recon: [0.0142, 0.0144], nodes: [2000, 2000], edges: [26_600, 26_400], diameter: [6, 6] },
  2: { params: 21_626_265, recon: [0.0134, 0.0133], nodes: [2020, 2069], edges: [27_000, 26_900], diameter: [8, 8] },
  4: { params: 20_885_793, recon: [0.0129, 0.0141], nodes: [2175, 2576], edges: [29_600, 33_400], diameter: [8, 9] },
  8: { params: 21_961_217, recon: [0.0126, 0.0148], nodes: [2546, 2677], edges: [34_700, 35_000], diameter: [8, 9] },
  16: { params: 21_623_721, recon: [0.0129, 0.0162], nodes: [2887, 3922], edges: [39_800, 52_200], diameter: [8, 9] },
};

/** Settings of one scale. */
export interface AgmSizes {
  /** Width per m ("paper": Appendix A; "cpu": paper / 8; a number: that h for every m). */
  widths: "paper" | "cpu" | number;
  /** Chart counts run (the paper: all five). */
  charts: readonly number[];
  datasets: readonly AgmDataset[];
  trainImages: number;
  epochs: number;
  /** Per dataset: batch, learning rates, halving epochs. */
  schedule: Record<AgmDataset, { batchSize: number; learningRate: number; discriminatorLearningRate: number; halveAfter: number[] }>;
  testImages: number;
  graphPoints: number;
  k: number;
  steps: number;
  pairs: number;
  seed: number;
  /** Build the paper-width models to count their parameters (both layouts). */
  countParameters: readonly number[];
}

export function agmSizes(ctx: Pick<ExperimentContext, "scale" | "quick">): AgmSizes {
  const paperSchedule = (name: "mnist" | "fashionMnist") => {
    const s = AWAE_GAN_SCHEDULES[name];
    return { batchSize: s.batchSize, learningRate: s.learningRate, discriminatorLearningRate: s.discriminatorLearningRate, halveAfter: [...s.halveAfter] };
  };
  return pick<AgmSizes>(ctx, {
    paper: {
      widths: "paper",
      charts: CHART_COUNTS,
      datasets: ["mnist", "fashion"],
      trainImages: 60_000,
      epochs: 80,
      schedule: { mnist: paperSchedule("mnist"), fashion: paperSchedule("fashionMnist") },
      testImages: 10_000,
      graphPoints: 2000,
      k: 20,
      steps: 15,
      pairs: 100,
      seed: 0,
      countParameters: CHART_COUNTS,
    },
    cpu: {
      widths: "cpu",
      charts: CHART_COUNTS,
      datasets: ["mnist", "fashion"],
      trainImages: 10_000,
      epochs: 2,
      // 200 steps (156 for FashionMNIST's batch 128) instead of 48 000: the paper's rates ×5 (its
      // MNIST : FashionMNIST ratio kept), halved after the first epoch
      schedule: {
        mnist: { batchSize: 100, learningRate: 1e-3, discriminatorLearningRate: 5e-4, halveAfter: [1] },
        fashion: { batchSize: 128, learningRate: 5e-4, discriminatorLearningRate: 2.5e-4, halveAfter: [1] },
      },
      testImages: 10_000,
      graphPoints: 2000,
      k: 20,
      steps: 15,
      pairs: 100,
      seed: 0,
      countParameters: CHART_COUNTS,
    },
    quick: {
      widths: 2,
      charts: [1, 2],
      datasets: ["mnist"],
      trainImages: 200,
      epochs: 1,
      schedule: {
        mnist: { batchSize: 50, learningRate: 1e-3, discriminatorLearningRate: 5e-4, halveAfter: [] },
        fashion: { batchSize: 50, learningRate: 1e-3, discriminatorLearningRate: 5e-4, halveAfter: [] },
      },
      testImages: 200,
      graphPoints: 80,
      k: 5,
      steps: 4,
      pairs: 3,
      seed: 0,
      countParameters: [1],
    },
  });
}

export function widthOf(s: AgmSizes, m: number): number {
  if (typeof s.widths === "number") return s.widths;
  return (s.widths === "paper" ? PAPER_WIDTHS : CPU_WIDTHS)[m]!;
}

/** One line describing a model's training scale. */
export function scaleText(s: AgmSizes, dataset: AgmDataset, m: number): string {
  const sch = s.schedule[dataset];
  const h = widthOf(s, m);
  const paperH = PAPER_WIDTHS[m];
  return `${s.trainImages.toLocaleString("en-US")} train images × ${s.epochs} epoch(s), batch ${sch.batchSize}, lr ${sch.learningRate}/${sch.discriminatorLearningRate}${sch.halveAfter.length ? ` halved after ${sch.halveAfter.join(", ")}` : ""}; h = ${h}${paperH !== undefined && paperH !== h ? ` (paper ${paperH})` : ""}, paper layout`;
}

const datasetCache = new Map<string, Dataset>();
/** The train or test split (cached for the process). */
export async function loadSplit(dataset: AgmDataset, split: "train" | "test"): Promise<Dataset> {
  const key = `${dataset}-${split}`;
  let d = datasetCache.get(key);
  if (!d) {
    d = dataset === "mnist" ? await loadMnist(split) : await loadFashionMnist(split);
    datasetCache.set(key, d);
  }
  return d;
}

/** Rows `start … start + count − 1` of a split as a tensor. */
export async function images(dataset: AgmDataset, split: "train" | "test", start: number, count: number): Promise<tf.Tensor4D> {
  const d = await loadSplit(dataset, split);
  return batchImages(d, Int32Array.from({ length: count }, (_, i) => start + i)) as tf.Tensor4D;
}

/** Identifies one trained model. */
export interface ModelSpec {
  dataset: AgmDataset;
  charts: number;
  objective: Objective;
  tail: TailStatistics;
}

export function modelKey(spec: ModelSpec): string {
  return `${spec.dataset}-m${spec.charts}-${spec.objective}${spec.tail === "per-chart" ? "-per-chart-tail" : ""}`;
}

export function objectiveText(o: Objective): string {
  return o === "eq6" ? "chartBalance 0 (eq. 6 literally)" : "default (chart balance λ_y = 10)";
}

function trainSettings(s: AgmSizes, spec: ModelSpec) {
  return { spec, h: widthOf(s, spec.charts), trainImages: s.trainImages, epochs: s.epochs, schedule: s.schedule[spec.dataset], seed: s.seed };
}

/**
 * The trained model for `spec`: trained once (checkpointed every epoch, so an interrupted run
 * resumes mid-training), saved in the work directory, loaded from there afterwards.
 */
export async function trainedModel(ctx: ExperimentContext, s: AgmSizes, spec: ModelSpec): Promise<{ model: AwaeGan; seconds: number; parameters: number }> {
  const settings = trainSettings(s, spec);
  const name = `agm-${modelKey(spec)}-${settingsHash(settings)}`;
  const dir = join(ctx.work, "models", name);
  const part = await ctx.part(`agm/train-${modelKey(spec)}`, settings, async () => {
    const train = subsetDataset(await loadSplit(spec.dataset, "train"), { start: 0, end: s.trainImages });
    const m = spec.charts;
    const model = createAwaeGan({ charts: m, latentDim: m === 1 ? 8 : 7, h: settings.h, padding: "pytorch", encoderBias: false, seed: s.seed });
    try {
      const history = await trainAwaeGan(model, train, {
        ...settings.schedule,
        epochs: s.epochs,
        seed: s.seed,
        chartBalance: spec.objective === "eq6" ? 0 : 10,
        tailStatistics: spec.tail,
        checkpointDir: join(ctx.work, "checkpoints", name),
        onProgress: ctx.training(modelKey(spec)),
      });
      await saveAwaeGan(dir, model);
      const last = history.epochs.at(-1);
      return { parameters: model.countParameters().encodersAndDecoders, epochs: history.epochs.length, lastLosses: last ? Object.fromEntries(Object.entries(last.losses).map(([k, v]) => [k, round(v, 5)])) : {} };
    } finally {
      model.dispose();
    }
  });
  return { model: await loadAwaeGan(dir), seconds: part.seconds, parameters: part.value.parameters };
}

/** Numbers of one trained model on the test split: Table 1's and Fig. 2's. */
export interface Evaluation {
  recon: number;
  nodes: number;
  edges: number;
  crossingEdges: number;
  diameter: number;
  diameterExact: boolean;
  components: number;
  pointsWithoutNode: number;
  confidenceMean: number;
  confidenceHistogram: number[];
  confidenceAbove: { "0.9": number; "0.99": number };
  chartCounts: number[];
  /** Per class, the charts that hold ≥ 10% of its test points (argmax ψ). */
  chartsPerClass: number[];
  graphDir: string;
  graphSeconds: number;
}

/**
 * Evaluate `spec`'s model: reconstruction error on the test images, chart confidence, and the
 * geodesic graph of the first `graphPoints` test images (k, steps as the paper), saved for agm-fig3.
 */
export async function evaluation(ctx: ExperimentContext, s: AgmSizes, spec: ModelSpec): Promise<{ value: Evaluation; seconds: number; trainSeconds: number; parameters: number }> {
  const settings = { train: trainSettings(s, spec), testImages: s.testImages, graphPoints: s.graphPoints, k: s.k, steps: s.steps };
  const trained = await trainedModel(ctx, s, spec);
  const model = trained.model;
  try {
    const part = await ctx.part(`agm/eval-${modelKey(spec)}`, settings, async () => {
      const test = subsetDataset(await loadSplit(spec.dataset, "test"), { start: 0, end: s.testImages });
      ctx.log(`${modelKey(spec)}: reconstruction error and chart confidence on ${s.testImages} test images`);
      const recon = await reconstructionError(model, test);
      const conf = await chartConfidence(model, test, { bins: 20 });
      const m = spec.charts;
      const chartsPerClass: number[] = [];
      for (let c = 0; c < 10; c++) {
        const counts = new Array<number>(m).fill(0);
        let total = 0;
        for (let i = 0; i < test.shape[0]; i++) {
          if (test.labels?.[i] !== c) continue;
          counts[conf.assignment[i]!]!++;
          total++;
        }
        chartsPerClass.push(counts.filter((v) => total > 0 && v >= 0.1 * total).length);
      }
      let above9 = 0;
      let above99 = 0;
      for (const v of conf.confidence) {
        if (v >= 0.9) above9++;
        if (v >= 0.99) above99++;
      }
      const nodes = await images(spec.dataset, "test", 0, s.graphPoints);
      const t0 = performance.now();
      const tick = ctx.counter(`${modelKey(spec)}: geodesic graph`, 60);
      const graph = await buildGeodesicGraph(model, nodes, { k: s.k, steps: s.steps, onProgress: (e) => tick(e.done, e.total) });
      const graphSeconds = (performance.now() - t0) / 1000;
      nodes.dispose();
      const stats = graph.stats();
      const graphDir = join(ctx.work, "graphs", `agm-${modelKey(spec)}-${settingsHash(settings)}`);
      await graph.save(graphDir);
      const value: Evaluation = {
        recon: round(recon.mse, 5),
        nodes: stats.nodes,
        edges: stats.edges,
        crossingEdges: stats.chartCrossingEdges,
        diameter: stats.diameter.hops,
        diameterExact: stats.diameter.exact,
        components: stats.components,
        pointsWithoutNode: stats.pointsWithoutNode,
        confidenceMean: round(conf.mean, 5),
        confidenceHistogram: Array.from(conf.histogram.counts),
        confidenceAbove: { "0.9": round(above9 / conf.confidence.length, 4), "0.99": round(above99 / conf.confidence.length, 4) },
        chartCounts: Array.from(conf.chartCounts),
        chartsPerClass,
        graphDir,
        graphSeconds: round(graphSeconds, 4),
      };
      return value;
    });
    return { value: part.value, seconds: part.seconds, trainSeconds: trained.seconds, parameters: trained.parameters };
  } finally {
    model.dispose();
  }
}
