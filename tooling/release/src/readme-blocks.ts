// Code blocks of a Markdown file, and the conventions the registry test holds the READMEs to.
//
// Every fenced block says what it is in its info string:
//   ```ts / ```js              runs: the registry test executes it in Node (and type-checks ts)
//                              against the packages installed from the registry, and in a browser bundle
//   ```ts node-only            runs in Node only (files on disk, worker threads, native addons)
//   ```ts browser-only         a page's code (document, bundler asset imports such as `?url`): never run
//                              in Node; the root README's browser example is built with Vite and run in
//                              Chromium by apps/browser-bundle
//   ```ts no-run               shown, never run or type-checked (a signature, a sketch) — say why in the text
//   ```sh / ```python / ```text / …   not JavaScript: never run, except the `sh` blocks under a
//                              heading named "Install", which the test runs line by line
// A block with no info string, an unknown language or an unknown flag is an error, so no ts/js
// block can be skipped by accident.

export interface CodeBlock {
  /** The file, for messages. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The language (first word of the info string), lower-cased. */
  lang: string;
  /** The other words of the info string. */
  flags: string[];
  /** The heading the block sits under ("" before any). */
  heading: string;
  code: string;
}

export const RUNNABLE = new Set(["ts", "typescript", "js", "javascript", "mjs"]);
export const NOT_CODE = new Set(["sh", "bash", "shell", "console", "text", "txt", "python", "json", "yaml", "html", "diff"]);
export const FLAGS = new Set(["no-run", "node-only", "browser-only"]);

/** The fenced code blocks of a Markdown text (backtick or tilde fences, indented up to 3 spaces, or inside list items). */
export function codeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const out: CodeBlock[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) {
      heading = (h[1] as string).trim();
      continue;
    }
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const fence = open[2] as string;
    const info = (open[3] as string).trim();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] as string;
      const close = /^(\s*)(`{3,}|~{3,})\s*$/.exec(l);
      if (close && (close[2] as string)[0] === fence[0] && (close[2] as string).length >= fence.length) break;
      body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
    }
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: code fence is never closed`);
    const [lang = "", ...flags] = info.split(/\s+/).filter(Boolean);
    out.push({ file, line: i + 1, lang: lang.toLowerCase(), flags, heading, code: body.join("\n") });
    i = j;
  }
  return out;
}

/** What is wrong with a block under the conventions above ("" when nothing). */
export function conventionProblem(b: CodeBlock): string {
  const where = `${b.file}:${b.line}`;
  if (b.lang === "") return `${where}: a code block without a language; write \`\`\`ts (runs), \`\`\`ts no-run, \`\`\`sh, \`\`\`text, …`;
  if (!RUNNABLE.has(b.lang) && !NOT_CODE.has(b.lang)) return `${where}: unknown code block language '${b.lang}' (known: ${[...RUNNABLE, ...NOT_CODE].join(", ")})`;
  if (b.flags.filter((f) => FLAGS.has(f)).length > 1) return `${where}: at most one of ${[...FLAGS].join(", ")}`;
  for (const f of b.flags) {
    if (!FLAGS.has(f)) return `${where}: unknown flag '${f}' on a \`\`\`${b.lang} block (known: ${[...FLAGS].join(", ")})`;
    if (!RUNNABLE.has(b.lang)) return `${where}: flag '${f}' on a \`\`\`${b.lang} block, which never runs`;
  }
  return "";
}

/** Runs in Node (and is type-checked there). */
export const runs = (b: CodeBlock): boolean => RUNNABLE.has(b.lang) && !b.flags.includes("no-run") && !b.flags.includes("browser-only");
/** Runs in the registry test's browser bundle. */
export const runsInBrowser = (b: CodeBlock): boolean => runs(b) && !b.flags.includes("node-only");

/** The commands of the `sh` blocks under an "Install" heading, one per line (comments and blanks dropped). */
export function installCommands(blocks: readonly CodeBlock[]): string[] {
  return blocks
    .filter((b) => ["sh", "bash", "shell"].includes(b.lang) && /^install\b/i.test(b.heading))
    .flatMap((b) => b.code.split("\n"))
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
}
