// A self-contained HTML report: one file, images embedded as data URIs, charts as inline SVG, no
// scripts, no external requests. Used by `atlas demo` and `atlas report`; usable by any app.
import { esc } from "./svg.js";

/** A piece of a report section. */
export type Block =
  | { readonly kind: "text"; readonly text: string }
  /** Trusted HTML (already escaped). */
  | { readonly kind: "html"; readonly html: string }
  | { readonly kind: "table"; readonly head: readonly string[]; readonly rows: readonly (readonly (string | number)[])[]; readonly caption?: string }
  | { readonly kind: "image"; readonly png: Uint8Array; readonly alt: string; readonly caption?: string; readonly pixelated?: boolean }
  | { readonly kind: "svg"; readonly svg: string; readonly caption?: string }
  /** Blocks side by side (wrapping). */
  | { readonly kind: "row"; readonly blocks: readonly Block[] }
  | { readonly kind: "code"; readonly text: string };

/** One section (an `<h2>` with an anchor). */
export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

/** A whole report. */
export interface Report {
  readonly title: string;
  /** Lines under the title (run settings, machine). */
  readonly subtitle?: readonly string[];
  readonly sections: readonly Section[];
  readonly footer?: string;
}

const CSS = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:2px 0}nav{margin:14px 0;font-size:14px}nav a{margin-right:12px;color:#0a58ca;text-decoration:none}
figure{margin:10px 14px 10px 0;display:inline-block;vertical-align:top;background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px}
figcaption{font-size:13px;color:#444;max-width:560px;margin-top:6px}
figure img{display:block;max-width:100%;height:auto}img.px{image-rendering:pixelated}
.row{display:flex;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;background:#fff;margin:8px 0;font-size:14px}th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}caption{caption-side:bottom;font-size:13px;color:#555;text-align:left;padding-top:4px}
pre{background:#f3f3f3;padding:8px 10px;border-radius:4px;overflow-x:auto;font-size:13px}
footer{margin-top:40px;color:#777;font-size:13px}
`;

/** `data:image/png;base64,…` */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString("base64")}`;
}

function renderBlock(b: Block): string {
  switch (b.kind) {
    case "text":
      return `<p>${esc(b.text)}</p>`;
    case "html":
      return b.html;
    case "code":
      return `<pre>${esc(b.text)}</pre>`;
    case "table": {
      const head = `<tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>`;
      const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
      return `<table>${b.caption ? `<caption>${esc(b.caption)}</caption>` : ""}<thead>${head}</thead><tbody>${rows}</tbody></table>`;
    }
    case "image":
      return `<figure><img${b.pixelated === false ? "" : ' class="px"'} src="${pngDataUri(b.png)}" alt="${esc(b.alt)}">${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ""}</figure>`;
    case "svg":
      return `<figure>${b.svg}${b.caption ? `<figcaption>${esc(b.caption)}</figcaption>` : ""}</figure>`;
    case "row":
      return `<div class="row">${b.blocks.map(renderBlock).join("")}</div>`;
  }
}

/** Render a report to one self-contained HTML document. */
export function renderReport(report: Report): string {
  const nav = report.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join("");
  const sections = report.sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.blocks.map(renderBlock).join("\n")}</section>`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(report.title)}</title><style>${CSS}</style></head>
<body><main><h1>${esc(report.title)}</h1>${(report.subtitle ?? []).map((l) => `<p class="sub">${esc(l)}</p>`).join("")}
<nav>${nav}</nav>
${sections}
${report.footer ? `<footer>${esc(report.footer)}</footer>` : ""}</main></body></html>
`;
}
