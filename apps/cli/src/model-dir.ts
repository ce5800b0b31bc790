// Node-only: the model directory `atlas train` writes and the other commands read.
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, FileNotFoundError, Rng, checkChart, singleChartAtlas, type AtlasModel } from "@atlas/core";
import { writeJsonAtomic } from "./files.js";
import { AtlasVae, AwaeGan, loadAtlasVae, loadAwaeGan, sampleCharts } from "@atlas/agm";
import { GTN, LatentAutoencoder } from "@atlas/gtn";
import { loadVqFlow, type VqFlow } from "@atlas/vqflow";

/** The models `atlas train` makes. */
export const MODEL_KINDS = ["awae-gan", "wae-gan", "atlas-vae", "gtn", "vqflow"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** `atlas.json`: what a model directory holds. */
export interface ModelManifest {
  readonly format: "atlas-model";
  readonly version: 1;
  readonly kind: ModelKind;
  /** Images `[h, w, c]` or vectors `[dim]`. */
  readonly dataKind: "images" | "vectors";
  readonly dataShape: readonly number[];
  /** The training data: `--data` as given, its resolved source, the samples used. */
  readonly data: { readonly spec: string; readonly source: string; readonly n: number };
  /** Every training setting (flags and defaults), so `--resume` and reports can use them. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Sub-directories: `model` (AGMs), `autoencoder` and `gtn` (GTN). */
  readonly files: Readonly<Record<string, string>>;
  readonly createdAt: string;
}

export const MANIFEST = "atlas.json";

/** Write `atlas.json` atomically (temp file, fsync, rename). */
export async function writeManifest(dir: string, manifest: ModelManifest): Promise<void> {
  await writeJsonAtomic(join(dir, MANIFEST), manifest);
}

/** Read and check `atlas.json` of a model directory. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(resolve(dir), MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch (error) {
    throw new FileNotFoundError(resolve(dir), `is not a model directory (no ${MANIFEST}; make one with 'atlas train')`, { cause: error });
  }
  let m: ModelManifest;
  try {
    m = JSON.parse(text) as ModelManifest;
  } catch (error) {
    throw new CorruptFileError(path, "is not valid JSON", { cause: error });
  }
  if (m?.format !== "atlas-model" || m.version !== 1) throw new CorruptFileError(path, `is not an atlas model manifest (format ${JSON.stringify(m?.format)}, version ${JSON.stringify(m?.version)})`);
  if (!MODEL_KINDS.includes(m.kind)) throw new CorruptFileError(path, `names an unknown model kind ${JSON.stringify(m.kind)}`);
  if (!Array.isArray(m.dataShape) || (m.dataKind !== "images" && m.dataKind !== "vectors")) throw new CorruptFileError(path, "has no valid dataShape / dataKind");
  return m;
}

/** A trained model, whatever its kind, behind what the commands need. */
export interface LoadedModel {
  readonly manifest: ModelManifest;
  readonly dir: string;
  /** The model as an atlas (GTN: its autoencoder as a one-chart atlas, for geodesics). */
  readonly atlas: AtlasModel;
  /** Generative samples `[n, ...dataShape]`; `chart` picks one chart of an atlas model. */
  sample(n: number, seed: number, chart?: number): Promise<tf.Tensor>;
  /** Latent interpolation of the generator (GTN: h along a line of N(0, I)); AGMs: undefined. */
  readonly gtn?: GTN;
  readonly autoencoder?: LatentAutoencoder;
  /** A VQ-Flow (exact densities: bits/dim). */
  readonly vqflow?: VqFlow;
  dispose(): void;
}

function agmSampler(model: AtlasModel): (n: number, seed: number, chart?: number) => Promise<tf.Tensor> {
  return async (n, seed, chart) => {
    if (chart !== undefined) {
      checkChart("--chart", chart, model.charts);
      const z = tf.tensor2d(new Rng(seed).normalArray(n * model.latentDim), [n, model.latentDim]);
      try {
        return tf.tidy(() => model.decode(z, chart));
      } finally {
        z.dispose();
      }
    }
    // Charts are drawn uniformly (the prior Uniform{1..m}); samples come out ordered by chart.
    const perChart = Math.ceil(n / model.charts);
    return tf.tidy(() => sampleCharts(model, perChart, seed).slice(0, n));
  };
}

/** Load a model directory written by `atlas train`. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const abs = resolve(dir);
  const manifest = await readManifest(abs);
  switch (manifest.kind) {
    case "awae-gan":
    case "wae-gan":
    case "atlas-vae": {
      const model: AwaeGan | AtlasVae = manifest.kind === "atlas-vae" ? await loadAtlasVae(join(abs, manifest.files.model ?? "model")) : await loadAwaeGan(join(abs, manifest.files.model ?? "model"));
      return { manifest, dir: abs, atlas: model, sample: agmSampler(model), dispose: () => model.dispose() };
    }
    case "gtn": {
      const gtn = await GTN.load(join(abs, manifest.files.gtn ?? "gtn"));
      if (manifest.dataKind === "images") {
        const ae = await LatentAutoencoder.load(join(abs, manifest.files.autoencoder ?? "autoencoder"));
        const atlas = singleChartAtlas({ latentDim: ae.latentDim, dataShape: manifest.dataShape, encode: (x) => ae.encode(x as tf.Tensor4D), decode: (z) => ae.decode(z) });
        return {
          manifest,
          dir: abs,
          atlas,
          gtn,
          autoencoder: ae,
          sample: async (n, seed, chart) => {
            if (chart !== undefined) checkChart("--chart", chart, 1);
            const z = gtn.sample(n, seed);
            try {
              return ae.decode(z);
            } finally {
              z.dispose();
            }
          },
          dispose: () => {
            gtn.dispose();
            ae.dispose();
          },
        };
      }
      // Vectors: the GTN maps N(0, I) straight to data space; as an atlas it has no encoder.
      const atlas: AtlasModel = {
        charts: 1,
        latentDim: gtn.latentDim,
        dataShape: manifest.dataShape,
        partition: (x) => tf.ones([x.shape[0] ?? 0, 1]) as tf.Tensor2D,
        decode: (z) => gtn.map(z),
      };
      return {
        manifest,
        dir: abs,
        atlas,
        gtn,
        sample: async (n, seed, chart) => {
          if (chart !== undefined) checkChart("--chart", chart, 1);
          return gtn.sample(n, seed);
        },
        dispose: () => gtn.dispose(),
      };
    }
    case "vqflow": {
      const model = await loadVqFlow(join(abs, manifest.files.model ?? "model"));
      return {
        manifest,
        dir: abs,
        atlas: model,
        vqflow: model,
        sample: async (n, seed, chart) => {
          if (chart === undefined) return model.sample(n, seed);
          // chart k alone: its chart map g_k of N(0, I) draws (no region check: the map's whole image)
          checkChart("--chart", chart, model.charts);
          const z = tf.tensor2d(new Rng(seed).normalArray(n * model.latentDim), [n, model.latentDim]);
          try {
            return model.decode(z, chart);
          } finally {
            z.dispose();
          }
        },
        dispose: () => model.dispose(),
      };
    }
  }
}
