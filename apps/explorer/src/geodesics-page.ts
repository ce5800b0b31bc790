// The geodesics page: latent nodes of every chart, pick two images, the geodesic (optimal graph
// path, equidistant frames in decoded length, the chart of each frame) beside linear interpolation,
// played frame by frame.
import * as tf from "@tensorflow/tfjs";
import { decodeResampled, decodedCurveLengths } from "@atlas/geodesic";
import { chartColour, chartViews, el, imageCanvas, paintImage, scatter } from "./draw.js";
import type { Explorer } from "./source.js";

const FRAMES = 10;
const SHOWN = 200;

interface Result {
  length: number;
  linearLength: number;
  linearChart: number;
  charts: number[];
  labels: string[];
  hops: number;
  chartSequence: number[];
  pathNodes: number[];
  geodesic: Float32Array[];
  linear: Float32Array[];
}

async function rows(t: tf.Tensor, count: number): Promise<Float32Array[]> {
  const v = (await t.data()) as Float32Array;
  const size = v.length / count;
  return Array.from({ length: count }, (_, i) => v.slice(i * size, (i + 1) * size));
}

/** The geodesic between build points a and b and the linear interpolation in a's most likely chart. */
export async function geodesicBetween(ex: Explorer, a: number, b: number): Promise<Result> {
  const { model, graph, points } = ex;
  const path = await graph.shortestPath(a, b);
  const frames = path.resample(FRAMES);
  const g = decodeResampled(model, frames);
  const geodesic = await rows(g, FRAMES);
  g.dispose();
  const [h, w, c] = points.shape;
  const size = h * w * c;
  const x = tf.tensor4d(concatRows(points.data, [a, b], size), [2, h, w, c]);
  const psi = tf.tidy(() => model.partition(x.slice([0], [1])).argMax(1));
  const chart = ((await psi.data()) as Int32Array)[0]!;
  psi.dispose();
  const z = tf.tidy(() => model.encode!(x, chart));
  const zz = (await z.data()) as Float32Array;
  z.dispose();
  x.dispose();
  const d = model.latentDim;
  const za = zz.slice(0, d);
  const zb = zz.slice(d, 2 * d);
  const line = tf.tensor2d(
    Float32Array.from({ length: FRAMES * d }, (_, i) => {
      const t = Math.floor(i / d) / (FRAMES - 1);
      return (1 - t) * za[i % d]! + t * zb[i % d]!;
    }),
    [FRAMES, d],
  );
  const l = tf.tidy(() => model.decode(line, chart));
  const linear = await rows(l, FRAMES);
  tf.dispose([line, l]);
  const linearLength = (await decodedCurveLengths(model, chart, za, zb, d, 32, 4096))[0]!;
  return {
    length: path.length,
    linearLength,
    linearChart: chart,
    charts: frames.map((f) => f.chart),
    labels: frames.map((f) => (f.crossing ? `${f.crossing[0]}/${f.crossing[1]}` : String(f.chart))),
    hops: path.nodes.length - 1,
    chartSequence: [...path.chartSequence],
    pathNodes: path.nodes.map((n) => n.node),
    geodesic,
    linear,
  };
}

function concatRows(data: Float32Array, idx: number[], size: number): Float32Array {
  const out = new Float32Array(idx.length * size);
  idx.forEach((i, k) => out.set(data.subarray(i * size, (i + 1) * size), k * size));
  return out;
}

function stripRow(label: string, frames: Float32Array[], charts: number[], labels: string[], shape: readonly number[], id: string): HTMLElement {
  const [h, w, c] = shape as [number, number, number];
  const row = el("div", { class: "strip", id });
  row.append(el("div", { class: "label" }, label));
  frames.forEach((f, k) => {
    const chart = charts[k]!;
    const frame = el("div", { class: `frame${k > 0 && charts[k - 1] !== chart ? " change" : ""}`, style: `color:${chartColour(chart)}`, "data-chart": String(chart) });
    frame.append(imageCanvas(f, h, w, c), el("div", { class: "chart", style: `background:${chartColour(chart)}` }, labels[k]!));
    row.append(frame);
  });
  return row;
}

