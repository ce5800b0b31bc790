import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { loadModel, loadOptimizer, saveModel, saveOptimizer } from "./files.js";
import { Rng } from "./rng.js";
import {
  type EpochRecord,
  type TrainLoopOptions,
  type TrainProgress,
  getLearningRate,
  learningRateAt,
  setLearningRate,
  trainLoop,
} from "./train.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await fs.mkdtemp(path.join(os.tmpdir(), "atlas-train-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A scalar tensor's value, read asynchronously (as on a GPU backend); the tensor is disposed. */
async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0]!;
  } finally {
    t.dispose();
  }
}

/** Solve the normal equations (AᵀA)β = Aᵀy in float64 by Gaussian elimination with pivoting. */
function leastSquares(a: number[][], y: number[]): number[] {
  const p = a[0]!.length;
  const m = Array.from({ length: p }, (_, i) => [
    ...Array.from({ length: p }, (_, j) => a.reduce((s, row) => s + row[i]! * row[j]!, 0)),
    a.reduce((s, row, r) => s + row[i]! * y[r]!, 0),
  ]);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= p; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[p]! / row[i]!);
}

describe("trainLoop batches", () => {
  it("shuffles each epoch into a permutation, keeps the last partial batch, and weights epoch losses by batch size", async () => {
    const seen: number[][][] = [];
    const history = await trainLoop({
      size: 10,
      batchSize: 4,
      epochs: 3,
      seed: 5,
      step: (batch, ctx) => {
        (seen[ctx.epoch] ??= []).push(Array.from(batch));
        return batch.length;
      },
    });
    expect(seen.map((e) => e.map((b) => b.length))).toEqual([
      [4, 4, 2],
      [4, 4, 2],
      [4, 4, 2],
    ]);
    for (const epoch of seen) expect(epoch.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen[0]!.flat()).not.toEqual(seen[1]!.flat());
    // the same permutations as the Rng gives from the same seed
    const rng = new Rng(5);
    expect(seen.map((e) => e.flat())).toEqual([0, 1, 2].map(() => Array.from(rng.permutation(10))));
    // sample-weighted mean of step losses: (4·4 + 4·4 + 2·2) / 10 = 3.6
    expect(history.epochs.map((e) => e.losses.loss)).toEqual([3.6, 3.6, 3.6]);
    expect(history.stopped).toBe("completed");
    expect(history.globalStep).toBe(9);
  });

  it("drops the last partial batch with dropLast", async () => {
    const sizes: number[] = [];
    const distinct = new Set<number>();
    await trainLoop({
      size: 10,
      batchSize: 4,
      epochs: 1,
      dropLast: true,
      step: (batch) => {
        sizes.push(batch.length);
        batch.forEach((i) => distinct.add(i));
        return 0;
      },
    });
    expect(sizes).toEqual([4, 4]);
    expect(distinct.size).toBe(8);
  });

  it("stops on a non-finite loss", async () => {
    const history = await trainLoop({ size: 8, batchSize: 2, epochs: 3, step: (_b, ctx) => (ctx.globalStep === 5 ? Number.NaN : 1) });
    expect(history.stopped).toBe("non-finite-loss");
    expect(history.epochs.length).toBe(1);
    expect(history.globalStep).toBe(5);
  });
});

