/**
 * GTN paper, MNIST at latent dimension d = 5 (section 3, Fig. 6, Appendix F): the vanilla
 * autoencoder, a GTN (7×50, batch norm) on its codes, and FID against the reconstruction FID (the
 * best a decoder-based sampler can reach). The paper reports FID only for CelebA and CIFAR-10; its
 * CelebA ratio FID / recon-FID = 73.18 / 67.08 = 1.09 is the comparable figure.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng, batchImages, loadMnist, subsetDataset, type Dataset } from "@atlas/core";
import { GTN, LatentAutoencoder, trainGTN, trainLatentAutoencoder } from "@atlas/gtn";
import { fid, inceptionScore, type BuiltinExtractor } from "@atlas/metrics";
import { exists, settingsHash } from "../files.js";
import { labelledStrips } from "../plot.js";
import type { Experiment, ReportRow } from "../types.js";
import { pick, round, saveFigure, take } from "./common.js";
import { experimentMnistExtractor } from "./mnist-extractor.js";

/** The paper's CelebA numbers (Table 1, GTN row). */
export const CELEBA = { fid: 73.18, reconFid: 67.08, is: 1.9, reconIs: 1.94 } as const;

type Sizes = { train: number; test: number; aeEpochs: number; gtnEpochs: number; samples: number; seed: number; quickExtractor: boolean };

/** Decode `z` in batches and return features and logits of the images. */
async function featuresOf(ext: BuiltinExtractor, images: tf.Tensor4D): Promise<{ features: Float32Array; logits: Float32Array; dim: number; classes: number }> {
  const f = await ext.features(images);
  const l = await ext.logits(images);
  return { features: f.data, logits: l.data, dim: f.dim, classes: l.dim };
}

async function decodeBatched(ae: LatentAutoencoder, z: Float32Array, d: number, batch = 1000): Promise<tf.Tensor4D> {
  const n = z.length / d;
  const parts: tf.Tensor4D[] = [];
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const zt = tf.tensor2d(z.subarray(i * d, (i + m) * d), [m, d]);
    parts.push(await ae.decode(zt));
    zt.dispose();
  }
  const all = tf.concat(parts) as tf.Tensor4D;
  tf.dispose(parts);
  return all;
}

