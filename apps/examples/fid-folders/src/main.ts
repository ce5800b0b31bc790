// FID between two folders of images: read the PNGs, embed them with a feature extractor, compare
// the two feature sets with FID, KID and precision/recall. The built-in MNIST extractor suits
// 28×28 grayscale digits; for other images pass a tfjs model folder (`--extractor DIR`, e.g. an
// InceptionV3 converted with tensorflowjs_converter, see @atlas/metrics' README).
//
//   pnpm start DIR_A DIR_B [--extractor DIR]
//   pnpm start --demo [--quick]     makes three folders from MNIST test digits and compares them
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PNG } from "pngjs";
import { Rng, encodeImageGrid, initBackend, loadMnist } from "@atlas/core";
import { fid, kid, loadFeatureExtractor, mnistExtractor, precisionRecall, type FeatureExtractor } from "@atlas/metrics";

/** Every PNG of a folder (sorted by name) as one batch `{ images, shape }`, grayscale or RGB. */
export async function readFolder(dir: string): Promise<{ images: Float32Array; shape: [number, number, number, number] }> {
  const names = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith(".png")).sort();
  if (names.length === 0) throw new Error(`${dir}: no .png files`);
  const pngs = await Promise.all(names.map(async (f) => PNG.sync.read(await readFile(join(dir, f)))));
  const { width: w, height: h } = pngs[0]!;
  const gray = pngs.every((p) => {
    for (let i = 0; i < p.data.length; i += 4) if (p.data[i] !== p.data[i + 1] || p.data[i] !== p.data[i + 2]) return false;
    return true;
  });
  const c = gray ? 1 : 3;
  const images = new Float32Array(pngs.length * h * w * c);
  pngs.forEach((p, n) => {
    if (p.width !== w || p.height !== h) throw new Error(`${join(dir, names[n]!)} is ${p.width}×${p.height}, not ${w}×${h}`);
    for (let q = 0; q < w * h; q++) for (let k = 0; k < c; k++) images[(n * w * h + q) * c + k] = p.data[q * 4 + k]! / 255;
  });
  return { images, shape: [pngs.length, h, w, c] };
}

/** FID, KID and precision/recall of folder B against folder A. */
export async function compareFolders(a: string, b: string, extractor: FeatureExtractor): Promise<{ fid: number; kid: number; precision: number; recall: number; samples: [number, number] }> {
  const fa = await extractor.features(await readFolder(a));
  const fb = await extractor.features(await readFolder(b));
  const na = fa.data.length / fa.dim;
  const nb = fb.data.length / fb.dim;
  const size = Math.min(1000, na, nb);
  const f = await fid(fa, fb);
  const k = await kid(fa, fb, { subsets: 50, subsetSize: size, seed: 0 });
  const pr = await precisionRecall(fa, fb, { k: 3 });
  return { fid: f.fid, kid: k.mean, precision: pr.precision, recall: pr.recall, samples: [na, nb] };
}

async function writeDigits(dir: string, images: Float32Array, from: number, count: number, transform: (v: number, rng: Rng) => number, seed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) {
    const img = Float32Array.from(images.subarray((from + i) * 784, (from + i + 1) * 784), (v) => Math.min(1, Math.max(0, transform(v, rng))));
    await writeFile(join(dir, `${String(i).padStart(5, "0")}.png`), encodeImageGrid({ data: img, shape: [1, 28, 28, 1] }, { columns: 1, padding: 0 }));
  }
}

/** The demo: two disjoint sets of real test digits, and a noisy copy of the second. */
export async function demo(options: { out: string; quick?: boolean; log?: (line: string) => void }): Promise<Record<string, Awaited<ReturnType<typeof compareFolders>>>> {
  const log = options.log ?? ((l: string) => console.log(l));
  await initBackend();
  const n = options.quick ? 300 : 2000;
  const test = await loadMnist("test");
  const [a, b, noisy] = ["digits-a", "digits-b", "digits-b-noisy"].map((d) => join(options.out, d)) as [string, string, string];
  await writeDigits(a, test.images, 0, n, (v) => v, 0);
  await writeDigits(b, test.images, n, n, (v) => v, 0);
  await writeDigits(noisy, test.images, n, n, (v, rng) => v + 0.25 * rng.normal(), 1);
  log(`wrote ${n} PNGs to each of ${a}, ${b}, ${noisy}`);
  const extractor = await mnistExtractor({ log });
  try {
    const results = { "A vs B (real vs real)": await compareFolders(a, b, extractor), "A vs B + noise": await compareFolders(a, noisy, extractor) };
    log(`extractor ${extractor.id}`);
    for (const [name, r] of Object.entries(results)) log(`${name.padEnd(22)} FID ${r.fid.toFixed(2).padStart(7)}  KID ${r.kid.toFixed(4)}  precision ${r.precision.toFixed(3)}  recall ${r.recall.toFixed(3)}`);
    return results;
  } finally {
    extractor.dispose();
  }
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2);
  if (args.includes("--demo")) {
    await demo({ out: "out", quick: args.includes("--quick") });
  } else {
    const e = args.indexOf("--extractor");
    const [a, b] = args.filter((x, i) => !x.startsWith("--") && i !== e + 1);
    if (!a || !b) {
      console.error("usage: pnpm start DIR_A DIR_B [--extractor DIR] | pnpm start --demo [--quick]");
      process.exit(2);
    }
    await initBackend();
    const extractor = e >= 0 ? await loadFeatureExtractor(args[e + 1]!) : await mnistExtractor({ log: (l) => console.log(l) });
    const r = await compareFolders(a, b, extractor);
    console.log(`${extractor.id}: FID ${r.fid.toFixed(3)}, KID ${r.kid.toFixed(5)}, precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)} (${r.samples[0]} vs ${r.samples[1]} images)`);
    extractor.dispose();
  }
}
