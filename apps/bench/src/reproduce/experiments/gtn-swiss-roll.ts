/**
 * GTN paper, Figure 3A / Appendix G: a GTN from a 1-D standard normal to the swiss-roll parameter
 * θ ~ U(1.5π, 4.5π), n = 50 000, h 4×6 (Table 2).
 */
import { swissRoll } from "@atlas/core";
import { ks, swissRollWithin, trainGTN } from "@atlas/gtn";
import { scatterPlot } from "../plot.js";
import type { Experiment, ReportRow } from "../types.js";
import { pick, round, saveFigure, take, thin } from "./common.js";

const LO = 1.5 * Math.PI;
const HI = 4.5 * Math.PI;

export const gtnSwissRoll: Experiment = {
  id: "gtn-swiss-roll",
  title: "Swiss roll from a 1-D normal (Fig. 3A)",
  paper: "GTN",
  description:
    "The paper trains h (4 hidden layers of width 6, LeakyReLU(0.5), Adam 1e-3, batch 250) to map N(0, 1) to the swiss-roll parameter θ ~ U(1.5π, 4.5π) on n = 50 000 labelled pairs and shows the generated points lie on the roll (Fig. 3A; no number is given). We report the fraction of 10 000 generated θ whose point lies within 2% of the roll's radius range of the true roll, and the KS distance of θ to U(1.5π, 4.5π). The cpu scale is the paper's.",
  estimate: { cpu: "≈ 3 min", paper: "≈ 3 min (CPU is enough)", quick: "≈ 15 s" },
  cpuSeconds: 180,
  async run(ctx) {
    const s = pick(ctx, {
      cpu: { n: 50_000, epochs: 100, learningRate: 1e-3, samples: 10_000, seed: 1 },
      paper: { n: 50_000, epochs: 100, learningRate: 1e-3, samples: 10_000, seed: 1 },
      quick: { n: 3_000, epochs: 8, learningRate: 1e-2, samples: 2_000, seed: 1 },
    });
    const { value, seconds } = await ctx.part("gtn-swiss-roll/train", s, async () => {
      const data = swissRoll(s.n, s.seed);
      const gtn = await trainGTN({ data: Float64Array.from(data.theta), dim: 1 }, { preset: "swissRoll", epochs: s.epochs, learningRate: s.learningRate, seed: s.seed, onProgress: ctx.training("h") });
      try {
        const y = await gtn.sampleInputs(s.samples, 99);
        const yv = Float32Array.from(await y.data());
        const theta = await take(await gtn.map(y));
        y.dispose();
        return {
          within: swissRollWithin(theta),
          ks: ks(theta, (v) => Math.min(1, Math.max(0, (v - LO) / (HI - LO)))),
          epochs: gtn.report!.history.epochs.length,
          labelSeconds: gtn.report!.labelSeconds,
          y: Array.from(thin(yv, 1, 4000), (v) => round(v, 4)),
          theta: Array.from(thin(theta, 1, 4000), (v) => round(v, 5)),
        };
      } finally {
        gtn.dispose();
      }
    });
    const scale = `n = ${s.n.toLocaleString("en-US")} pairs, h 4×6, lr ${s.learningRate}, ≤ ${s.epochs} epochs (early stop after ${value.epochs}), ${s.samples.toLocaleString("en-US")} samples`;
    const common = { scale, seeds: `${s.seed} (data, h), 99 (samples)`, seconds, backend: ctx.backend };
    const rows: ReportRow[] = [
      { quantity: "Generated θ on the roll (within 2% of the radius range)", paper: "all (Fig. 3A, visual)", ours: round(value.within, 4), ...common },
      { quantity: "KS distance of θ to U(1.5π, 4.5π)", paper: null, ours: round(value.ks, 4), ...common },
      { quantity: "Labelling time (Algorithm 1, 1-D)", paper: null, ours: `${value.labelSeconds.toFixed(2)} s`, ...common },
    ];
    // Fig. 3A: the normal sample (jittered vertically) and the generated roll, coloured by y
    const ys = value.y;
    const colour = ys.map((v) => (v + 3) / 6);
    const normal = ys.flatMap((v, i) => [v, ((i * 7919) % 1000) / 1000]);
    const roll = value.theta.flatMap((t) => [t * Math.cos(t), t * Math.sin(t)]);
    const fig = await saveFigure(
      ctx,
      "swiss-roll.png",
      scatterPlot([
        { points: normal, values: colour, bounds: [-4, 4, -0.5, 1.5], label: "Y" },
        { points: roll, values: colour, bounds: [-15, 15, -15, 15], label: "H(Y)" },
      ], { radius: 1, alpha: 0.5 }),
      "Fig. 3A: left, the 1-D normal sample y (spread vertically for visibility); right, the generated swiss-roll points (θ cos θ, θ sin θ) with θ = h(y), each coloured by its y.",
    );
    return { rows, figures: [fig], settings: s };
  },
};
