/**
 * MNIST training of the AWAE-GAN / WAE-GAN at the CPU widths, for the README's "Measured" table.
 *
 * Run from apps/bench (it resolves the workspace sources):
 *   pnpm exec tsx --conditions=@atlas/source ../../packages/agm/scripts/train-mnist.ts \
 *     --charts 4 --epochs 2 --lr 1e-3 --halve-after 1 --checkpoint /tmp/agm-m4 --out /tmp/agm-m4.json \
 *     [--train-size 60000] [--test-size 10000] [--chart-balance 10] [--deadline 17:50]
 *
 * Logs one line per 50 steps and per epoch (with the MEASURED epoch time), resumes from the
 * checkpoint directory when it exists, stops cleanly (checkpoint written) at `--deadline` (local
 * HH:MM), then evaluates on the test set: per-pixel reconstruction error (argmax chart), mean
 * max ψ and the argmax count per chart, written as JSON to `--out`.
 */
import { writeFile } from "node:fs/promises";
import { execSync } from "node:child_process";
import { initBackend, loadMnist, subsetDataset } from "@atlas/core";
import { chartConfidence, cpuAwaeGanOptions, createAwaeGan, reconstructionError, trainAwaeGan } from "../src/index.js";

const args = process.argv.slice(2);
const opt = (flag: string, fallback?: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const charts = Number(opt("--charts", "1"));
const epochs = Number(opt("--epochs", "1"));
const lr = Number(opt("--lr", "1e-3"));
const halveAfter = (opt("--halve-after", "") ?? "").split(",").filter((s) => s !== "").map(Number);
const trainSize = Number(opt("--train-size", "60000"));
const testSize = Number(opt("--test-size", "10000"));
const chartBalance = opt("--chart-balance");
const checkpointDir = opt("--checkpoint");
const out = opt("--out");
const deadline = opt("--deadline");
const seed = Number(opt("--seed", "0"));

const stamp = (): string => new Date().toISOString().slice(11, 19);
const log = (s: string): void => console.log(`[${stamp()}] ${s}`);
const load = (): string => execSync("cat /proc/loadavg").toString().trim();

const backend = (await initBackend()).tfBackend;
const train = subsetDataset(await loadMnist("train"), { start: 0, end: trainSize });
const test = subsetDataset(await loadMnist("test"), { start: 0, end: testSize });
const model = createAwaeGan({ ...cpuAwaeGanOptions(charts), seed });
log(`m=${charts} h=${model.config.h} d=${model.latentDim} backend=${backend} train=${trainSize} epochs=${epochs} lr=${lr} halveAfter=${halveAfter} chartBalance=${chartBalance ?? "default"} load ${load()}`);

// The deadline is checked after every step (a timer would never fire: the steps run synchronously).
const controller = new AbortController();
let deadlineAt = Number.POSITIVE_INFINITY;
if (deadline !== undefined) {
  const [hh, mm] = deadline.split(":").map(Number);
  const at = new Date();
  at.setHours(hh!, mm!, 0, 0);
  deadlineAt = at.getTime();
}

const epochSeconds: number[] = [];
let stepT0 = performance.now();
const t0 = performance.now();
const history = await trainAwaeGan(model, train, {
  schedule: "mnist",
  epochs,
  learningRate: lr,
  discriminatorLearningRate: lr / 2,
  halveAfter,
  seed,
  ...(chartBalance !== undefined ? { chartBalance: Number(chartBalance) } : {}),
  ...(checkpointDir !== undefined ? { checkpointDir } : {}),
  signal: controller.signal,
  onProgress: (e) => {
    if (e.phase !== "step") return;
    if (Date.now() >= deadlineAt && !controller.signal.aborted) {
      log(`deadline ${deadline}: stopping after this step (checkpoint written)`);
      controller.abort();
    }
    if (e.step % 50 === 0) {
      const ms = performance.now() - stepT0;
      stepT0 = performance.now();
      const fmt = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ");
      log(`epoch ${e.epoch + 1} step ${e.step}/${e.stepsPerEpoch}: ${fmt(e.losses)} — last 50 steps ${((50 * 100) / (ms / 1000)).toFixed(1)} samples/s (wall), ETA ${(e.etaSeconds / 60).toFixed(0)} min, load ${load()}`);
    }
  },
  onEpochEnd: (r) => {
    epochSeconds.push(r.seconds);
    log(`EPOCH ${r.epoch + 1} done in ${r.seconds.toFixed(0)} s (measured): ${JSON.stringify(r.losses)}, load ${load()}`);
  },
});
const trainSeconds = (performance.now() - t0) / 1000;
log(`training ${history.stopped} after ${history.globalStep} steps (${trainSeconds.toFixed(0)} s this process); evaluating on ${testSize} test images`);
const err = (await reconstructionError(model, test)).mse;
const conf = await chartConfidence(model, test, { bins: 20 });
const result = {
  charts,
  h: model.config.h,
  latentDim: model.latentDim,
  backend,
  trainImages: trainSize,
  epochs,
  stopped: history.stopped,
  globalStep: history.globalStep,
  resumedFrom: history.resumedFrom,
  learningRate: lr,
  halveAfter,
  chartBalance: chartBalance === undefined ? "default (= lambda = 10)" : Number(chartBalance),
  epochSecondsMeasured: epochSeconds,
  trainSecondsThisProcess: trainSeconds,
  testImages: testSize,
  testReconstructionError: err,
  meanChartConfidence: conf.mean,
  chartCounts: Array.from(conf.chartCounts),
  epochs_: history.epochs.map((e) => ({ epoch: e.epoch, seconds: e.seconds, losses: e.losses })),
  loadAtEnd: load(),
};
log(`RESULT m=${charts}: test reconstruction error ${err.toFixed(4)}, mean max ψ ${conf.mean.toFixed(3)}, chart counts ${result.chartCounts.join("/")}`);
if (out !== undefined) await writeFile(out, JSON.stringify(result, null, 1));
model.dispose();
