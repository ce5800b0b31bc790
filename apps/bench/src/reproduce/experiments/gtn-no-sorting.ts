/**
 * GTN paper, Figure 11 (Appendix B): the uniform-square GTN trained on labels from Algorithm 1 with
 * the sorting by norm removed; the paper reports that the predictions then collapse mainly to the
 * boundary.
 */
import type { Experiment, ReportRow } from "../types.js";
import { scatterPlot } from "../plot.js";
import { pick, saveFigure } from "./common.js";
import { UNIFORM_SIZES, normColours, uniformRun } from "./gtn-uniform.js";

export const gtnNoSorting: Experiment = {
  id: "gtn-no-sorting",
  title: "Ablation: Algorithm 1 without sorting by norm (Fig. 11)",
  paper: "GTN",
  description:
    "Appendix B / Fig. 11: training the uniform-square GTN on labels produced by Algorithm 1 with the sorting removed makes the test predictions collapse mainly to the boundary. We label the paper's uniform-square data (n = 100 000) with `sortByNorm: false` (y walked in its given, random order; ties to the x given first) and with Algorithm 1 (both ε = 0), train the same 6×6 h on each, and report the fraction of 20 000 samples within 0.05 of the square's boundary (0.19 for the uniform distribution), their mean distance to the boundary (1/6 ≈ 0.167 for the uniform distribution) and the KS distances.",
  estimate: { cpu: "≈ 15 min", paper: "≈ 15 min (CPU is enough)", quick: "≈ 20 s" },
  cpuSeconds: 900,
  async run(ctx) {
    const s = pick(ctx, UNIFORM_SIZES);
    const rows: ReportRow[] = [];
    const panels = [];
    for (const sortByNorm of [true, false]) {
      const name = sortByNorm ? "sorted (Algorithm 1)" : "sorting removed";
      const { value, seconds } = await uniformRun(ctx, sortByNorm ? "gtn-uniform/eps-0" : "gtn-no-sorting/unsorted", s, { cosineTolerance: 0, sortByNorm });
      const common = {
        scale: `n = ${s.n.toLocaleString("en-US")}, h 6×${s.width}, lr ${s.learningRate}, ${value.epochs} epochs, ${s.samples.toLocaleString("en-US")} samples`,
        seeds: `${s.seed} (data, y, h), 98 (samples)`,
        seconds,
        backend: ctx.backend,
      };
      rows.push(
        { quantity: `Fraction within 0.05 of the boundary (uniform: 0.19) — ${name}`, paper: sortByNorm ? "fills the square (Fig. 3B)" : "mainly on the boundary (Fig. 11)", ours: value.border, ...common },
        { quantity: `Mean distance to the boundary (uniform: 0.167) — ${name}`, paper: null, ours: value.meanDepth, ...common },
        { quantity: `KS to U(0,1), x / y — ${name}`, paper: null, ours: `${value.ks[0]} / ${value.ks[1]}`, ...common },
        { quantity: `Fraction outside the square — ${name}`, paper: null, ours: value.outside, ...common },
      );
      panels.push({ points: value.x, values: normColours(value.y), bounds: [-0.1, 1.1, -0.1, 1.1] as const, label: sortByNorm ? "SORTED" : "UNSORTED", outlines: [[0, 1, 0, 1] as const] });
    }
    const fig = await saveFigure(
      ctx,
      "no-sorting.png",
      scatterPlot(panels, { radius: 0, alpha: 0.6 }),
      "Fig. 11: samples h(y) of the GTN trained on Algorithm 1's labels (left) and on the same algorithm without sorting by norm (right), coloured by ‖y‖; the unit square outlined.",
    );
    return { rows, figures: [fig], settings: s };
  },
};
