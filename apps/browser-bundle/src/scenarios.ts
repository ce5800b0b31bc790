/**
 * The computations the browser test runs twice — in headless Chromium from a bundle, and in Node
 * from the same source — with the same seeds, so the two results can be compared number by number.
 * Public API only, small sizes (the whole set runs in seconds on the wasm backend).
 */
import * as tf from "@tensorflow/tfjs";
import { GTN, gtnLabels, trainGTN } from "@atlas/gtn";
import { AwaeGanTrainer, createAwaeGan } from "@atlas/agm";
import { buildGeodesicGraph } from "@atlas/geodesic";
import { fid } from "@atlas/metrics";
import { Rng, swissRoll } from "@atlas/core";

/** What one run of {@link runScenarios} gives: plain JSON, compared across environments. */
export interface ScenarioResults {
  backend: string;
  /** GTN labelling (Algorithm 1), 2-D (direction tree) and 16-D (blocked int16 WebAssembly products). */
  labels2d: number[];
  labels16d: number[];
  /** Two epochs of GTN training on a swiss roll: the epoch losses and five samples of h. */
  gtnLosses: number[];
  gtnSamples: number[];
  /** The same samples after a save and load through `memory://` (must equal `gtnSamples`). */
  gtnReloadedSamples: number[];
  /** One AWAE-GAN training step (m = 2 charts, 8×8 images): its statistics. */
  awaeStep: { reconstruction: number; adversarial: number; discriminator: number; chartBalance: number };
  /** A geodesic graph over 48 images on that model, and the shortest path from point 0 to 1. */
  graph: { nodes: number; edges: number; weightSum: number; pathNodes: number[]; pathLength: number; charts: number[] };
  /** FID of two 300 × 24 Gaussian feature sets. */
  fid: number;
}

function gaussian(rng: Rng, n: number, d: number, shift = 0, scale = 1): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = shift + scale * rng.normal();
  return out;
}

/**
 * Run every scenario on the active backend. `saveDir` is where the GTN is saved and loaded back
 * (a store URL such as `memory://scenario-gtn` works everywhere).
 */
export async function runScenarios(saveDir = "memory://scenario-gtn"): Promise<ScenarioResults> {
  // GTN labelling: exact, so the assignments must be identical everywhere
  const x2 = gaussian(new Rng(1), 400, 2);
  const y2 = gaussian(new Rng(2), 400, 2);
  const labels2d = Array.from(await gtnLabels({ data: x2, dim: 2 }, { data: y2, dim: 2 }));
  const x16 = gaussian(new Rng(3), 300, 16);
  const y16 = gaussian(new Rng(4), 300, 16);
  const labels16d = Array.from(await gtnLabels({ data: x16, dim: 16 }, { data: y16, dim: 16 }, { strategy: "blocks" }));

  // a short GTN training (swiss-roll preset, 2 epochs, no early stopping)
  const roll = swissRoll(600, 0);
  const gtn = await trainGTN({ data: roll.theta, dim: 1 }, { preset: "swissRoll", epochs: 2, validationFraction: 0, seed: 0 });
  const gtnLosses = (gtn.report?.history.epochs ?? []).map((e) => e.losses.loss as number);
  const s = gtn.sample(5, 1);
  const gtnSamples = Array.from(await s.data());
  s.dispose();
  await gtn.save(saveDir);
  const again = await GTN.load(saveDir);
  const s2 = again.sample(5, 1);
  const gtnReloadedSamples = Array.from(await s2.data());
  s2.dispose();
  gtn.h.dispose();
  again.h.dispose();

  // one AWAE-GAN step on 8×8 images
  const model = createAwaeGan({ charts: 2, latentDim: 2, h: 4, dataShape: [8, 8, 1], seed: 0 });
  const trainer = new AwaeGanTrainer(model, { seed: 0 });
  const rng = new Rng(5);
  const pixels = Float32Array.from({ length: 16 * 64 }, () => rng.uniform());
  const batch = tf.tensor4d(pixels, [16, 8, 8, 1]);
  const stats = await trainer.step(batch);
  batch.dispose();
  const awaeStep = { reconstruction: stats.reconstruction, adversarial: stats.adversarial, discriminator: stats.discriminator, chartBalance: stats.chartBalance };

  // a geodesic graph on that model and a path
  const points = Float32Array.from({ length: 48 * 64 }, () => rng.uniform());
  const images = tf.tensor4d(points, [48, 8, 8, 1]);
  const graph = await buildGeodesicGraph(model, images, { k: 5, steps: 4, knn: "exact" });
  images.dispose();
  const path = await graph.shortestPath(0, 1); // data points 0 and 1
  let weightSum = 0;
  for (const w of graph.arrays.weights) weightSum += w;
  const graphResult = {
    nodes: graph.nodeCount,
    edges: graph.edgeCount,
    weightSum,
    pathNodes: path.nodes.map((p) => p.node),
    pathLength: path.length,
    charts: [...path.charts],
  };
  trainer.dispose();
  model.dispose();

  // FID (float64 throughout)
  const fa = gaussian(new Rng(6), 300, 24);
  const fb = gaussian(new Rng(7), 300, 24, 0.1, 1.2);
  const f = fid({ data: fa, dim: 24 }, { data: fb, dim: 24 });

  return {
    backend: tf.getBackend(),
    labels2d,
    labels16d,
    gtnLosses,
    gtnSamples,
    gtnReloadedSamples,
    awaeStep,
    graph: graphResult,
    fid: f.fid,
  };
}
