import * as tf from "@tensorflow/tfjs";
import { Rng, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { MafFlow, RealNvpFlow, buildFlow, type ConditionalFlow, type FlowKind, type FlowSpec } from "./flows.js";
import { ParamSet, type FlowActivation } from "./params.js";
import { jacobianFD, logAbsDet, mafLayer64, mlp64, readNet, realNvpLayer64, testRandom } from "./reference.test.util.js";

beforeAll(async () => {
  await initBackend();
});

/** A flow with every weight (the zero-initialised last layers included) set to N(0, scale²) values. */
function randomFlow(kind: FlowKind, dim: number, contextDim: number, activation: FlowActivation, seed: number, scale = 0.4, layers = 4): { flow: ConditionalFlow; params: ParamSet } {
  const params = new ParamSet();
  const spec: FlowSpec = { kind, dim, contextDim, layers, hidden: [7, 5], activation, scaleClamp: 2, masks: "shuffled" };
  const flow = buildFlow(spec, params, new Rng(seed), "flow");
  const rand = testRandom(seed + 100);
  for (const v of params.list()) {
    const values = Float32Array.from({ length: v.size }, () => (rand() * 2 - 1) * scale * Math.sqrt(3));
    v.assign(tf.tensor(values, v.shape));
  }
  return { flow, params };
}

function randomRows(n: number, d: number, seed: number): number[][] {
  const r = testRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => (r() * 2 - 1) * 1.5));
}

/** Float64 forward of layer l of a flow, from its weights (the independent reference). */
async function layer64(flow: ConditionalFlow, l: number): Promise<(x: number[], c: number[]) => { y: number[]; logDet: number }> {
  const s = flow.spec;
  if (flow instanceof RealNvpFlow) {
    const net = await readNet(flow.layerNet(l));
    return (x, c) => realNvpLayer64(x, c, net, flow.orders[l] as number[], flow.splits[l] as number, s.scaleClamp, s.activation);
  }
  const maf = flow as MafFlow;
  const net = await readNet(maf.layerNet(l));
  return (x, c) => mafLayer64(x, c, net, maf.degrees[l] as Int32Array, s.scaleClamp, s.activation);
}

const CASES: { kind: FlowKind; dim: number; ctx: number; act: FlowActivation }[] = [
  { kind: "realnvp", dim: 2, ctx: 0, act: "tanh" },
  { kind: "realnvp", dim: 3, ctx: 2, act: "relu" },
  { kind: "realnvp", dim: 5, ctx: 3, act: "tanh" },
  { kind: "realnvp", dim: 1, ctx: 2, act: "elu" },
  { kind: "maf", dim: 2, ctx: 0, act: "tanh" },
  { kind: "maf", dim: 3, ctx: 2, act: "relu" },
  { kind: "maf", dim: 5, ctx: 3, act: "tanh" },
  { kind: "maf", dim: 1, ctx: 0, act: "elu" },
];

describe("flow layers: log|det J| against float64 finite differences of an independent implementation", () => {
  for (const c of CASES) {
    it(`${c.kind}, d = ${c.dim}, context ${c.ctx}, ${c.act}: every layer and the whole flow`, async () => {
      const { flow, params } = randomFlow(c.kind, c.dim, c.ctx, c.act, 11 * c.dim + c.ctx);
      const xs = randomRows(6, c.dim, 3 + c.dim);
      const cs = randomRows(6, c.ctx, 5 + c.ctx);
      const x = tf.tensor2d(xs, [6, c.dim]);
      const ctx = c.ctx > 0 ? tf.tensor2d(cs, [6, c.ctx]) : null;
      try {
        const refs: ((x: number[], c: number[]) => { y: number[]; logDet: number })[] = [];
        for (let l = 0; l < flow.spec.layers; l++) refs.push(await layer64(flow, l));
        let state = xs.map((r) => [...r]);
        for (let l = 0; l < flow.spec.layers; l++) {
          const ref = refs[l]!;
          const inT = tf.tensor2d(state, [6, c.dim]);
          const out = flow.forwardLayer(l, inT, ctx);
          const y = (await out.y.array()) as number[][];
          const ld = Array.from(await out.logDet.data());
          tf.dispose([inT, out.y, out.logDet]);
          for (let i = 0; i < 6; i++) {
            const r = ref(state[i]!, cs[i]!);
            // the layer's values: float32 vs float64
            r.y.forEach((v, j) => expect(y[i]![j]).toBeCloseTo(v, 4));
            // log|det J| from a float64 central-difference Jacobian (h = 1e-6) and LU
            const fd = logAbsDet(jacobianFD((p) => ref(p, cs[i]!).y, state[i]!));
            expect(Math.abs(ld[i]! - fd)).toBeLessThan(2e-4);
            expect(Math.abs(r.logDet - fd)).toBeLessThan(1e-6);
          }
          state = state.map((p, i) => ref(p, cs[i]!).y);
        }
        // the whole flow: log|det| of the composition
        const whole = flow.forward(x, ctx);
        const ldAll = Array.from(await whole.logDet.data());
        const z = (await whole.z.array()) as number[][];
        tf.dispose([whole.z, whole.logDet]);
        for (let i = 0; i < 6; i++) {
          const f = (p: number[]): number[] => refs.reduce((v, ref) => ref(v, cs[i]!).y, p);
          expect(Math.abs(ldAll[i]! - logAbsDet(jacobianFD(f, xs[i]!)))).toBeLessThan(5e-4);
          f(xs[i]!).forEach((v, j) => expect(Math.abs(z[i]![j]! - v)).toBeLessThan(1e-4));
        }
      } finally {
        tf.dispose([x, ...(ctx ? [ctx] : [])]);
        flow.dispose();
        params.dispose();
      }
    });
  }

  it("MAF layers are autoregressive in their order (float64 Jacobian strictly triangular below the diagonal, in degree order)", async () => {
    const { flow, params } = randomFlow("maf", 5, 2, "tanh", 3);
    try {
      const maf = flow as MafFlow;
      for (let l = 0; l < 2; l++) {
        const ref = await layer64(flow, l);
        const deg = maf.degrees[l] as Int32Array;
        const J = jacobianFD((p) => ref(p, [0.3, -0.2]).y, [0.1, -0.4, 0.7, 0.2, -1]);
        for (let i = 0; i < 5; i++) {
          for (let j = 0; j < 5; j++) if ((deg[j] as number) > (deg[i] as number)) expect(Math.abs(J[i]![j]!)).toBeLessThan(1e-9);
        }
        // the order reverses between layers
        expect(Array.from(deg)).toEqual(l === 0 ? [1, 2, 3, 4, 5] : [5, 4, 3, 2, 1]);
      }
    } finally {
      flow.dispose();
      params.dispose();
    }
  });

  it("RealNVP transforms every coordinate once per pair of layers; the first pair uses parity masks", () => {
    const params = new ParamSet();
    const flow = new RealNvpFlow({ kind: "realnvp", dim: 5, contextDim: 0, layers: 6, hidden: [4], activation: "relu", scaleClamp: 2, masks: "shuffled" }, params, new Rng(1), "f");
    try {
      expect(flow.orders[0]).toEqual([1, 3, 0, 2, 4]);
      for (let p = 0; p < 3; p++) {
        const even = flow.orders[2 * p]!;
        const odd = flow.orders[2 * p + 1]!;
        const transformed = [...even.slice(flow.splits[2 * p]!), ...odd.slice(flow.splits[2 * p + 1]!)].sort();
        expect(transformed).toEqual([0, 1, 2, 3, 4]);
      }
    } finally {
      flow.dispose();
      params.dispose();
    }
  });
});