describe("trainLoop on a linear regression", () => {
  it("trains to the closed-form least-squares solution", async () => {
    const rng = new Rng(11);
    const n = 64;
    const rows = Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const y = rows.map((r) => 1.5 * r[0]! - 2 * r[1]! + 0.5 * r[2]! + 0.3 + 0.1 * rng.normal());
    const beta = leastSquares(
      rows.map((r) => [...r, 1]),
      y,
    );
    const X = tf.tensor2d(rows);
    const Y = tf.tensor2d(y, [n, 1]);
    const w = tf.variable(tf.zeros([3, 1]));
    const b = tf.variable(tf.zeros([1]));
    const opt = tf.train.sgd(0.1);
    const history = await trainLoop({
      size: n,
      batchSize: 16,
      epochs: 80,
      seed: 3,
      learningRate: { initial: 0.1, halveAtEpochs: [20, 30, 40, 50, 60, 70] },
      optimizers: opt,
      // a step may return its loss as a number, read here (asynchronously)
      step: async (batch) => {
        const loss = tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = X.gather(idx);
          const yb = Y.gather(idx);
          return opt.minimize(() => tf.losses.meanSquaredError(yb, xb.matMul(w).add(b)) as tf.Scalar, true, [w, b])!;
        });
        const value = (await loss.data())[0]!;
        loss.dispose();
        return value;
      },
    });
    const got = [...(await w.data()), ...(await b.data())];
    for (let i = 0; i < 4; i++) expect(Math.abs(got[i]! - beta[i]!)).toBeLessThan(2e-3);
    // and it really moved from zero towards (1.5, -2, 0.5, 0.3)
    expect(beta[1]!).toBeLessThan(-1.9);
    expect(history.epochs.at(-1)!.losses.loss!).toBeLessThan(history.epochs[0]!.losses.loss!);
    tf.dispose([X, Y, w, b]);
    opt.dispose();
  });
});

describe("learning-rate schedules", () => {
  it("halves at the given epochs (AGM: after epochs 5, 25, 50)", () => {
    const s = { initial: 1e-3, halveAtEpochs: [5, 25, 50] };
    expect([0, 4, 5, 24, 25, 49, 50, 99].map((e) => learningRateAt(s, e))).toEqual([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 1.25e-4, 1.25e-4]);
    expect(learningRateAt({ initial: { d: 0.2, g: 0.4 }, halveAtEpochs: [1], factor: 0.1 }, 1)).toEqual({ d: 0.2 * 0.1, g: 0.4 * 0.1 });
  });

  it("sets the optimisers' rates at the start of the right epochs and reports each change once", async () => {
    const opt = tf.train.sgd(1);
    const seenInStep: number[] = [];
    const changes: [number, number][] = [];
    const history = await trainLoop({
      size: 4,
      batchSize: 4,
      epochs: 8,
      learningRate: { initial: 0.1, halveAtEpochs: [2, 5] },
      optimizers: opt,
      onLearningRate: (lr, epoch) => changes.push([lr as number, epoch]),
      step: () => {
        seenInStep.push(getLearningRate(opt));
        return 0;
      },
    });
    expect(seenInStep).toEqual([0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]);
    expect(history.epochs.map((e) => e.learningRate)).toEqual(seenInStep);
    expect(changes).toEqual([
      [0.1, 0],
      [0.05, 2],
      [0.025, 5],
    ]);
    opt.dispose();
  });

  it("setLearningRate changes Adam's actual update (tfjs 4.22 reads the protected field each step)", async () => {
    const run = async (opt: tf.Optimizer): Promise<number[]> => {
      const v = tf.variable(tf.tensor1d([1, 2]));
      for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, false, [v]);
      const out = Array.from(await v.data());
      v.dispose();
      opt.dispose();
      return out;
    };
    const adam = tf.train.adam(0.5);
    setLearningRate(adam, 0.01);
    expect(getLearningRate(adam)).toBe(0.01);
    expect(await run(adam)).toEqual(await run(tf.train.adam(0.01)));
    const momentum = tf.train.momentum(0.5, 0.9);
    setLearningRate(momentum, 0.01);
    expect(await run(momentum)).toEqual(await run(tf.train.momentum(0.01, 0.9)));
    expect(() => setLearningRate(tf.train.adam(0.1), 0)).toThrow(/learningRate/);
    expect(() => setLearningRate({} as tf.Optimizer, 0.1)).toThrow(/optimizer/);
  });

  it("trains two optimisers in one step, each with its own scheduled rate", async () => {
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const optD = tf.train.sgd(1);
    const optG = tf.train.sgd(1);
    const history = await trainLoop({
      size: 8,
      batchSize: 4,
      epochs: 30,
      learningRate: { initial: { d: 0.1, g: 0.2 }, halveAtEpochs: [10] },
      optimizers: { d: optD, g: optG },
      // numbers read by the step itself (one read of both losses)
      step: async () => {
        const both = tf.tidy(() => {
          const ld = optD.minimize(() => tf.square(tf.sub(a, 3)) as tf.Scalar, true, [a])!;
          const lg = optG.minimize(() => tf.square(tf.add(b, 1)) as tf.Scalar, true, [b])!;
          return tf.stack([ld, lg]);
        });
        const [d, g] = await both.data();
        both.dispose();
        return { d: d!, g: g! };
      },
    });
    expect(getLearningRate(optD)).toBeCloseTo(0.05, 12);
    expect(getLearningRate(optG)).toBeCloseTo(0.1, 12);
    expect(Object.keys(history.epochs[0]!.losses)).toEqual(["d", "g"]);
    expect(history.epochs[0]!.learningRate).toEqual({ d: 0.1, g: 0.2 });
    // closed form: gradient descent on (a-3)² multiplies a-3 by (1 - 2·lr) per step; 2 steps per
    // epoch, 10 epochs at the initial rate, 20 at half of it
    expect((await a.data())[0]!).toBeCloseTo(3 * (1 - 0.8 ** 20 * 0.9 ** 40), 5);
    expect((await b.data())[0]!).toBeCloseTo(-1 * (1 - 0.6 ** 20 * 0.8 ** 40), 5);
    tf.dispose([a, b]);
    optD.dispose();
    optG.dispose();
  });
});

