import type { AtlasModel } from "@atlas/core";
import { readGraph } from "./files.js";
import { GeodesicGraph } from "./graph.js";
import { checkModel } from "./model.js";

/**
 * Load a graph written by {@link GeodesicGraph.save} for use with `model` (the model is not part of
 * the files; its charts, latent dimension and data shape must match). Validates the files:
 * checksum, array sizes, index ranges, finite non-negative weights.
 *
 * @example
 * await graph.save("out/graph");
 * const again = await loadGeodesicGraph("out/graph", model);
 */
export async function loadGeodesicGraph(dir: string, model: AtlasModel): Promise<GeodesicGraph> {
  checkModel(model);
  const arrays = await readGraph(dir, model);
  return new GeodesicGraph(model, arrays);
}
