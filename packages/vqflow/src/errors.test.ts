import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, ShapeMismatchError, initBackend, sphere } from "@atlas/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartMembership } from "./charts.js";
import { parameterCount, VQFLOW_LIMITS, type VqFlowOptions } from "./config.js";
import { ksStatistics, mmd } from "./evaluate.js";
import { createVqFlow, type VqFlow } from "./model.js";
import { trainVqFlow, type TrainVqFlowOptions } from "./train.js";

let trained: VqFlow;
const data = sphere(200, 0, { noise: 0.05 });

beforeAll(async () => {
  await initBackend();
  trained = createVqFlow({ dataShape: [3], codebookSize: 3, codeDim: 2, layers: 2, hidden: [8], seed: 1 });
  await trainVqFlow(trained, data, { epochs: 1, autoencoderEpochs: 1 });
});
afterAll(() => trained.dispose());

/** Expect an AtlasError whose message starts with the argument's name, with no tensor left behind. */
function expectArgError(f: () => unknown, argument: string, kind: typeof AtlasError = AtlasError): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error naming ${argument}`).toBeInstanceOf(kind);
  expect((error as Error).message.startsWith(`${argument}: `), (error as Error).message).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
}

async function expectArgErrorAsync(f: () => Promise<unknown>, argument: string, kind: typeof AtlasError = AtlasError): Promise<void> {
  const before = tf.memory().numTensors;
  const error = await f().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an error naming ${argument}`).toBeInstanceOf(kind);
  expect((error as Error).message.startsWith(`${argument}: `), (error as Error).message).toBe(true);
  expect(tf.memory().numTensors).toBe(before);
}

describe("createVqFlow refuses bad options before building anything", () => {
  const cases: [unknown, string][] = [
    [undefined, "options"],
    [null, "options"],
    [[3], "options"],
    [{}, "options.dataShape"],
    [{ dataShape: [0] }, "options.dataShape[0]"],
    [{ dataShape: [3, 3] }, "options.dataShape"],
    [{ dataShape: [30, 30, 1] }, "options.dataShape"],
    [{ dataShape: [3], codebookSize: 2, overlap: 3 }, "options.overlap"], // K < m
    [{ dataShape: [3], overlap: 0 }, "options.overlap"], // m < 1
    [{ dataShape: [3], epsilon: -0.1 }, "options.epsilon"], // ε < 0
    [{ dataShape: [3], epsilon: Number.NaN }, "options.epsilon"],
    [{ dataShape: [3], latentDim: 4 }, "options.latentDim"], // latentDim > data dim
    [{ dataShape: [3], latentDim: 0 }, "options.latentDim"],
    [{ dataShape: [3], codebookSize: 0 }, "options.codebookSize"],
    [{ dataShape: [3], codebookSize: 1e6 }, "options.codebookSize"],
    [{ dataShape: [3], flow: "glow" }, "options.flow"],
    [{ dataShape: [3], layers: 0 }, "options.layers"],
    [{ dataShape: [3], layers: 2.5 }, "options.layers"],
    [{ dataShape: [3], hidden: [] }, "options.hidden"],
    [{ dataShape: [3], hidden: [64, -1] }, "options.hidden[1]"],
    [{ dataShape: [3], hidden: 64 }, "options.hidden"],
    [{ dataShape: [784], hidden: [8192, 8192, 8192] }, "options.hidden"], // over the parameter limit
    [{ dataShape: [3], activation: "gelu" }, "options.activation"],
    [{ dataShape: [3], scaleClamp: 0 }, "options.scaleClamp"],
    [{ dataShape: [3], masks: "random" }, "options.masks"],
    [{ dataShape: [3], chartWeights: "uniform" }, "options.chartWeights"],
    [{ dataShape: [3], transform: "log" }, "options.transform"],
    [{ dataShape: [3], logitAlpha: 0.5 }, "options.logitAlpha"],
    [{ dataShape: [28, 28, 1], latentDim: 10 }, "options.latentDim"], // d < D needs transform 'none'
    [{ dataShape: [28, 28, 1], autoencoderFilters: [8] }, "options.autoencoderFilters"],
    [{ dataShape: [3], seed: -1 }, "options.seed"],
    [{ dataShape: [3], preset: "cifar" }, "options.preset"],
    [{ dataShape: [3], codebooksize: 4 }, "options.codebooksize"], // a typo is an error, not a default
  ];
  for (const [options, argument] of cases) {
    it(`${JSON.stringify(options) ?? String(options)} → ${argument}`, () => {
      expectArgError(() => createVqFlow(options as VqFlowOptions), argument, InvalidArgumentError);
    });
  }

  it("suggests the option a typo was meant to be; parameterCount validates too", () => {
    expect(() => createVqFlow({ dataShape: [3], codebooksize: 4 } as VqFlowOptions)).toThrow(/did you mean 'codebookSize'/);
    expectArgError(() => parameterCount({ dataShape: [3], layers: -1 }), "options.layers");
    expect(parameterCount({ preset: "mnist" })).toBeLessThan(VQFLOW_LIMITS.parameters);
  });
});