describe("early stopping", () => {
  it("stops after `patience` epochs without improvement and restores the best", async () => {
    const val = [5, 4, 3, 3.5, 3.2, 3.1, 2.0, 1.0];
    const improved: number[] = [];
    let restored = 0;
    const history = await trainLoop({
      size: 2,
      batchSize: 2,
      epochs: 8,
      step: () => 1,
      validate: ({ epoch }) => val[epoch]!,
      earlyStopping: { patience: 3, onImprovement: (e) => void improved.push(e), restoreBest: () => void restored++ },
    });
    expect(history.stopped).toBe("early-stopping");
    expect(history.epochs.map((e) => e.validationLoss)).toEqual([5, 4, 3, 3.5, 3.2, 3.1]);
    expect(history.bestEpoch).toBe(2);
    expect(history.bestValidationLoss).toBe(3);
    expect(improved).toEqual([0, 1, 2]);
    expect(restored).toBe(1);
  });

  it("counts only improvements larger than minDelta", async () => {
    const val = [5, 4, 3.6, 3.2, 3.0, 2.9, 1, 1];
    const history = await trainLoop({
      size: 2,
      batchSize: 2,
      epochs: 8,
      step: () => 1,
      validate: ({ epoch }) => val[epoch]!,
      earlyStopping: { patience: 2, minDelta: 0.5 },
    });
    // 4 < 5-0.5 improves; 3.6 no; 3.2 < 3.5 improves; 3.0, 2.9 no → stop after epoch 5
    expect(history.epochs.length).toBe(6);
    expect(history.bestEpoch).toBe(3);
  });
});

