/**
 * @packageDocumentation
 * `@atlas/geodesic` for Node (the `node` export condition): installs the `hnswlib-node` addon as
 * the kNN index, then exports exactly the API of the default entry (`index.ts`), which runs
 * anywhere (with the exact kNN search).
 */
import "./hnsw-node.js";

export * from "./index.js";
