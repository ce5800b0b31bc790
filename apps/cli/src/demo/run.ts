// Node-only: `atlas demo` — the papers end to end on MNIST, on a CPU, in minutes.
import { promises as fs } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batchImages, encodeImageGrid, initBackend, type ImageGridOptions, loadMnist, subsetDataset, type Dataset, type TrainProgress } from "@atlas/core";
import { AwaeGan, chartConfidence, cpuAwaeGanOptions, createAwaeGan, loadAwaeGan, reconstructionError, sampleCharts, saveAwaeGan, trainAwaeGan } from "@atlas/agm";
import { GTN, trainGTN } from "@atlas/gtn";
import { loadVqFlow } from "@atlas/vqflow";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { drawStrips } from "../images/canvas.js";
import { geodesicAnalysis, lengthSummary, randomPairs, type GeodesicAnalysis, type PairResult } from "../lib/geodesics.js";
import { builtinExtractor, evaluateSamples, realFeatures, type SampleMetrics } from "../lib/metrics.js";
import { readManifest, writeManifest, type LoadedModel } from "../model-dir.js";
import { writeExplorerBundle } from "../lib/export.js";
import { loadGeodesicGraph } from "@atlas/geodesic";
import { InterruptedError, type Runtime } from "../runtime.js";
import { DEMO_PRESETS, type DemoConfig, type DemoMode } from "./config.js";
import { VQFLOW_MODEL, demoVqFlow, type DemoVqFlowResult } from "./vqflow.js";

export const DEMO_JSON = "demo.json";

/** One autoencoder's training and evaluation. */
export interface DemoModelResult {
  name: string;
  charts: number;
  latentDim: number;
  width: number;
  parameters: number;
  trainSeconds: number;
  samplesPerSecond: number;
  steps: number;
  /** Every step's losses (for the curves). */
  stepLosses: Record<string, number>[];
  reconstructionMse: number;
  chartCounts: number[];
  confidence: { edges: number[]; counts: number[]; mean: number };
  /** PNGs relative to the demo directory. */
  images: { reconstructions: string; chartSamples: string };
}

/** Everything the demo measured; `demo.json`, the report's source. */
export interface DemoRecord {
  format: "atlas-demo";
  version: 1;
  mode: DemoMode;
  config: DemoConfig;
  seed: number;
  backend: { name: string; reason: string };
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; node: string; platform: string };
  startedAt: string;
  finishedAt?: string;
  /** Wall-clock seconds per stage. */
  stages: Record<string, number>;
  models: Record<string, DemoModelResult>;
  geodesics?: {
    pairs: [number, number][];
    models: Record<string, { buildSeconds: number; stats: GeodesicAnalysis["stats"]; summary: ReturnType<typeof lengthSummary>; pairs: PairResult[] }>;
    strips: string[];
  };
  gtn?: { codes: number; epochs: number; trainSeconds: number; labelSeconds: number; validationLoss: number | null; images: { samples: string; interpolation: string } };
  /** Absent in a run interrupted before the VQ-Flow stage. */
  vqflow?: DemoVqFlowResult;
  metrics?: { extractor: string; rows: (SampleMetrics & { model: string })[]; seconds: number };
  /** The web explorer's bundle of the AWAE-GAN (relative directory). */
  explorer?: string;
}

async function readRecord(dir: string): Promise<DemoRecord | null> {
  try {
    return JSON.parse(await fs.readFile(join(dir, DEMO_JSON), "utf8")) as DemoRecord;
  } catch {
    return null;
  }
}

function indices(start: number, end: number): Int32Array {
  return Int32Array.from({ length: end - start }, (_, i) => start + i);
}

/** Options of {@link runDemoPipeline}. */
export interface DemoPipelineOptions {
  mode: DemoMode;
  out: string;
  seed: number;
  resume: boolean;
  rt: Runtime;
  /** Override preset sizes (tests). */
  config?: Partial<DemoConfig>;
}

/**
 * Run the demo into `out`: train the 4-chart AWAE-GAN and the WAE-GAN baseline on a fraction of
 * an MNIST epoch; reconstructions, per-chart samples, chart confidence; geodesic graphs on test
 * images and geodesics between random test pairs (lengths, strips beside linear interpolation);
 * a GTN on the WAE-GAN's latent space; metrics of every model with the built-in MNIST extractor.
 * Each stage's results go into `demo.json` as soon as it ends, so `resume` skips finished stages.
 */