describe("checkpoints and resume", () => {
  const n = 50;
  const dataRng = new Rng(21);
  const xData = dataRng.normalArray(n * 4);
  const yData = Float32Array.from({ length: n }, (_, i) => Math.sin(xData[4 * i]!) + 0.5 * xData[4 * i + 1]! * xData[4 * i + 2]!);

  function makeModel(): tf.LayersModel {
    return tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 8, activation: "tanh", kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
      ],
    });
  }

  interface Run {
    model: tf.LayersModel;
    opt: tf.Optimizer;
    options: TrainLoopOptions;
    dispose: () => void;
  }

  /** `tensors`: the step and validation return their losses as tensors (the loop reads them). */
  function makeRun(dir: string | undefined, extra: Partial<TrainLoopOptions> = {}, failAtStep = -1, tensors = false): Run {
    const X = tf.tensor2d(xData, [n, 4]);
    const Y = tf.tensor2d(yData, [n, 1]);
    let model = makeModel();
    const opt = tf.train.adam(0.02);
    const vars = (): tf.Variable[] => model.trainableWeights.map((w) => w.read() as tf.Variable);
    const options: TrainLoopOptions = {
      size: n,
      batchSize: 16,
      epochs: 6,
      seed: 99,
      learningRate: { initial: 0.02, halveAtEpochs: [3] },
      optimizers: opt,
      step: (batch, ctx) => {
        if (ctx.globalStep === failAtStep) throw new Error("simulated crash");
        // input noise drawn from ctx.rng: must be reproduced exactly after a resume
        const noise = ctx.rng.normalArray(batch.length * 4, 0, 0.05);
        const loss = tf.tidy(() => {
          const idx = tf.tensor1d(batch, "int32");
          const xb = X.gather(idx).add(tf.tensor2d(noise, [batch.length, 4]));
          const yb = Y.gather(idx);
          return opt.minimize(() => tf.losses.meanSquaredError(yb, model.apply(xb) as tf.Tensor) as tf.Scalar, true, vars())!;
        });
        return tensors ? loss : readScalar(loss);
      },
      validate: () => {
        const v = tf.tidy(() => tf.losses.meanSquaredError(Y, model.apply(X) as tf.Tensor) as tf.Scalar);
        return tensors ? v : readScalar(v);
      },
      ...(dir
        ? {
            checkpoint: {
              dir,
              every: 2,
              save: async (d: string) => {
                await saveModel(path.join(d, "model"), model);
                await saveOptimizer(path.join(d, "adam"), opt);
              },
              load: async (d: string) => {
                const loaded = await loadModel(path.join(d, "model"));
                model.dispose();
                model = loaded;
                await loadOptimizer(path.join(d, "adam"), opt);
              },
            },
          }
        : {}),
      ...extra,
    };
    return {
      get model() {
        return model;
      },
      opt,
      options,
      dispose: () => {
        tf.dispose([X, Y]);
        model.dispose();
        opt.dispose();
      },
    };
  }

  const withoutTimes = (epochs: EpochRecord[]): Omit<EpochRecord, "seconds">[] => epochs.map(({ seconds: _s, ...rest }) => rest);
  const weights = async (m: tf.LayersModel): Promise<number[][]> => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));

  it("an aborted run resumed from its mid-epoch checkpoint ends with exactly the uninterrupted weights and history", async () => {
    const plain = makeRun(undefined);
    const reference = await trainLoop(plain.options);
    expect(reference.stopped).toBe("completed");
    expect(reference.epochs.length).toBe(6);

    const dir = path.join(root, "ckpt-abort");
    const controller = new AbortController();
    const first = makeRun(dir, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === "step" && e.globalStep === 10) controller.abort();
      },
    });
    const partial = await trainLoop(first.options);
    expect(partial.stopped).toBe("aborted");
    expect(partial.globalStep).toBe(10);
    first.dispose();

    const second = makeRun(dir);
    const resumed = await trainLoop(second.options);
    expect(resumed.resumedFrom).toEqual({ epoch: 2, step: 2 });
    expect(resumed.stopped).toBe("completed");
    expect(resumed.globalStep).toBe(reference.globalStep);
    expect(withoutTimes(resumed.epochs)).toEqual(withoutTimes(reference.epochs));
    expect(resumed.bestEpoch).toBe(reference.bestEpoch);
    expect(await weights(second.model)).toEqual(await weights(plain.model));
    expect(getLearningRate(second.opt)).toBe(0.01);

    // a completed checkpoint resumes to the same history at once, without steps
    const third = makeRun(dir, { step: () => Number.NaN });
    const again = await trainLoop(third.options);
    expect(again.stopped).toBe("completed");
    expect(withoutTimes(again.epochs)).toEqual(withoutTimes(reference.epochs));
    expect(await weights(third.model)).toEqual(await weights(plain.model));
    [plain, second, third].forEach((r) => r.dispose());
  });

  it("an abort from a timer (as from a Ctrl-C handler) stops the loop at the next step, though the steps never wait", async () => {
    // Each step busy-waits 2 ms without awaiting anything. The abort comes from a macrotask, like
    // an OS signal handler: it can only run if the loop lets the event loop turn between steps.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const h = await trainLoop({
      size: 5000,
      batchSize: 1,
      epochs: 1,
      signal: controller.signal,
      step: () => {
        const t = performance.now();
        while (performance.now() - t < 2);
        return 0;
      },
    });
    expect(h.stopped).toBe("aborted");
    // 5000 steps would take ≥ 10 s; the abort lands within a few steps of 30 ms (generous bound for a loaded machine)
    expect(h.globalStep).toBeLessThan(2500);
  });

  it("without a signal, timers still run during a long run of steps that never wait (at least every 100 ms)", async () => {
    // 40 steps of 10 ms busy-waiting (≥ 400 ms) that await nothing: a timer set before the run
    // (progress output, a parent reading this process's pipe) must fire during the run, not after.
    let fired = -1;
    let step = 0;
    setTimeout(() => (fired = step), 0);
    await trainLoop({
      size: 40,
      batchSize: 1,
      epochs: 1,
      step: () => {
        step++;
        const t = performance.now();
        while (performance.now() - t < 10);
        return 0;
      },
    });
    expect(fired).toBeGreaterThanOrEqual(1);
    // 100 ms have passed by the 11th step at the latest; generous bound for a loaded machine
    expect(fired).toBeLessThan(30);
  });

  it("with tensor losses read 3 steps at a time, an aborted run resumes to exactly the weights and history of the plain run", async () => {
    const plain = makeRun(undefined);
    const reference = await trainLoop(plain.options);
    const dir = path.join(root, "ckpt-abort-tensors");
    const controller = new AbortController();
    const first = makeRun(
      dir,
      {
        signal: controller.signal,
        readLossesEvery: 3,
        onProgress: (e) => {
          if (e.phase === "step" && e.globalStep === 5) controller.abort();
        },
      },
      -1,
      true,
    );
    const partial = await trainLoop(first.options);
    expect(partial.stopped).toBe("aborted");
    // 4 steps per epoch: steps 5–7 are read together once step 8 has been dispatched and step 8 at
    // the epoch's end, so the abort raised at step 5's event takes effect before step 9; the
    // checkpoint (after epoch 2, every: 2) holds all 8 steps
    expect(partial.globalStep).toBe(8);
    first.dispose();
    const second = makeRun(dir, {}, -1, true);
    const resumed = await trainLoop(second.options);
    expect(resumed.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(withoutTimes(resumed.epochs)).toEqual(withoutTimes(reference.epochs));
    expect(await weights(second.model)).toEqual(await weights(plain.model));
    [plain, second].forEach((r) => r.dispose());
  });

  it("a crashed run resumes from the last every-N checkpoint to the same result", async () => {
    const plain = makeRun(undefined);
    const reference = await trainLoop(plain.options);
    const dir = path.join(root, "ckpt-crash");
    // 4 steps per epoch: global step 13 is in epoch 3 (0-based), after the checkpoint of epoch 2's end
    const crashing = makeRun(dir, {}, 13);
    await expect(trainLoop(crashing.options)).rejects.toThrow("simulated crash");
    crashing.dispose();
    expect((await fs.readdir(root)).filter((e) => e.startsWith("ckpt-crash"))).toEqual(["ckpt-crash"]);
    const resumedRun = makeRun(dir);
    const resumed = await trainLoop(resumedRun.options);
    expect(resumed.resumedFrom).toEqual({ epoch: 2, step: 0 });
    expect(withoutTimes(resumed.epochs)).toEqual(withoutTimes(reference.epochs));
    expect(await weights(resumedRun.model)).toEqual(await weights(plain.model));
    [plain, resumedRun].forEach((r) => r.dispose());
  });

  it("refuses to resume a checkpoint of a differently shaped run", async () => {
    const dir = path.join(root, "ckpt-shape");
    const r = makeRun(dir, { epochs: 2 });
    await trainLoop(r.options);
    r.dispose();
    const other = makeRun(dir, { batchSize: 8 });
    await expect(trainLoop(other.options)).rejects.toThrow(/checkpoint\.dir: holds a run with size 50, batchSize 16/);
    other.dispose();
  });
});

