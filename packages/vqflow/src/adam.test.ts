import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { FlatAdam } from "./adam.js";

beforeAll(async () => {
  await initBackend();
});

function problem(): { vars: tf.Variable[]; loss: () => tf.Scalar } {
  const vars = [tf.variable(tf.tensor2d([[0.5, -1], [2, 0.1]])), tf.variable(tf.tensor1d([0.3, -0.2, 0.9])), tf.variable(tf.scalar(1.5))];
  const target = tf.tensor1d([1, 2, 3]);
  const loss = (): tf.Scalar =>
    tf.tidy(() => tf.addN([tf.sum(tf.square(tf.sub(vars[0]!, 1))), tf.sum(tf.mul(tf.square(tf.sub(vars[1]!, target)), tf.tensor1d([1, 4, 9]))), tf.mul(tf.pow(vars[2]!, 4), 0.1)]) as tf.Scalar);
  return { vars, loss };
}

describe("FlatAdam", () => {
  it("makes the updates of tfjs's Adam (same β, ε) to float32 rounding, over 20 steps", async () => {
    const a = problem();
    const b = problem();
    const flat = new FlatAdam(a.vars, 0.05);
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    for (let s = 0; s < 20; s++) {
      const ga = tf.variableGrads(a.loss, a.vars);
      flat.apply(a.vars.map((v) => ga.grads[v.name]));
      tf.dispose([ga.value, ...Object.values(ga.grads)]);
      ref.minimize(b.loss, false, b.vars);
    }
    for (let i = 0; i < 3; i++) {
      const [x, y] = [await a.vars[i]!.data(), await b.vars[i]!.data()];
      x.forEach((v, j) => expect(Math.abs(v - y[j]!)).toBeLessThan(1e-5));
    }
    // it did move: 20 steps of 0.05 from the start
    expect((await a.vars[2]!.data())[0]).toBeLessThan(1.2);
    flat.dispose();
    ref.dispose();
    tf.dispose([...a.vars, ...b.vars]);
  });

  it("saves and restores its moments and step count, so a resumed run continues identically", async () => {
    const dir = await mkdtemp(join(tmpdir(), "vqflow-adam-"));
    try {
      const a = problem();
      const b = problem();
      const fa = new FlatAdam(a.vars, 0.05);
      const step = (p: { vars: tf.Variable[]; loss: () => tf.Scalar }, opt: FlatAdam): void => {
        const g = tf.variableGrads(p.loss, p.vars);
        opt.apply(p.vars.map((v) => g.grads[v.name]));
        tf.dispose([g.value, ...Object.values(g.grads)]);
      };
      for (let s = 0; s < 3; s++) step(a, fa);
      await fa.save(join(dir, "adam"));
      b.vars.forEach((v, i) => v.assign(a.vars[i]!));
      const fb = new FlatAdam(b.vars, 0.01);
      await fb.load(join(dir, "adam"));
      expect(fb.step).toBe(3);
      expect(fb.learningRate).toBe(0.05);
      for (let s = 0; s < 3; s++) {
        step(a, fa);
        step(b, fb);
      }
      for (let i = 0; i < 3; i++) expect(Array.from(await b.vars[i]!.data())).toEqual(Array.from(await a.vars[i]!.data()));
      const other = new FlatAdam([b.vars[0]!], 0.1);
      await expect(other.load(join(dir, "adam"))).rejects.toThrow(/optimizer/);
      tf.dispose([...a.vars, ...b.vars]);
      [fa, fb, other].forEach((o) => o.dispose());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
