// Node-only: `atlas report DIR` — an HTML report of whatever atlas wrote into a run directory.
import { promises as fs } from "node:fs";
import { basename, join, relative } from "node:path";
import { FileNotFoundError } from "@atlas/core";
import type { Block, Report, Section } from "./html.js";
import { histogramSvg, lineChartSvg } from "./svg.js";

interface Found {
  manifests: string[];
  trains: string[];
  evals: string[];
  geodesics: string[];
  pngs: string[];
}

async function walk(dir: string, depth: number, found: Found): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      // model weights, graphs, checkpoints and explorer bundles hold nothing to show
      if (depth > 0 && !["model", "graph", "checkpoint", "explorer", "autoencoder", "gtn"].includes(e.name) && !e.name.startsWith(".")) await walk(p, depth - 1, found);
    } else if (e.name === "atlas.json") found.manifests.push(p);
    else if (e.name === "train.json") found.trains.push(p);
    else if (e.name === "eval.json" || e.name.endsWith(".eval.json")) found.evals.push(p);
    else if (e.name === "geodesic.json") found.geodesics.push(p);
    else if (e.name.toLowerCase().endsWith(".png") && !e.name.startsWith(".")) found.pngs.push(p);
  }
}

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await fs.readFile(path, "utf8")) as Record<string, unknown>;
}

interface EpochLike {
  epoch: number;
  losses: Record<string, number>;
  validationLoss?: number | null;
}

/** Loss curves per epoch of a core TrainHistory (a table when there is a single epoch). */
export function historyBlocks(label: string, history: unknown): Block[] {
  const epochs = ((history as { epochs?: EpochLike[] } | null)?.epochs ?? []) as EpochLike[];
  if (epochs.length === 0) return [];
  const keys = Object.keys(epochs[0]!.losses);
  if (epochs.length === 1) {
    return [{ kind: "table", head: ["", ...keys], rows: [[`${label}, epoch 1`, ...keys.map((k) => Number(epochs[0]!.losses[k]!.toPrecision(4)))]] }];
  }
  const series = keys.map((k) => ({ label: k, x: epochs.map((e) => e.epoch + 1), y: epochs.map((e) => e.losses[k]!) }));
  const val = epochs.filter((e) => typeof e.validationLoss === "number");
  if (val.length > 0) series.push({ label: "validation", x: val.map((e) => e.epoch + 1), y: val.map((e) => e.validationLoss!) });
  return [{ kind: "svg", svg: lineChartSvg(series, { title: `${label} losses`, xLabel: "epoch", yLabel: "loss" }), caption: `${label}: mean losses per epoch` }];
}

