// `atlas train vqflow`: a VQ-Flow (@atlas/vqflow) on images or vectors, both stages, resumable.
import { join } from "node:path";
import type { TrainHistory, TrainProgress } from "@atlas/core";
import { createVqFlow, saveVqFlow, trainVqFlow, type VqFlow, type VqFlowOptions } from "@atlas/vqflow";
import { UsageError } from "../args.js";
import { modelData, type LoadedData } from "../data/index.js";
import type { Runtime } from "../runtime.js";

/** The VQ-Flow settings `atlas train` records (beside the common ones). */
export interface VqFlowSettings {
  /** K chart centres (default: 10 for images, the `mnist` preset; 8 for vectors). */
  charts: number | null;
  flow: "realnvp" | "maf";
  /** m: charts every point belongs to at least. */
  overlap: number;
  epsilon: number | null;
  /** Width of the conditioner MLPs' hidden layers (images: one layer, 512; vectors: two, 64). */
  width: number | null;
  /** Stage-1 (VQ autoencoder) epochs. */
  aeEpochs: number;
}

/** The createVqFlow options for `data` (images: the `mnist` preset with the data's shape; vectors: the toy preset's sizes). */
export function vqFlowOptions(data: LoadedData, v: VqFlowSettings, seed: number): VqFlowOptions {
  const image = data.kind === "images";
  if (image && (data.shape[0]! % 4 !== 0 || data.shape[1]! % 4 !== 0)) {
    throw new UsageError("--data", `a VQ-Flow's image autoencoder needs sides divisible by 4, got ${data.shape.join("×")}`);
  }
  const charts = v.charts ?? (image ? 10 : 8);
  if (v.overlap > charts) throw new UsageError("--overlap", `m = ${v.overlap} exceeds the ${charts} charts (--charts)`);
  return {
    ...(image ? { preset: "mnist" as const } : { layers: 8, hidden: [64, 64], codeDim: Math.min(data.shape[0]!, 8), epsilon: 0.2 }),
    dataShape: [...data.shape],
    codebookSize: charts,
    overlap: v.overlap,
    flow: v.flow,
    ...(v.epsilon !== null ? { epsilon: v.epsilon } : {}),
    ...(v.width !== null ? { hidden: image ? [v.width] : [v.width, v.width] } : {}),
    seed,
  };
}

/** Options of {@link trainVqFlowDir}. */
export interface TrainVqFlowDirOptions {
  data: LoadedData;
  v: VqFlowSettings;
  seed: number;
  epochs: number;
  batchSize: number | null;
  lr: number | null;
  /** The model goes to `<out>/model`, checkpoints to `<ckDir>/vqflow/stage{1,2}`. */
  out: string;
  ckDir: string;
  rt: Runtime;
}

/** Train a VQ-Flow and save it; resumes from the checkpoints trainVqFlow left in ckDir. */
export async function trainVqFlowDir(o: TrainVqFlowDirOptions): Promise<{ files: Record<string, string>; history: { stage1: TrainHistory | null; stage2: TrainHistory | null }; stopped: TrainHistory["stopped"] | undefined }> {
  const model: VqFlow = createVqFlow(vqFlowOptions(o.data, o.v, o.seed));
  try {
    const bars: Partial<Record<1 | 2, ((e: TrainProgress) => void) | undefined>> = {};
    const bar = (stage: 1 | 2): ((e: TrainProgress) => void) | undefined => {
      if (!(stage in bars)) bars[stage] = o.rt.trainProgress(stage === 1 ? "vq autoencoder" : "flows");
      return bars[stage];
    };
    const history = await o.rt.checkpointing(() =>
      trainVqFlow(model, modelData(o.data), {
        autoencoderEpochs: o.v.aeEpochs,
        epochs: o.epochs,
        ...(o.batchSize !== null ? { batchSize: Math.min(o.batchSize, o.data.n), autoencoderBatchSize: Math.min(o.batchSize, o.data.n) } : {}),
        ...(o.lr !== null ? { learningRate: o.lr } : {}),
        seed: o.seed,
        checkpointDir: join(o.ckDir, "vqflow"),
        signal: o.rt.signal,
        onProgress: (e) => bar(e.stage)?.(e),
      }),
    );
    // the first stage that stopped abnormally decides; "completed"/"early-stopped" runs are saved
    const stopped = [history.stage1?.stopped, history.stage2?.stopped].find((x) => x === "aborted" || x === "non-finite-loss");
    if (stopped === undefined) await saveVqFlow(model, join(o.out, "model"));
    return { files: { model: "model" }, history, stopped };
  } finally {
    model.dispose();
  }
}
