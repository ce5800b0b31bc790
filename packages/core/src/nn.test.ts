import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { convDecoder, convEncoder, gtnMnistAutoencoder, mlp } from "./nn.js";
import { Rng } from "./rng.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const layerClasses = (m: tf.LayersModel): string[] => m.layers.map((l) => l.getClassName());
/** A model's weights, read asynchronously (as on a GPU backend). */
const weightsOf = async (m: tf.LayersModel): Promise<Float32Array[]> => (await Promise.all(m.getWeights().map((w) => w.data()))) as Float32Array[];

describe("mlp", () => {
  it("has the closed-form parameter count and output shape", () => {
    // hidden: (in·w + w) + (L−1)(w·w + w), BN adds 4w per layer (γ, β, moving mean, moving variance); out: w·o + o
    const [inDim, outDim, L, w] = [5, 3, 7, 50];
    const plain = mlp({ inputDim: inDim, outputDim: outDim, hiddenLayers: L, width: w, activation: "leakyRelu", alpha: 0.5 });
    const dense = inDim * w + w + (L - 1) * (w * w + w) + w * outDim + outDim;
    expect(plain.countParams()).toBe(dense);
    const bn = mlp({ inputDim: inDim, outputDim: outDim, hiddenLayers: L, width: w, batchNorm: true });
    expect(bn.countParams()).toBe(dense + 4 * w * L);
    const y = plain.predict(tf.zeros([4, inDim])) as tf.Tensor;
    expect(y.shape).toEqual([4, outDim]);
    const linear = mlp({ inputDim: 2, outputDim: 4, hiddenLayers: 0, width: 9 });
    expect(linear.countParams()).toBe(2 * 4 + 4);
    tf.dispose([y]);
  });

  it("same seed, same weights; another seed, other weights", async () => {
    const make = (seed: number) => mlp({ inputDim: 3, outputDim: 2, hiddenLayers: 3, width: 8, batchNorm: true, seed });
    const a = await weightsOf(make(11));
    const b = await weightsOf(make(11));
    const c = await weightsOf(make(12));
    expect(a.map((w) => Array.from(w))).toEqual(b.map((w) => Array.from(w)));
    expect(Array.from(a[0]!)).not.toEqual(Array.from(c[0]!));
    // layers of equal shape do not share initial weights
    expect(Array.from(a[4]!)).not.toEqual(Array.from(a[8]!));
  });

  it("puts batch norm AFTER the activation (GTN) by default, and before it on request", () => {
    const m = mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 2, width: 4, activation: "leakyRelu", alpha: 0.5, batchNorm: true });
    expect(layerClasses(m)).toEqual(["Dense", "LeakyReLU", "BatchNormalization", "Dense", "LeakyReLU", "BatchNormalization", "Dense"]);
    const before = mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1, width: 4, activation: "swish", batchNorm: true, batchNormOrder: "before-activation" });
    expect(layerClasses(before)).toEqual(["Dense", "BatchNormalization", "Activation", "Dense"]);
  });

  it("computes BN(LeakyReLU_α(Wx + b)) numerically (inference mode)", async () => {
    const m = mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1, width: 2, activation: "leakyRelu", alpha: 0.5, batchNorm: true });
    const W = [
      [1, -2],
      [0.5, 1],
    ];
    const b = [0.1, -0.3];
    const [gamma, beta, mean, variance] = [[2, 0.5], [1, -1], [0.2, -0.4], [4, 0.25]];
    const V = [[1.5], [-0.5]];
    const c = [0.25];
    m.layers[0]!.setWeights([tf.tensor2d(W), tf.tensor1d(b)]);
    m.layers[2]!.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor1d(mean), tf.tensor1d(variance)]);
    m.layers[3]!.setWeights([tf.tensor2d(V), tf.tensor1d(c)]);
    const x = [0.7, 0.4];
    // by hand: z = xW + b; a = leaky(z, 0.5); n = γ(a − μ)/√(σ² + 1e-3) + β; y = n·V + c
    const z = [0, 1].map((j) => x[0]! * W[0]![j]! + x[1]! * W[1]![j]! + b[j]!);
    const a = z.map((v) => (v > 0 ? v : 0.5 * v));
    const n = a.map((v, j) => (gamma[j]! * (v - mean[j]!)) / Math.sqrt(variance[j]! + 1e-3) + beta[j]!);
    const expected = n[0]! * V[0]![0]! + n[1]! * V[1]![0]! + c[0]!;
    const y = (await (m.predict(tf.tensor2d([x])) as tf.Tensor).data())[0]!;
    expect(y).toBeCloseTo(expected, 5);
    // and the other order would differ here (z has a negative entry)
    expect(z.some((v) => v < 0)).toBe(true);
  });

  it("batch norm momentum and ε: tfjs's defaults (0.99, 1e-3), PyTorch's on request (0.9 = torch momentum 0.1, 1e-5)", async () => {
    const bnOf = (m: tf.LayersModel) => m.layers.find((l) => l.getClassName() === "BatchNormalization")!;
    const dflt = bnOf(mlp({ inputDim: 3, outputDim: 1, hiddenLayers: 1, width: 3, batchNorm: true })).getConfig();
    expect([dflt.momentum, dflt.epsilon]).toEqual([0.99, 1e-3]);
    // identity dense + linear activation: the BN sees x itself
    const m = mlp({ inputDim: 3, outputDim: 1, hiddenLayers: 1, width: 3, activation: "linear", batchNorm: true, batchNormMomentum: 0.9, batchNormEpsilon: 1e-5 });
    const bn = bnOf(m);
    expect([bn.getConfig().momentum, bn.getConfig().epsilon]).toEqual([0.9, 1e-5]);
    m.layers[0]!.setWeights([tf.eye(3), tf.zeros([3])]);
    const x = [
      [1, 2, -1],
      [3, 0, 0.5],
      [-2, 4, 2],
      [0, 1, 1.5],
    ];
    const y = tf.tidy(() => bn.apply(tf.tensor2d(x), { training: true }) as tf.Tensor);
    const out = (await y.array()) as number[][];
    y.dispose();
    // by hand, PyTorch's rule with momentum 0.1: running_mean = 0.9·0 + 0.1·mean, running_var = 0.9·1 + 0.1·var
    // (tfjs updates with the biased batch variance; PyTorch would use the unbiased one, ×4/3 here)
    const mean = [0, 1, 2].map((j) => x.reduce((s, r) => s + r[j]!, 0) / 4);
    const variance = [0, 1, 2].map((j) => x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / 4);
    const [, , movingMean, movingVar] = await Promise.all(bn.getWeights().map(async (w) => Array.from(await w.data())));
    mean.forEach((v, j) => expect(movingMean![j]!).toBeCloseTo(0.1 * v, 6));
    variance.forEach((v, j) => expect(movingVar![j]!).toBeCloseTo(0.9 + 0.1 * v, 6));
    // training output: (x − mean)/√(var + 1e-5) (γ = 1, β = 0)
    x.forEach((r, i) => r.forEach((v, j) => expect(out[i]![j]!).toBeCloseTo((v - mean[j]!) / Math.sqrt(variance[j]! + 1e-5), 4)));
    expect(() => mlp({ inputDim: 1, outputDim: 1, hiddenLayers: 1, width: 1, batchNorm: true, batchNormMomentum: 1.5 })).toThrow(/options\.batchNormMomentum/);
    expect(() => mlp({ inputDim: 1, outputDim: 1, hiddenLayers: 1, width: 1, batchNorm: true, batchNormEpsilon: 0 })).toThrow(/options\.batchNormEpsilon/);
  });

  it("swish is x·σ(x) and survives save/load", async () => {
    const m = mlp({ inputDim: 3, outputDim: 2, hiddenLayers: 2, width: 5, activation: "swish", seed: 3 });
    const act = m.layers.find((l) => l.getClassName() === "Activation")!;
    const xs = [-3, -0.5, 0, 1, 4];
    const ys = await (act.apply(tf.tensor1d(xs)) as tf.Tensor).data();
    xs.forEach((x, i) => expect(ys[i]).toBeCloseTo(x / (1 + Math.exp(-x)), 6));
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const x = tf.tensor2d(new Rng(5).normalArray(12), [4, 3]);
    expect(Array.from(await (loaded.predict(x) as tf.Tensor).data())).toEqual(Array.from(await (m.predict(x) as tf.Tensor).data()));
  });

  it("torch init draws kernels and biases in ±1/√fan_in", async () => {
    const m = mlp({ inputDim: 16, outputDim: 4, hiddenLayers: 1, width: 64, init: "torch", seed: 1 });
    const [k1, b1, k2] = await weightsOf(m);
    const within = (a: Float32Array, bound: number) => a.every((v) => Math.abs(v) <= bound);
    expect(within(k1!, 1 / 4)).toBe(true);
    expect(within(b1!, 1 / 4)).toBe(true);
    expect(within(k2!, 1 / 8)).toBe(true);
    // and they fill the range (not all tiny): max |k1| close to the bound
    expect(Math.max(...Array.from(k1!).map(Math.abs))).toBeGreaterThan(0.24);
  });

  it("rejects bad options naming them", () => {
    expect(() => mlp({ inputDim: 0, outputDim: 1, hiddenLayers: 1, width: 2 })).toThrow(/options\.inputDim/);
    expect(() => mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1.5, width: 2 })).toThrow(InvalidArgumentError);
    expect(() => mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1, width: 2, activation: "gelu" as never })).toThrow(/options\.activation: expected one of/);
    expect(() => mlp({ inputDim: 2, outputDim: 1, hiddenLayers: 1, width: 2, alpha: Number.NaN })).toThrow(/options\.alpha/);
    expect(() => mlp(null as never)).toThrow(/options/);
  });
});