export async function runDemoPipeline(options: DemoPipelineOptions): Promise<DemoRecord> {
  const { out, rt, seed } = options;
  const config: DemoConfig = { ...DEMO_PRESETS[options.mode], ...options.config };
  const previous = options.resume ? await readRecord(out) : null;
  if (options.resume && previous && (previous.mode !== options.mode || JSON.stringify(previous.config) !== JSON.stringify(config) || previous.seed !== seed)) {
    throw new InterruptedError("SIGINT", `--resume: ${out} holds a ${previous.mode} demo with other settings; rerun without --resume or with the same --quick/--seed`);
  }
  const backend = await initBackend();
  const record: DemoRecord = previous ?? {
    format: "atlas-demo",
    version: 1,
    mode: options.mode,
    config,
    seed,
    backend: { name: backend.name, reason: backend.reason },
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", loadAverage: os.loadavg(), node: process.version, platform: `${os.platform()} ${os.arch()}` },
    startedAt: new Date().toISOString(),
    stages: {},
    models: {},
  };
  const save = (): Promise<void> => writeJsonAtomic(join(out, DEMO_JSON), record);
  const stage = async <T>(name: string, done: boolean, run: () => Promise<T>): Promise<void> => {
    if (done) {
      rt.log(`${name}: done in an earlier run, skipped`);
      return;
    }
    rt.checkInterrupted(`before ${name} (finished stages are saved in ${join(out, DEMO_JSON)}; continue with --resume)`);
    const t0 = performance.now();
    await run();
    record.stages[name] = (performance.now() - t0) / 1000;
    await save();
  };
  rt.log(`atlas demo (${options.mode}): backend ${backend.name}; ${record.machine.cpus} CPUs (${record.machine.cpuModel}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(" ")}`);
  await save();

  const [trainAll, testAll] = await Promise.all([loadMnist("train"), loadMnist("test")]);
  const train = subsetDataset(trainAll, { start: 0, end: config.trainImages });
  const need = Math.max(config.evalImages, config.graphNodes, config.metricSamples);
  const test = subsetDataset(testAll, { start: 0, end: Math.min(testAll.shape[0], need) });

  const models: Record<string, AwaeGan> = {};
  try {
    for (const [name, charts] of [["wae-gan", 1], ["awae-gan", 4]] as const) {
      const dir = join(out, name);
      const haveModel = Boolean(record.models[name]) && (await fs.stat(join(dir, "atlas.json")).then(() => true, () => false));
      await stage(`train ${name}`, haveModel, async () => {
        const result = await trainDemoModel(name, charts, train, test, config, seed, dir, rt);
        models[name] = result.model;
        record.models[name] = result.record;
        rt.log(`${name}: ${result.record.steps} steps in ${result.record.trainSeconds.toFixed(0)} s (${result.record.samplesPerSecond.toFixed(1)} samples/s); test reconstruction MSE ${result.record.reconstructionMse.toFixed(4)}${charts > 1 ? `; charts ${result.record.chartCounts.join("/")}, mean confidence ${result.record.confidence.mean.toFixed(3)}` : ""}`);
      });
      models[name] ??= await loadAwaeGan(join(dir, "model"));
    }

    const graphData = subsetDataset(test, { start: 0, end: config.graphNodes });
    await stage("geodesics", Boolean(record.geodesics), async () => {
      const pairs = randomPairs(config.graphNodes, config.pairs, seed);
      const analyses: Record<string, GeodesicAnalysis> = {};
      const geo: NonNullable<DemoRecord["geodesics"]> = { pairs, models: {}, strips: [] };
      for (const name of ["awae-gan", "wae-gan"]) {
        const bar = rt.workProgress(`${name} graph`);
        const a = await geodesicAnalysis(models[name]!, graphData, {
          k: config.k,
          steps: config.steps,
          frames: config.frames,
          pairs,
          strips: config.strips,
          seed,
          linearSteps: config.linearSteps,
          onProgress: (p) => bar(p.done, p.total, p.phase),
          signal: rt.signal,
        });
        rt.checkInterrupted(`while finding ${name} geodesics`);
        analyses[name] = a;
        const summary = lengthSummary(a.pairs);
        geo.models[name] = { buildSeconds: a.buildSeconds, stats: a.stats, summary, pairs: a.pairs };
        rt.log(`${name}: graph of ${a.stats.nodes} nodes, ${a.stats.edges} edges (${a.stats.chartCrossingEdges} across charts) in ${a.buildSeconds.toFixed(0)} s; ${summary.connected} geodesics, mean length ${summary.meanLength.toFixed(2)} (linear ${summary.meanLinearLength.toFixed(2)})`);
        await a.graph.save(join(out, "geodesics", name, "graph"));
        a.graph.releaseNgraph();
      }
      await fs.mkdir(join(out, "geodesics"), { recursive: true });
      const awae = analyses["awae-gan"]!;
      const wae = analyses["wae-gan"]!;
      for (const s of awae.strips) {
        const w = wae.strips.find((t) => t.from === s.from && t.to === s.to);
        const rows = [
          { label: "AWAE GEO", frames: s.frames, charts: s.frameCharts, labels: s.frameLabels },
          { label: "AWAE LIN", frames: s.linearFrames, charts: s.linearFrames.map(() => s.linearChart) },
          ...(w
            ? [
                { label: "WAE GEO", frames: w.frames, charts: w.frameCharts },
                { label: "WAE LIN", frames: w.linearFrames, charts: w.linearFrames.map(() => 0) },
              ]
            : []),
        ];
        const file = join("geodesics", `strip-${s.from}-${s.to}.png`);
        await writeFileAtomic(join(out, file), drawStrips(rows, [28, 28, 1]).png());
        geo.strips.push(file);
      }
      record.geodesics = geo;
    });

    await stage("gtn", Boolean(record.gtn), async () => {
      record.gtn = await demoGtn(models["wae-gan"]!, trainAll, config, seed, out, rt);
    });

    await stage("vqflow", Boolean(record.vqflow), async () => {
      record.vqflow = await demoVqFlow(trainAll, test, config, seed, out, rt);
    });

    await stage("metrics", Boolean(record.metrics), async () => {
      record.metrics = await demoMetrics(models, trainAll, test, config, seed, out, rt);
    });

    await stage("explorer bundle", Boolean(record.explorer), async () => {
      const awae = models["awae-gan"]!;
      const graph = await loadGeodesicGraph(join(out, "geodesics", "awae-gan", "graph"), awae);
      const g = record.geodesics!.models["awae-gan"]!;
      const loaded: LoadedModel = { manifest: await readManifest(join(out, "awae-gan")), dir: join(out, "awae-gan"), atlas: awae, sample: async () => tf.zeros([0]), dispose: () => {} };
      await writeExplorerBundle(
        join(out, "explorer"),
        loaded,
        { graph, stats: g.stats, pairs: g.pairs, buildSeconds: g.buildSeconds, strips: [] },
        { kind: "images", dataset: graphData, source: "mnist:test", n: graphData.shape[0], shape: [28, 28, 1] },
        { title: "atlas demo: AWAE-GAN (4 charts) on MNIST", metrics: record.metrics ?? null, gtn: { gtnDir: join(out, "gtn", "model"), decoderDir: join(out, "wae-gan", "model"), decoderKind: "awae-gan" } },
      );
      record.explorer = "explorer";
      rt.log(`explorer bundle: ${join(out, "explorer")} (open it with the web explorer, apps/explorer)`);
    });
  } finally {
    for (const m of Object.values(models)) m.dispose();
  }
  record.finishedAt = new Date().toISOString();
  await save();
  return record;
}

