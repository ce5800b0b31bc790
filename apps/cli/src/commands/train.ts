// `atlas train KIND --data SRC --out DIR`: train a model and write its directory.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { initBackend, type TrainHistory, type TrainProgress } from "@atlas/core";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { createAtlasVae, createAwaeGan, saveAtlasVae, saveAwaeGan, trainAtlasVae, trainAwaeGan, type AtlasVae, type AwaeGan } from "@atlas/agm";
import { GTN_PRESETS, trainGTN, trainLatentAutoencoder, type GtnPreset, type LatentAutoencoder } from "@atlas/gtn";
import { UsageError, requireFlag, type CommandSpec, type FlagValues, type ParsedArgs } from "../args.js";
import { DATA_HELP, loadData, modelData, type LoadedData } from "../data/index.js";
import { MODEL_KINDS, writeManifest, type ModelKind, type ModelManifest } from "../model-dir.js";
import { prepareOutDir, removeCreated } from "../out-dir.js";
import { InterruptedError, type Runtime } from "../runtime.js";
import { COMMON_FLAGS } from "./common.js";
import { trainVqFlowDir } from "./train-vqflow.js";

export const trainSpec: CommandSpec = {
  name: "train",
  summary: "Train a model on a data set and write its directory (atlas.json, the model, train.json).",
  positionals: [{ name: "KIND", help: "the model", choices: MODEL_KINDS }],
  flags: {
    data: { type: "string", value: "SRC", help: DATA_HELP },
    split: { type: "string", value: "SPLIT", choices: ["train", "test"], default: "train", help: "split of a named data set" },
    limit: { type: "int", min: 1, value: "N", help: "use the first N samples (a fraction of an epoch, quickly)" },
    out: { type: "string", value: "DIR", help: "model directory to write" },
    epochs: { type: "int", min: 1, max: 100_000, value: "N", help: "epochs (awae-gan/wae-gan 5, atlas-vae 50, gtn: h's upper bound 100)" },
    "batch-size": { type: "int", min: 1, max: 65_536, value: "N", help: "batch size (awae-gan/wae-gan 100, atlas-vae 64, gtn: preset)" },
    lr: { type: "number", min: 1e-12, max: 10, value: "LR", help: "learning rate (awae-gan/wae-gan 2e-4 and half for the discriminators, atlas-vae 1e-3, gtn: preset)" },
    seed: { type: "int", min: 0, max: 2 ** 31 - 1, value: "N", default: "0", help: "seed of the initial weights and batch order" },
    charts: { type: "int", min: 1, max: 4096, value: "M", help: "charts m (awae-gan 4, atlas-vae 4; wae-gan is 1; vqflow: chart centres K, 10 for images, 8 for vectors)" },
    "latent-dim": { type: "int", min: 1, max: 4096, value: "D", help: "latent dimension (awae-gan 7, wae-gan 8, atlas-vae 2, gtn's autoencoder 5)" },
    width: { type: "int", min: 1, max: 4096, value: "H", help: "network width h (awae-gan/wae-gan: the CPU widths 8 / 16; atlas-vae: hidden sizes 2H, H with H = 32; vqflow: conditioner width, images 512, vectors 64)" },
    lambda: { type: "number", min: 0, max: 1e6, value: "L", help: "awae-gan/wae-gan: weight λ of the adversarial term (10)" },
    preset: { type: "string", value: "NAME", choices: Object.keys(GTN_PRESETS), help: "gtn: architecture of h (mnist: 7×50 with batch norm)" },
    "ae-epochs": { type: "int", min: 1, max: 10_000, value: "N", help: "gtn on images: epochs of the latent autoencoder (2); vqflow: stage-1 VQ autoencoder epochs (images 3, vectors 20)" },
    flow: { type: "string", value: "NAME", choices: ["realnvp", "maf"], help: "vqflow: the chart maps' flow (realnvp)" },
    overlap: { type: "int", min: 1, max: 4096, value: "M", help: "vqflow: charts every point belongs to at least (1)" },
    epsilon: { type: "number", min: 0, max: 1e6, value: "E", help: "vqflow: region slack ε (images 0.1, vectors 0.2)" },
    resume: { type: "boolean", help: "continue the interrupted run whose checkpoint is in --out" },
    ...COMMON_FLAGS,
  },
  notes: [
    "Kinds: awae-gan (Atlas WAE-GAN, AGM paper), wae-gan (its one-chart baseline), atlas-vae, gtn (on images: the",
    "GTN paper's latent autoencoder, then a GTN on its codes; on vectors: a GTN on the vectors), vqflow (VQ-Flow:",
    "stage 1 a VQ autoencoder whose centres are the charts, stage 2 one conditional flow as every chart map; --epochs",
    "counts stage 2).",
    "Ctrl-C or SIGTERM saves a checkpoint in DIR/checkpoint; run the same command with --resume to continue.",
  ],
};

