import * as tf from "@tensorflow/tfjs";
import { Rng, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { ParamSet, addDense, mlpApply, mlpFused, type DenseLayer, type FlowActivation } from "./params.js";

beforeAll(async () => {
  await initBackend();
});

describe("mlpFused: the conditioner MLP as one custom-gradient op", () => {
  for (const activation of ["relu", "tanh", "elu", "leakyRelu"] as const satisfies readonly FlowActivation[]) {
    for (const masked of [false, true]) {
      it(`${activation}${masked ? ", masked (MADE)" : ""}: same outputs and the same gradients as tfjs's automatic ones`, async () => {
        const params = new ParamSet();
        const rng = new Rng(3);
        const widths = [5, 7, 6, 4];
        const layers: DenseLayer[] = widths.slice(1).map((w, j) => addDense(params, rng, `m/${j}`, widths[j]!, w));
        if (masked) {
          layers.forEach((l) => {
            const [i, o] = l.w.shape as [number, number];
            l.mask = tf.tensor2d(Float32Array.from({ length: i * o }, (_, k) => ((k * 7) % 3 === 0 ? 0 : 1)), [i, o]);
          });
        }
        const x = tf.variable(tf.randomNormal([9, 5], 0, 1, "float32", 4));
        const fused = mlpFused(layers, activation);
        const weight = tf.randomNormal([9, 4], 0, 1, "float32", 5);
        const vars = [x, ...params.list()];
        const loss = (f: (x: tf.Tensor2D) => tf.Tensor2D) => () => tf.sum(tf.mul(f(x as unknown as tf.Tensor2D), weight)) as tf.Scalar;
        const a = tf.variableGrads(loss((v) => mlpApply(v, layers, activation)), vars);
        const b = tf.variableGrads(loss(fused), vars);
        expect((await b.value.data())[0]).toBeCloseTo((await a.value.data())[0]!, 4);
        for (const v of vars) {
          const [ga, gb] = [await a.grads[v.name]!.data(), await b.grads[v.name]!.data()];
          ga.forEach((g, i) => expect(Math.abs(g - gb[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(g))));
        }
        tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), x, weight]);
        layers.forEach((l) => l.mask?.dispose());
        params.dispose();
      });
    }
  }
});
