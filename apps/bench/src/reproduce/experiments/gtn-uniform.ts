/**
 * GTN paper, Figure 3B: a GTN from a 2-D standard normal to U(0, 1)², n = 100 000, h 6×6 (Table 2),
 * with Algorithm 1 taken literally (exact float64 cosines, ties essentially never happen) and with
 * the tie tolerance ε = 1e-5 (norm tie-breaking along each direction, as the paper describes).
 */
import { uniformSquare } from "@atlas/core";
import { trainGTN, uniformSquareStats } from "@atlas/gtn";
import { scatterPlot } from "../plot.js";
import type { Experiment, ExperimentContext, ReportRow } from "../types.js";
import { pick, round, saveFigure, take, thin } from "./common.js";

/** Train one uniform-square GTN and return its statistics and a thinned sample for the figure. */
export async function uniformRun(
  ctx: ExperimentContext,
  label: string,
  s: { n: number; epochs: number; learningRate: number; samples: number; seed: number; width: number; patience: number },
  labelling: { cosineTolerance: number; sortByNorm: boolean },
) {
  return ctx.part(label, { ...s, ...labelling }, async () => {
    const data = uniformSquare(s.n, s.seed);
    const gtn = await trainGTN(
      { data: data.data, dim: 2 },
      { preset: "uniform", width: s.width, patience: s.patience, epochs: s.epochs, learningRate: s.learningRate, seed: s.seed, ...labelling, onProgress: ctx.training(label.split("/").pop()!) },
    );
    try {
      const y = await gtn.sampleInputs(s.samples, 98);
      const yv = Float32Array.from(await y.data());
      const out = await take(await gtn.map(y));
      y.dispose();
      const stats = uniformSquareStats(out);
      let border = 0;
      let depth = 0;
      for (let i = 0; i < s.samples; i++) {
        const a = out[2 * i] as number;
        const b = out[2 * i + 1] as number;
        const dist = Math.min(a, 1 - a, b, 1 - b); // distance to the boundary (negative outside)
        if (dist < 0.05) border++;
        depth += dist;
      }
      return {
        ks: stats.ks.map((v) => round(v, 4)),
        outside: round(stats.outside, 4),
        border: round(border / s.samples, 4),
        meanDepth: round(depth / s.samples, 4),
        epochs: gtn.report!.history.epochs.length,
        labelSeconds: round(gtn.report!.labelSeconds, 4),
        y: Array.from(thin(yv, 2, 5000), (v) => round(v, 4)),
        x: Array.from(thin(out, 2, 5000), (v) => round(v, 4)),
      };
    } finally {
      gtn.dispose();
    }
  });
}

/** Fraction of 2-D points (row-major pairs) inside the central square [0.25, 0.75]² (0.25 for U(0, 1)²; a collapse onto a ring gives ≈ 0). */
export function interiorFraction(points: readonly number[]): number {
  let inside = 0;
  const n = Math.floor(points.length / 2);
  for (let i = 0; i < n; i++) {
    const a = points[2 * i]!;
    const b = points[2 * i + 1]!;
    if (a >= 0.25 && a <= 0.75 && b >= 0.25 && b <= 0.75) inside++;
  }
  return n ? inside / n : NaN;
}

/** Colour of each thinned input by its norm (as the paper's Fig. 3B colours by distance from the origin). */
export function normColours(y: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < y.length; i += 2) out.push(Math.min(1, Math.hypot(y[i]!, y[i + 1]!) / 3));
  return out;
}

export const UNIFORM_SIZES = {
  cpu: { n: 100_000, epochs: 100, learningRate: 1e-3, samples: 20_000, seed: 2, width: 6, patience: 3 },
  paper: { n: 100_000, epochs: 100, learningRate: 1e-3, samples: 20_000, seed: 2, width: 6, patience: 3 },
  quick: { n: 3_000, epochs: 6, learningRate: 1e-2, samples: 2_000, seed: 2, width: 6, patience: 3 },
};

