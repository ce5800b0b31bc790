/**
 * `trainLoop`'s checkpoint: the loop state saved beside the caller's model and optimiser
 * state, the directory check before training, and reading a checkpoint back with its checks.
 */
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError } from "./errors.js";
import { findSavedDir, makeDirs } from "./atomic-dir.js";
import { STATE_JSON, loadState } from "./files.js";
import { statPath } from "./platform/io.js";
import { dirnamePath, joinPath } from "./platform/paths.js";
import { Rng, type RngState } from "./rng.js";
import type { EpochRecord, StopReason } from "./train.js";

/** The loop's own state lives in this subdirectory of each checkpoint. */
export const TRAINER_DIR = "trainer";
export const CHECKPOINT_FORMAT = "atlas-train-checkpoint";

/** Everything the loop needs to continue exactly; saved in each checkpoint. */
export interface LoopState {
  epoch: number;
  step: number;
  globalStep: number;
  rng: RngState;
  /** Stream position before this epoch's permutation; null between epochs. */
  epochRng: RngState | null;
  sums: Record<string, number>;
  samples: number;
  seconds: number;
  best: number | null;
  bestEpoch: number | null;
  wait: number;
  history: EpochRecord[];
  stopped: StopReason | null;
}


export interface CheckpointJson {
  format: string;
  version: number;
  size: number;
  batchSize: number;
  dropLast: boolean;
  epochs: number;
  state: LoopState;
}

/**
 * Before any training: `checkpoint.dir` must be a directory or creatable as one (its parents are
 * created now, so a bad path fails at once instead of after the first epoch).
 */
export async function checkCheckpointDir(dir: string): Promise<void> {
  const st = await statPath(dir).catch(() => undefined);
  if (st && st.kind !== "directory") throw new InvalidArgumentError("checkpoint.dir", `${dir} is a file, not a directory`);
  await makeDirs("checkpoint.dir", dirnamePath(dir));
}

/** The checkpoint in `dir` (found by core's recovery rule for atomic directories), or null. */
export async function readCheckpoint(dir: string): Promise<{ root: string; json: CheckpointJson } | null> {
  const root = await findSavedDir(dir);
  if (root === null) return null;
  const trainerDir = joinPath(root, TRAINER_DIR);
  const { tensors, json } = await loadState(trainerDir);
  tf.dispose(Object.values(tensors));
  const j = json as Partial<CheckpointJson> | null;
  if (!j || j.format !== CHECKPOINT_FORMAT || j.version !== 1 || typeof j.state !== "object" || j.state === null) {
    throw new CorruptFileError(joinPath(trainerDir, STATE_JSON), `not a training checkpoint (expected format '${CHECKPOINT_FORMAT}')`);
  }
  return { root, json: j as CheckpointJson };
}

export function checkLoopState(file: string, s: LoopState): void {
  const ints: (keyof LoopState)[] = ["epoch", "step", "globalStep", "samples", "wait"];
  for (const k of ints) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 0) throw new CorruptFileError(file, `state.${k}: expected a non-negative integer, got ${JSON.stringify(s[k])}`);
  }
  if (!Array.isArray(s.history) || typeof s.sums !== "object" || s.sums === null || typeof s.rng !== "object" || s.rng === null) {
    throw new CorruptFileError(file, "state: expected history, sums and rng");
  }
  try {
    Rng.fromState(s.rng);
    if (s.epochRng !== null) Rng.fromState(s.epochRng);
  } catch (error) {
    throw new CorruptFileError(file, `state.rng: ${(error as Error).message}`, { cause: error });
  }
}

