// Where the explorer's atlas comes from: a bundle written by `atlas geodesic --export` / `atlas
// demo`, loaded into an in-page file store and opened with the packages' own load functions; or
// a two-chart atlas of a toy manifold trained in the page.
import * as tf from "@tensorflow/tfjs";
import { createDataset, memoryFileStore, registerFileStore, singleChartAtlas, type AtlasModel } from "@atlas/core";
import { createAtlasVae, loadAtlasVae, loadAwaeGan, ringImages, trainAtlasVae } from "@atlas/agm";
import { GTN, LatentAutoencoder, trainGTN } from "@atlas/gtn";
import { buildGeodesicGraph, loadGeodesicGraph, type GeodesicGraph } from "@atlas/geodesic";

/** Images `[n, h, w, c]` in [0, 1], row-major. */
export interface Images {
  readonly data: Float32Array;
  readonly n: number;
  readonly shape: readonly [number, number, number];
}

/** A GTN page's generator: samples (images or 2-D points) for a seed. */
export interface GtnView {
  readonly kind: "images" | "points";
  readonly note: string;
  sample(count: number, seed: number): Promise<Float32Array>;
  /** For `points`: the data the GTN was fitted to (drawn grey). */
  readonly data?: Float32Array;
  readonly imageShape?: readonly [number, number, number];
}

/** Everything the pages show. */
export interface Explorer {
  readonly title: string;
  readonly model: AtlasModel;
  readonly graph: GeodesicGraph;
  /** The points the graph was built on. */
  readonly points: Images;
  readonly metrics: { extractor: string; rows: Record<string, unknown>[] } | null;
  readonly gtn: GtnView | null;
  /** Suggested first pair (a precomputed one that changes chart, when there is one). */
  readonly pair: readonly [number, number];
}

interface BundleJson {
  format: string;
  version: number;
  title: string;
  model: { kind: string; charts: number; latentDim: number; dataShape: number[]; format: "awae-gan" | "atlas-vae" | "autoencoder"; dir: string };
  gtn: { dir: string; decoder: { kind: "awae-gan" | "autoencoder"; dir: string } } | null;
  graph: { dir: string };
  points: { file: string; columns: number; width: number; height: number; channels: number };
  data: { points: number };
  pairs: { from: number; to: number; length: number | null; chartChanges: number }[];
  metrics: Explorer["metrics"];
  files: string[];
}

let bundles = 0;

async function decodePng(url: string): Promise<ImageData> {
  const blob = await (await fetch(url)).blob();
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height);
}

/** Cut the bundle's point grid (no padding, `columns` per row) back into images. */
function gridToImages(img: ImageData, n: number, columns: number, h: number, w: number, c: number): Images {
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    const x0 = (i % columns) * w;
    const y0 = Math.floor(i / columns) * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = ((y0 + y) * img.width + x0 + x) * 4;
        for (let k = 0; k < c; k++) data[((i * h + y) * w + x) * c + k] = img.data[p + k]! / 255;
      }
    }
  }
  return { data, n, shape: [h, w, c] };
}

/** A one-chart model from a saved AWAE-GAN (chart 0) or the GTN paper's autoencoder, for decoding GTN samples. */
async function decoderOf(kind: "awae-gan" | "autoencoder", dir: string): Promise<{ decode(z: tf.Tensor2D): tf.Tensor; shape: readonly [number, number, number] }> {
  if (kind === "awae-gan") {
    const m = await loadAwaeGan(dir);
    return { decode: (z) => m.decode(z, 0), shape: m.dataShape as [number, number, number] };
  }
  const ae = await LatentAutoencoder.load(dir);
  return { decode: (z) => ae.decode(z), shape: ae.imageShape };
}