/** Build the page into `root`; resolves once the first geodesic is drawn. */
export async function geodesicsPage(root: HTMLElement, ex: Explorer, status: (s: string) => void, initial?: readonly [number, number]): Promise<void> {
  const { model, graph, points } = ex;
  const [h, w, c] = points.shape;
  const m = model.charts;
  // latent nodes, one panel per chart
  const nodeCharts: number[] = [];
  const byChart: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < graph.nodeCount; i++) {
    const node = graph.node(i);
    nodeCharts.push(node.chart);
    byChart[node.chart]!.push(i);
  }
  const views = byChart.map((ids) => chartViews(ids.map((i) => graph.node(i).z), model.latentDim));
  const panels = byChart.map((ids, y) => {
    const canvas = el("canvas", { width: "170", height: "150", "data-chart": String(y) });
    scatter(canvas, views[y]!, ids.map(() => chartColour(y)));
    return el("div", {}, el("div", { style: `color:${chartColour(y)};font-weight:bold` }, `chart ${y}: ${ids.length} nodes`), canvas);
  });
  const thumbs = el("div", { class: "thumbs", id: "thumbs" });
  const fromIn = el("input", { type: "number", id: "from", min: "0", max: String(points.n - 1) });
  const toIn = el("input", { type: "number", id: "to", min: "0", max: String(points.n - 1) });
  const go = el("button", { id: "go" }, "Find geodesic");
  const size = h * w * c;
  const shown = Math.min(SHOWN, points.n);
  const thumbCanvases: HTMLCanvasElement[] = [];
  let picking: "from" | "to" = "from";
  for (let i = 0; i < shown; i++) {
    const cv = imageCanvas(points.data.subarray(i * size, (i + 1) * size), h, w, c);
    cv.title = `point ${i}`;
    cv.dataset.point = String(i);
    cv.addEventListener("click", () => {
      (picking === "from" ? fromIn : toIn).value = String(i);
      picking = picking === "from" ? "to" : "from";
      if (picking === "from") void run();
      mark();
    });
    thumbCanvases.push(cv);
    thumbs.append(cv);
  }
  const mark = (): void =>
    thumbCanvases.forEach((cv, i) => {
      cv.classList.toggle("from", String(i) === fromIn.value);
      cv.classList.toggle("to", String(i) === toIn.value);
    });
  const summary = el("p", { id: "path-summary" });
  const strips = el("div", { id: "strips" });
  const playerGeo = el("canvas", { width: String(w * 6), height: String(h * 6), id: "player-geodesic", class: "px" });
  const playerLin = el("canvas", { width: String(w * 6), height: String(h * 6), id: "player-linear", class: "px" });
  const capGeo = el("div", { class: "cap", id: "player-chart" });
  const capLin = el("div", { class: "cap" });
  const slider = el("input", { type: "range", min: "0", max: String(FRAMES - 1), value: "0", id: "frame-slider" });
  const play = el("button", { id: "play" }, "Play");
  root.replaceChildren(
    el("div", { class: "row" }, el("div", { class: "card panels" }, el("h2", {}, "Latent nodes of every chart (PCA of each chart's codes)"), el("div", { class: "row" }, ...panels)), el("div", { class: "card" }, el("h2", {}, `Pick two images (click: from, then to; first ${shown} of ${points.n})`), thumbs, el("p", {}, "from ", fromIn, " to ", toIn, go))),
    el("div", { class: "card", style: "margin-top:14px" }, el("h2", {}, "Geodesic vs linear interpolation"), summary, strips, el("div", { class: "row player" }, el("div", {}, playerGeo, capGeo), el("div", {}, playerLin, capLin), el("div", {}, play, el("br"), slider))),
  );
  let current: Result | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  const showFrame = (k: number): void => {
    if (!current) return;
    slider.value = String(k);
    paintImage(playerGeo, current.geodesic[k]!, h, w, c);
    paintImage(playerLin, current.linear[k]!, h, w, c);
    capGeo.textContent = `geodesic, frame ${k + 1}/${FRAMES}: chart ${current.labels[k]}`;
    capGeo.style.color = chartColour(current.charts[k]!);
    capLin.textContent = `linear, frame ${k + 1}/${FRAMES}: chart ${current.linearChart}`;
  };
  slider.addEventListener("input", () => showFrame(Number(slider.value)));
  play.addEventListener("click", () => {
    if (timer) {
      clearInterval(timer);
      timer = undefined;
      play.textContent = "Play";
      return;
    }
    play.textContent = "Pause";
    let k = 0;
    timer = setInterval(() => showFrame((k = (k + 1) % FRAMES)), 350);
  });
  const run = async (): Promise<void> => {
    const a = Number(fromIn.value);
    const b = Number(toIn.value);
    if (!(a >= 0 && b >= 0 && a < points.n && b < points.n) || a === b) {
      status("pick two different points");
      return;
    }
    document.body.dataset.state = "computing";
    status(`finding the geodesic from point ${a} to point ${b}…`);
    try {
      current = await geodesicBetween(ex, a, b);
    } catch (error) {
      status(`no geodesic: ${(error as Error).message}`);
      document.body.dataset.state = "error";
      return;
    }
    const r = current;
    summary.innerHTML = "";
    summary.append(
      el("span", { id: "path-length" }, `geodesic length ${r.length.toFixed(3)}`),
      ` (${r.hops} graph edges; charts ${r.chartSequence.join(" → ")}) — linear interpolation in chart ${r.linearChart}: `,
      el("span", { id: "linear-length" }, `length ${r.linearLength.toFixed(3)}`),
    );
    strips.replaceChildren(stripRow("geodesic", r.geodesic, r.charts, r.labels, points.shape, "geodesic-frames"), stripRow("linear", r.linear, r.linear.map(() => r.linearChart), r.linear.map(() => String(r.linearChart)), points.shape, "linear-frames"));
    const onPath = new Set(r.pathNodes);
    byChart.forEach((ids, y) => {
      const canvas = panels[y]!.querySelector("canvas")!;
      scatter(canvas, views[y]!, ids.map(() => chartColour(y)), ids.flatMap((id, k) => (onPath.has(id) ? [k] : [])).sort((p, q) => r.pathNodes.indexOf(ids[p]!) - r.pathNodes.indexOf(ids[q]!)));
    });
    showFrame(0);
    mark();
    status(`geodesic from point ${a} to point ${b}: ${FRAMES} frames, ${r.chartSequence.length - 1} chart change(s)`);
    document.body.dataset.state = "ready";
  };
  go.addEventListener("click", () => void run());
  const [a, b] = initial ?? ex.pair;
  fromIn.value = String(a);
  toIn.value = String(b);
  await run();
}
