/**
 * GTN paper, Figure 9 / Appendix C: data on two disjoint squares; a plain GTN (one normal) against
 * the clustered GTN (k-means, one normal per cluster with the cluster's mean and std, labelling
 * inside each cluster, one h).
 */
import { disjointUniforms } from "@atlas/core";
import { gapFraction, ks, trainGTN } from "@atlas/gtn";
import { scatterPlot, SERIES } from "../plot.js";
import type { Experiment, ReportRow } from "../types.js";
import { pick, round, saveFigure, take, thin } from "./common.js";

const SQUARES = [[0, 1, 0, 1], [2, 3, 0, 1]] as const;

export const gtnSquares: Experiment = {
  id: "gtn-squares",
  title: "Two disjoint squares: plain vs clustered GTN (Fig. 9)",
  paper: "GTN",
  description:
    "Appendix C / Fig. 9: data supported on two disjoint uniform squares; the paper clusters the data (k-means, k = 2), draws each cluster's normal sample from that cluster's mean and standard deviation, labels inside each cluster and trains one h; its figure shows the predictions stay in the two squares (no number, no n or h given). We use core's two squares [0,1]² and [2,3]×[0,1], n = 100 000, and compare the plain GTN (one N(0, I)) with the clustered one, for the paper's uniform-square h (6×6) and a wider h (6×32, patience 6), reporting the fraction of 20 000 samples in the gap 1 < x < 2, the fraction outside both squares and the per-axis KS inside each square.",
  estimate: { cpu: "≈ 40 min", paper: "≈ 40 min (CPU is enough)", quick: "≈ 30 s" },
  cpuSeconds: 2400,
  async run(ctx) {
    const s = pick(ctx, {
      cpu: { n: 100_000, epochs: 100, learningRate: 1e-3, samples: 20_000, seed: 3 },
      paper: { n: 100_000, epochs: 100, learningRate: 1e-3, samples: 20_000, seed: 3 },
      quick: { n: 4_000, epochs: 6, learningRate: 1e-2, samples: 2_000, seed: 3 },
    });
    const rows: ReportRow[] = [];
    const figurePoints: { label: string; x: number[]; y: number[] }[] = [];
    for (const [width, patience] of [[6, 3], [32, 6]] as const) {
      for (const clusters of [1, 2]) {
        const name = `${clusters === 2 ? "clustered (k = 2)" : "plain"}, h 6×${width}`;
        const { value, seconds } = await ctx.part(`gtn-squares/k${clusters}-w${width}`, { ...s, width, patience, clusters }, async () => {
          const data = disjointUniforms(s.n, s.seed);
          const gtn = await trainGTN({ data: data.data, dim: 2 }, { preset: "uniform", width, patience, clusters, epochs: s.epochs, learningRate: s.learningRate, seed: s.seed, onProgress: ctx.training(`k=${clusters} w=${width}`) });
          try {
            const y = await gtn.sampleInputs(s.samples, 97);
            const yv = Float32Array.from(await y.data());
            const out = await take(await gtn.map(y));
            y.dispose();
            const g = gapFraction(out);
            // per-axis KS inside each square, against that square's uniform marginals
            const inside = SQUARES.map(([x0, x1, y0, y1]) => {
              const xs: number[] = [];
              const ys: number[] = [];
              for (let i = 0; i < s.samples; i++) {
                const a = out[2 * i] as number;
                const b = out[2 * i + 1] as number;
                if (a >= x0 && a <= x1 && b >= y0 && b <= y1) {
                  xs.push(a);
                  ys.push(b);
                }
              }
              return [ks(xs, (v) => (v - x0) / (x1 - x0)), ks(ys, (v) => (v - y0) / (y1 - y0))].map((v) => round(v, 3));
            });
            return {
              gap: round(g.gap, 4),
              outside: round(g.outside, 4),
              inside,
              epochs: gtn.report!.history.epochs.length,
              y: Array.from(thin(yv, 2, 4000), (v) => round(v, 4)),
              x: Array.from(thin(out, 2, 4000), (v) => round(v, 4)),
            };
          } finally {
            gtn.dispose();
          }
        });
        const common = {
          scale: `n = ${s.n.toLocaleString("en-US")}, h 6×${width}, lr ${s.learningRate}, patience ${patience}, ${value.epochs} epochs, ${s.samples.toLocaleString("en-US")} samples`,
          seeds: `${s.seed} (data, k-means, y, h), 97 (samples)`,
          seconds,
          backend: ctx.backend,
        };
        rows.push(
          { quantity: `Fraction of samples in the gap 1 < x < 2 — ${name}`, paper: clusters === 2 ? "≈ 0 (Fig. 9, visual)" : null, ours: value.gap, ...common },
          { quantity: `Fraction outside both squares — ${name}`, paper: null, ours: value.outside, ...common },
          { quantity: `KS inside square 1 (x / y) and square 2 (x / y) — ${name}`, paper: null, ours: value.inside.map((p) => p.join(" / ")).join(", "), ...common },
        );
        figurePoints.push({ label: `${clusters === 2 ? "CLUSTERED" : "PLAIN"} 6X${width}`, x: value.x, y: value.y });
      }
    }
    const data = disjointUniforms(4000, s.seed + 100);
    const clustered = figurePoints.find((p) => p.label === "CLUSTERED 6X32")!;
    const fig9 = await saveFigure(
      ctx,
      "squares-fig9.png",
      scatterPlot([
        { points: clustered.y, color: SERIES[0]!, label: "Y" },
        { points: clustered.x, color: SERIES[1]!, bounds: [-0.5, 3.5, -1.5, 2.5], label: "H(Y)", outlines: SQUARES },
        { points: Array.from(data.data), color: SERIES[2]!, bounds: [-0.5, 3.5, -1.5, 2.5], label: "DATA", outlines: SQUARES },
      ], { radius: 0, alpha: 0.5 }),
      "Fig. 9 layout, clustered GTN with the 6×32 h: the mixture of the two clusters' normal samples y (left; standardised data units), the GTN's predictions h(y) (middle) and data samples (right); the squares outlined.",
    );
    const all = await saveFigure(
      ctx,
      "squares-all.png",
      scatterPlot(figurePoints.map((p) => ({ points: p.x, color: SERIES[1]!, bounds: [-0.5, 3.5, -1.5, 2.5] as const, label: p.label, outlines: SQUARES })), { radius: 0, alpha: 0.5, size: 260 }),
      "Samples of the four GTNs: plain and clustered, with the paper's 6×6 h and with a 6×32 h.",
    );
    return { rows, figures: [fig9, all], settings: s };
  },
};