async function trainDemoModel(
  name: string,
  charts: 1 | 4,
  train: Dataset,
  test: Dataset,
  config: DemoConfig,
  seed: number,
  dir: string,
  rt: Runtime,
): Promise<{ model: AwaeGan; record: DemoModelResult }> {
  const options = cpuAwaeGanOptions(charts, { seed });
  const model = createAwaeGan(options);
  const stepLosses: Record<string, number>[] = [];
  const bar = rt.trainProgress(name);
  const onProgress = (e: TrainProgress): void => {
    if (e.phase === "step" && e.stepLosses) stepLosses.push(e.stepLosses);
    bar?.(e);
  };
  let ok = false;
  try {
    const t0 = performance.now();
    const history = await rt.checkpointing(() => trainAwaeGan(model, train, {
      epochs: 1,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      discriminatorLearningRate: config.learningRate / 2,
      halveAfter: [],
      seed,
      checkpointDir: join(dir, "checkpoint"),
      signal: rt.signal,
      onProgress,
    }));
    const trainSeconds = (performance.now() - t0) / 1000;
    if (history.stopped === "aborted") {
      const sig = (rt.signal.reason as NodeJS.Signals | undefined) ?? "SIGINT";
      throw new InterruptedError(sig, `interrupted by ${sig} while training ${name}; checkpoint saved in ${join(dir, "checkpoint")} — continue with 'atlas demo --resume' (same --out)`);
    }
    const steps = history.globalStep;
    await saveAwaeGan(join(dir, "model"), model);
    await writeManifest(dir, {
      format: "atlas-model",
      version: 1,
      kind: charts === 1 ? "wae-gan" : "awae-gan",
      dataKind: "images",
      dataShape: [28, 28, 1],
      data: { spec: "mnist", source: "mnist:train", n: train.shape[0] },
      settings: { ...options, epochs: 1, batchSize: config.batchSize, lr: config.learningRate, limit: train.shape[0] },
      files: { model: "model" },
      createdAt: new Date().toISOString(),
    });
    await writeJsonAtomic(join(dir, "train.json"), { kind: name, seconds: trainSeconds, samples: train.shape[0], history });
    await fs.rm(join(dir, "checkpoint"), { recursive: true, force: true });

    const evalSet = subsetDataset(test, { start: 0, end: config.evalImages });
    const reconstructionMse = (await reconstructionError(model, evalSet)).mse;
    const conf = await chartConfidence(model, evalSet, { bins: 20 });
    const shown = batchImages(test, indices(0, 16));
    const argmax = tf.tidy(() => model.partition(shown).argMax(1));
    const ch = (await argmax.data()) as Int32Array;
    argmax.dispose();
    // each test image beside its reconstruction through its most likely chart
    const grid = tf.tidy(() => tf.concat([shown, ...Array.from(ch, (c, i) => model.decode(model.encode(shown.slice([i], [1]), c), c))], 0) as tf.Tensor4D);
    const reconstructions = join(name, "reconstructions.png");
    await writeFileAtomic(join(dir, "..", reconstructions), await pngOf(grid, { columns: 16, scale: 2 }));
    grid.dispose();
    shown.dispose();
    const samples = sampleCharts(model, 12, seed);
    const chartSamples = join(name, "chart-samples.png");
    await writeFileAtomic(join(dir, "..", chartSamples), await pngOf(samples as tf.Tensor4D, { columns: 12, scale: 2 }));
    samples.dispose();
    const count = model.countParameters();
    ok = true;
    return {
      model,
      record: {
        name,
        charts,
        latentDim: model.latentDim,
        width: model.config.h,
        parameters: count.encodersAndDecoders,
        trainSeconds,
        samplesPerSecond: (steps * config.batchSize) / trainSeconds,
        steps,
        stepLosses,
        reconstructionMse,
        chartCounts: Array.from(conf.chartCounts),
        confidence: { edges: Array.from(conf.histogram.edges), counts: Array.from(conf.histogram.counts), mean: conf.mean },
        images: { reconstructions, chartSamples },
      },
    };
  } finally {
    if (!ok) model.dispose();
  }
}

