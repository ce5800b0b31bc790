// A GTN on your own vectors: read a CSV (one vector per line, an optional header), train a
// Generative Topological Network on it, write samples as CSV and a scatter plot of the first two
// columns as PNG. Without a file it makes a two-moons CSV to start from.
//
//   pnpm start [data.csv] [--out DIR] [--clusters K] [--quick]
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Rng, encodeImageGrid, initBackend } from "@atlas/core";
import { trainGTN } from "@atlas/gtn";

/** Rows of a CSV of numbers; a first line with any non-number is taken as the header. */
export function readCsv(text: string): { data: Float64Array; n: number; dim: number; header: string[] | null } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  let header: string[] | null = null;
  if (lines[0]!.split(",").some((f) => Number.isNaN(Number(f)))) header = lines.shift()!.split(",").map((s) => s.trim());
  const rows = lines.map((l, i) => {
    const v = l.split(",").map(Number);
    if (v.some((x) => !Number.isFinite(x))) throw new Error(`line ${i + (header ? 2 : 1)}: not a row of numbers: ${l}`);
    return v;
  });
  const dim = rows[0]!.length;
  return { data: Float64Array.from(rows.flat()), n: rows.length, dim, header };
}

/** Two interleaved half circles with Gaussian noise (the classic "two moons"). */
export function twoMoons(n: number, seed: number, noise = 0.06): string {
  const rng = new Rng(seed);
  const rows = ["x,y"];
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rng.uniform();
    const [x, y] = i % 2 === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    rows.push(`${(x + noise * rng.normal()).toFixed(5)},${(y + noise * rng.normal()).toFixed(5)}`);
  }
  return rows.join("\n") + "\n";
}

/** Grey data points and black samples over the bounding box of both, as a PNG. */
export function scatterPng(data: ArrayLike<number>, samples: ArrayLike<number>, dim: number, size = 240): Uint8Array {
  const img = new Float32Array(size * size).fill(1);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const a of [data, samples]) {
    for (let i = 0; i < a.length; i += dim) {
      [x0, x1] = [Math.min(x0, a[i]!), Math.max(x1, a[i]!)];
      [y0, y1] = [Math.min(y0, a[i + 1]!), Math.max(y1, a[i + 1]!)];
    }
  }
  const plot = (a: ArrayLike<number>, v: number): void => {
    for (let i = 0; i < a.length; i += dim) {
      const px = Math.round(((a[i]! - x0) / (x1 - x0 || 1)) * (size - 1));
      const py = size - 1 - Math.round(((a[i + 1]! - y0) / (y1 - y0 || 1)) * (size - 1));
      img[py * size + px] = Math.min(img[py * size + px]!, v);
    }
  };
  plot(data, 0.7);
  plot(samples, 0);
  return encodeImageGrid({ data: img, shape: [1, size, size, 1] }, { columns: 1, padding: 4 });
}

/** What {@link run} found. */
export interface GtnCsvResult {
  n: number;
  dim: number;
  epochs: number;
  labelSeconds: number;
  /** Per column: the data's and the samples' mean and standard deviation. */
  columns: { name: string; dataMean: number; sampleMean: number; dataStd: number; sampleStd: number }[];
  /** Median distance from a sample to its nearest data point, and the data's own median nearest-neighbour distance. */
  sampleToData: number;
  dataToData: number;
  files: string[];
}

function moments(a: ArrayLike<number>, dim: number, col: number): [number, number] {
  const n = a.length / dim;
  let m = 0;
  for (let i = 0; i < n; i++) m += a[i * dim + col]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[i * dim + col]! - m) ** 2 / (n - 1);
  return [m, Math.sqrt(v)];
}

function medianNearest(from: ArrayLike<number>, to: ArrayLike<number>, dim: number, skipSelf: boolean): number {
  const nf = from.length / dim;
  const nt = to.length / dim;
  const best: number[] = [];
  for (let i = 0; i < nf; i++) {
    let b = Infinity;
    for (let j = 0; j < nt; j++) {
      if (skipSelf && i === j) continue;
      let s = 0;
      for (let k = 0; k < dim; k++) s += (from[i * dim + k]! - to[j * dim + k]!) ** 2;
      if (s < b) b = s;
    }
    best.push(Math.sqrt(b));
  }
  best.sort((a, b) => a - b);
  return best[best.length >> 1]!;
}

