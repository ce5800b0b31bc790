/** The packages the harness covers and where their entries live. */
import type { PackageEntries } from "./entry.js";

const LOADERS = {
  core: () => import("./entries/core.js"),
  gtn: () => import("./entries/gtn.js"),
  agm: () => import("./entries/agm.js"),
  geodesic: () => import("./entries/geodesic.js"),
  metrics: () => import("./entries/metrics.js"),
  vqflow: () => import("./entries/vqflow.js"),
} as const;

export type PackageName = keyof typeof LOADERS;
export const PACKAGES = Object.keys(LOADERS) as PackageName[];

export async function loadEntries(pkg: string): Promise<PackageEntries> {
  const load = (LOADERS as Record<string, (() => Promise<{ default: PackageEntries }>) | undefined>)[pkg];
  if (!load) throw new Error(`unknown package ${pkg}`);
  return (await load()).default;
}
