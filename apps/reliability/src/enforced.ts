/**
 * Packages whose every bad-input call must pass in CI (the others are fixed one by one, issue 16;
 * `pnpm --filter @atlas/reliability harness <pkg>` lists their escapes).
 */
export const ENFORCED: readonly string[] = ["core", "gtn", "agm", "geodesic", "metrics", "vqflow"];