export const gtnMnist: Experiment = {
  id: "gtn-mnist",
  title: "MNIST at d = 5: FID and recon-FID (Fig. 6; the CelebA ratio of Table 1 for comparison)",
  paper: "GTN",
  description:
    "The paper trains its vanilla autoencoder (Appendix F: conv 64, 128, k4 s2 p1, ReLU, linear → d, tanh; batch 128, Adam 1e-3, weight decay 1e-5) on MNIST with d = 5, a GTN h (7 hidden layers of width 50 with batch norm, LeakyReLU(0.5), Adam 1e-3, batch 128) on the training codes, and shows samples decode(h(y)) beside reconstructions (Fig. 6; it reports no MNIST number). For CelebA it reports FID 73.18 against a reconstruction FID of 67.08 (ratio 1.09, Table 1). We compute both on MNIST with the built-in MNIST feature extractor (a classifier trained by @atlas/metrics; not Inception, so the values are not comparable with Inception FIDs, only the ratio is), on 10 000 random training images, 10 000 GTN samples and the reconstructions of the same 10 000 images, plus the FID of decoding N(μ, diag σ²) fitted to the codes (the paper's Fig. 17 comparison) and the Inception Score with the same classifier. Core's autoencoder has a batch norm before the latent tanh (the literal network saturates its tanh within ~25 steps, in PyTorch as well; see the gtn README). h is trained twice on the same codes: with PyTorch's batch-norm settings (momentum 0.1, ε 1e-5; the package default, as the paper's code) and with tfjs's (0.99 in tfjs's convention = PyTorch 0.01, ε 1e-3).",
  estimate: { cpu: "≈ 45 min", paper: "≈ 3 h on CPU (20 autoencoder epochs)", quick: "≈ 1 min" },
  cpuSeconds: 2700,
  async run(ctx) {
    const s: Sizes = pick(ctx, {
      cpu: { train: 60_000, test: 10_000, aeEpochs: 5, gtnEpochs: 100, samples: 10_000, seed: 1, quickExtractor: false },
      paper: { train: 60_000, test: 10_000, aeEpochs: 20, gtnEpochs: 100, samples: 10_000, seed: 1, quickExtractor: false },
      quick: { train: 1_000, test: 500, aeEpochs: 1, gtnEpochs: 3, samples: 400, seed: 1, quickExtractor: true },
    });
    const d = 5;
    const full = await loadMnist("train");
    const train: Dataset = s.train >= full.shape[0] ? full : subsetDataset(full, { start: 0, end: s.train });
    const test = await loadMnist("test");
    const aeDir = join(ctx.work, "models", `gtn-mnist-ae-${settingsHash(s)}`);

    // 1) the autoencoder (checkpointed per epoch; the finished model is kept in the work directory)
    const ae = await ctx.part("gtn-mnist/autoencoder", s, async () => {
      const model = await trainLatentAutoencoder(train, {
        latentDim: d,
        epochs: s.aeEpochs,
        seed: s.seed,
        onProgress: ctx.training("autoencoder"),
        checkpoint: { dir: join(ctx.work, "checkpoints", `gtn-mnist-ae-${settingsHash(s)}`) },
      });
      try {
        const testSet = batchImages(test, Int32Array.from({ length: Math.min(s.test, test.shape[0]) }, (_, i) => i));
        const testMse = await model.reconstructionError(testSet);
        testSet.dispose();
        await model.save(aeDir);
        return { testMse: round(testMse, 5) };
      } finally {
        model.dispose();
      }
    });
    const autoencoder = await LatentAutoencoder.load(aeDir);
    try {
      const codesT = await autoencoder.encode(train);
      const codes = Float32Array.from(await codesT.data());
      codesT.dispose();
      const ext = await experimentMnistExtractor(ctx, s.quickExtractor);
      // the real set: s.samples random training images (the paper's FID protocol), and their reconstructions
      const pickIdx = Int32Array.from(new Rng(s.seed + 10).permutation(train.shape[0]).slice(0, s.samples));
      const realImages = batchImages(train, pickIdx);
      const real = await featuresOf(ext, realImages);
      const reconImages = await decodeBatched(autoencoder, await take(await autoencoder.encode(realImages)), d);
      const recon = await featuresOf(ext, reconImages);
      const reconFid = fid({ data: real.features, dim: real.dim, extractor: ext.id }, { data: recon.features, dim: recon.dim, extractor: ext.id }).fid;
      const reconIs = inceptionScore({ data: recon.logits, dim: recon.classes }).mean;
      // the Fig. 17 baseline: decode N(μ, diag σ²) fitted to the training codes
      const mu = new Float64Array(d);
      const sd = new Float64Array(d);
      const n = codes.length / d;
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k] = (mu[k] as number) + (codes[i * d + k] as number) / n;
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sd[k] = (sd[k] as number) + ((codes[i * d + k] as number) - (mu[k] as number)) ** 2 / n;
      const gauss = new Float32Array(s.samples * d);
      const g = new Rng(s.seed + 20);
      for (let i = 0; i < s.samples; i++) for (let k = 0; k < d; k++) gauss[i * d + k] = (mu[k] as number) + Math.sqrt(sd[k] as number) * g.normal();
      const gaussImages = await decodeBatched(autoencoder, gauss, d);
      const gaussF = await featuresOf(ext, gaussImages);
      gaussImages.dispose();
      const gaussFid = fid({ data: real.features, dim: real.dim, extractor: ext.id }, { data: gaussF.features, dim: gaussF.dim, extractor: ext.id }).fid;

      const rows: ReportRow[] = [];
      const scale = `${s.train.toLocaleString("en-US")} training images, autoencoder ${s.aeEpochs} epoch(s), h 7×50 ≤ ${s.gtnEpochs} epochs (early stop), ${s.samples.toLocaleString("en-US")} images per FID set, extractor ${ext.id}`;
      const common = { scale, seeds: `${s.seed} (autoencoder, y, h), ${s.seed + 10} (real set)`, backend: ctx.backend };
      rows.push(
        { quantity: `Autoencoder test reconstruction MSE (${s.test.toLocaleString("en-US")} test images)`, paper: null, ours: ae.value.testMse, ...common, seconds: ae.seconds },
        { quantity: "recon-FID (reconstructions vs real)", paper: CELEBA.reconFid, ours: round(reconFid, 4), ...common, seconds: ae.seconds, note: "paper: CelebA, Inception features; ours: MNIST, built-in extractor" },
        { quantity: "recon-IS (built-in classifier)", paper: CELEBA.reconIs, ours: round(reconIs, 4), ...common, seconds: ae.seconds, note: "paper: CelebA, Inception" },
        { quantity: "FID of decoded N(μ, diag σ²) fitted to the codes (Fig. 17 baseline)", paper: null, ours: round(gaussFid, 4), ...common, seconds: ae.seconds },
      );

      let paperGtn: GTN | undefined;
      for (const bn of [{ name: "PyTorch", momentum: 0.9, epsilon: 1e-5 }, { name: "tfjs", momentum: 0.99, epsilon: 1e-3 }] as const) {
        const gtnDir = join(ctx.work, "models", `gtn-mnist-h-${bn.name}-${settingsHash(s)}`);
        const part = await ctx.part(`gtn-mnist/h-${bn.name}`, { ...s, bn }, async () => {
          const gtn = await trainGTN({ data: codes, dim: d }, { preset: "mnist", epochs: s.gtnEpochs, seed: s.seed, batchNormMomentum: bn.momentum, batchNormEpsilon: bn.epsilon, onProgress: ctx.training(`h (${bn.name} BN)`) });
          try {
            await gtn.save(gtnDir);
            const hist = gtn.report!.history;
            return { epochs: hist.epochs.length, bestValidation: round(Math.min(...hist.epochs.map((e) => e.validationLoss ?? Infinity)), 5), labelSeconds: round(gtn.report!.labelSeconds, 4) };
          } finally {
            gtn.dispose();
          }
        });
        const gtn = await GTN.load(gtnDir);
        const z = await take(await gtn.sample(s.samples, 7));
        const images = await decodeBatched(autoencoder, z, d);
        const gen = await featuresOf(ext, images);
        images.dispose();
        const genFid = fid({ data: real.features, dim: real.dim, extractor: ext.id }, { data: gen.features, dim: gen.dim, extractor: ext.id }).fid;
        const genIs = inceptionScore({ data: gen.logits, dim: gen.classes }).mean;
        const tag = `h with ${bn.name} batch-norm settings`;
        const c = { ...common, seconds: part.seconds };
        rows.push(
          { quantity: `FID of GTN samples — ${tag}`, paper: CELEBA.fid, ours: round(genFid, 4), ...c, note: "paper: CelebA, Inception features" },
          { quantity: `FID / recon-FID — ${tag}`, paper: round(CELEBA.fid / CELEBA.reconFid, 3), ours: round(genFid / reconFid, 3), ...c, note: "paper: CelebA 73.18 / 67.08" },
          { quantity: `IS of GTN samples — ${tag}`, paper: CELEBA.is, ours: round(genIs, 4), ...c, note: "paper: CelebA, Inception" },
          { quantity: `h: best validation MSE, epochs — ${tag}`, paper: null, ours: `${part.value.bestValidation}, ${part.value.epochs}`, ...c },
        );
        if (bn.name === "PyTorch") {
          rows.push({ quantity: `Labelling ${n.toLocaleString("en-US")} codes, d = 5 (Algorithm 1)`, paper: null, ours: `${part.value.labelSeconds} s`, ...c });
          paperGtn = gtn;
        } else gtn.dispose();
      }

      // figures: samples, reconstructions (real above, reconstruction below), interpolations
      const figures = [];
      const flat = async (t: tf.Tensor): Promise<Float32Array[]> => {
        const v = await take(t);
        return Array.from({ length: v.length / 784 }, (_, i) => v.subarray(i * 784, (i + 1) * 784));
      };
      const sampleImgs = await flat(await autoencoder.decode(await paperGtn!.sample(48, 11)));
      figures.push(await saveFigure(ctx, "samples.png", labelledStrips(Array.from({ length: 4 }, (_, r) => ({ images: sampleImgs.slice(r * 12, r * 12 + 12) })), 28, 28), "Fig. 6 (right, top): GTN samples decode(h(y)), y ~ N(0, I), h with PyTorch batch-norm settings."));
      const realRows = await flat(realImages.slice([0, 0, 0, 0], [24, -1, -1, -1]));
      const reconRows = await flat(reconImages.slice([0, 0, 0, 0], [24, -1, -1, -1]));
      figures.push(
        await saveFigure(
          ctx,
          "reconstructions.png",
          labelledStrips([0, 1].flatMap((r) => [{ images: realRows.slice(r * 12, r * 12 + 12) }, { images: reconRows.slice(r * 12, r * 12 + 12) }]), 28, 28),
          "Fig. 6 (right, bottom): real training images (rows 1 and 3) and their reconstructions (rows 2 and 4).",
        ),
      );
      const ends = await take(await paperGtn!.sampleInputs(16, 12));
      const strips = [];
      for (let r = 0; r < 8; r++) {
        const line = await paperGtn!.interpolate(ends.subarray(2 * r * d, (2 * r + 1) * d), ends.subarray((2 * r + 1) * d, (2 * r + 2) * d), 10);
        strips.push({ images: await flat(await autoencoder.decode(line)) });
        line.dispose();
      }
      figures.push(await saveFigure(ctx, "interpolations.png", labelledStrips(strips, 28, 28), "Interpolations: decode(h(y)) along straight lines between two normal points (the paper's Fig. 8 for CelebA/HaP)."));
      paperGtn!.dispose();
      realImages.dispose();
      reconImages.dispose();
      return { rows, figures, settings: { ...s, extractor: ext.id, extractorAccuracy: ext.testAccuracy }, notes: [`Built-in extractor ${ext.id}: ${(ext.testAccuracy * 100).toFixed(2)}% test accuracy.`] };
    } finally {
      autoencoder.dispose();
    }
  },
};

/** For the test: whether a model directory exists. */
export const modelExists = exists;
