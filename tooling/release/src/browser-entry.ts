// README blocks as a browser page for @atlas/browser-test: each block becomes a module whose imports
// stay at the top and whose statements become the body of an exported async function `run` (so
// top-level await works in any bundle, and two blocks' names never meet); one page entry imports
// every block module, exposes block i's `run` as `block-<i>` and reports the page loaded.
import { createRequire } from "node:module";
import ts from "typescript";

const PAGE = createRequire(import.meta.url).resolve("@atlas/browser-test/page");

/** A block's code as a module exporting `run()` (TypeScript; esbuild strips the types). */
export function blockModule(code: string): string {
  const sf = ts.createSourceFile("block.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const imports: string[] = [];
  const body: string[] = [];
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) throw new Error(`a README block cannot export (line ${sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1})`);
    (ts.isImportDeclaration(st) ? imports : body).push(st.getFullText(sf));
  }
  return [...imports, "", "export async function run(): Promise<void> {", ...body, "\n}", ""].join("\n");
}

/** The page entry: imports the block modules (paths relative to the entry, e.g. `./block-0.ts`) and exposes their `run` as `block-<i>`. */
export function pageEntry(modules: readonly string[]): string {
  return [
    `import { expose as __expose, loaded as __loaded } from ${JSON.stringify(PAGE)};`,
    ...modules.map((m, i) => `import { run as __run${i} } from ${JSON.stringify(m)};`),
    ...modules.map((_, i) => `__expose("block-${i}", __run${i});`),
    "__loaded();",
    "",
  ].join("\n");
}
