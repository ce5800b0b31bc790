import * as tf from "@tensorflow/tfjs";
import { Rng, circle, initBackend, sphere } from "@atlas/core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { buildFlow, standardNormalLogDensity } from "./flows.js";
import { createVqFlow, type VqFlow } from "./model.js";
import { chartLogDensity64, generate64, randomize, readModel, standardize64 } from "./model-reference.test.util.js";
import { ParamSet } from "./params.js";
import { embed64, halfLogDetGram, jacobianFD, logNormal64 } from "./reference.test.util.js";
import { trainVqFlow } from "./train.js";
import type { VqFlowOptions } from "./config.js";
import { pairLogDensity, preprocess } from "./pipeline.js";

beforeAll(async () => {
  await initBackend();
});

/** A model after one short epoch of each stage (charts, standardisation and trained state set). */
async function quickModel(options: VqFlowOptions, data: { data: Float32Array; n: number; dim: number } = sphere(600, 0, { noise: 0.05 })): Promise<VqFlow> {
  const model = createVqFlow(options);
  await trainVqFlow(model, data, { epochs: 1, autoencoderEpochs: 2, batchSize: 200, autoencoderBatchSize: 200 });
  return model;
}

function rowsOf(set: { data: Float32Array; dim: number; n: number }, n = set.n): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(set.data.subarray(i * set.dim, (i + 1) * set.dim)));
}

describe("eq. (2) against an independent float64 evaluation", () => {
  it("K = 1, m = 1 is exactly the plain flow with the same weights", async () => {
    const model = await quickModel({ dataShape: [2], codebookSize: 1, layers: 4, hidden: [8, 8], masks: "alternate", seed: 1 }, circle(400, 0, { noise: 0.1 }));
    try {
      randomize(model, ["flow/"], 5);
      const pts = circle(50, 3, { noise: 0.1 });
      const lp = await model.logProb(pts);
      // the plain flow: same spec, the same weights copied by name, no charts, no context
      const params = new ParamSet();
      const plain = buildFlow(model.flow.spec, params, new Rng(123), "flow");
      for (const [name, v] of params.entries()) v.assign(model.params.get(name));
      const ref = tf.tidy(() => {
        const y = tf.mul(tf.sub(tf.tensor2d(pts.data, [50, 2]), model.dataShift), tf.exp(tf.neg(model.dataLogScale))) as tf.Tensor2D;
        const { z, logDet } = plain.forward(y, null);
        return tf.sub(tf.add(standardNormalLogDensity(z), logDet), tf.sum(model.dataLogScale));
      });
      const want = await ref.data();
      for (let i = 0; i < 50; i++) expect(Math.abs(lp[i]! - want[i]!)).toBeLessThan(1e-5);
      // and the float64 reference of the same density
      const m64 = await readModel(model);
      rowsOf(pts).forEach((x, i) => {
        const { y, logDet } = standardize64(m64, x);
        expect(Math.abs(lp[i]! - (chartLogDensity64(m64, y, 0) + logDet))).toBeLessThan(2e-4);
      });
      tf.dispose(ref);
      plain.dispose();
      params.dispose();
    } finally {
      model.dispose();
    }
  });

  for (const flow of ["realnvp", "maf"] as const) {
    it(`${flow}: K = 5, m = 2, ε = 0.3 — log Σ_{k: x∈U_k} p_k q(f_k(x)) |det J|, memberships included`, async () => {
      const model = await quickModel({ dataShape: [3], codebookSize: 5, overlap: 2, epsilon: 0.3, codeDim: 2, flow, layers: 3, hidden: [8], seed: 2 });
      try {
        randomize(model, ["flow/", "charts/"], 7);
        const pts = sphere(80, 9, { noise: 0.05 });
        const xs = rowsOf(pts);
        const lp = await model.logProb(pts, { batchSize: 32 });
        const m64 = await readModel(model);
        const codesT = model.autoencoder!.encode(tf.tensor2d(pts.data, [80, 3]));
        const codes = (await codesT.array()) as number[][];
        codesT.dispose();
        let multi = 0;
        xs.forEach((x, i) => {
          const d = m64.centres.map((v) => Math.hypot(...v.map((vj, j) => vj - codes[i]![j]!)));
          const dm = [...d].sort((a, b) => a - b)[1]!;
          const members = d.map((dk, k) => (dk <= 1.3 * dm ? k : -1)).filter((k) => k >= 0);
          if (members.length > 2) multi++;
          const { y, logDet } = standardize64(m64, x);
          const terms = members.map((k) => chartLogDensity64(m64, y, k));
          const max = Math.max(...terms);
          const ref = max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0)) + logDet;
          expect(Math.abs(lp[i]! - ref)).toBeLessThan(3e-4);
        });
        expect(multi).toBeGreaterThan(0); // some points lie in more than m charts
      } finally {
        model.dispose();
      }
    });
  }

  it("one flow pass per batch covers all memberships (c charts of a point cost no extra call)", async () => {
    const model = await quickModel({ dataShape: [3], codebookSize: 6, overlap: 2, epsilon: 0.5, codeDim: 3, layers: 2, hidden: [8], seed: 3 });
    try {
      const pts = sphere(100, 4, { noise: 0.05 });
      const members = await model.chartsOf(pts);
      const total = (await tf.sum(tf.cast(members, "int32")).data())[0]!;
      members.dispose();
      expect(total).toBeGreaterThan(200); // ≥ m = 2 per point, more with ε
      const spy = vi.spyOn(model.flow, "forward");
      await model.logProb(pts, { batchSize: 100 });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0].shape).toEqual([total, 3]);
      spy.mockClear();
      await model.logProb(pts, { batchSize: 40 });
      expect(spy).toHaveBeenCalledTimes(3); // ⌈100 / 40⌉ batches
      spy.mockRestore();
    } finally {
      model.dispose();
    }
  });
});