/** Build the report of a run directory: models, training, evaluations, geodesics, images. */
export async function runDirectoryReport(dir: string): Promise<Report> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new FileNotFoundError(dir, "is not a directory written by atlas");
  const found: Found = { manifests: [], trains: [], evals: [], geodesics: [], pngs: [] };
  await walk(dir, 3, found);
  const rel = (p: string): string => relative(dir, p) || ".";
  const sections: Section[] = [];
  for (const m of found.manifests) {
    const manifest = await json(m);
    const blocks: Block[] = [
      {
        kind: "table",
        head: ["setting", "value"],
        rows: [
          ["kind", String(manifest.kind)],
          ["data", `${(manifest.data as { spec: string }).spec} (${(manifest.data as { n: number }).n} samples, shape [${(manifest.dataShape as number[]).join(", ")}])`],
          ...Object.entries((manifest.settings as Record<string, unknown>) ?? {}).map(([k, v]) => [k, JSON.stringify(v)] as [string, string]),
        ],
      },
    ];
    const train = found.trains.find((t) => join(t, "..") === join(m, ".."));
    if (train) {
      const t = await json(train);
      blocks.push({ kind: "text", text: `Trained in ${Number(t.seconds).toFixed(1)} s on the ${String(t.backend)} backend.` });
      const h = t.history as Record<string, unknown>;
      if (h && "epochs" in h) blocks.push(...historyBlocks(String(manifest.kind), h));
      else if (h) {
        if (h.autoencoder) blocks.push(...historyBlocks("autoencoder", h.autoencoder));
        if (h.gtn) blocks.push(...historyBlocks("GTN h", (h.gtn as { history: unknown }).history));
      }
    }
    sections.push({ id: `model-${sections.length}`, title: `Model: ${rel(join(m, ".."))}`, blocks });
  }
  for (const e of found.evals) {
    const r = await json(e);
    const rows: (string | number)[][] = [];
    const num = (v: unknown): string => (typeof v === "number" ? String(Number(v.toPrecision(4))) : "–");
    rows.push([
      String(r.kind ?? basename(e)),
      num(r.fid),
      r.kid ? `${num((r.kid as { mean: number }).mean)} ± ${num((r.kid as { std: number }).std)}` : "–",
      num(r.precision),
      num(r.recall),
      r.inceptionScore ? `${num((r.inceptionScore as { mean: number }).mean)} ± ${num((r.inceptionScore as { std: number }).std)}` : "–",
      num(r.reconstructionMse),
    ]);
    sections.push({
      id: `eval-${sections.length}`,
      title: `Evaluation: ${rel(e)}`,
      blocks: [{ kind: "table", head: ["model", "FID", "KID", "precision", "recall", "IS", "recon. MSE"], rows, caption: `extractor ${String(r.extractor)}, ${JSON.stringify(r.samples)} samples (real, generated), data ${String(r.data)}` }],
    });
  }
  for (const g of found.geodesics) {
    const r = await json(g);
    const pairs = (r.pairs as { length: number | null; linearLength: number }[]) ?? [];
    const stats = r.stats as { nodes: number; edges: number; chartCrossingEdges: number; components: number };
    const s = r.summary as { connected: number; meanLength: number; meanLinearLength: number; withChartChange: number };
    const blocks: Block[] = [
      { kind: "text", text: `${stats.nodes} nodes, ${stats.edges} edges (${stats.chartCrossingEdges} across charts), ${stats.components} component(s); ${s.connected} geodesics, mean length ${s.meanLength.toFixed(3)} vs ${s.meanLinearLength.toFixed(3)} for linear interpolation; ${s.withChartChange} change chart.` },
      {
        kind: "svg",
        svg: histogramSvg(
          [
            { label: "geodesic", values: pairs.filter((p) => p.length !== null).map((p) => p.length!) },
            { label: "linear", values: pairs.map((p) => p.linearLength) },
          ],
          { title: "path lengths", xLabel: "decoded curve length" },
        ),
        caption: "Decoded curve lengths of the graph geodesics and of linear interpolation between the same pairs",
      },
    ];
    const strips = found.pngs.filter((p) => p.startsWith(join(g, "..", "strips")));
    for (const p of strips) blocks.push({ kind: "image", png: await fs.readFile(p), alt: basename(p), caption: `${basename(p, ".png")}: geodesic (top, chart of each frame below it, chart changes outlined) and linear interpolation (bottom)` });
    sections.push({ id: `geodesic-${sections.length}`, title: `Geodesics: ${rel(join(g, ".."))}`, blocks });
  }
  const shown = new Set(found.geodesics.flatMap((g) => found.pngs.filter((p) => p.startsWith(join(g, "..", "strips")))));
  const other = found.pngs.filter((p) => !shown.has(p));
  if (other.length > 0) {
    const blocks: Block[] = [];
    for (const p of other) blocks.push({ kind: "image", png: await fs.readFile(p), alt: rel(p), caption: rel(p) });
    sections.push({ id: "images", title: "Images", blocks: [{ kind: "row", blocks }] });
  }
  if (sections.length === 0) throw new FileNotFoundError(dir, "holds nothing atlas wrote (no atlas.json, train.json, eval.json, geodesic.json or PNG)");
  return { title: `Atlas report: ${basename(dir)}`, subtitle: [`Generated ${new Date().toISOString()} from ${dir}`], sections };
}
