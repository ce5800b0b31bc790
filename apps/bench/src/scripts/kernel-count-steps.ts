/**
 * The training steps whose kernels kernel-counts.ts counts, browser-safe (no Node imports) so that
 * the same steps run in Node and in headless Chromium (kernel-counts.page.ts): the GTN App. F
 * autoencoder (core's `adam()` 1e-3, MSE) and the AWAE-GAN at CPU width m = 4, both at batch 8 (the
 * kernel names and counts do not depend on the batch).
 */
import * as tf from "@tensorflow/tfjs";
import { AwaeGanTrainer, createAwaeGan, cpuAwaeGanOptions } from "@atlas/agm";
import { Rng, adam, gtnMnistAutoencoder } from "@atlas/core";

/** Build one step of `which` ("ae" or "awae"); the returned function runs it and awaits its result. */
export async function buildStep(which: "ae" | "awae"): Promise<() => Promise<void>> {
  if (which === "awae") {
    const model = createAwaeGan(cpuAwaeGanOptions(4, { seed: 1 }));
    const trainer = new AwaeGanTrainer(model, { seed: 2 });
    const x = tf.tensor4d(new Rng(3).uniformArray(8 * 28 * 28), [8, 28, 28, 1]);
    return async () => {
      await trainer.step(x);
    };
  }
  const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
  const optimizer = adam(1e-3);
  const x = tf.tensor4d(new Rng(0).uniformArray(8 * 28 * 28), [8, 28, 28, 1]);
  return async () => {
    const l = optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar, true)!;
    await l.data();
    l.dispose();
  };
}

/** Kernels that never dispatch GPU work on webgpu (a view, a reference, the wrapper of a `tf.customGrad` op): counted apart. */
export const NO_DISPATCH = new Set(["Identity", "Reshape", "unnamed scope"]);

/** Kernel counts of one profiled step (after one warm-up step), by name, most frequent first. */
export async function countStepKernels(which: "ae" | "awae"): Promise<{ total: number; dispatching: number; counts: [string, number][] }> {
  const step = await buildStep(which);
  await step();
  const info = await tf.profile(() => step());
  const counts = new Map<string, number>();
  for (const k of info.kernels) if (!k.name.endsWith("__op") && k.name !== "forward") counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((a, [, n]) => a + n, 0);
  const dispatching = sorted.reduce((a, [name, n]) => a + (NO_DISPATCH.has(name) ? 0 : n), 0);
  return { total, dispatching, counts: sorted };
}
