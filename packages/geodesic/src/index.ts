/**
 * @packageDocumentation
 * Graph geodesics for any AtlasModel: HNSW kNN, decoded curve-length edge weights, chart-crossing edges and optimal A* paths.
 */
export {};
