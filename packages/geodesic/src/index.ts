/**
 * @packageDocumentation
 * `@atlas/geodesic`: graph geodesics for any AtlasModel (AGM paper section 3.1, Algorithm 1,
 * generalising Chen et al. 2019): HNSW kNN within charts, decoded curve-length edge weights,
 * chart-crossing edges, optimal A* paths (admissible heuristic) and path resampling.
 */
export { buildGeodesicGraph, type GeodesicGraphOptions, type GeodesicProgress, type GeodesicBuildTimings } from "./build.js";
export { GeodesicGraph, type PathEnd, type PathMethod, type ShortestPathOptions } from "./graph.js";
export { GeodesicPath, decodeResampled, MAX_RESAMPLE, type PathNode, type ResampledPoint } from "./path.js";
export { loadGeodesicGraph } from "./load.js";
export { decodedCurveLengths, type DecodeClock } from "./curve.js";
export {
  chartKnn,
  exactKnn,
  knnRecall,
  loadHnsw,
  setHnswLoader,
  type KnnOptions,
  type KnnResult,
  type KnnMethod,
  type HnswLoader,
  type HnswModule,
  type HnswIndex,
} from "./knn.js";
export { hnswlibWasmLoader } from "./hnsw-wasm.js";
export { csrSearch, type SearchGraph, type SearchResult } from "./search.js";
export { EXACT_DIAMETER_LIMIT, type GeodesicGraphStats } from "./stats.js";