describe("chart posterior, partition and chart maps", () => {
  it("p(k|x) is zero off the member charts, rows sum to 1, and partition() (dense, sync) agrees", async () => {
    const model = await quickModel({ dataShape: [3], codebookSize: 4, overlap: 1, epsilon: 0.4, codeDim: 2, layers: 2, hidden: [8], seed: 4 });
    try {
      randomize(model, ["flow/", "charts/"], 3);
      const pts = sphere(60, 5, { noise: 0.05 });
      const post = await model.chartPosterior(pts);
      const member = await model.chartsOf(pts);
      const x = tf.tensor2d(pts.data, [60, 3]);
      const psi = model.partition(x);
      const [p, m, q] = [(await post.array()) as number[][], (await member.array()) as unknown as number[][], (await psi.array()) as number[][]];
      for (let i = 0; i < 60; i++) {
        expect(p[i]!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        for (let k = 0; k < 4; k++) {
          if (!m[i]![k]) expect(p[i]![k]).toBe(0);
          expect(Math.abs(p[i]![k]! - q[i]![k]!)).toBeLessThan(1e-5);
        }
      }
      tf.dispose([post, member, x, psi]);
    } finally {
      model.dispose();
    }
  });

  for (const flow of ["realnvp", "maf"] as const) {
    it(`${flow}: decode(encode(x, k), k) = x and encode(decode(z, k), k) = z for every chart`, async () => {
      const model = await quickModel({ dataShape: [3], codebookSize: 3, codeDim: 2, flow, layers: 4, hidden: [8], seed: 5 });
      try {
        randomize(model, ["flow/"], 11, 0.2);
        const x = tf.tensor2d(sphere(40, 6, { noise: 0.05 }).data, [40, 3]);
        const z = tf.randomNormal([40, 3], 0, 1, "float32", 3) as tf.Tensor2D;
        for (let k = 0; k < 3; k++) {
          const e1 = tf.tidy(() => tf.max(tf.abs(tf.sub(model.decode(model.encode(x, k), k), x))));
          const e2 = tf.tidy(() => tf.max(tf.abs(tf.sub(model.encode(model.decode(z, k), k), z))));
          expect((await e1.data())[0]).toBeLessThan(1e-5);
          expect((await e2.data())[0]).toBeLessThan(2e-5);
          tf.dispose([e1, e2]);
        }
        tf.dispose([x, z]);
      } finally {
        model.dispose();
      }
    });
  }
});

describe("dimension raising (latentDim < D): the conformal term ½·log det(JᵀJ)", () => {
  it("c_k alone: ½·log det(J_cᵀJ_c) by float64 finite differences equals d·log s_k", async () => {
    const model = await quickModel({ dataShape: [4], latentDim: 2, codebookSize: 3, codeDim: 2, layers: 2, hidden: [6], seed: 6 }, sphere(600, 0, { noise: 0.05, ambientDim: 4 }));
    try {
      randomize(model, ["embedding/"], 13, 0.5);
      const m64 = await readModel(model);
      const e = m64.embedding!;
      for (let k = 0; k < 3; k++) {
        const J = jacobianFD((u) => embed64(u, e.offset[k]!, e.logScale[k]!, e.reflectors[k]!), [0.3, -0.8]);
        expect(halfLogDetGram(J)).toBeCloseTo(2 * e.logScale[k]!, 6);
        // the model's own term, −d·log s_k, from the tfjs embedding
        const t = tf.tidy(() => model.embedding!.inverse(tf.tensor2d([[0, 0, 0, 0]]), model.embedding!.select(tf.oneHot(tf.tensor1d([k], "int32"), 3).toFloat() as tf.Tensor2D, 1)).logDet);
        expect((await t.data())[0]).toBeCloseTo(-2 * e.logScale[k]!, 5);
        t.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it("whole chart map g_k = unstandardise ∘ c_k ∘ h_k: log p_k(x) at x = g_k(u) is log q(u) − ½·log det(J_gᵀJ_g)", async () => {
    const model = await quickModel({ dataShape: [3], latentDim: 2, codebookSize: 2, codeDim: 2, layers: 3, hidden: [6], seed: 7 });
    try {
      randomize(model, ["flow/", "embedding/"], 17, 0.3);
      const m64 = await readModel(model);
      const r = new Rng(1);
      for (let trial = 0; trial < 6; trial++) {
        const k = trial % 2;
        const u = [r.normal(), r.normal()];
        const x = generate64(m64, u, k);
        const J = jacobianFD((v) => generate64(m64, v, k), u);
        const want = logNormal64(u) - halfLogDetGram(J);
        // the model's chart-k term at x, without log p_k: pairLogDensity of the preprocessed point
        const t = tf.tidy(() => {
          const { y, logDet } = preprocess(model, tf.tensor2d([x]));
          return tf.add(pairLogDensity(model, y, Int32Array.of(k)), logDet);
        });
        const got = (await t.data())[0]! - m64.logWeights[k]!;
        t.dispose();
        expect(Math.abs(got - want)).toBeLessThan(2e-4);
      }
    } finally {
      model.dispose();
    }
  });
});

describe("images: logit transform and bits/dim", () => {
  it("the logit transform's log|det| matches float64 finite differences, and bitsPerDim = (−log p(x̃) + D ln 256)/(D ln 2)", async () => {
    const r = new Rng(3);
    const n = 24;
    const images = Float32Array.from({ length: n * 16 }, () => r.int(256) / 255);
    const data = { images, shape: [n, 4, 4, 1] };
    const model = createVqFlow({ dataShape: [4, 4, 1], codebookSize: 2, codeDim: 3, layers: 2, hidden: [8], autoencoderFilters: [2, 2], seed: 8 });
    try {
      await trainVqFlow(model, data, { epochs: 1, autoencoderEpochs: 1, batchSize: 12, autoencoderBatchSize: 12 });
      const a = model.config.logitAlpha;
      const shift = Array.from(await model.dataShift.data());
      const logScale = Array.from(await model.dataLogScale.data());
      const t64 = (x: number[]): number[] => x.map((v, i) => {
        const s = a + (1 - 2 * a) * v;
        return (Math.log(s) - Math.log(1 - s) - shift[i]!) * Math.exp(-logScale[i]!);
      });
      const x = Array.from({ length: 16 }, (_, i) => 0.05 + 0.9 * ((i * 7) % 16) / 16);
      const pre = tf.tidy(() => preprocess(model, tf.tensor2d([x])).logDet);
      const fd = jacobianFD(t64, x, 1e-7);
      const diag = fd.reduce((s, row, i) => s + Math.log(Math.abs(row[i]!)), 0);
      expect(Math.abs((await pre.data())[0]! - diag)).toBeLessThan(1e-3);
      pre.dispose();
      // bits/dim without dequantisation noise: x̃ = (255x + ½)/256
      const bpd = await model.bitsPerDim(data, { dequantize: false });
      const mid = { images: Float32Array.from(images, (v) => (Math.round(v * 255) + 0.5) / 256), shape: [n, 4, 4, 1] };
      const lp = await model.logProb(mid);
      for (let i = 0; i < n; i++) expect(bpd[i]).toBeCloseTo((-lp[i]! + 16 * Math.log(256)) / (16 * Math.LN2), 4);
      // with noise: reproducible by seed, different across seeds
      const b1 = await model.bitsPerDim(data, { seed: 1 });
      expect(Array.from(await model.bitsPerDim(data, { seed: 1 }))).toEqual(Array.from(b1));
      expect(Array.from(await model.bitsPerDim(data, { seed: 2 }))).not.toEqual(Array.from(b1));
      // samples are images in [0, 1]
      const s = await model.sample(5, 1);
      expect(s.shape).toEqual([5, 4, 4, 1]);
      const sv = await s.data();
      expect(Math.min(...sv)).toBeGreaterThanOrEqual(-1e-6);
      expect(Math.max(...sv)).toBeLessThanOrEqual(1 + 1e-6);
      s.dispose();
    } finally {
      model.dispose();
    }
  });
});