describe("progress events and tensors", () => {
  it("emits step and epoch events with counts, rate and ETA", async () => {
    const events: TrainProgress[] = [];
    await trainLoop({ size: 10, batchSize: 5, epochs: 2, step: (_b, ctx) => (ctx.step === 0 ? 0.5 : 1.5), validate: () => 0.25, onProgress: (e) => events.push(e) });
    expect(events.map((e) => `${e.phase}:${e.epoch}:${e.step}/${e.stepsPerEpoch}`)).toEqual([
      "step:0:1/2",
      "step:0:2/2",
      "epoch:0:2/2",
      "step:1:1/2",
      "step:1:2/2",
      "epoch:1:2/2",
    ]);
    expect(events[2]!.validationLoss).toBe(0.25);
    expect(events[0]!.losses).toEqual({ loss: 0.5 });
    // running epoch mean vs the step's own loss
    expect(events[1]!.losses).toEqual({ loss: 1 });
    expect(events[1]!.stepLosses).toEqual({ loss: 1.5 });
    expect(events[2]!.losses).toEqual({ loss: 1 });
    expect(events.at(-1)!.etaSeconds).toBe(0);
    // after epoch 0 of 2, one whole epoch (10 samples) remains, at the measured rate
    expect(events[2]!.etaSeconds).toBeCloseTo(10 / events[2]!.samplesPerSecond, 6);
    expect(events[1]!.etaSeconds).toBeCloseTo(10 / events[1]!.samplesPerSecond, 6);
    expect(events.every((e) => e.epochs === 2 && e.samplesPerSecond >= 0)).toBe(true);
  });

  it("leaks no tensors across steps or runs, and leakCheck catches a leaky step", async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = tf.train.sgd(0.1);
    const options: TrainLoopOptions = {
      size: 12,
      batchSize: 4,
      epochs: 4,
      learningRate: { initial: 0.1, halveAtEpochs: [1, 2, 3] },
      optimizers: opt,
      leakCheck: true,
      step: () => readScalar(tf.tidy(() => opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, true, [v])!)),
    };
    await trainLoop(options); // warm-up
    const before = tf.memory().numTensors;
    await trainLoop(options);
    expect(tf.memory().numTensors).toBe(before);
    const leaked: tf.Tensor[] = [];
    await expect(trainLoop({ size: 4, batchSize: 1, epochs: 1, leakCheck: true, step: () => (leaked.push(tf.scalar(1)), 0) })).rejects.toThrow(
      /step: leaked 1 tensor\(s\) in epoch 0, step 1/,
    );
    tf.dispose([v, ...leaked]);
    opt.dispose();
  });
});

