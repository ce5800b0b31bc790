// `changeset version` as the coordinator will run it, previewed in a throwaway clone of the
// committed HEAD (tooling/release/preview-version.mjs): every published package gets a version with
// a CHANGELOG.md entry, and its packed tarball at that version is what a user can install — the
// version, internal dependencies at the new versions (no workspace: ranges), the changelog inside.
import path from "node:path";
import { expect, it } from "vitest";
import { published, root, run } from "./workspace.js";

it("changeset version would give every published package a new version with its changelog, packed as a user installs it", async () => {
  const r = await run(process.execPath, [path.join(root, "tooling", "release", "preview-version.mjs")], { cwd: root, timeoutMs: 600_000 });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const lines = r.stdout.split("\n");
  for (const pkg of published()) {
    const bump = lines.find((l) => l.startsWith(`${pkg.name} `) && l.includes("→"));
    expect(bump, `${pkg.name}: a version row`).toMatch(/→ \S+\s+CHANGELOG with its entry$/);
    const packed = lines.find((l) => l.startsWith(`${pkg.name} `) && l.includes("tarball"));
    expect(packed, `${pkg.name}: a tarball row`).toMatch(/ok \(version, dependencies, CHANGELOG\)$/);
  }
});