/** The settings a run is made of (what `--resume` restores and the manifest records). */
interface TrainSettings {
  kind: ModelKind;
  data: string;
  split: "train" | "test";
  limit: number | null;
  seed: number;
  epochs: number;
  batchSize: number | null;
  lr: number | null;
  charts: number | null;
  latentDim: number;
  width: number | null;
  lambda: number | null;
  preset: GtnPreset;
  aeEpochs: number | null;
  flow: "realnvp" | "maf" | null;
  overlap: number | null;
  epsilon: number | null;
}

const RUN_JSON = "run.json";

function settingsFrom(kind: ModelKind, f: FlagValues): TrainSettings {
  if (kind === "wae-gan" && f.charts !== undefined && f.charts !== 1) throw new UsageError("--charts", `wae-gan has one chart; use awae-gan for ${String(f.charts)} charts`);
  const gtn = kind === "gtn";
  const vq = kind === "vqflow";
  if (!gtn && f.preset !== undefined) throw new UsageError("--preset", `applies to gtn only, not ${kind}`);
  if (!gtn && !vq && f["ae-epochs"] !== undefined) throw new UsageError("--ae-epochs", `applies to gtn and vqflow only, not ${kind}`);
  for (const flag of ["flow", "overlap", "epsilon"]) if (!vq && f[flag] !== undefined) throw new UsageError(`--${flag}`, `applies to vqflow only, not ${kind}`);
  if (vq && f["latent-dim"] !== undefined) throw new UsageError("--latent-dim", "a vqflow's latent space has the data's dimension");
  if ((gtn || vq || kind === "atlas-vae") && f.lambda !== undefined) throw new UsageError("--lambda", `applies to awae-gan and wae-gan only, not ${kind}`);
  if (gtn && f.charts !== undefined) throw new UsageError("--charts", "a gtn has no charts");
  if (vq && f.overlap !== undefined && f.charts !== undefined && (f.overlap as number) > (f.charts as number)) throw new UsageError("--overlap", `m = ${String(f.overlap)} exceeds the ${String(f.charts)} charts (--charts)`);
  return {
    kind,
    data: requireFlag<string>(f, "data", `the training data: ${DATA_HELP}`),
    split: (f.split as "train" | "test" | undefined) ?? "train",
    limit: (f.limit as number | undefined) ?? null,
    seed: (f.seed as number | undefined) ?? 0,
    epochs: (f.epochs as number | undefined) ?? { "awae-gan": 5, "wae-gan": 5, "atlas-vae": 50, gtn: 100, vqflow: 5 }[kind],
    batchSize: (f["batch-size"] as number | undefined) ?? null,
    lr: (f.lr as number | undefined) ?? null,
    charts: kind === "wae-gan" ? 1 : ((f.charts as number | undefined) ?? (gtn || vq ? null : 4)),
    latentDim: (f["latent-dim"] as number | undefined) ?? { "awae-gan": 7, "wae-gan": 8, "atlas-vae": 2, gtn: 5, vqflow: 2 }[kind],
    width: (f.width as number | undefined) ?? null,
    lambda: (f.lambda as number | undefined) ?? null,
    preset: (f.preset as GtnPreset | undefined) ?? "mnist",
    aeEpochs: (f["ae-epochs"] as number | undefined) ?? (gtn ? 2 : null),
    flow: vq ? ((f.flow as "realnvp" | "maf" | undefined) ?? "realnvp") : null,
    overlap: vq ? ((f.overlap as number | undefined) ?? 1) : null,
    epsilon: vq ? ((f.epsilon as number | undefined) ?? null) : null,
  };
}

const FLAG_OF: Record<keyof TrainSettings, string> = {
  kind: "KIND",
  data: "--data",
  split: "--split",
  limit: "--limit",
  seed: "--seed",
  epochs: "--epochs",
  batchSize: "--batch-size",
  lr: "--lr",
  charts: "--charts",
  latentDim: "--latent-dim",
  width: "--width",
  lambda: "--lambda",
  preset: "--preset",
  aeEpochs: "--ae-epochs",
  flow: "--flow",
  overlap: "--overlap",
  epsilon: "--epsilon",
};

