/**
 * Suite `train-reads`: what reading the step losses costs a training run. The GTN paper's MNIST
 * autoencoder (Appendix F, batch 128, Adam, MSE — `trainLatentAutoencoder`'s step without weight
 * decay) and an AWAE-GAN step (m = 4 at the CPU widths, batch 100, `AwaeGanTrainer.stepDeferred`,
 * i.e. `trainAwaeGan`'s step) trained through core's `trainLoop` three ways, in one run, round-robin:
 *
 * - "step reads its loss (dataSync)": the step returns `loss.dataSync()[0]`, as the library's
 *   trainers did before (a synchronous read per step; impossible on a GPU backend in Node);
 * - "tensor loss, read a step later": the step returns the loss tensor and the loop reads it after
 *   the next step is dispatched (the library's trainers now; `readLossesEvery: 1`);
 * - "tensor loss, readLossesEvery 10": ten steps' losses in one read.
 *
 * On the synchronous wasm/cpu backends the step's work happens at dispatch, so the three should
 * match (the check that the change costs CPU training nothing); on an asynchronous backend (WebGPU,
 * WebGL) the later variants keep the device busy while the host reads.
 */
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { Rng, gtnMnistAutoencoder, initBackend, trainLoop, type TrainLoopOptions } from "@atlas/core";
import { AwaeGanTrainer, cpuAwaeGanOptions, createAwaeGan } from "@atlas/agm";
import type { BenchRow, BenchSuite, SuiteResult } from "../framework.js";
import { withRatios } from "../framework.js";

const BATCH = 128;
const BEFORE = "step reads its losses (dataSync every step, as before)";

function int(options: Record<string, string>, key: string, fallback: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${key} expects a positive integer, got '${v}'`);
  return n;
}

/** A workload: its step's losses as tensors (a record), and its cleanup. */
interface Workload {
  name: string;
  batch: number;
  losses: (batch: Int32Array, rng: Rng) => Record<string, tf.Scalar>;
  dispose: () => void;
}

function autoencoder(steps: number): Workload {
  const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(new Rng(0).uniformArray(BATCH * steps * 28 * 28), [BATCH * steps, 28, 28, 1]);
  return {
    name: `GTN Appendix F autoencoder, batch ${BATCH}`,
    batch: BATCH,
    losses: (batch) =>
      tf.tidy(() => {
        const xb = tf.gather(x, tf.tensor1d(batch, "int32"));
        return { loss: optimizer.minimize(() => tf.losses.meanSquaredError(xb, decoder.apply(encoder.apply(xb, { training: true }), { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar };
      }),
    dispose: () => {
      x.dispose();
      encoder.dispose();
      decoder.dispose();
      optimizer.dispose();
    },
  };
}

function awaeGan(steps: number): Workload {
  const batch = 100;
  const model = createAwaeGan({ ...cpuAwaeGanOptions(4), seed: 0 });
  const trainer = new AwaeGanTrainer(model, { seed: 0 });
  const x = tf.tensor4d(new Rng(1).uniformArray(batch * steps * 28 * 28), [batch * steps, 28, 28, 1]);
  return {
    name: `AWAE-GAN m = 4 (CPU widths), batch ${batch}`,
    batch,
    losses: (b, rng) => {
      const xb = tf.tidy(() => tf.gather(x, tf.tensor1d(b, "int32")));
      try {
        return { ...trainer.stepDeferred(xb, rng) };
      } finally {
        xb.dispose();
      }
    },
    dispose: () => {
      x.dispose();
      trainer.dispose();
      model.dispose();
    },
  };
}

export const trainReadsSuite: BenchSuite = {
  name: "train-reads",
  description: "trainLoop with the step's losses read synchronously every step (as the trainers did) vs left on the device (as they do now): GTN autoencoder and AWAE-GAN steps",
  async run(ctx): Promise<SuiteResult> {
    const steps = int(ctx.options, "steps", ctx.quick ? 2 : 8);
    const rounds = int(ctx.options, "rounds", ctx.quick ? 1 : 3);
    const which = (ctx.options.model ?? "ae,awae").split(",");
    const selected = await initBackend();
    ctx.log(`initBackend: ${selected.name} (${selected.reason})`);
    const rows: BenchRow[] = [];
    const load: number[] = [];
    for (const make of [...(which.includes("ae") ? [autoencoder] : []), ...(which.includes("awae") ? [awaeGan] : [])]) {
      const w = make(steps);
      const before = `${w.name}: ${BEFORE}`;
      const variants: { name: string; options: Partial<TrainLoopOptions> }[] = [
        {
          name: before,
          options: {
            step: (b, c) =>
              tf.tidy(() => Object.fromEntries(Object.entries(w.losses(b, c.rng)).map(([k, t]) => [k, t.dataSync()[0] as number]))),
          },
        },
        { name: `${w.name}: tensor losses, read a step later (readLossesEvery 1, the trainers now)`, options: { step: (b, c) => w.losses(b, c.rng) } },
        { name: `${w.name}: tensor losses, readLossesEvery 10`, options: { step: (b, c) => w.losses(b, c.rng), readLossesEvery: 10 } },
      ];
      const ms = variants.map(() => 0);
      try {
        const run = async (v: (typeof variants)[number], count: number): Promise<void> => {
          const history = await trainLoop({ size: w.batch * count, batchSize: w.batch, epochs: 1, seed: 0, step: () => 0, ...v.options } as TrainLoopOptions);
          if (history.stopped !== "completed") throw new Error(`${v.name}: ${history.stopped}`);
        };
        for (const v of variants) await run(v, 1); // warm-up: kernels, Adam's slots
        for (let r = 0; r < rounds; r++) {
          load.push(loadavg()[0] ?? 0);
          for (const [j, v] of variants.entries()) {
            const t0 = performance.now();
            await run(v, steps);
            ms[j]! += performance.now() - t0;
            ctx.log(`  round ${r + 1}/${rounds} ${v.name}: ${((performance.now() - t0) / steps).toFixed(0)} ms/step`);
          }
        }
      } finally {
        w.dispose();
      }
      const total = steps * rounds;
      const these = variants.map((v, j): BenchRow => {
        const msPerStep = ms[j]! / total;
        return { variant: v.name, backend: selected.name, steps: total, msPerStep, throughput: (w.batch * 1000) / msPerStep, unit: "samples" };
      });
      rows.push(...withRatios(these, before));
    }
    const notes = [
      `one run: ${rounds} round(s) of ${steps} steps per variant, round-robin, after one warm-up step each; load average ${load.map((l) => l.toFixed(1)).join(", ")} at the rounds' starts (the machine is shared: ratios, not absolute times)`,
      "ratios are against each workload's first row (the per-step synchronous read); the variants continue training the same model, whose step cost does not depend on the weights",
    ];
    return { suite: this.name, description: this.description, backend: selected.name, rows, notes };
  },
};