/** Fetch a bundle (URL of its bundle.json) and open its model, graph, points and GTN. */
export async function loadBundle(url: string, status: (s: string) => void): Promise<Explorer> {
  const base = new URL(".", new URL(url, location.href)).href;
  const b = (await (await fetch(url)).json()) as BundleJson;
  if (b.format !== "atlas-explorer-bundle" || b.version !== 1) throw new Error(`${url} is not an atlas explorer bundle (format ${b.format}, version ${b.version})`);
  const scheme = `bundle${++bundles}`;
  const store = memoryFileStore();
  registerFileStore(scheme, store);
  const root = `${scheme}://b`;
  let done = 0;
  for (const f of b.files) {
    if (f === b.points.file) continue;
    const bytes = new Uint8Array(await (await fetch(base + f)).arrayBuffer());
    const path = `${root}/${f}`;
    await store.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await store.writeFile(path, [bytes]);
    status(`loading the bundle: ${++done}/${b.files.length - 1} files`);
  }
  let model: AtlasModel;
  if (b.model.format === "awae-gan") model = await loadAwaeGan(`${root}/${b.model.dir}`);
  else if (b.model.format === "atlas-vae") model = await loadAtlasVae(`${root}/${b.model.dir}`);
  else {
    const ae = await LatentAutoencoder.load(`${root}/${b.model.dir}`);
    model = singleChartAtlas({ latentDim: ae.latentDim, dataShape: b.model.dataShape, encode: (x) => ae.encode(x as tf.Tensor4D), decode: (z) => ae.decode(z) });
  }
  status("loading the graph");
  const graph = await loadGeodesicGraph(`${root}/${b.graph.dir}`, model);
  const p = b.points;
  const points = gridToImages(await decodePng(base + p.file), b.data.points, p.columns, p.height, p.width, p.channels);
  let gtn: GtnView | null = null;
  if (b.gtn) {
    const g = await GTN.load(`${root}/${b.gtn.dir}`);
    const dec = await decoderOf(b.gtn.decoder.kind, `${root}/${b.gtn.decoder.dir}`);
    gtn = {
      kind: "images",
      note: `a GTN (${g.latentDim}-d) on the latent space of the bundle's ${b.gtn.decoder.kind === "awae-gan" ? "WAE-GAN" : "autoencoder"}, samples decoded`,
      imageShape: dec.shape,
      sample: async (count, seed) => {
        const z = g.sample(count, seed);
        const x = tf.tidy(() => dec.decode(z));
        const out = (await x.data()) as Float32Array;
        tf.dispose([z, x]);
        return out;
      },
    };
  }
  const changing = b.pairs.find((q) => q.length !== null && q.chartChanges > 0) ?? b.pairs.find((q) => q.length !== null);
  return { title: b.title, model, graph, points, metrics: b.metrics, gtn, pair: changing ? [changing.from, changing.to] : [0, 1] };
}

/** Two moons (the GTN page's toy data). */
function twoMoons(n: number, seed: number): Float32Array {
  let s = seed + 1;
  const rand = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rand();
    const noise = (): number => 0.06 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    out[2 * i] = (i % 2 === 0 ? Math.cos(t) : 1 - Math.cos(t)) + noise();
    out[2 * i + 1] = (i % 2 === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + noise();
  }
  return out;
}

/**
 * Train a two-chart atlas of a toy manifold in the page: 16×16 images of a blob on a ring (their
 * manifold is a circle, which one chart cannot cover), an Atlas VAE with two 1-D charts, then its
 * geodesic graph; and a GTN on two moons for the GTN page.
 */
export async function trainToy(status: (s: string) => void, options: { epochs?: number; seed?: number } = {}): Promise<Explorer> {
  const seed = options.seed ?? 0;
  const ring = ringImages(800, { size: 16, seed });
  const train = createDataset({ name: "ring", images: ring.images, shape: ring.shape, labels: new Int32Array(ring.shape[0]), classes: ["ring"] });
  const vae = createAtlasVae({ charts: 2, latentDim: 1, dataShape: [16, 16, 1], hidden: [64, 32], seed });
  const epochs = options.epochs ?? 30;
  status(`training a two-chart Atlas VAE on 800 ring images (${epochs} epochs)…`);
  await trainAtlasVae(vae, train, { epochs, batchSize: 64, learningRate: 3e-3, seed, onProgress: (e) => e.phase === "epoch" && status(`training the toy atlas: epoch ${e.epoch + 1}/${epochs}, loss ${Object.values(e.losses)[0]?.toFixed(2)}`) });
  const nodes = ringImages(300, { size: 16, seed: seed + 1 });
  status("building the geodesic graph of the toy atlas…");
  const x = tf.tensor4d(nodes.images, [300, 16, 16, 1]);
  const graph = await buildGeodesicGraph(vae, x, { k: 8, steps: 6, knn: "exact", seed });
  x.dispose();
  // a pair about half way round the ring: its geodesic has to change chart
  const a = 0;
  let b = 1;
  for (let i = 1; i < 300; i++) if (Math.abs(Math.cos(nodes.angle[i]! - nodes.angle[a]!) + 1) < Math.abs(Math.cos(nodes.angle[b]! - nodes.angle[a]!) + 1)) b = i;
  status("fitting a GTN to two moons…");
  const moons = twoMoons(2000, seed);
  const g = await trainGTN({ data: moons, dim: 2 }, { preset: "uniform", hiddenLayers: 6, width: 32, epochs: 10, clusters: 4, cosineTolerance: 1e-3, seed });
  return {
    title: "toy: a two-chart Atlas VAE of ring images (trained in this page)",
    model: vae,
    graph,
    points: { data: nodes.images, n: 300, shape: [16, 16, 1] },
    metrics: null,
    pair: [a, b],
    gtn: {
      kind: "points",
      note: "a clustered GTN fitted in this page to 2 000 points of two moons (grey); samples black",
      data: moons,
      sample: async (count, s) => {
        const t = g.sample(count, s);
        const out = (await t.data()) as Float32Array;
        t.dispose();
        return out;
      },
    },
  };
}
