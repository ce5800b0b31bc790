/**
 * GTN paper, Figure 11 (Appendix B): the uniform-square GTN trained on labels from Algorithm 1 with
 * the sorting by norm removed; the paper reports that the predictions then collapse mainly to the
 * boundary.
 */
import type { Experiment, ReportRow } from "../types.js";
import { scatterPlot } from "../plot.js";
import { pick, round, saveFigure } from "./common.js";
import { UNIFORM_SIZES, interiorFraction, normColours, uniformRun } from "./gtn-uniform.js";

export const gtnNoSorting: Experiment = {
  id: "gtn-no-sorting",
  title: "Ablation: Algorithm 1 without sorting by norm (Fig. 11)",
  paper: "GTN",
  description:
    "Appendix B / Fig. 11: training the uniform-square GTN on labels produced by Algorithm 1 with the sorting removed makes the test predictions collapse mainly to the boundary. We label the paper's uniform-square data (n = 100 000) with `sortByNorm: false` (y walked in its given, random order; ties to the x given first) and with Algorithm 1, each with exact cosines (ε = 0) and with the tie tolerance ε = 1e-5, train the same 6×6 h on each, and report the fraction of samples in the central square [0.25, 0.75]² (0.25 for the uniform distribution; a collapse onto a ring gives ≈ 0), the mean distance to the boundary (1/6 ≈ 0.167) and the KS distances.",
  estimate: { cpu: "≈ 12 min after gtn-uniform", paper: "≈ 15 min (CPU is enough)", quick: "≈ 20 s" },
  cpuSeconds: 900,
  async run(ctx) {
    const s = pick(ctx, UNIFORM_SIZES);
    const rows: ReportRow[] = [];
    const panels = [];
    const interior: string[] = [];
    for (const eps of [0, 1e-5]) {
      for (const sortByNorm of [true, false]) {
        const name = `${sortByNorm ? "sorted (Algorithm 1)" : "sorting removed"}, ε = ${eps === 0 ? "0" : eps.toExponential()}`;
        // the sorted runs are gtn-uniform's (same data, seed and settings: shared, trained once)
        const key = sortByNorm ? `gtn-uniform/eps-${eps}` : eps === 0 ? "gtn-no-sorting/unsorted" : `gtn-no-sorting/unsorted-eps-${eps}`;
        const { value, seconds } = await uniformRun(ctx, key, s, { cosineTolerance: eps, sortByNorm });
        const common = {
          scale: `n = ${s.n.toLocaleString("en-US")}, h 6×${s.width}, lr ${s.learningRate}, ${value.epochs} epochs, ${s.samples.toLocaleString("en-US")} samples`,
          seeds: `${s.seed} (data, y, h), 98 (samples)`,
          seconds,
          backend: ctx.backend,
        };
        const inside = round(interiorFraction(value.x), 4);
        interior.push(`${name}: ${inside}`);
        rows.push(
          {
            quantity: `Fraction in the central square [0.25, 0.75]² (uniform: 0.25) — ${name}`,
            paper: sortByNorm ? "fills the square (Fig. 3B)" : "collapses mainly to the boundary (Fig. 11)",
            ours: inside,
            ...common,
            note: `of ${value.x.length / 2} plotted samples`,
          },
          { quantity: `Mean distance to the boundary (uniform: 0.167) — ${name}`, paper: null, ours: value.meanDepth, ...common },
          { quantity: `KS to U(0,1), x / y — ${name}`, paper: null, ours: `${value.ks[0]} / ${value.ks[1]}`, ...common },
          { quantity: `Fraction outside the square — ${name}`, paper: null, ours: value.outside, ...common },
        );
        panels.push({ points: value.x, values: normColours(value.y), bounds: [-0.1, 1.1, -0.1, 1.1] as const, label: `${sortByNorm ? "SORTED" : "UNSORTED"} EPS=${eps === 0 ? "0" : "1E-5"}`, outlines: [[0, 1, 0, 1] as const] });
      }
    }
    const fig = await saveFigure(
      ctx,
      "no-sorting.png",
      scatterPlot(panels, { radius: 0, alpha: 0.6, size: 260 }),
      "Fig. 11: samples h(y) of GTNs trained on Algorithm 1's labels and on the same algorithm without sorting by norm, with exact cosines (ε = 0) and with the tie tolerance ε = 1e-5 (left to right: sorted ε = 0, unsorted ε = 0, sorted ε = 1e-5, unsorted ε = 1e-5), coloured by ‖y‖; the unit square outlined.",
    );
    return {
      rows,
      figures: [fig],
      settings: s,
      notes: [
        `Fraction of the plotted samples in the central square [0.25, 0.75]² (0.25 if uniform, ≈ 0 after a collapse towards the boundary): ${interior.join("; ")}.`,
        "Why ε matters here: with exact float64 cosines (ε = 0) ties essentially never occur, so the sort by norm only decides the order in which the y choose their x; the norm tie-break that the paper's argument relies on (its float32 cosine similarity rounds cosines near 1 to ties) acts only with the tie tolerance, where the sort decides which of the tied x a y gets.",
      ],
    };
  },
};