describe("the GTN Appendix F autoencoder", () => {
  it("has the paper's shapes and parameter counts", async () => {
    const d = 5;
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: d, seed: 0 });
    // conv1 4·4·1·64+64, conv2 4·4·64·128+128, dense 7·7·128·d + d, batch norm γ, β, mean, variance (4d)
    expect(encoder.countParams()).toBe(16 * 64 + 64 + (16 * 64 * 128 + 128) + (6272 * d + d) + 4 * d);
    const literal = gtnMnistAutoencoder({ latentDim: d, seed: 0, latentBatchNorm: false }).encoder;
    expect(literal.countParams()).toBe(16 * 64 + 64 + (16 * 64 * 128 + 128) + (6272 * d + d));
    expect(layerClasses(literal)).toEqual(["Conv2D", "Activation", "Conv2D", "Activation", "Flatten", "Dense", "Activation"]);
    // dense d·6272+6272, convT1 4·4·128·64+64, convT2 4·4·64·1+1
    expect(decoder.countParams()).toBe(d * 6272 + 6272 + (16 * 128 * 64 + 64) + (16 * 64 + 1));
    expect(encoder.outputs[0]!.shape).toEqual([null, d]);
    expect(decoder.outputs[0]!.shape).toEqual([null, 28, 28, 1]);
    expect(layerClasses(encoder)).toEqual(["Conv2D", "Activation", "Conv2D", "Activation", "Flatten", "Dense", "BatchNormalization", "Activation"]);
    expect(layerClasses(decoder)).toEqual(["Dense", "Reshape", "Conv2DTranspose", "Activation", "Conv2DTranspose", "Activation"]);
    const z = encoder.predict(tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 1)) as tf.Tensor;
    const zs = await z.data();
    expect(zs.every((v) => v > -1 && v < 1)).toBe(true); // tanh
    const x = await (decoder.predict(z) as tf.Tensor).data();
    expect(x.every((v) => v > 0 && v < 1)).toBe(true); // sigmoid
  });

  it("'same' padding equals PyTorch's padding 1 here (conv and transposed conv)", async () => {
    const { encoder, decoder } = gtnMnistAutoencoder({ latentDim: 3, seed: 2 });
    const rng = new Rng(9);
    // encoder conv1 vs tf.conv2d with explicit symmetric padding 1
    const x = tf.tensor4d(rng.uniformArray(2 * 28 * 28), [2, 28, 28, 1]);
    const [k, b] = encoder.layers[0]!.getWeights();
    const viaLayer = encoder.layers[0]!.apply(x) as tf.Tensor;
    const viaPad1 = tf.conv2d(x, k as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]).add(b!);
    expect((await tf.max(tf.abs(viaLayer.sub(viaPad1))).data())[0]).toBeLessThan(1e-5);
    // decoder convT1 (7→14, 128→64) vs a direct PyTorch-style transposed conv: full (7−1)·2+4 = 16, crop 1 per side
    const convT = decoder.layers[2]!;
    const [kt, bt] = convT.getWeights(); // [4, 4, out 64, in 128]
    const inp = rng.normalArray(7 * 7 * 128);
    const out = await (convT.apply(tf.tensor4d(inp, [1, 7, 7, 128])) as tf.Tensor).data();
    const K = await kt!.data();
    const B = await bt!.data();
    const full = new Float64Array(16 * 16 * 64);
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++)
        for (let p = 0; p < 4; p++)
          for (let q = 0; q < 4; q++)
            for (let o = 0; o < 64; o++) {
              let s = 0;
              for (let c = 0; c < 128; c++) s += inp[(i * 7 + j) * 128 + c]! * K[((p * 4 + q) * 64 + o) * 128 + c]!;
              const idx = ((i * 2 + p) * 16 + (j * 2 + q)) * 64 + o;
              full[idx] = full[idx]! + s;
            }
    let err = 0;
    for (let h = 0; h < 14; h++)
      for (let w = 0; w < 14; w++)
        for (let o = 0; o < 64; o++) {
          const ref = full[((h + 1) * 16 + (w + 1)) * 64 + o]! + B[o]!;
          err = Math.max(err, Math.abs(out[(h * 14 + w) * 64 + o]! - ref));
        }
    expect(err).toBeLessThan(1e-4);
  });

  it("is reproducible from a seed", async () => {
    const a = gtnMnistAutoencoder({ latentDim: 4, seed: 7 });
    const b = gtnMnistAutoencoder({ latentDim: 4, seed: 7 });
    const c = gtnMnistAutoencoder({ latentDim: 4, seed: 8 });
    expect((await weightsOf(a.decoder)).map((w) => Array.from(w))).toEqual((await weightsOf(b.decoder)).map((w) => Array.from(w)));
    expect(Array.from((await weightsOf(a.encoder))[2]!)).toEqual(Array.from((await weightsOf(b.encoder))[2]!));
    expect(Array.from((await weightsOf(a.encoder))[2]!)).not.toEqual(Array.from((await weightsOf(c.encoder))[2]!));
  });
});

