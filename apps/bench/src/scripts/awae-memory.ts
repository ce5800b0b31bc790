/**
 * Memory of one AWAE-GAN training step on the wasm backend (issue 14: the paper widths m = 4 and 8
 * at batch 100 abort with "memory access out of bounds"): tf.profile's peak bytes of live tensors
 * and the largest single tensor, and the wasm heap's size after the step, at small batches — the
 * activations grow linearly in the batch, so two batches give the per-sample slope.
 * Run: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/scripts/awae-memory.ts 4 10,20`
 */
import * as tf from "@tensorflow/tfjs";
import { AwaeGanTrainer, createAwaeGan, paperAwaeGanOptions } from "@atlas/agm";
import { Rng, backendMemory, initBackend } from "@atlas/core";

const m = Number(process.argv[2] ?? 4) as 1 | 4 | 8;
const batches = (process.argv[3] ?? "10,20").split(",").map(Number);
await initBackend({ backend: "wasm" });
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
for (const n of batches) {
  const model = createAwaeGan(paperAwaeGanOptions(m, { seed: 1 }));
  const trainer = new AwaeGanTrainer(model, { seed: 2 });
  const x = tf.tensor4d(new Rng(3).uniformArray(n * 28 * 28), [n, 28, 28, 1]);
  const weights = tf.memory().numBytes;
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await trainer.step(x);
    return [];
  });
  let largest = 0;
  let largestKernel = "";
  for (const k of info.kernels) {
    for (const s of k.outputShapes) {
      const bytes = 4 * (s as number[]).reduce((a, b) => a * b, 1);
      if (bytes > largest) [largest, largestKernel] = [bytes, `${k.name} [${(s as number[]).join(", ")}]`];
    }
  }
  console.log(`m ${m} batch ${n}: ${((performance.now() - t0) / 1000).toFixed(1)} s; weights etc. ${mib(weights)}; peak live tensors ${mib(info.peakBytes)}; largest tensor ${mib(largest)} (${largestKernel}); wasm heap ${mib(backendMemory().wasmHeapBytes ?? 0)}`);
  x.dispose();
  trainer.dispose();
  model.dispose();
}