export const gtnUniform: Experiment = {
  id: "gtn-uniform",
  title: "Uniform square from a 2-D normal (Fig. 3B): Algorithm 1 literally vs the tie tolerance",
  paper: "GTN",
  description:
    "The paper labels n = 100 000 draws of U(0, 1)² against N(0, I) samples with Algorithm 1, trains h (6 hidden layers of width 6, Adam 1e-3, batch 250, early stopping on a 10 000-point validation set) and shows the generated sample fills the square (Fig. 3B; no number is given). We run Algorithm 1 taken literally (exact float64 cosines: ties, and so the norm tie-break the paper relies on, essentially never happen) and with the tie tolerance ε = 1e-5 (cosines within ε of the best count as tied; the smallest norm wins), and report the per-axis KS distance of 20 000 samples to U(0, 1), the fraction outside the square and the fraction within 0.05 of its boundary (0.19 for the uniform distribution) and the fraction in the central square [0.25, 0.75]² (0.25 for the uniform distribution; ≈ 0 when the sample leaves a hole in the middle). The cpu scale is the paper's.",
  estimate: { cpu: "≈ 15 min", paper: "≈ 15 min (CPU is enough)", quick: "≈ 20 s" },
  cpuSeconds: 900,
  async run(ctx) {
    const s = pick(ctx, UNIFORM_SIZES);
    const rows: ReportRow[] = [];
    const panels = [];
    for (const eps of [0, 1e-5]) {
      const name = eps === 0 ? "Algorithm 1 literally (ε = 0)" : `tie tolerance ε = ${eps.toExponential()}`;
      const { value, seconds } = await uniformRun(ctx, `gtn-uniform/eps-${eps}`, s, { cosineTolerance: eps, sortByNorm: true });
      const common = {
        scale: `n = ${s.n.toLocaleString("en-US")}, h 6×${s.width}, lr ${s.learningRate}, patience ${s.patience}, ${value.epochs} epochs, ${s.samples.toLocaleString("en-US")} samples`,
        seeds: `${s.seed} (data, y, h), 98 (samples)`,
        seconds,
        backend: ctx.backend,
      };
      rows.push(
        { quantity: `KS to U(0,1), x / y axis — ${name}`, paper: "uniform (Fig. 3B, visual)", ours: `${value.ks[0]} / ${value.ks[1]}`, ...common },
        { quantity: `Fraction outside the square — ${name}`, paper: null, ours: value.outside, ...common },
        { quantity: `Fraction within 0.05 of the boundary (uniform: 0.19) — ${name}`, paper: null, ours: value.border, ...common },
        { quantity: `Fraction in the central square [0.25, 0.75]² (uniform: 0.25) — ${name}`, paper: null, ours: round(interiorFraction(value.x), 4), ...common, note: `of ${value.x.length / 2} plotted samples` },
        { quantity: `Labelling time, n = ${s.n.toLocaleString("en-US")}, d = 2 — ${name}`, paper: null, ours: `${value.labelSeconds} s`, ...common },
      );
      const colours = normColours(value.y);
      if (eps === 0) panels.push({ points: value.y, values: colours, bounds: [-3.5, 3.5, -3.5, 3.5] as const, label: "Y" });
      panels.push({ points: value.x, values: colours, bounds: [-0.1, 1.1, -0.1, 1.1] as const, label: eps === 0 ? "EPS=0" : "EPS=1E-5", outlines: [[0, 1, 0, 1] as const] });
    }
    const fig = await saveFigure(
      ctx,
      "uniform.png",
      scatterPlot(panels, { radius: 0, alpha: 0.6 }),
      "Fig. 3B: the normal inputs y (left, coloured by ‖y‖) and h(y) for Algorithm 1 taken literally (middle) and with the tie tolerance ε = 1e-5 (right); same colours, the unit square outlined.",
    );
    return { rows, figures: [fig], settings: s };
  },
};
