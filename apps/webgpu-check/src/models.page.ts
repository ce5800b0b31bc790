/**
 * Browser side of the model checks: each workload runs on one "variant" — wasm (the reference,
 * with Atlas's wasm kernels), webgpu with the stock kernels, webgpu with Atlas's kernels — and
 * returns its named outputs as plain arrays; models.test.ts compares the variants.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { expose, loaded, takeGpuErrors, watchGpuErrors, webgpuAdapterInfo } from "@atlas/browser-test/page";
import { Rng, convDecoder, convEncoder, gtnMnistAutoencoder, mlp, registerAtlasKernels, restoreStockKernels } from "@atlas/core";
import { AwaeGanTrainer, createAtlasVae, createAwaeGan, cpuAwaeGanOptions, paperAwaeGanOptions, trainAtlasVae } from "@atlas/agm";
import { trainGTN, trainLatentAutoencoder } from "@atlas/gtn";
import { ZERO_PREFIX } from "./outputs.js";

setWasmPaths("/wasm/");

/** Where a workload runs. */
export type Variant = "wasm" | "webgpu-stock" | "webgpu-atlas";

/** Named outputs of a workload. */
type Outputs = Record<string, number[]>;

async function use(variant: Variant): Promise<void> {
  const backend = variant === "wasm" ? "wasm" : "webgpu";
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (backend === "wasm") {
    registerAtlasKernels("wasm");
    return;
  }
  watchGpuErrors((tf.backend() as unknown as { device: Parameters<typeof watchGpuErrors>[0] }).device);
  if (variant === "webgpu-stock") restoreStockKernels("webgpu");
  else registerAtlasKernels("webgpu");
}

async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/**
 * Forward output (training mode) and the gradients of Σ y·r (r fixed) with respect to every
 * trainable weight of `models`, in order; `models` applied one after the other. Keys name the
 * layer class and weight (`grad 3 Conv2DTranspose/bias 8`); the gradient of a bias that feeds a
 * batch norm is exactly 0 (the norm subtracts the batch mean), so its key starts with ZERO_PREFIX.
 */
async function forwardAndGrads(models: tf.LayersModel[], x: tf.Tensor, seed: number): Promise<Outputs> {
  const weights: { v: tf.Variable; key: string }[] = [];
  for (const m of models) {
    m.layers.forEach((layer, j) => {
      const feedsNorm = m.layers[j + 1]?.getClassName() === "BatchNormalization";
      for (const w of layer.trainableWeights) {
        const short = w.name.split("/").pop() ?? w.name;
        const i = weights.length;
        const zero = feedsNorm && short.startsWith("bias");
        weights.push({ v: w.read() as tf.Variable, key: `${zero ? ZERO_PREFIX : ""}grad ${i} ${layer.getClassName()}/${short} ${w.shape.join("×")}` });
      }
    });
  }
  const vars = weights.map((w) => w.v);
  const apply = (): tf.Tensor => models.reduce((t, m) => m.apply(t, { training: true }) as tf.Tensor, x);
  const y = tf.tidy(apply); // the intermediate outputs between models are the tidy's
  const r = tf.tensor(new Rng(seed).normalArray(y.size), y.shape);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(), r)) as tf.Scalar, vars);
  const out: Outputs = { forward: await read(y) };
  for (const { v, key } of weights) out[key] = await read(grads[v.name]!);
  tf.dispose([y, r, value, ...Object.values(grads)]);
  return out;
}

const images = (n: number, shape: [number, number, number], seed: number): tf.Tensor4D => tf.tensor4d(new Rng(seed).uniformArray(n * shape[0] * shape[1] * shape[2]), [n, ...shape]);

