/**
 * The @atlas/vqflow README's example is examples/vqflow-readme.ts, verbatim: this keeps them equal,
 * so the example is type-checked with the app (`pnpm typecheck`) and run by
 * vqflow-readme.slow.test.ts (ATLAS_SLOW=1).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("the vqflow README's example", () => {
  it("is examples/vqflow-readme.ts, line for line", () => {
    const readme = readFileSync(new URL("../../../packages/vqflow/README.md", import.meta.url), "utf8");
    const file = readFileSync(new URL("./examples/vqflow-readme.ts", import.meta.url), "utf8").trimEnd();
    // the info string may carry a flag (```ts node-only: the release tests run it in Node only)
    const blocks = [...readme.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trimEnd());
    expect(blocks, "a ```ts block of packages/vqflow/README.md equal to apps/bench/src/examples/vqflow-readme.ts").toContain(file);
  });
});