/** With --resume: the recorded settings win; a flag the user gave that disagrees is an error naming it. */
async function resumeSettings(out: string, fresh: TrainSettings, given: ReadonlySet<string>): Promise<TrainSettings> {
  let saved: TrainSettings;
  try {
    saved = JSON.parse(await fs.readFile(join(out, "checkpoint", RUN_JSON), "utf8")) as TrainSettings;
  } catch {
    throw new UsageError("--resume", `${out} holds no interrupted run (no checkpoint/${RUN_JSON}); drop --resume to start one`);
  }
  for (const key of Object.keys(FLAG_OF) as (keyof TrainSettings)[]) {
    const flag = FLAG_OF[key];
    const isGiven = key === "kind" || given.has(flag.slice(2));
    if (isGiven && JSON.stringify(saved[key]) !== JSON.stringify(fresh[key])) {
      throw new UsageError(flag, `${JSON.stringify(fresh[key])} differs from the interrupted run's ${JSON.stringify(saved[key])}; a resumed run keeps its settings`);
    }
  }
  return saved;
}

/** What `atlas train` returns (and prints under --json). */
export interface TrainResult {
  kind: ModelKind;
  out: string;
  backend: string;
  samples: number;
  seconds: number;
  resumed: boolean;
  finalLosses: Record<string, number>;
  history: unknown;
}

function lastLosses(h: TrainHistory): Record<string, number> {
  return h.epochs.at(-1)?.losses ?? {};
}

function interruptedIf(stopped: TrainHistory["stopped"] | undefined, rt: Runtime, out: string, what: string): void {
  if (stopped === "aborted") {
    const sig = (rt.signal.reason as NodeJS.Signals | undefined) ?? "SIGINT";
    throw new InterruptedError(sig, `interrupted by ${sig} during ${what}; checkpoint saved in ${join(out, "checkpoint")} — run the same command with --resume to continue`);
  }
  if (stopped === "non-finite-loss") throw new UsageError("--lr", `training diverged (a non-finite loss); try a smaller learning rate`);
}