/** Train a GTN on the CSV's vectors and sample it. */
export async function run(options: { csv?: string; out: string; quick?: boolean; clusters?: number; seed?: number; log?: (line: string) => void }): Promise<GtnCsvResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const seed = options.seed ?? 0;
  await initBackend();
  await mkdir(options.out, { recursive: true });
  let csv = options.csv;
  // two moons are two pieces: a clustered GTN (GTN paper, Appendix C) maps a Gaussian per piece
  const clusters = options.clusters ?? (csv ? 1 : 4);
  if (!csv) {
    csv = join(options.out, "two-moons.csv");
    await writeFile(csv, twoMoons(options.quick ? 2000 : 10_000, seed));
    log(`no CSV given: wrote ${csv}`);
  }
  const { data, n, dim, header } = readCsv(await readFile(csv, "utf8"));
  log(`${csv}: ${n} vectors of dimension ${dim}`);
  // Algorithm 1 pairs each data point with a normal sample; h is a small MLP fitted to the pairs.
  // cosineTolerance breaks near-ties of direction by radius (see @atlas/gtn's README; needed in d ≥ 2).
  const gtn = await trainGTN({ data, dim }, { preset: "uniform", hiddenLayers: 6, width: 32, epochs: options.quick ? 30 : 100, patience: 6, clusters, cosineTolerance: 1e-3, seed });
  try {
    const count = Math.min(n, 2000);
    const s = gtn.sample(count, seed + 1);
    const samples = (await s.data()) as Float32Array;
    s.dispose();
    const rows = [(header ?? Array.from({ length: dim }, (_, k) => `x${k}`)).join(",")];
    for (let i = 0; i < count; i++) rows.push(Array.from(samples.subarray(i * dim, (i + 1) * dim), (v) => v.toPrecision(6)).join(","));
    const files = [join(options.out, "samples.csv")];
    await writeFile(files[0]!, rows.join("\n") + "\n");
    if (dim >= 2) {
      files.push(join(options.out, "scatter.png"));
      await writeFile(files[1]!, scatterPng(data, samples, dim));
    }
    const columns = Array.from({ length: dim }, (_, k) => {
      const [dataMean, dataStd] = moments(data, dim, k);
      const [sampleMean, sampleStd] = moments(samples, dim, k);
      return { name: header?.[k] ?? `x${k}`, dataMean, sampleMean, dataStd, sampleStd };
    });
    const sub = data.subarray(0, Math.min(n, 2000) * dim);
    const result: GtnCsvResult = {
      n,
      dim,
      epochs: gtn.report!.history.epochs.length,
      labelSeconds: gtn.report!.labelSeconds,
      columns,
      sampleToData: medianNearest(samples.subarray(0, 500 * dim), sub, dim, false),
      dataToData: medianNearest(sub.subarray(0, 500 * dim), sub, dim, true),
      files,
    };
    log(`GTN: labels in ${result.labelSeconds.toFixed(2)} s, h trained ${result.epochs} epochs`);
    for (const c of columns) log(`  ${c.name}: data mean ${c.dataMean.toFixed(3)} sd ${c.dataStd.toFixed(3)} | samples mean ${c.sampleMean.toFixed(3)} sd ${c.sampleStd.toFixed(3)}`);
    log(`  median distance sample → nearest data point ${result.sampleToData.toFixed(4)} (data → other data: ${result.dataToData.toFixed(4)})`);
    log(`wrote ${files.join(", ")}`);
    return result;
  } finally {
    gtn.dispose();
  }
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf("--out");
  const csv = args.find((a, i) => !a.startsWith("--") && i !== outAt + 1 && args[i - 1] !== "--clusters");
  const k = args.indexOf("--clusters");
  await run({ ...(csv ? { csv } : {}), out: outAt >= 0 ? args[outAt + 1]! : "out", quick: args.includes("--quick"), ...(k >= 0 ? { clusters: Number(args[k + 1]) } : {}) });
}
