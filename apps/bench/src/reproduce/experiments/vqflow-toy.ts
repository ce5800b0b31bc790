/**
 * VQ-Flows poster, toy 3-D distributions: samples of a plain flow beside its VQ counterpart. The
 * poster shows RealNVP and VQ-RealNVP samples on toy 3-D sets (a figure, no numbers); we run the
 * package's three toy sets (sphere, torus, two linked rings; noise 0.05) with RealNVP, VQ-RealNVP,
 * MAF and VQ-MAF and measure what the figure shows: how many samples lie on the true manifold.
 */
import { sphere, torus, twoRings } from "@atlas/core";
import { createVqFlow, mmd, trainVqFlow } from "@atlas/vqflow";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { savePanels, scatterViews, type Canvas } from "../../suites/vqflow-plots.js";
import type { Experiment, FigureRef, ReportRow } from "../types.js";
import { pick, round, take } from "./common.js";

/** Data noise of the toy sets. */
export const TOY_NOISE = 0.05;
/** A point counts as on the manifold within this distance (2σ of the noise). */
export const ON_MANIFOLD = 0.1;

export type ToySet = "sphere" | "torus" | "twoRings";

type Points = { data: Float32Array; n: number; dim: number };

/** Each toy set: its sampler, the distance of a point to the noise-free manifold, plot bounds. */
export const TOY_SETS: Record<ToySet, { draw: (n: number, seed: number) => Points; distance: (x: number, y: number, z: number) => number; bounds: readonly [number, number] }> = {
  // unit sphere
  sphere: { draw: (n, seed) => sphere(n, seed, { noise: TOY_NOISE }), distance: (x, y, z) => Math.abs(Math.hypot(x, y, z) - 1), bounds: [-1.4, 1.4] },
  // ring torus R = 2, r = 1 around the z axis
  torus: { draw: (n, seed) => torus(n, seed, { noise: TOY_NOISE }), distance: (x, y, z) => Math.abs(Math.hypot(Math.hypot(x, y) - 2, z) - 1), bounds: [-3.3, 3.3] },
  // unit circle in the xy-plane around 0, unit circle in the xz-plane around (1, 0, 0)
  twoRings: {
    draw: (n, seed) => twoRings(n, seed, { noise: TOY_NOISE }),
    distance: (x, y, z) => Math.min(Math.hypot(Math.hypot(x, y) - 1, z), Math.hypot(Math.hypot(x - 1, z) - 1, y)),
    bounds: [-1.4, 2.4],
  },
};

/** Fraction of the rows of an n × 3 array within {@link ON_MANIFOLD} of `set`'s manifold. */
export function onManifoldFraction(set: ToySet, points: ArrayLike<number>): number {
  const n = Math.floor(points.length / 3);
  let inside = 0;
  for (let i = 0; i < n; i++) if (TOY_SETS[set].distance(points[3 * i] as number, points[3 * i + 1] as number, points[3 * i + 2] as number) <= ON_MANIFOLD) inside++;
  return n ? inside / n : NaN;
}

const VARIANTS = [
  { name: "RealNVP", flow: "realnvp", charts: false },
  { name: "VQ-RealNVP", flow: "realnvp", charts: true },
  { name: "MAF", flow: "maf", charts: false },
  { name: "VQ-MAF", flow: "maf", charts: true },
] as const;

type Sizes = { train: number; test: number; epochs: number; aeEpochs: number; patience: number; samples: number; sets: readonly ToySet[]; variants: readonly string[]; seed: number };

const SIZES: Record<"cpu" | "paper" | "quick", Sizes> = {
  cpu: { train: 5000, test: 2000, epochs: 40, aeEpochs: 20, patience: 5, samples: 2000, sets: ["sphere", "torus", "twoRings"], variants: VARIANTS.map((v) => v.name), seed: 0 },
  // the poster gives no sizes: the cpu scale is the whole experiment
  paper: { train: 5000, test: 2000, epochs: 40, aeEpochs: 20, patience: 5, samples: 2000, sets: ["sphere", "torus", "twoRings"], variants: VARIANTS.map((v) => v.name), seed: 0 },
  quick: { train: 400, test: 300, epochs: 2, aeEpochs: 2, patience: 5, samples: 300, sets: ["sphere", "twoRings"], variants: ["RealNVP", "VQ-RealNVP"], seed: 0 },
};