async function demoGtn(wae: AwaeGan, trainAll: Dataset, config: DemoConfig, seed: number, out: string, rt: Runtime): Promise<NonNullable<DemoRecord["gtn"]>> {
  // The WAE-GAN is the autoencoder: its codes F(x) of training images are the GTN's data.
  const n = Math.min(config.gtnCodes, trainAll.shape[0]);
  const codes = new Float32Array(n * wae.latentDim);
  for (let s = 0; s < n; s += 500) {
    const x = batchImages(trainAll, indices(s, Math.min(n, s + 500)));
    const z = tf.tidy(() => wae.encode(x, 0));
    codes.set((await z.data()) as Float32Array, s * wae.latentDim);
    tf.dispose([x, z]);
  }
  const t0 = performance.now();
  const gtn = await trainGTN({ data: codes, dim: wae.latentDim }, { preset: "mnist", epochs: config.gtnEpochs, seed, signal: rt.signal, ...progress(rt, "gtn h") });
  try {
    const trainSeconds = (performance.now() - t0) / 1000;
    rt.checkInterrupted("while training the GTN");
    const z = gtn.sample(48, seed);
    const images = tf.tidy(() => wae.decode(z, 0));
    const samples = join("gtn", "samples.png");
    await fs.mkdir(join(out, "gtn"), { recursive: true });
    await writeFileAtomic(join(out, samples), await pngOf(images as tf.Tensor4D, { columns: 12, scale: 2 }));
    tf.dispose([z, images]);
    // Latent interpolation: h along straight lines between pairs of N(0, I) draws (GTN paper).
    const rows: tf.Tensor[] = [];
    const ends = gtn.sampleInputs(8, seed + 1);
    const e = (await ends.data()) as Float32Array;
    ends.dispose();
    const d = wae.latentDim;
    for (let r = 0; r < 4; r++) {
      const line = gtn.interpolate(e.subarray(2 * r * d, 2 * r * d + d), e.subarray((2 * r + 1) * d, (2 * r + 2) * d), 10);
      rows.push(tf.tidy(() => wae.decode(line, 0)));
      line.dispose();
    }
    const strip = tf.concat(rows, 0) as tf.Tensor4D;
    const interpolation = join("gtn", "interpolation.png");
    await writeFileAtomic(join(out, interpolation), await pngOf(strip, { columns: 10, scale: 2 }));
    tf.dispose([strip, ...rows]);
    await gtn.save(join(out, "gtn", "model"));
    const report = gtn.report!;
    rt.log(`gtn: fitted h (7×50) to ${n} WAE-GAN codes in ${trainSeconds.toFixed(0)} s (labelling ${report.labelSeconds.toFixed(2)} s, ${report.history.epochs.length} epochs)`);
    return { codes: n, epochs: report.history.epochs.length, trainSeconds, labelSeconds: report.labelSeconds, validationLoss: report.history.bestValidationLoss ?? null, images: { samples, interpolation } };
  } finally {
    gtn.dispose();
  }
}