/** Run `atlas train`. */
export async function runTrain(args: ParsedArgs, rt: Runtime): Promise<TrainResult> {
  const kind = args.positionals[0] as ModelKind;
  const outFlag = requireFlag<string>(args.flags, "out", "the model directory to write");
  const fresh = settingsFrom(kind, args.flags);
  const { dir: out, created } = await prepareOutDir(outFlag);
  const resume = args.flags.resume === true;
  const ckDir = join(out, "checkpoint");
  const hasCheckpoint = await fs.stat(join(ckDir, RUN_JSON)).then(() => true, () => false);
  if (!resume && hasCheckpoint) {
    throw new UsageError("--out", `${out} holds the checkpoint of an interrupted run; add --resume to continue it, or remove ${ckDir}`);
  }
  const s = resume ? await resumeSettings(out, fresh, args.given) : fresh;
  let data: LoadedData;
  try {
    data = await loadData(s.data, { split: s.split, ...(s.limit !== null ? { limit: s.limit } : {}) });
  } catch (error) {
    await removeCreated(created);
    throw error;
  }
  if (kind === "gtn" && data.kind === "images" && (data.shape[0]! % 4 !== 0 || data.shape[1]! % 4 !== 0)) {
    throw new UsageError("--data", `gtn's autoencoder needs image sides divisible by 4, got ${data.shape.join("×")}`);
  }
  const backend = await initBackend();
  rt.log(`backend: ${backend.name}; data: ${data.source}, ${data.n} ${data.kind} of shape [${data.shape.join(", ")}]`);
  await fs.mkdir(ckDir, { recursive: true });
  await writeJsonAtomic(join(ckDir, RUN_JSON), s);

  const started = performance.now();
  const files: Record<string, string> = {};
  let history: unknown;
  let finalLosses: Record<string, number> = {};
  if (kind === "vqflow") {
    const r = await trainVqFlowDir({
      data,
      v: { charts: s.charts, flow: s.flow ?? "realnvp", overlap: s.overlap ?? 1, epsilon: s.epsilon, width: s.width, aeEpochs: s.aeEpochs ?? (data.kind === "images" ? 3 : 20) },
      seed: s.seed,
      epochs: s.epochs,
      batchSize: s.batchSize,
      lr: s.lr,
      out,
      ckDir,
      rt,
    });
    interruptedIf(r.stopped, rt, out, "training the VQ-Flow");
    Object.assign(files, r.files);
    history = r.history;
    finalLosses = r.history.stage2 ? lastLosses(r.history.stage2) : {};
  } else if (kind === "awae-gan" || kind === "wae-gan" || kind === "atlas-vae") {
    let model: AwaeGan | AtlasVae | undefined;
    try {
      let h: TrainHistory;
      if (kind === "atlas-vae") {
        const width = s.width ?? 32;
        const vae = createAtlasVae({ charts: s.charts ?? 4, latentDim: s.latentDim, dataShape: data.shape, hidden: [2 * width, width], seed: s.seed });
        model = vae;
        h = await rt.checkpointing(() => trainAtlasVae(vae, modelData(data), {
          epochs: s.epochs,
          ...(s.batchSize !== null ? { batchSize: Math.min(s.batchSize, data.n) } : {}),
          ...(s.lr !== null ? { learningRate: s.lr } : {}),
          seed: s.seed,
          checkpointDir: join(ckDir, "trainer"),
          signal: rt.signal,
          ...progress(rt, kind),
        }));
      } else {
        const gan = createAwaeGan({ charts: s.charts ?? 4, latentDim: s.latentDim, dataShape: data.shape, seed: s.seed, ...(s.width !== null ? { h: s.width } : {}) });
        model = gan;
        const batchSize = Math.min(s.batchSize ?? 100, data.n);
        h = await rt.checkpointing(() => trainAwaeGan(gan, modelData(data), {
          epochs: s.epochs,
          batchSize,
          ...(s.lr !== null ? { learningRate: s.lr, discriminatorLearningRate: s.lr / 2 } : {}),
          ...(s.lambda !== null ? { lambda: s.lambda } : {}),
          halveAfter: [],
          seed: s.seed,
          checkpointDir: join(ckDir, "trainer"),
          signal: rt.signal,
          ...progress(rt, kind),
        }));
      }
      interruptedIf(h.stopped, rt, out, `training ${kind}`);
      if (kind === "atlas-vae") await saveAtlasVae(join(out, "model"), model as AtlasVae);
      else await saveAwaeGan(join(out, "model"), model as AwaeGan);
      files.model = "model";
      history = h;
      finalLosses = lastLosses(h);
    } finally {
      model?.dispose();
    }
  } else {
    // gtn
    let ae: LatentAutoencoder | undefined;
    let codes: { data: Float32Array; dim: number };
    const gtnHistory: Record<string, unknown> = {};
    try {
      if (data.kind === "images") {
        ae = await rt.checkpointing(() => trainLatentAutoencoder(data.dataset, {
          latentDim: s.latentDim,
          epochs: s.aeEpochs ?? 2,
          seed: s.seed,
          checkpoint: { dir: join(ckDir, "autoencoder") },
          signal: rt.signal,
          ...progress(rt, "autoencoder"),
        }));
        interruptedIf(ae.history!.stopped, rt, out, "training the autoencoder");
        await ae.save(join(out, "autoencoder"));
        files.autoencoder = "autoencoder";
        gtnHistory.autoencoder = ae.history;
        const z = ae.encode(data.dataset);
        codes = { data: (await z.data()) as Float32Array, dim: s.latentDim };
        z.dispose();
        rt.checkInterrupted("after the autoencoder (its model is saved; --resume retrains from its checkpoint)");
      } else {
        codes = { data: data.data, dim: data.dim };
      }
      const gtn = await rt.checkpointing(() => trainGTN(codes, {
        preset: s.preset,
        epochs: s.epochs,
        ...(s.batchSize !== null ? { batchSize: s.batchSize } : {}),
        ...(s.lr !== null ? { learningRate: s.lr } : {}),
        seed: s.seed,
        checkpoint: { dir: join(ckDir, "gtn") },
        signal: rt.signal,
        ...progress(rt, "gtn h"),
      }));
      try {
        interruptedIf(gtn.report!.history.stopped, rt, out, "training the GTN");
        await gtn.save(join(out, "gtn"));
      } finally {
        gtn.dispose();
      }
      files.gtn = "gtn";
      gtnHistory.gtn = gtn.report;
      history = gtnHistory;
      finalLosses = lastLosses(gtn.report!.history);
    } finally {
      ae?.dispose();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const manifest: ModelManifest = {
    format: "atlas-model",
    version: 1,
    kind,
    dataKind: data.kind,
    dataShape: data.shape,
    data: { spec: s.data, source: data.source, n: data.n },
    settings: s as unknown as Record<string, unknown>,
    files,
    createdAt: new Date().toISOString(),
  };
  const trainJson = { kind, backend: backend.name, seconds, samples: data.n, settings: s, history };
  await writeFileAtomic(join(out, "train.json"), JSON.stringify(trainJson, null, 1) + "\n");
  await writeManifest(out, manifest);
  await fs.rm(ckDir, { recursive: true, force: true });
  rt.log(`trained ${kind} in ${seconds.toFixed(1)} s on ${backend.name}; final losses ${formatLosses(finalLosses)}`);
  rt.log(`wrote ${out}/ (atlas.json, ${Object.values(files).join(", ")}, train.json)`);
  return { kind, out, backend: backend.name, samples: data.n, seconds, resumed: resume, finalLosses, history };
}

function progress(rt: Runtime, label: string): { onProgress?: (event: TrainProgress) => void } {
  const p = rt.trainProgress(label);
  return p ? { onProgress: p } : {};
}

export function formatLosses(losses: Record<string, number>): string {
  const parts = Object.entries(losses).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`);
  return parts.length > 0 ? parts.join(", ") : "(none)";
}
