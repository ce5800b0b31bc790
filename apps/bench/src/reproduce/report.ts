/**
 * The report of `pnpm reproduce`: `<out>/reproductions.md` and `<out>/reproductions.html` (with
 * the figures inline), built from every `result.json` under `<out>/reproductions/`. One row per
 * number the papers report: the paper's value, ours, the scale, seeds, wall time and backend.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readJson, writeTextAtomic } from "./files.js";
import { resultPath, scaleLabel } from "./runner.js";
import type { Experiment, ExperimentResult, ReportRow, Scale } from "./types.js";

/** A number as the report prints it: integers with thin separators, others to 4 significant digits. */
export function formatNumber(v: number | string | null): string {
  if (v === null) return "—";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Seconds as `42 s`, `12.5 min`, `3.2 h`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "—";
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Every stored result under `<out>/reproductions/`, by scale label then id. */
export async function collectResults(out: string): Promise<ExperimentResult[]> {
  const root = join(out, "reproductions");
  const results: ExperimentResult[] = [];
  let labels: string[] = [];
  try {
    labels = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return results;
  }
  for (const label of labels) {
    const ids = (await readdir(join(root, label), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    for (const id of ids) {
      const r = await readJson<ExperimentResult>(join(root, label, id, "result.json"));
      if (r && Array.isArray(r.rows)) results.push(r);
    }
  }
  return results;
}

const ROW_HEADER = ["quantity", "paper", "ours", "scale", "seeds", "time", "backend", "note"] as const;

function rowCells(r: ReportRow): string[] {
  return [r.quantity, formatNumber(r.paper), formatNumber(r.ours), r.scale, r.seeds, formatSeconds(r.seconds), r.backend, r.note ?? ""];
}

/** The command that runs `ids` at `scale`. */
export function commandFor(ids: readonly string[], scale: Scale, quick: boolean): string {
  return `nice -n 10 pnpm reproduce ${ids.join(" ")} --scale ${scale}${quick ? " --quick" : ""}`;
}

/** An experiment the issue asks for whose code does not exist yet (e.g. waiting for a package): listed as "not run yet". */
export interface PendingExperiment {
  id: string;
  paper: string;
  title: string;
  /** Why it cannot run yet. */
  reason: string;
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Paragraphs (blank-line separated) after the title. */
  preface?: string;
  /** Experiments that cannot run yet. */
  pending?: readonly PendingExperiment[];
}

/** `2 × AMD EPYC, load 23` (the machine of a result; the load says how shared it was). */
export function machineOf(r: ExperimentResult): string {
  return `${r.host.cpus} × ${r.host.cpuModel}, load ${r.host.loadAverage[0] ?? "?"}`;
}

/** The anchor of a result's section: the id for cpu scale (the READMEs link those), `<id>-<scale label>` otherwise. */
function anchorOf(id: string, scale: Scale, quick: boolean): string {
  return quick || scale !== "cpu" ? `${id}-${scaleLabel(scale, quick)}` : id;
}

/**
 * Build both report files from what is stored in `out`; `registry` lists the experiments that exist.
 * Every experiment gets a cpu-scale section (its anchor is its id): its result, or "not run yet" with
 * the command that runs it; results at other scales (paper, quick) follow in their own sections.
 */
export async function writeReport(out: string, registry: readonly Experiment[], options: ReportOptions = {}): Promise<{ markdown: string; html: string; results: ExperimentResult[] }> {
  const results = await collectResults(out);
  const order = new Map(registry.map((e, i) => [e.id, i]));
  results.sort((a, b) => (a.quick === b.quick ? 0 : a.quick ? 1 : -1) || a.scale.localeCompare(b.scale) || (order.get(a.id) ?? 99) - (order.get(b.id) ?? 99));
  const pending = options.pending ?? [];
  const md: string[] = [];
  const html: string[] = [];
  const para = (text: string): void => {
    md.push(text, "");
    html.push(`<p>${escapeHtml(text)}</p>`);
  };
  const title = "Reproductions of the papers' experiments";
  md.push(`# ${title}`, "");
  html.push(
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><title>Reproductions</title>',
    "<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3}figure{margin:1em 0}figcaption{font-size:13px;color:#444;max-width:900px}img{image-rendering:pixelated;max-width:100%}code{background:#f5f5f5;padding:0 3px}</style>",
    "</head><body>",
    `<h1>${escapeHtml(title)}</h1>`,
  );
  for (const p of (options.preface ?? "").split(/\n\n+/).filter((x) => x.trim())) para(p);

  // summary of every experiment and its state at cpu scale and at each other scale found
  const labels = [...new Set(["cpu", ...results.map((r) => scaleLabel(r.scale, r.quick))])];
  const find = (id: string, label: string) => results.find((x) => x.id === id && scaleLabel(x.scale, x.quick) === label);
  const summaryHeader = ["experiment", "paper", "what", ...labels.map((l) => `${l} scale`), "cpu-scale estimate (2 cores)"];
  const summaryRows = [
    ...registry.map((e) => [
      e.id,
      e.paper,
      e.title,
      ...labels.map((l) => {
        const r = find(e.id, l);
        if (r) return `done ${r.date.slice(0, 16).replace("T", " ")} UTC, ${formatSeconds(r.totalSeconds)}, ${r.backend}, ${machineOf(r)}`;
        return l === "cpu" ? `not run yet: \`${commandFor([e.id], "cpu", false)}\`` : "not run";
      }),
      e.estimate.cpu,
    ]),
    ...pending.map((p) => [p.id, p.paper, p.title, ...labels.map((l) => (l === "cpu" ? `not run yet: ${p.reason}` : "not run")), "—"]),
  ];
  const ids = [...registry.map((e) => e.id), ...pending.map((p) => p.id)];
  md.push("## Status", "", `| ${summaryHeader.join(" | ")} |`, `|${summaryHeader.map(() => "---").join("|")}|`, ...summaryRows.map((r, i) => `| ${[`[${ids[i]}](#${ids[i]})`, ...r.slice(1)].map((c, j) => (j === 0 ? c : escapeMd(c))).join(" | ")} |`), "");
  html.push("<h2>Status</h2>", "<table>", `<tr>${summaryHeader.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`);
  for (const [i, r] of summaryRows.entries()) html.push(`<tr>${r.map((c, j) => `<td>${j === 0 ? `<a href="#${ids[i]}">${escapeHtml(c)}</a>` : escapeHtml(c)}</td>`).join("")}</tr>`);
  html.push("</table>");
  const missing = registry.filter((e) => !find(e.id, "cpu"));
  if (missing.length > 0) para(`Not yet run at cpu scale: ${missing.map((e) => `\`${e.id}\``).join(", ")}. Command: \`${commandFor(missing.map((e) => e.id), "cpu", false)}\`.`);

  const resultSection = (r: ExperimentResult): void => {
    const exp = registry.find((e) => e.id === r.id);
    const anchor = anchorOf(r.id, r.scale, r.quick);
    const dir = `reproductions/${scaleLabel(r.scale, r.quick)}/${r.id}`;
    const head = `${r.id} — ${r.title} (${r.paper}; ${scaleLabel(r.scale, r.quick)} scale)`;
    md.push(`<a id="${anchor}"></a>`, "", `## ${head}`, "");
    html.push(`<h2 id="${anchor}">${escapeHtml(head)}</h2>`);
    if (r.quick) para("Smoke-test scale (`--quick`): tiny data and a few training steps. These numbers only show that the code path runs end to end; they are NOT comparable with the paper's.");
    if (exp) para(exp.description);
    para(`Run ${r.date.slice(0, 16).replace("T", " ")} UTC: ${formatSeconds(r.totalSeconds)} of computing, summed over the runs and \`--jobs\` processes that made its parts (${formatSeconds(r.wallSeconds)} of wall time in the run that finished it), backend ${r.backend}, ${r.host.cpus} × ${r.host.cpuModel}, Node ${r.host.node}, load average at the end ${r.host.loadAverage.join(" / ")}. Reproduce: \`${r.command}\`.`);
    md.push(`| ${ROW_HEADER.join(" | ")} |`, `|${ROW_HEADER.map(() => "---").join("|")}|`, ...r.rows.map((row) => `| ${rowCells(row).map(escapeMd).join(" | ")} |`), "");
    html.push("<table>", `<tr>${ROW_HEADER.map((h) => `<th>${h}</th>`).join("")}</tr>`);
    for (const row of r.rows) html.push(`<tr>${rowCells(row).map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`);
    html.push("</table>");
    for (const f of r.figures) {
      md.push(`![${escapeMd(f.caption)}](${dir}/${f.file})`, "", `*${f.caption}*`, "");
      html.push(`<figure><img src="${escapeHtml(`${dir}/${f.file}`)}" alt="${escapeHtml(f.caption)}"><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`);
    }
    for (const n of r.notes ?? []) {
      md.push(`- ${n}`);
      html.push(`<p>${escapeHtml(n)}</p>`);
    }
    if ((r.notes ?? []).length) md.push("");
  };
  const notRunSection = (id: string, head: string, text: string): void => {
    md.push(`<a id="${id}"></a>`, "", `## ${head}`, "");
    html.push(`<h2 id="${id}">${escapeHtml(head)}</h2>`);
    para(text);
  };

  // cpu scale, in registry order: every experiment, run or not
  for (const e of registry) {
    const r = find(e.id, "cpu");
    if (r) {
      resultSection(r);
      continue;
    }
    const others = results.filter((x) => x.id === e.id);
    notRunSection(e.id, `${e.id} — ${e.title} (${e.paper}; not run yet at cpu scale)`, e.description);
    para(
      `Not run yet at cpu scale. Command: \`${commandFor([e.id], "cpu", false)}\` (estimated ${e.estimate.cpu} on an idle 2-core machine).` +
        (others.length ? ` Run at other scales: ${others.map((x) => `[${scaleLabel(x.scale, x.quick)}](#${anchorOf(x.id, x.scale, x.quick)})`).join(", ")}.` : ""),
    );
  }
  for (const p of pending) notRunSection(p.id, `${p.id} — ${p.title} (${p.paper}; not run yet)`, `Not run yet: ${p.reason}.`);
  // other scales, and results of experiments no longer in the registry
  for (const r of results) if (!(r.scale === "cpu" && !r.quick && order.has(r.id))) resultSection(r);
  html.push("</body></html>");
  const markdown = `${md.join("\n")}\n`;
  const htmlText = `${html.join("\n")}\n`;
  await writeTextAtomic(join(out, "reproductions.md"), markdown);
  await writeTextAtomic(join(out, "reproductions.html"), htmlText);
  return { markdown, html: htmlText, results };
}

export { resultPath };