export const vqflowToy: Experiment = {
  id: "vqflow-toy",
  title: "Toy 3-D distributions: plain flows vs their VQ versions (poster's toy figure)",
  paper: "VQ-Flows",
  description:
    "The VQ-Flows poster shows samples of RealNVP and of its VQ counterpart trained on toy 3-D distributions (a figure, no numbers, no sizes). We train RealNVP, VQ-RealNVP, MAF and VQ-MAF (the package's toy presets: K = 8 charts, L = 8 layers, hidden 64×2) on three toy sets with noise 0.05 — the unit sphere, a ring torus (R = 2, r = 1) and two linked unit circles — and report what the figure shows as numbers: the fraction of samples within 0.1 (2σ of the noise) of the true manifold (the held-out data's own fraction beside it), the test NLL in nats, MMD² to held-out data (Gaussian kernel, bandwidth 0.2) and, for the VQ variants, ∫ eq. (2) (1 minus the share of draws that leave their chart). Scatter plots in the x–y and x–z views, VQ samples coloured by chart.",
  estimate: { cpu: "≈ 15 min (12 trainings; 18 min measured at load ≈ 25)", paper: "as cpu (the poster gives no sizes)", quick: "≈ 15 s" },
  cpuSeconds: 900,
  async run(ctx) {
    const s = pick(ctx, SIZES);
    const rows: ReportRow[] = [];
    const figures: FigureRef[] = [];
    const scale = `${s.train.toLocaleString("en-US")} training / ${s.test.toLocaleString("en-US")} held-out points, ≤ ${s.epochs} flow epochs (early stop, patience ${s.patience}), ${s.aeEpochs} VQ autoencoder epochs, ${s.samples.toLocaleString("en-US")} samples`;
    const seeds = `${s.seed} (training data ${s.seed}, held-out ${s.seed + 1}, model and training ${s.seed}, samples ${s.seed + 1})`;
    for (const set of s.sets) {
      const spec = TOY_SETS[set];
      const test = spec.draw(s.test, s.seed + 1);
      const dataFraction = round(onManifoldFraction(set, test.data), 4);
      rows.push({ quantity: `Held-out data within ${ON_MANIFOLD} of the manifold — ${set} (reference)`, paper: null, ours: dataFraction, scale, seeds, seconds: 0, backend: ctx.backend });
      // rows of three views (x–y, x–z, y–z): the held-out data, then each variant's samples
      const panels: Canvas[] = scatterViews(test.data.subarray(0, 3 * s.samples), null, [spec.bounds[0], spec.bounds[1]]);
      for (const v of VARIANTS.filter((x) => s.variants.includes(x.name))) {
        const { value, seconds } = await ctx.part(`vqflow-toy/${set}-${v.name}`, { ...s, set, variant: v.name }, async () => {
          const train = spec.draw(s.train, s.seed);
          const model = createVqFlow({ preset: set, flow: v.flow, seed: s.seed, ...(v.charts ? {} : { codebookSize: 1 }) });
          try {
            const result = await trainVqFlow(model, train, { epochs: s.epochs, autoencoderEpochs: s.aeEpochs, validation: test, patience: s.patience, seed: s.seed, onProgress: ctx.training(`${set} ${v.name}`) });
            const lp = await model.logProb(test);
            let nll = 0;
            for (const l of lp) nll -= l / lp.length;
            const sampled = await model.sampleWithCharts(s.samples, s.seed + 1);
            const points = await take(sampled.x);
            const mass = model.charts > 1 ? await model.measureChartMass({ samples: 5000, seed: s.seed + 2 }) : null;
            let chartsPerPoint = 1;
            if (model.charts > 1) {
              const m = await model.chartsOf(test);
              const flags = await take(m);
              chartsPerPoint = flags.reduce((a, b) => a + b, 0) / test.n;
            }
            return {
              parameters: model.params.entries().reduce((n, [, w]) => n + w.size, 0),
              epochs: result.stage2?.epochs.length ?? 0,
              testNll: round(nll, 5),
              mmd2: round(mmd({ data: points, dim: 3 }, test, { bandwidth: 0.2 }).mmd2, 5),
              onManifold: round(onManifoldFraction(set, points), 4),
              integral: round(mass ? 1 - mass.outside : 1, 4),
              chartsPerPoint: round(chartsPerPoint, 4),
              charts: model.charts,
              points: Array.from(points, (x) => round(x, 4)),
              sampleCharts: Array.from(sampled.charts),
            };
          } finally {
            model.dispose();
          }
        });
        const common = { scale: `${scale}; ${value.parameters.toLocaleString("en-US")} parameters, ${value.epochs} flow epochs`, seeds, seconds, backend: ctx.backend };
        const name = `${set}, ${v.name}`;
        rows.push(
          {
            quantity: `Samples within ${ON_MANIFOLD} of the manifold — ${name}`,
            paper: v.charts ? "figure only; the VQ version is shown closer to the data" : "figure only (no number)",
            ours: value.onManifold,
            ...common,
            note: `held-out data: ${dataFraction}`,
          },
          { quantity: `Test NLL (nats) — ${name}`, paper: null, ours: value.testNll, ...common },
          { quantity: `MMD² to held-out data (bandwidth 0.2) — ${name}`, paper: null, ours: value.mmd2, ...common },
        );
        if (v.charts) rows.push({ quantity: `∫ eq. (2) over R³ — ${name}`, paper: null, ours: value.integral, ...common, note: `K = ${value.charts}, ${value.chartsPerPoint} charts per held-out point; mass of draws outside their chart is lost` });
        panels.push(...scatterViews(Float32Array.from(value.points), v.charts ? Int32Array.from(value.sampleCharts) : null, [spec.bounds[0], spec.bounds[1]]));
      }
      const names = ["held-out data", ...VARIANTS.filter((x) => s.variants.includes(x.name)).map((v) => v.name)].join(", ");
      await mkdir(ctx.dir, { recursive: true });
      await savePanels(join(ctx.dir, `${set}.png`), panels, 3);
      figures.push({ file: `${set}.png`, caption: `${set}: rows ${names} (held-out data first); columns the x–y, x–z and y–z views; VQ samples coloured by the chart they were drawn from.` });
    }
    return { rows, figures, settings: s };
  },
};