async function demoMetrics(models: Record<string, AwaeGan>, trainAll: Dataset, test: Dataset, config: DemoConfig, seed: number, out: string, rt: Runtime): Promise<NonNullable<DemoRecord["metrics"]>> {
  const t0 = performance.now();
  const n = config.metricSamples;
  const ext = await builtinExtractor("mnist", (l) => rt.log(l));
  const real = batchImages(test, indices(0, n));
  const bar = rt.workProgress("metrics");
  try {
    const rf = await realFeatures(ext, real);
    const rows: (SampleMetrics & { model: string })[] = [];
    const which = ["fid", "kid", "pr", "is"] as const;
    const sources: [string, () => Promise<tf.Tensor>][] = [
      ["MNIST train images (reference)", async () => batchImages(trainAll, indices(0, n))],
      ["awae-gan", async () => tf.tidy(() => sampleCharts(models["awae-gan"]!, Math.ceil(n / 4), seed).slice(0, n))],
      ["wae-gan", async () => tf.tidy(() => sampleCharts(models["wae-gan"]!, n, seed))],
    ];
    const gtn = await GTN.load(join(out, "gtn", "model")).catch(() => null);
    if (gtn) {
      const wae = models["wae-gan"]!;
      sources.push(["gtn (WAE-GAN latent space)", async () => tf.tidy(() => wae.decode(gtn.sample(n, seed), 0))]);
    }
    const vq = await loadVqFlow(join(out, VQFLOW_MODEL)).catch(() => null);
    if (vq) sources.push(["vqflow", () => vq.sample(n, seed)]);
    let done = 0;
    for (const [model, make] of sources) {
      bar(done++, sources.length, model);
      const fake = await make();
      try {
        rows.push({ model, ...(await evaluateSamples(ext, rf, fake, which, seed)) });
      } finally {
        fake.dispose();
      }
      rt.checkInterrupted("while computing metrics");
    }
    bar(sources.length, sources.length);
    gtn?.dispose();
    vq?.dispose();
    return { extractor: rf.extractor, rows, seconds: (performance.now() - t0) / 1000 };
  } finally {
    real.dispose();
    ext.dispose();
  }
}

function progress(rt: Runtime, label: string): { onProgress?: (e: TrainProgress) => void } {
  const p = rt.trainProgress(label);
  return p ? { onProgress: p } : {};
}

/** A PNG grid of a batch of images, read from the tensor once (`await data()`: any backend). */
async function pngOf(images: tf.Tensor4D, options: ImageGridOptions): Promise<Uint8Array> {
  return encodeImageGrid({ data: (await images.data()) as Float32Array, shape: images.shape }, options);
}
