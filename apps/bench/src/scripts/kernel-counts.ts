/**
 * Which tfjs kernels one training step runs, by name and count (tf.profile), on the active
 * backend (`--backend=cpu` by default here): the op decomposition (and so the kernel names and
 * counts) comes from tfjs-core's gradients and the optimizer, the same on every backend except for
 * the kernels a backend fuses itself. Used to pick what to fuse on WebGPU (issue 14 §4).
 * Run: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/scripts/kernel-counts.ts [ae|awae] [--backend=cpu]`
 */
import * as tf from "@tensorflow/tfjs";
import { AwaeGanTrainer, createAwaeGan, cpuAwaeGanOptions } from "@atlas/agm";
import { Rng, gtnMnistAutoencoder } from "@atlas/core";

const which = process.argv[2] ?? "ae";
const backend = process.argv.find((a) => a.startsWith("--backend="))?.slice(10) ?? "cpu";
await tf.setBackend(backend);

async function aeStep(): Promise<() => Promise<void>> {
  const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(new Rng(0).uniformArray(8 * 28 * 28), [8, 28, 28, 1]);
  return async () => {
    const l = optimizer.minimize(() => tf.losses.meanSquaredError(x, decoder.apply(encoder.apply(x, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar, true)!;
    await l.data();
    l.dispose();
  };
}

async function awaeStep(): Promise<() => Promise<void>> {
  const model = createAwaeGan(cpuAwaeGanOptions(4, { seed: 1 }));
  const trainer = new AwaeGanTrainer(model, { seed: 2 });
  const x = tf.tensor4d(new Rng(3).uniformArray(8 * 28 * 28), [8, 28, 28, 1]);
  return async () => {
    await trainer.step(x);
  };
}

const step = which === "awae" ? await awaeStep() : await aeStep();
await step();
const info = await tf.profile(() => step());
const counts = new Map<string, number>();
for (const k of info.kernels) if (!k.name.endsWith("__op")) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
const total = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(`${which} step on ${backend}: ${total} kernels`);
for (const [name, n] of [...counts.entries()].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(6)}  ${name}`);