describe("trainVqFlow refuses bad input before any work", () => {
  const bad: [unknown, TrainVqFlowOptions | unknown, string][] = [
    [{ data: Float32Array.of(0, 0, Number.NaN), n: 1, dim: 3 }, {}, "data"],
    [{ data: new Float32Array(6), n: 3, dim: 2 }, {}, "data.dim"],
    [{ data: new Float32Array(5), n: 2, dim: 3 }, {}, "data.data"],
    [[[0, 1]], {}, "data[0]"],
    ["points", {}, "data"],
    [data, { epochs: 0 }, "options.epochs"],
    [data, { epoch: 3 }, "options.epoch"],
    [data, { batchSize: 0 }, "options.batchSize"],
    [data, { learningRate: -1 }, "options.learningRate"],
    [data, { commitment: Number.NaN }, "options.commitment"],
    [data, { stages: [3] }, "options.stages[0]"],
    [data, { stages: [] }, "options.stages"],
    [data, { patience: 2 }, "options.patience"],
    [data, { validation: { data: new Float32Array(3), n: 1, dim: 2 } }, "options.validation.dim"],
    [data, { checkpointDir: "" }, "options.checkpointDir"],
    // a path under a regular file (this test file): before, stage 1 ran and the error named checkpoint.dir
    [data, { checkpointDir: `${fileURLToPath(import.meta.url)}/ck` }, "options.checkpointDir"],
    [data, { onProgress: "yes" }, "options.onProgress"],
    [data, { signal: {} }, "options.signal"],
    [data, { halveLearningRateAt: [3, 2] }, "options.halveLearningRateAt"],
    [data, { gradientClip: 0 }, "options.gradientClip"],
    [data, { reviveCentres: "no" }, "options.reviveCentres"],
    [data, null, "options"],
  ];
  for (const [input, options, argument] of bad) {
    it(`→ ${argument}`, async () => {
      const model = createVqFlow({ dataShape: [3], codebookSize: 2, codeDim: 2, layers: 1, hidden: [4] });
      try {
        await expectArgErrorAsync(() => trainVqFlow(model, input as never, options as TrainVqFlowOptions), argument);
        expect(model.state.stage1Epochs).toBe(0);
      } finally {
        model.dispose();
      }
    });
  }

  it("a model that is not a VqFlow, or a disposed one", async () => {
    await expectArgErrorAsync(() => trainVqFlow({} as VqFlow, data), "model", InvalidArgumentError);
    const m = createVqFlow({ dataShape: [3] });
    m.dispose();
    await expectArgErrorAsync(() => trainVqFlow(m, data), "model", InvalidArgumentError);
    await expectArgErrorAsync(() => m.logProb(data), "model", InvalidArgumentError);
  });
});

