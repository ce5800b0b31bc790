import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, ShapeMismatchError, circle, initBackend } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAtlasVae } from "./atlas-vae.js";
import { chartConfidence, reconstructionError } from "./evaluate.js";
import { loadAtlasVae, saveAtlasVae } from "./io.js";
import { trainAtlasVae } from "./train.js";
import { ringImages } from "./toy-data.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "agm-vae-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Atlas VAE: the bound (1)–(2)", () => {
  it("computes −ELBO term by term as written (independent arithmetic on the networks' outputs)", async () => {
    for (const likelihood of ["gaussian", "bernoulli"] as const) {
      const m = 3;
      const d = 2;
      const D = 4;
      const sigma = 0.3;
      const vae = createAtlasVae({ charts: m, latentDim: d, dataShape: [D], hidden: [5], likelihood, sigma, seed: 2 });
      const xs = [
        [0.1, 0.9, 0.4, 0.0],
        [1.0, 0.2, 0.3, 0.7],
      ];
      const x = tf.tensor2d(xs);
      const noise = [0, 1, 2].map((y) => tf.tensor2d([[0.5 - y, 0.1 * y], [-0.3, 1.2 - y]])) as tf.Tensor2D[];
      const terms = vae.negativeBound(x, noise);
      // Independent evaluation from the raw network outputs.
      const feat = vae.nets.trunk.apply(x) as tf.Tensor;
      const q = (await (vae.nets.partitionHead.apply(feat) as tf.Tensor).array()) as number[][];
      let total = 0;
      for (let i = 0; i < 2; i++) {
        // −KL(q(y|x) ‖ U) = −(Σ_y q log q + log m)
        let kl = Math.log(m);
        for (let y = 0; y < m; y++) kl += q[i]![y]! * Math.log(q[i]![y]!);
        let bound = -kl;
        for (let y = 0; y < m; y++) {
          const stats = (await (vae.nets.chartEncoders[y]!.apply(feat) as tf.Tensor).array()) as number[][];
          const mu = stats[i]!.slice(0, d);
          const logVar = stats[i]!.slice(d);
          let klz = 0;
          for (let k = 0; k < d; k++) klz += 0.5 * (mu[k]! ** 2 + Math.exp(logVar[k]!) - 1 - logVar[k]!);
          const eps = ((await noise[y]!.array()) as number[][])[i]!;
          const z = mu.map((u, k) => u + Math.exp(0.5 * logVar[k]!) * eps[k]!);
          const out = (await (vae.nets.chartDecoders[y]!.apply(tf.tensor2d([z])) as tf.Tensor).array()) as number[][];
          let logp = 0;
          for (let j = 0; j < D; j++) {
            const t = out[0]![j]!;
            const xv = xs[i]![j]!;
            if (likelihood === "bernoulli") {
              const p = 1 / (1 + Math.exp(-t));
              logp += xv * Math.log(p) + (1 - xv) * Math.log(1 - p);
            } else {
              logp += -((xv - t) ** 2) / (2 * sigma * sigma) - 0.5 * Math.log(2 * Math.PI * sigma * sigma);
            }
          }
          bound += q[i]![y]! * (-klz + logp);
        }
        total += -bound;
      }
      expect((await terms.loss.data())[0]).toBeCloseTo(total / 2, 3);
      tf.dispose([x, feat, ...noise, terms.loss, terms.klChart, terms.klLatent, terms.reconstruction]);
      vae.dispose();
    }
  });
});

describe("Atlas VAE on a circle embedded in R^8, m = 3", () => {
  const train = circle(256, 1, { embedDim: 8 });
  const test = circle(200, 2, { embedDim: 8 });

  it("trains: the bound improves, reconstruction falls, every chart is used, no tensors leak, save/load is exact", async () => {
    const vae = createAtlasVae({ charts: 3, latentDim: 1, dataShape: [8], hidden: [32, 32], sigma: 0.1, seed: 0 });
    try {
      const before = (await reconstructionError(vae, test)).mse;
      const count = tf.memory().numTensors;
      const history = await trainAtlasVae(vae, train, { epochs: 30, batchSize: 32, learningRate: 3e-3, seed: 1, validation: test });
      expect(tf.memory().numTensors).toBe(count);
      const losses = history.epochs.map((e) => e.losses.loss!);
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      const after = (await reconstructionError(vae, test)).mse;
      expect(after).toBeLessThan(0.3 * before);
      const x = tf.tensor2d(test.data, [test.n, 8]);
      const psi = vae.partition(x);
      for (const s of (await psi.sum(1).data())) expect(s).toBeCloseTo(1, 5);
      psi.dispose();
      const conf = await chartConfidence(vae, test);
      for (const c of conf.chartCounts) expect(c).toBeGreaterThan(0.05 * test.n);

      await saveAtlasVae(join(dir, "vae"), vae);
      const loaded = await loadAtlasVae(join(dir, "vae"));
      const z = tf.tensor2d([[0.3], [-1.2]]);
      for (const [a, b] of [
        [vae.partition(x), loaded.partition(x)],
        [vae.encode(x, 2), loaded.encode(x, 2)],
        [vae.decode(z, 1), loaded.decode(z, 1)],
      ] as const) {
        expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
        tf.dispose([a, b]);
      }
      tf.dispose([x, z]);
      loaded.dispose();
    } finally {
      vae.dispose();
    }
  });

  it("works on images with a Bernoulli likelihood (G_y = sigmoid of the logits)", async () => {
    const ring = ringImages(64, { size: 8, seed: 3 });
    const vae = createAtlasVae({ charts: 2, latentDim: 1, dataShape: [8, 8, 1], hidden: [16] });
    try {
      expect(vae.config.likelihood).toBe("bernoulli");
      const history = await trainAtlasVae(vae, ring, { epochs: 2, batchSize: 32 });
      expect(history.epochs).toHaveLength(2);
      const g = vae.decode(tf.zeros([3, 1]), 1);
      expect(g.shape).toEqual([3, 8, 8, 1]);
      for (const v of (await g.data())) expect(v > 0 && v < 1).toBe(true);
      g.dispose();
    } finally {
      vae.dispose();
    }
  });

  it("rejects bad options and inputs", async () => {
    expect(() => createAtlasVae({ charts: 2, latentDim: 0, dataShape: [3] })).toThrow(InvalidArgumentError);
    expect(() => createAtlasVae({ charts: 2, latentDim: 1, dataShape: [] })).toThrow(/dataShape/);
    expect(() => createAtlasVae({ charts: 2, latentDim: 1, dataShape: [3], sigma: 0 })).toThrow(/sigma/);
    const vae = createAtlasVae({ charts: 2, latentDim: 1, dataShape: [8] });
    try {
      const wrong = tf.zeros([2, 7]);
      expect(() => vae.encode(wrong, 0)).toThrow(ShapeMismatchError);
      wrong.dispose();
      await expect(trainAtlasVae(vae, train, { epochs: 0 })).rejects.toThrow(/epochs/);
      await expect(trainAtlasVae(vae, { data: [1, Number.NaN, 0, 0, 0, 0, 0, 0], n: 1, dim: 8 })).rejects.toThrow(/finite/);
    } finally {
      vae.dispose();
    }
  });
});
