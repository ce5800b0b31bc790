/**
 * The root README's "In the browser" example is example/main.ts, verbatim: this keeps them equal
 * (the browser test builds that file with Vite and runs it in Chromium).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("the README's browser example", () => {
  it("is example/main.ts, line for line", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const file = readFileSync(new URL("../example/main.ts", import.meta.url), "utf8").trimEnd();
    // the info string may carry a flag (```ts browser-only: the README tests run it here, not in Node)
    const blocks = [...readme.matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trimEnd());
    expect(blocks, "a ```ts block of the root README equal to apps/browser-bundle/example/main.ts").toContain(file);
  });
});