describe("WAE/AGM-style stacks", () => {
  it("encoder trunk h, 2h, 4h, 8h (4×4, stride 2, same, BN + Swish): 28→14→7→4→2, closed-form parameters", () => {
    const h = 8;
    const enc = convEncoder({ inputShape: [28, 28, 1], filters: [h, 2 * h, 4 * h, 8 * h], activation: "swish", batchNorm: true, latentDim: 7, seed: 1 });
    expect(enc.outputs[0]!.shape).toEqual([null, 7]);
    expect(layerClasses(enc).slice(0, 3)).toEqual(["Conv2D", "BatchNormalization", "Activation"]);
    const shapes = enc.layers.filter((l) => l.getClassName() === "Conv2D").map((l) => l.outputShape);
    expect(shapes).toEqual([
      [null, 14, 14, h],
      [null, 7, 7, 2 * h],
      [null, 4, 4, 4 * h],
      [null, 2, 2, 8 * h],
    ]);
    const chans = [1, h, 2 * h, 4 * h, 8 * h];
    let expected = 0;
    for (let i = 1; i < chans.length; i++) expected += 16 * chans[i - 1]! * chans[i]! + chans[i]! + 4 * chans[i]!;
    expected += 2 * 2 * 8 * h * 7 + 7;
    expect(enc.countParams()).toBe(expected);
    const trunk = convEncoder({ inputShape: [28, 28, 1], filters: [h, 2 * h], activation: "swish", batchNorm: true });
    expect(trunk.outputs[0]!.shape).toEqual([null, 7, 7, 2 * h]);
  });

  it("decoder FC 7·7·8h, convT 4h, 2h (BN + Swish), stride-1 convT to 1 channel; width multiplier scales filters", () => {
    const h = 4;
    const dec = convDecoder({ latentDim: 7, outputShape: [28, 28, 1], filters: [8 * h, 4 * h, 2 * h], strides: [2, 2, 1], activation: "swish", batchNorm: true, outputActivation: "linear" });
    expect(dec.outputs[0]!.shape).toEqual([null, 28, 28, 1]);
    const ct = dec.layers.filter((l) => l.getClassName() === "Conv2DTranspose").map((l) => l.outputShape);
    expect(ct).toEqual([
      [null, 14, 14, 4 * h],
      [null, 28, 28, 2 * h],
      [null, 28, 28, 1],
    ]);
    const expected = 7 * 49 * 8 * h + 49 * 8 * h + (16 * 8 * h * 4 * h + 4 * h + 16 * h) + (16 * 4 * h * 2 * h + 2 * h + 8 * h) + (16 * 2 * h + 1);
    expect(dec.countParams()).toBe(expected);
    const wide = convDecoder({ latentDim: 7, outputShape: [28, 28, 1], filters: [8 * h, 4 * h, 2 * h], strides: [2, 2, 1], widthMultiplier: 1.5 });
    expect(wide.layers[1]!.outputShape).toEqual([null, 7, 7, 48]);
    expect(wide.outputs[0]!.shape).toEqual([null, 28, 28, 1]);
  });

  it("rejects impossible geometry and bad options before building", () => {
    expect(() => convDecoder({ latentDim: 2, outputShape: [30, 30, 1], filters: [8, 4, 2], strides: 2 })).toThrow(/options\.outputShape: 30×30 cannot be reached/);
    expect(() => convEncoder({ inputShape: [4, 4, 1], filters: [2, 2, 2], kernelSize: 3, padding: "valid" })).toThrow(/options\.filters: conv layer 1/);
    expect(() => convEncoder({ inputShape: [28, 28, 1], filters: [] })).toThrow(/options\.filters/);
    expect(() => convEncoder({ inputShape: [28, 28], filters: [4] } as never)).toThrow(/options\.inputShape/);
    expect(() => convEncoder({ inputShape: [28, 28, 1], filters: [4, 8], strides: [2] })).toThrow(/options\.strides: expected a number or an array of 2/);
    expect(() => convEncoder({ inputShape: [28, 28, 1], filters: [4], widthMultiplier: 0 })).toThrow(/options\.widthMultiplier/);
    expect(() => gtnMnistAutoencoder({ latentDim: -1 })).toThrow(/options\.latentDim/);
  });
});
