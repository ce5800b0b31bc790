import * as tf from "@tensorflow/tfjs";
import { AtlasError, InvalidArgumentError, ShapeMismatchError, initBackend } from "@atlas/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createAwaeGan, cpuAwaeGanOptions, paperAwaeGanOptions, PAPER_WIDTHS } from "./awae-gan.js";

beforeAll(async () => {
  await initBackend();
});

/**
 * Closed-form trainable-parameter count of Appendix A for 28×28×1 images, derived by hand
 * (convolutions and FCs with bias; BN contributes γ and β per channel; 4×4 kernels; the encoder
 * maps 28→14→7→4→2, so the heads' FC sees 2·2·8h = 32h inputs; decoder FC to 7·7·8h = 392h):
 *
 *   trunk   = (16·1·h + h) + 2h + (16·h·2h + 2h) + 4h + (16·2h·4h + 4h) + 8h     = 160h² + 37h
 *   head_d  = (16·4h·8h + 8h) + 16h + (32h·d + d)                                 = 512h² + 24h + 32hd + d
 *   ψ head  = head with d → m (only when m > 1; the WAE-GAN has no ψ)
 *   dec_d   = (d·392h + 392h) + (16·8h·4h + 4h) + 8h                               = 512h² + 392h(d+1) + 12h
 *   tail    = (16·4h·2h + 2h) + 4h + (16·2h·1 + 1)                                 = 128h² + 38h + 1
 *   total   = trunk + m·head_d + [m>1]·head_m + m·dec_d + tail
 *   discriminator (each of m) = (4h(d+1)) + 8h + 3·(16h² + 4h + 8h) + (4h + 1)      = 48h² + 4hd + 52h + 1
 *
 * e.g. m = 1, h = 128, d = 8: 1312h² + 3895h + 9 = 21,994,377.
 */
function closedForm(m: number, h: number, d: number): { encodersAndDecoders: number; discriminators: number } {
  const trunk = 160 * h * h + 37 * h;
  const head = (out: number): number => 512 * h * h + 24 * h + 32 * h * out + out;
  const dec = 512 * h * h + 392 * h * (d + 1) + 12 * h;
  const tail = 128 * h * h + 38 * h + 1;
  const encodersAndDecoders = trunk + m * head(d) + (m > 1 ? head(m) : 0) + m * dec + tail;
  const discriminators = m * (48 * h * h + 4 * h * d + 52 * h + 1);
  return { encodersAndDecoders, discriminators };
}

/** Table 1 of the AGM paper: trainable parameters of encoders + decoders. */
const TABLE_1: Record<number, number> = { 1: 21_967_881, 2: 21_626_265, 4: 20_885_793, 8: 21_961_217, 16: 21_623_721 };

/**
 * The same count for the PyTorch layout (`padding: "pytorch"`: k4 s2 p1, out = ⌊in/2⌋, so the
 * encoder maps 28→14→7→3 and the heads' conv gives 1×1, the FC sees 8h inputs) without the
 * biases of the encoder convolutions that a BN follows (`encoderBias: false`):
 *
 *   trunk   = 16·1·h + 2h + 16·h·2h + 4h + 16·2h·4h + 8h                           = 160h² + 30h
 *   head_d  = 16·4h·8h + 16h + (8h·d + d)                                          = 512h² + 16h + 8hd + d
 *   dec_d, tail: unchanged (the transposed convolutions give 7→14→28 under both paddings)
 *
 * (`encoderBias: true` adds h + 2h + 4h = 7h to the trunk and 8h to each head.) Cross-checked with
 * PyTorch 1.13 (/usr/bin/python3): the network with nn.Conv2d(…, 4, 2, 1, bias=False) in the
 * encoder, nn.ConvTranspose2d(…, 4, 2, 1) in the decoder and nn.BatchNorm2d, summing
 * p.numel() over encoders and decoders, prints 21967881 / 21626265 / 20885793 / 21961217 /
 * 21623721 for m = 1, 2, 4, 8, 16 (trunk output [4h, 3, 3]); with bias=True 21969801 / 21628931 /
 * 20888801 / 21965009 / 21628583.
 */
function closedFormPytorch(m: number, h: number, d: number, encoderBias: boolean): number {
  const b = encoderBias ? 1 : 0;
  const trunk = 160 * h * h + 30 * h + b * 7 * h;
  const head = (out: number): number => 512 * h * h + 16 * h + 8 * h * out + out + b * 8 * h;
  const dec = 512 * h * h + 392 * h * (d + 1) + 12 * h;
  const tail = 128 * h * h + 38 * h + 1;
  return trunk + m * head(d) + (m > 1 ? head(m) : 0) + m * dec + tail;
}