describe("inverse round trips to 1e-5 (float32), both families", () => {
  for (const kind of ["realnvp", "maf"] as const) {
    it(`${kind}: g(f(x)) = x and f(g(z)) = z, layer by layer and whole`, async () => {
      const { flow, params } = randomFlow(kind, 4, 3, "relu", 7, 0.3, 6);
      const x = tf.tensor2d(randomRows(50, 4, 1));
      const ctx = tf.tensor2d(randomRows(50, 3, 2));
      try {
        const back = tf.tidy(() => flow.inverse(flow.forward(x, ctx).z, ctx));
        const there = tf.tidy(() => flow.forward(flow.inverse(x, ctx), ctx).z);
        const e1 = (await tf.max(tf.abs(tf.sub(back, x))).data())[0]!;
        const e2 = (await tf.max(tf.abs(tf.sub(there, x))).data())[0]!;
        expect(e1).toBeLessThan(1e-5);
        expect(e2).toBeLessThan(1e-5);
        for (let l = 0; l < 6; l++) {
          const r = tf.tidy(() => flow.inverseLayer(l, flow.forwardLayer(l, x, ctx).y, ctx));
          expect((await tf.max(tf.abs(tf.sub(r, x))).data())[0]!).toBeLessThan(1e-5);
          r.dispose();
        }
        tf.dispose([back, there]);
      } finally {
        tf.dispose([x, ctx]);
        flow.dispose();
        params.dispose();
      }
    });
  }

  it("a freshly initialised flow is the identity (zero last layers): f(x) = x, log|det| = 0", async () => {
    for (const kind of ["realnvp", "maf"] as const) {
      const params = new ParamSet();
      const flow = buildFlow({ kind, dim: 3, contextDim: 2, layers: 3, hidden: [8], activation: "relu", scaleClamp: 3, masks: "alternate" }, params, new Rng(0), "f");
      const x = tf.tensor2d(randomRows(4, 3, 9));
      const out = flow.forward(x, tf.ones([4, 2]));
      expect(Array.from(await out.z.data())).toEqual(Array.from(await x.data()));
      expect(Array.from(await out.logDet.data())).toEqual([0, 0, 0, 0]);
      tf.dispose([x, out.z, out.logDet]);
      flow.dispose();
      params.dispose();
    }
  });

  it("the float64 reference MLP matches tfjs (guards the reference itself)", async () => {
    const { flow, params } = randomFlow("realnvp", 4, 0, "tanh", 5);
    const rnvp = flow as RealNvpFlow;
    const net = await readNet(rnvp.layerNet(0));
    const input = [0.3, -0.7];
    const ref = mlp64(input, net, "tanh");
    const t = tf.tidy(() => {
      let h: tf.Tensor2D = tf.tensor2d([input]);
      rnvp.layerNet(0).forEach((l, i, all) => {
        h = tf.add(tf.matMul(h, l.w as tf.Tensor2D), l.b);
        if (i < all.length - 1) h = tf.tanh(h);
      });
      return h;
    });
    const got = await t.data();
    ref.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    t.dispose();
    flow.dispose();
    params.dispose();
  });
});