/** The workloads, by name. Small sizes: SwiftShader runs WebGPU on the CPU. */
const WORKLOADS: Record<string, () => Promise<Outputs>> = {
  async mlp() {
    const model = mlp({ inputDim: 5, outputDim: 5, hiddenLayers: 3, width: 16, activation: "leakyRelu", alpha: 0.5, batchNorm: true, seed: 1 });
    const x = tf.tensor2d(new Rng(11).normalArray(32 * 5), [32, 5]);
    try {
      return await forwardAndGrads([model], x, 12);
    } finally {
      model.dispose();
      x.dispose();
    }
  },
  async convEncoder() {
    const model = convEncoder({ inputShape: [16, 16, 2], filters: [8, 16], activation: "swish", batchNorm: true, latentDim: 4, seed: 2 });
    const x = images(8, [16, 16, 2], 21);
    try {
      return await forwardAndGrads([model], x, 22);
    } finally {
      model.dispose();
      x.dispose();
    }
  },
  async convDecoder() {
    const model = convDecoder({ latentDim: 4, outputShape: [16, 16, 2], filters: [16, 8], batchNorm: true, seed: 3 });
    const z = tf.tensor2d(new Rng(31).normalArray(8 * 4), [8, 4]);
    try {
      return await forwardAndGrads([model], z, 32);
    } finally {
      model.dispose();
      z.dispose();
    }
  },
  async gtnMnistAutoencoder() {
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 5, seed: 4 });
    const x = images(4, [28, 28, 1], 41);
    try {
      return await forwardAndGrads([encoder, decoder], x, 42);
    } finally {
      encoder.dispose();
      decoder.dispose();
      x.dispose();
    }
  },
  /** One Adam step of GTN's h (64 labelled pairs, one batch, one epoch), then h on fixed inputs. */
  async gtnH() {
    const rng = new Rng(5);
    const latents = Array.from({ length: 64 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    const gtn = await trainGTN(latents, { preset: "swissRoll", batchSize: 64, epochs: 1, validationFraction: 0, seed: 51 });
    const y = tf.tensor2d(new Rng(52).normalArray(16 * 2), [16, 2]);
    try {
      const out = gtn.map(y);
      const values = await read(out);
      out.dispose();
      return { "h(y) after one step": values };
    } finally {
      y.dispose();
      gtn.h.dispose();
    }
  },
  /** One Adam step of GTN's latent autoencoder (App. F network, 8 images, one batch). */
  async gtnLatentAutoencoder() {
    const x = images(8, [28, 28, 1], 61);
    const ae = await trainLatentAutoencoder(x, { latentDim: 5, epochs: 1, batchSize: 8, seed: 62 });
    try {
      const z = ae.encode(x);
      const xr = ae.decode(z);
      const out = { "loss of the step": Object.values(ae.history!.epochs[0]!.losses), "codes after": await read(z), "reconstruction after": await read(xr) };
      tf.dispose([z, xr]);
      return out;
    } finally {
      ae.dispose();
      x.dispose();
    }
  },
  /** One AWAE-GAN step (CPU width, m = 4), then ψ and chart 0's reconstruction after it. */
  async awaeGan() {
    return ganStep(createAwaeGan(cpuAwaeGanOptions(4, { seed: 7 })), 71);
  },
  /** The single-chart WAE-GAN (m = 1) in the paper's layout (PyTorch padding, no encoder biases), at width h = 8. */
  async waeGan() {
    return ganStep(createAwaeGan({ ...paperAwaeGanOptions(1), h: 8, seed: 8 }), 81);
  },
  /** One Adam step of an Atlas VAE (m = 3 charts, d = 2, on 2-D points), then ψ and a decode after it. */
  async atlasVae() {
    const vae = createAtlasVae({ charts: 3, latentDim: 2, dataShape: [2], hidden: [16, 8], seed: 9 });
    const rng = new Rng(91);
    const data = { data: Array.from({ length: 32 * 2 }, () => rng.normal()), n: 32, dim: 2 };
    try {
      const history = await trainAtlasVae(vae, data, { epochs: 1, batchSize: 32, seed: 92 });
      const x = tf.tensor2d(Float32Array.from(data.data.slice(0, 16)), [8, 2]);
      const psi = vae.partition(x);
      const z = vae.encode(x, 1);
      const g = vae.decode(z, 1);
      const out = { "−ELBO of the step": Object.values(history.epochs[0]!.losses), "ψ after": await read(psi), "G_1(F_1(x)) after": await read(g) };
      tf.dispose([x, psi, z, g]);
      return out;
    } finally {
      vae.dispose();
    }
  },
};

async function ganStep(model: ReturnType<typeof createAwaeGan>, seed: number): Promise<Outputs> {
  const trainer = new AwaeGanTrainer(model, { seed });
  const x = images(8, [28, 28, 1], seed + 1);
  try {
    const stats = await trainer.step(x);
    const psi = model.partition(x);
    const z = model.encode(x, 0);
    const g = model.decode(z, 0);
    const out: Outputs = {
      "step losses": [stats.reconstruction, stats.adversarial, stats.discriminator, stats.chartBalance],
      "ψ after": await read(psi),
      "codes after": await read(z),
      "reconstruction after": await read(g),
    };
    tf.dispose([psi, z, g]);
    return out;
  } finally {
    trainer.dispose();
    model.dispose();
    x.dispose();
  }
}

expose("setup", async () => {
  await use("webgpu-atlas");
  return { backend: tf.getBackend(), adapter: await webgpuAdapterInfo(), workloads: Object.keys(WORKLOADS) };
});

expose("run", async (workload: string, variant: Variant) => {
  const fn = WORKLOADS[workload];
  if (fn === undefined) throw new Error(`no workload '${workload}'`);
  await use(variant);
  takeGpuErrors();
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const outputs = await fn();
  return { outputs, ms: performance.now() - t0, backend: tf.getBackend(), leaked: tf.memory().numTensors - before, gpuErrors: takeGpuErrors() };
});

loaded();