describe("createAwaeGan: Appendix A architecture", () => {
  it("paper preset (PyTorch padding, no encoder biases before BN): the closed form, equal to Table 1 for every m", () => {
    for (const m of [1, 2, 4, 8, 16] as const) {
      const model = createAwaeGan(paperAwaeGanOptions(m));
      try {
        expect(model.config.padding).toBe("pytorch");
        expect(model.config.encoderBias).toBe(false);
        const count = model.countParameters();
        const h = PAPER_WIDTHS[m]!;
        const d = m === 1 ? 8 : 7;
        expect(count.encodersAndDecoders).toBe(closedFormPytorch(m, h, d, false));
        expect(count.encodersAndDecoders).toBe(TABLE_1[m]);
        expect(count.discriminators).toBe(closedForm(m, h, d).discriminators);
        // the trunk ends at 3×3 and the heads' convolution at 1×1
        expect(model.nets.trunk.outputs[0]!.shape).toEqual([null, 3, 3, 4 * h]);
        expect(model.nets.chartEncoders[0]!.layers.find((l) => l.name.endsWith("_flatten"))!.outputShape).toEqual([null, 8 * h]);
      } finally {
        model.dispose();
      }
    }
    const biased = createAwaeGan(paperAwaeGanOptions(8, { encoderBias: true }));
    try {
      expect(biased.countParameters().encodersAndDecoders).toBe(closedFormPytorch(8, 48, 7, true));
      expect(biased.countParameters().encodersAndDecoders).toBe(21_965_009);
    } finally {
      biased.dispose();
    }
  });

  it("encoder biases before a batch norm change nothing the network computes (training-mode BN)", async () => {
    const x = tf.randomUniform([6, 28, 28, 1], 0, 1, "float32", 5);
    const a = createAwaeGan({ charts: 2, h: 2, padding: "pytorch", encoderBias: true, seed: 3 });
    const b = createAwaeGan({ charts: 2, h: 2, padding: "pytorch", encoderBias: false, seed: 3 });
    try {
      // same kernels; a's biases random and non-zero
      for (const [ma, mb] of a.allModels.map((m, i) => [m, b.allModels[i]!] as const)) {
        for (const layer of mb.layers) {
          const wa = ma.getLayer(layer.name).getWeights();
          const wb = layer.getWeights();
          if (wb.length === 0) continue;
          if (wa.length === wb.length + 1) {
            ma.getLayer(layer.name).setWeights([wb[0]!, tf.randomNormal(wa[1]!.shape, 0, 1, "float32", 9), ...wb.slice(1)]);
          } else layer.setWeights(wa);
        }
      }
      const out = async (model: typeof a): Promise<Float32Array[]> => {
        const outputs = tf.tidy(() => {
          const f = model.forward(x, true);
          return [f.psi, ...f.codes, ...f.reconstructions];
        });
        const values = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
        tf.dispose(outputs);
        return values;
      };
      const oa = await out(a);
      const ob = await out(b);
      expect(oa.length).toBe(ob.length);
      oa.forEach((v, i) => {
        const w = ob[i]!;
        let worst = 0;
        for (let j = 0; j < v.length; j++) worst = Math.max(worst, Math.abs(v[j]! - w[j]!));
        expect(worst).toBeLessThan(1e-4);
      });
    } finally {
      a.dispose();
      b.dispose();
      x.dispose();
    }
  });

  it("rejects images too small for the PyTorch layout and bad layout options, naming the option", () => {
    expect(() => createAwaeGan({ charts: 2, h: 2, padding: "pytorch", dataShape: [12, 12, 1] })).toThrow(/options\.dataShape.*16×16/);
    expect(() => createAwaeGan({ charts: 2, h: 2, padding: "valid" as never })).toThrow(/options\.padding/);
    expect(() => createAwaeGan({ charts: 2, h: 2, encoderBias: "no" as never })).toThrow(/options\.encoderBias/);
  });

  it("TensorFlow 'same' layout: exactly the closed-form number of trainable parameters at the paper's widths, within 0.6% of Table 1", () => {
    const rows: string[] = [];
    for (const m of [1, 2, 4, 8, 16] as const) {
      const model = createAwaeGan(paperAwaeGanOptions(m, { padding: "same", encoderBias: true }));
      try {
        const count = model.countParameters();
        const expected = closedForm(m, PAPER_WIDTHS[m]!, m === 1 ? 8 : 7);
        expect(count.encodersAndDecoders).toBe(expected.encodersAndDecoders);
        expect(count.discriminators).toBe(expected.discriminators);
        expect(count.encoders + count.decoders).toBe(count.encodersAndDecoders);
        const rel = count.encodersAndDecoders / TABLE_1[m]! - 1;
        expect(Math.abs(rel)).toBeLessThan(0.006);
        rows.push(`m=${m} h=${PAPER_WIDTHS[m]}: ${count.encodersAndDecoders} vs Table 1 ${TABLE_1[m]} (${(rel * 100).toFixed(2)}%)`);
      } finally {
        model.dispose();
      }
    }
    // README/papers: ≈ 21.99M for m = 1 and ≈ 22.04M for m = 8.
    expect(rows[0]).toContain("21994377");
    expect(rows[3]).toContain("22038737");
  });

  it("builds the CPU preset with the same formula and documented widths", () => {
    const model = createAwaeGan(cpuAwaeGanOptions(4));
    try {
      expect(model.config.h).toBe(8);
      expect(model.latentDim).toBe(7);
      expect(model.countParameters().encodersAndDecoders).toBe(closedForm(4, 8, 7).encodersAndDecoders);
    } finally {
      model.dispose();
    }
  });

  it("maps shapes as Definition 1 says: ψ on the simplex, F_y to R^d, G_y to images in (0, 1)", async () => {
    const model = createAwaeGan({ charts: 3, latentDim: 5, h: 2, seed: 1 });
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 3);
    try {
      const psi = model.partition(x);
      expect(psi.shape).toEqual([4, 3]);
      const sums = await psi.sum(1).data();
      for (const s of sums) expect(s).toBeCloseTo(1, 5);
      for (const v of (await psi.data())) expect(v).toBeGreaterThan(0);
      const z = model.encode(x, 2);
      expect(z.shape).toEqual([4, 5]);
      const g = model.decode(z, 1);
      expect(g.shape).toEqual([4, 28, 28, 1]);
      for (const v of (await g.data())) expect(v > 0 && v < 1).toBe(true);
      const dz = model.discriminate(z, 0);
      expect(dz.shape).toEqual([4, 1]);
      const all = model.encodeAll(x);
      expect(Array.from(await all.psi.data())).toEqual(Array.from(await psi.data()));
      expect(all.codes).toHaveLength(3);
      expect(Array.from(await all.codes[2]!.data())).toEqual(Array.from(await z.data()));
      tf.dispose([psi, z, g, dz, all.psi, ...all.codes]);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("is the WAE-GAN for m = 1: ψ ≡ 1, no partition head, latent R^8", async () => {
    const model = createAwaeGan({ charts: 1, h: 2 });
    const x = tf.zeros([2, 28, 28, 1]);
    try {
      expect(model.latentDim).toBe(8);
      expect(model.nets.partitionHead).toBeNull();
      const psi = model.partition(x);
      expect(Array.from(await psi.data())).toEqual([1, 1]);
      psi.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("supports vector data with the dense analogue of the same network", () => {
    const model = createAwaeGan({ charts: 2, latentDim: 1, h: 4, dataShape: [6] });
    const x = tf.randomNormal([5, 6], 0, 1, "float32", 1);
    try {
      expect(model.config.outputActivation).toBe("linear");
      const out = model.decode(model.encode(x, 1), 1);
      expect(out.shape).toEqual([5, 6]);
      out.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("does not leak tensors in partition/encode/decode", () => {
    const model = createAwaeGan({ charts: 2, h: 2, dataShape: [8, 8, 1] });
    const x = tf.randomUniform([3, 8, 8, 1]);
    try {
      const run = (): void => tf.dispose([model.partition(x), model.decode(model.encode(x, 1), 0)]);
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const z = model.encode(x, 1);
        tf.dispose([model.partition(x), model.decode(z, 0), z]);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("rejects bad options and inputs with AtlasErrors naming the argument", async () => {
    expect(() => createAwaeGan({ charts: 0 })).toThrow(InvalidArgumentError);
    expect(() => createAwaeGan({ charts: 2, h: 1.5 })).toThrow(/options\.h/);
    expect(() => createAwaeGan({ charts: 2, dataShape: [30, 30, 1] })).toThrow(/divisible by 4/);
    expect(() => createAwaeGan({ charts: 2, dataShape: [4, 4] })).toThrow(/options\.dataShape/);
    expect(() => createAwaeGan({ charts: 2, outputActivation: "relu" as never })).toThrow(/outputActivation/);
    expect(() => paperAwaeGanOptions(3 as never)).toThrow(/charts/);

    const model = createAwaeGan({ charts: 2, h: 2, dataShape: [8, 8, 1] });
    const good = tf.zeros([2, 8, 8, 1]);
    const wrong = tf.zeros([2, 8, 8]);
    const nan = tf.tensor4d(new Float32Array(2 * 64).fill(Number.NaN), [2, 8, 8, 1]);
    const zBad = tf.zeros([2, 3]);
    try {
      expect(() => model.partition(wrong)).toThrow(ShapeMismatchError);
      // synchronous model methods cannot read values (a tensor may live on a GPU): NaN passes
      // through, and the asynchronous entries refuse it (reconstructionError reads the data)
      const zNan = model.encode(nan, 0);
      expect(Array.from(await zNan.data()).every(Number.isNaN)).toBe(true);
      zNan.dispose();
      expect(() => model.encode(good, 2)).toThrow(/chart/);
      expect(() => model.encode(good, -1)).toThrow(AtlasError);
      expect(() => model.decode(zBad as tf.Tensor2D, 0)).toThrow(ShapeMismatchError);
      expect(() => model.partition([[1]] as never)).toThrow(/x/);
    } finally {
      tf.dispose([good, wrong, nan, zBad]);
      model.dispose();
    }
    expect(() => model.partition(good)).toThrow(/disposed/);
  });
});
