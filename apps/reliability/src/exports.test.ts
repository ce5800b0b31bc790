import * as agm from "@atlas/agm";
import * as core from "@atlas/core";
import * as geodesic from "@atlas/geodesic";
import * as gtn from "@atlas/gtn";
import * as metrics from "@atlas/metrics";
import * as vqflow from "@atlas/vqflow";
import { describe, expect, it } from "vitest";
import { baseId, exportedIds } from "./exports.js";
import { PACKAGES, loadEntries } from "./registry.js";

const modules: Record<string, Record<string, unknown>> = { core, gtn, agm, geodesic, metrics, vqflow };

describe("every export has a harness entry", () => {
  it("covers every package the harness knows, and only those", () => {
    expect(Object.keys(modules).sort()).toEqual([...PACKAGES].sort());
  });
  for (const pkg of PACKAGES) {
    it(`@atlas/${pkg}: each exported function, constructor, method and static has an entry or a stated exemption`, async () => {
      const pe = await loadEntries(pkg);
      const covered = new Set(pe.entries.map((e) => baseId(e.id)));
      const exempt = new Set(Object.keys(pe.exempt).map((k) => `${pkg}.${k}`));
      const missing = exportedIds(pkg, modules[pkg]!).filter((id) => !covered.has(id) && !exempt.has(id));
      expect(missing, `add an entry in apps/reliability/src/entries/${pkg}.ts for each of these`).toEqual([]);
      for (const [name, why] of Object.entries(pe.exempt)) expect(why.length, `exemption ${name} needs a reason`).toBeGreaterThan(3);
    });
  }
});