describe("the model's methods refuse bad input", () => {
  it("an untrained model's logProb, sample, partition, encode → NOT_TRAINED naming the model", async () => {
    const m = createVqFlow({ dataShape: [3], codebookSize: 2 });
    try {
      for (const call of [() => m.logProb(data), () => m.sample(2), () => m.chartPosterior(data), () => m.chartsOf(data), () => m.measureChartMass()]) {
        const e = await call().catch((x: unknown) => x);
        expect(e).toBeInstanceOf(AtlasError);
        expect((e as AtlasError).code).toBe("NOT_TRAINED");
        expect((e as Error).message).toMatch(/^model: /);
      }
      const x = tf.zeros([1, 3]);
      expect(() => m.partition(x)).toThrow(/^model: .*untrained/);
      expect(() => m.encode(x, 0)).toThrow(/^model: /);
      x.dispose();
    } finally {
      m.dispose();
    }
  });

  it("NaN or wrong-shaped data, bad options", async () => {
    const nan = tf.tensor2d([[0, Number.NaN, 1]]);
    const wrong = tf.zeros([2, 4]);
    const ints = tf.zeros([2, 3], "bool");
    const one3 = tf.zeros([1, 3]) as tf.Tensor2D;
    const one2 = tf.zeros([1, 2]) as tf.Tensor2D;
    try {
      await expectArgErrorAsync(() => trained.logProb(nan), "x", InvalidArgumentError);
      await expectArgErrorAsync(() => trained.logProb(wrong), "x", ShapeMismatchError);
      await expectArgErrorAsync(() => trained.logProb(ints), "x", InvalidArgumentError);
      await expectArgErrorAsync(() => trained.logProb({ data: [Infinity, 0, 0], n: 1, dim: 3 }), "x", InvalidArgumentError);
      await expectArgErrorAsync(() => trained.logProb(data, { batchSize: 0 }), "options.batchSize");
      await expectArgErrorAsync(() => trained.logProb(data, { normalised: true } as never), "options.normalised");
      await expectArgErrorAsync(() => trained.logProb(data, { normalized: true }), "options.normalized"); // masses not measured
      await expectArgErrorAsync(() => trained.chartsOf(nan), "x");
      await expectArgErrorAsync(() => trained.chartPosterior(wrong), "x");
      await expectArgErrorAsync(() => trained.bitsPerDim(data), "model"); // not an image model
      await expectArgErrorAsync(() => trained.sample(0), "n");
      await expectArgErrorAsync(() => trained.sample(1e9), "n");
      await expectArgErrorAsync(() => trained.measureChartMass({ samples: 5e6 }), "options.samples");
      await expectArgErrorAsync(() => trained.sample(3, -1), "seed");
      await expectArgErrorAsync(() => trained.sample(3, 0, { maxRounds: 0 }), "options.maxRounds");
      await expectArgErrorAsync(() => trained.measureChartMass({ samples: 0 }), "options.samples");
      expectArgError(() => trained.encode(wrong, 0), "x", ShapeMismatchError);
      expectArgError(() => trained.encode(one3, 3), "chart");
      expectArgError(() => trained.decode(one3, -1), "chart");
      expectArgError(() => trained.decode(one2, 0), "z", ShapeMismatchError);
      expectArgError(() => trained.decode("z" as unknown as tf.Tensor2D, 0), "z");
      expectArgError(() => trained.partition(wrong), "x", ShapeMismatchError);
    } finally {
      tf.dispose([nan, wrong, ints, one3, one2]);
    }
  });

  it("image models take pixel values in [0, 1]", async () => {
    const m = createVqFlow({ dataShape: [4, 4, 1], codebookSize: 1, layers: 1, hidden: [4] });
    try {
      await expectArgErrorAsync(() => trainVqFlow(m, { images: new Float32Array(16).fill(2), shape: [1, 4, 4, 1] }), "data");
      await expectArgErrorAsync(() => trainVqFlow(m, { images: new Float32Array(16), shape: [1, 4, 4, 3] }), "data.shape", ShapeMismatchError);
    } finally {
      m.dispose();
    }
  });
});

describe("helpers validate their arguments", () => {
  it("chartMembership", () => {
    const codes = tf.zeros([2, 2]) as tf.Tensor2D;
    const centres = tf.zeros([3, 2]) as tf.Tensor2D;
    const wide = tf.zeros([3, 3]) as tf.Tensor2D;
    try {
      expectArgError(() => chartMembership(codes, centres, 4, 0), "overlap");
      expectArgError(() => chartMembership(codes, centres, 1, -1), "epsilon");
      expectArgError(() => chartMembership(codes, wide, 1, 0), "centres", ShapeMismatchError);
      expectArgError(() => chartMembership([[0]] as unknown as tf.Tensor2D, centres, 1, 0), "codes");
    } finally {
      tf.dispose([codes, centres, wide]);
    }
  });

  it("mmd and ksStatistics take host rows of one dimension", () => {
    const a = { data: new Float32Array(6), dim: 3 };
    expectArgError(() => mmd(a, { data: new Float32Array(4), dim: 2 }), "b");
    expectArgError(() => mmd(a, a, { bandwidth: 0 }), "options.bandwidth");
    const t = tf.zeros([2, 3]);
    expectArgError(() => mmd(t as never, a), "a");
    t.dispose();
    expectArgError(() => ksStatistics(a, { data: new Float32Array(3), dim: 3 }), "b");
    expectArgError(() => mmd({ data: new Float32Array(3 * 15_000), dim: 3 }, { data: new Float32Array(3 * 6000), dim: 3 }), "b"); // quadratic cost bound
  });
});