describe("tensor losses", () => {
  /** A step whose loss is `values[globalStep]`, returned as a scalar tensor; logs what happens when. */
  function tensorSteps(values: number[], log: string[]): TrainLoopOptions["step"] {
    return (_b, ctx) => {
      log.push(`dispatch ${ctx.globalStep + 1}`);
      return tf.scalar(values[ctx.globalStep]!);
    };
  }

  it("reads them batched and a step late, with the same epoch losses as numbers", async () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const log: string[] = [];
    const reads: number[] = [];
    const data = tf.Tensor.prototype.data;
    tf.Tensor.prototype.data = function (this: tf.Tensor) {
      reads.push(this.size);
      return data.call(this);
    } as typeof data;
    let history;
    try {
      history = await trainLoop({
        size: 12,
        batchSize: 2,
        epochs: 2,
        readLossesEvery: 2,
        step: tensorSteps(values, log),
        onProgress: (e) => log.push(`${e.phase} ${e.globalStep}`),
      });
    } finally {
      tf.Tensor.prototype.data = data;
    }
    // 6 steps per epoch; a read once two unread steps wait behind the newest, and at the epoch's end
    expect(log.slice(0, 11)).toEqual([
      "dispatch 1",
      "dispatch 2",
      "dispatch 3",
      "step 1",
      "step 2",
      "dispatch 4",
      "dispatch 5",
      "step 3",
      "step 4",
      "dispatch 6",
      "step 5",
    ]);
    expect(log.slice(11, 13)).toEqual(["step 6", "epoch 6"]);
    // one read per pair of steps: 3 per epoch, each of 2 losses (the epoch's last read: steps 5, 6)
    expect(reads).toEqual([2, 2, 2, 2, 2, 2]);
    // equal batches: the epoch loss is the plain mean, (1 + … + 6) / 6 = 3.5 and (7 + … + 12) / 6 = 9.5
    expect(history.epochs.map((e) => e.losses.loss)).toEqual([3.5, 9.5]);
    expect(history.globalStep).toBe(12);
  });

  it("keeps the order and names of a record mixing tensors and numbers", async () => {
    const events: TrainProgress[] = [];
    const history = await trainLoop({
      size: 4,
      batchSize: 2,
      epochs: 1,
      step: (_b, ctx) => ({ g: tf.scalar(ctx.step + 1), n: 10, d: tf.scalar(-ctx.step) }),
      onProgress: (e) => events.push(e),
    });
    expect(events[0]!.stepLosses).toEqual({ g: 1, n: 10, d: -0 });
    expect(Object.keys(events[1]!.stepLosses!)).toEqual(["g", "n", "d"]);
    expect(history.epochs[0]!.losses).toEqual({ g: 1.5, n: 10, d: -0.5 });
  });

  it("stops on a non-finite tensor loss one step late (documented lag), counting the steps before it", async () => {
    const log: string[] = [];
    const history = await trainLoop({ size: 8, batchSize: 2, epochs: 3, step: tensorSteps([1, 1, 1, 1, 1, Number.NaN, 1, 1, 1, 1, 1, 1], log) });
    expect(history.stopped).toBe("non-finite-loss");
    // the NaN is step 6; step 7 was dispatched before it was read
    expect(log.at(-1)).toBe("dispatch 7");
    expect(history.globalStep).toBe(5);
    expect(history.epochs.length).toBe(1);
  });

  it("early stopping on a validation loss returned as a tensor", async () => {
    const val = [3, 2, 2.5, 2.25, 1]; // exact in float32
    const history = await trainLoop({
      size: 4,
      batchSize: 2,
      epochs: 5,
      step: () => tf.scalar(1),
      validate: (ctx) => tf.scalar(val[ctx.epoch]!),
      earlyStopping: { patience: 2 },
    });
    expect(history.stopped).toBe("early-stopping");
    expect(history.epochs.map((e) => e.validationLoss)).toEqual([3, 2, 2.5, 2.25]);
    expect(history.bestEpoch).toBe(1);
  });

  it("leaks nothing: not on completion, not when a step throws with losses unread, not on a bad return value", async () => {
    const run = (extra: Partial<TrainLoopOptions>) =>
      trainLoop({ size: 12, batchSize: 2, epochs: 2, readLossesEvery: 4, leakCheck: true, step: () => ({ a: tf.scalar(1), b: tf.scalar(2) }), validate: () => tf.scalar(0.5), ...extra });
    await run({}); // warm-up
    const before = tf.memory().numTensors;
    // the unread losses (up to 5 steps' worth) are not mistaken for a leak by leakCheck
    expect((await run({})).stopped).toBe("completed");
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      run({
        step: (_b, ctx) => {
          if (ctx.globalStep === 3) throw new Error("boom");
          return { a: tf.scalar(1), b: tf.scalar(2) };
        },
      }),
    ).rejects.toThrow("boom");
    expect(tf.memory().numTensors).toBe(before);
    await expect(run({ step: () => ({ a: tf.scalar(1), b: tf.tensor1d([1, 2]) as never }) })).rejects.toThrow(/step: must return scalar losses, got a tensor of shape \[2\] for 'b'/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(run({ step: () => ({ a: tf.scalar(1), b: "x" as never }) })).rejects.toThrow(InvalidArgumentError);
    expect(tf.memory().numTensors).toBe(before);
    await expect(run({ validate: () => tf.tensor1d([1, 2]) as never })).rejects.toThrow(/validate: must return a number or a scalar tensor/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a disposed loss tensor, naming it", async () => {
    await expect(
      trainLoop({
        size: 2,
        batchSize: 1,
        epochs: 1,
        step: () => {
          const t = tf.scalar(1);
          t.dispose();
          return { d: t };
        },
      }),
    ).rejects.toThrow(/returned a disposed tensor for 'd'/);
  });
});

