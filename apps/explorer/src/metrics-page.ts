// The metrics page: the run's metrics (FID, KID, precision/recall, IS with the built-in MNIST
// extractor, from the bundle) and, computed here, precision/recall and KID of model samples
// against the graph's points in raw pixel space.
import * as tf from "@tensorflow/tfjs";
import { sampleCharts } from "@atlas/agm";
import { kid, precisionRecall } from "@atlas/metrics";
import { el } from "./draw.js";
import type { Explorer } from "./source.js";

function n4(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "–";
}

export async function metricsPage(root: HTMLElement, ex: Explorer): Promise<void> {
  const blocks: HTMLElement[] = [];
  if (ex.metrics) {
    const head = el("tr", {}, ...["samples", "FID", "KID", "precision", "recall", "IS"].map((h) => el("th", {}, h)));
    const rows = ex.metrics.rows.map((r) => {
      const kidV = r.kid as { mean: number } | undefined;
      const is = r.inceptionScore as { mean: number } | undefined;
      return el("tr", {}, ...[String(r.model), n4(r.fid), n4(kidV?.mean), n4(r.precision), n4(r.recall), n4(is?.mean)].map((v) => el("td", {}, v)));
    });
    blocks.push(el("div", { class: "card" }, el("h2", {}, `The run's metrics (extractor ${ex.metrics.extractor})`), el("table", { id: "run-metrics" }, head, ...rows)));
  }
  const live = el("div", { class: "card", style: "margin-top:14px" }, el("h2", {}, "Computed in this page: model samples vs the graph's points, raw pixels"), el("p", { id: "live-metrics" }, "computing…"));
  blocks.push(live);
  root.replaceChildren(...blocks);
  const n = Math.min(200, ex.points.n);
  const [h, w, c] = ex.points.shape;
  const dim = h * w * c;
  const real = { data: ex.points.data.slice(0, n * dim), dim };
  const fake = tf.tidy(() => sampleCharts(ex.model, Math.ceil(n / ex.model.charts), 0).slice(0, n));
  const f = { data: (await fake.data()) as Float32Array, dim };
  fake.dispose();
  const pr = await precisionRecall(real, f, { k: 3 });
  const k = await kid(real, f, { subsets: 20, subsetSize: Math.min(100, n), seed: 0 });
  live.querySelector("#live-metrics")!.textContent = `${n} samples (charts drawn uniformly) vs ${n} points: precision ${pr.precision.toFixed(3)}, recall ${pr.recall.toFixed(3)}, KID ${k.mean.toFixed(4)} ± ${k.std.toFixed(4)} (raw pixels: not comparable with extractor metrics)`;
}
