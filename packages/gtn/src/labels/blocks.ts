import * as tf from "@tensorflow/tfjs";
import { Int16Dots } from "../int16-kernel.js";
import { CandidateList, TOLERANCE_MARGIN, exactArgmax, pickFromList } from "./candidates.js";
import { Float64Scorer, Int16Scorer, TfScorer, type Scorer } from "./scorers.js";

/* Higher dimension: lazy blocks of y against the remaining x, per-y candidate lists. */

function acceleratedBackend(): boolean {
  const name = tf.getBackend();
  return name === "wasm" || name === "tensorflow" || name === "webgl" || name === "webgpu";
}

export async function blockGreedy(
  ux: Float64Array,
  uy: Float64Array,
  n: number,
  d: number,
  blockSize: number,
  L: number,
  gemm: "auto" | "int16" | "float64" | "tfjs",
  eps: number,
  threads: number,
): Promise<Int32Array> {
  const B = Math.min(blockSize, n);
  let scorer: Scorer | undefined;
  if (gemm === "int16" || gemm === "auto") {
    const dots = Int16Dots.create(d, B, n, L, threads);
    if (dots) scorer = new Int16Scorer(ux, uy, n, d, dots);
  }
  if (!scorer) {
    const useTf = gemm === "tfjs" || (gemm !== "float64" && acceleratedBackend());
    scorer = useTf ? new TfScorer(ux, d, n) : new Float64Scorer(ux, d, B);
  }
  const twoDelta = 2 * scorer.delta;
  const band = eps > 0 ? twoDelta + eps + TOLERANCE_MARGIN : twoDelta;
  const taken = new Uint8Array(n);
  const rem = Int32Array.from({ length: n }, (_, p) => p);
  let remCount = n;
  let chunkCount = -1; // x count when the scorer's chunks were built
  const lists = Array.from({ length: B }, () => new CandidateList(L, band));
  const labelP = new Int32Array(n);
  try {
    for (let q0 = 0; q0 < n; q0 += B) {
      const rows = Math.min(B, n - q0);
      // compact the remaining x when an eighth of the scored ones are taken
      if (chunkCount < 0 || remCount * 8 < chunkCount * 7) {
        scorer.setRemaining(rem, remCount);
        chunkCount = remCount;
      }
      for (let i = 0; i < rows; i++) (lists[i] as CandidateList).reset();
      const collected = scorer.collect(uy, q0, rows, lists, taken);
      if (collected) await collected; // only the tfjs product reads asynchronously
      for (let i = 0; i < rows; i++) {
        const q = q0 + i;
        const list = lists[i] as CandidateList;
        let p = pickFromList(list, taken, uy, q * d, ux, d, twoDelta, eps);
        if (p < 0) p = exactArgmax(uy, q * d, ux, d, rem, remCount, taken, eps);
        labelP[q] = p;
        taken[p] = 1;
        scorer.markTaken?.(p);
      }
      // drop this block's taken x from the ascending remaining list
      let w = 0;
      for (let j = 0; j < remCount; j++) {
        const p = rem[j] as number;
        if (!taken[p]) rem[w++] = p;
      }
      remCount = w;
    }
  } finally {
    scorer.dispose();
  }
  return labelP;
}