describe("trainLoop options", () => {
  const base: TrainLoopOptions = { size: 10, batchSize: 2, epochs: 2, step: () => 0 };
  const cases: [string, Partial<TrainLoopOptions> | Record<string, unknown>][] = [
    ["batchSize", { batchSize: 0 }],
    ["epochs", { epochs: Number.NaN }],
    ["size", { size: 0 }],
    ["step", { step: undefined }],
    ["seed", { seed: -1 }],
    ["earlyStopping.patience", { validate: () => 0, earlyStopping: { patience: -1 } }],
    ["earlyStopping", { earlyStopping: { patience: 1 } }],
    ["learningRate.halveAtEpochs", { learningRate: { initial: 0.1, halveAtEpochs: [5, 3] } }],
    ["learningRate.halveAtEpochs[0]", { learningRate: { initial: 0.1, halveAtEpochs: [0] } }],
    ["learningRate.initial", { learningRate: { initial: Number.NaN } }],
    ["optimizers", { learningRate: { initial: { d: 0.1 } }, optimizers: { g: tf.train.sgd(0.1) } }],
    ["optimizers", { optimizers: tf.train.sgd(0.1) }],
    ["checkpoint.every", { checkpoint: { dir: "x", every: 0, save: async () => {}, load: async () => {} } }],
    ["checkpoint.load", { checkpoint: { dir: "x", every: 1, save: async () => {} } }],
    ["batchSize", { size: 3, batchSize: 4, dropLast: true }],
    ["readLossesEvery", { readLossesEvery: 0 }],
  ];
  for (const [argument, patch] of cases) {
    it(`rejects bad ${argument} before any step`, async () => {
      let steps = 0;
      const err = await trainLoop({ ...base, step: () => (steps++, 0), ...patch } as TrainLoopOptions).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe(argument);
      expect(steps).toBe(0);
    });
  }

  it("rejects a step that returns something other than losses", async () => {
    await expect(trainLoop({ ...base, step: () => "x" as unknown as number })).rejects.toThrow(/step: must return a number or a record/);
  });
});
