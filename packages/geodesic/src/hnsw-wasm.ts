/**
 * HNSW in WebAssembly for browsers: an adapter from the npm package `hnswlib-wasm` (hnswlib
 * compiled with Emscripten, the same algorithm as the `hnswlib-node` addon) to the interface
 * {@link chartKnn} uses. The package is not a dependency: the application imports it, so a bundle
 * contains it only when asked for.
 */
import { checkFunction } from "@atlas/core";
import type { HnswIndex, HnswLoader, HnswModule } from "./knn.js";

/** The part of `hnswlib-wasm`'s `HierarchicalNSW` the adapter uses. */
interface WasmIndex {
  initIndex(maxElements: number, m: number, efConstruction: number, randomSeed: number): void;
  addPoint(point: Float32Array | number[], label: number, replaceDeleted: boolean): void;
  setEfSearch(ef: number): void;
  searchKnn(point: Float32Array | number[], k: number, filter: undefined): { distances: number[]; neighbors: number[] };
}

/**
 * An {@link HnswLoader} over `hnswlib-wasm`: `load` resolves to what its `loadHnswlib()` gives.
 *
 * @example
 * import { setHnswLoader, hnswlibWasmLoader } from "@atlas/geodesic";
 * setHnswLoader(hnswlibWasmLoader(async () => (await import("hnswlib-wasm")).loadHnswlib()), "hnswlib-wasm");
 */
export function hnswlibWasmLoader(load: () => Promise<unknown>): HnswLoader {
  checkFunction("load", load);
  return async (): Promise<HnswModule | null> => {
    const lib = (await load()) as { HierarchicalNSW?: new (space: "l2", dim: number, autoSaveFilename: string) => WasmIndex } | null;
    const Wasm = lib?.HierarchicalNSW;
    if (typeof Wasm !== "function") return null;
    class Index implements HnswIndex {
      private readonly index: WasmIndex;
      constructor(space: "l2", dim: number) {
        this.index = new Wasm!(space, dim, ""); // "": no auto-save to Emscripten's IndexedDB file system
      }
      initIndex(maxElements: number, m = 16, efConstruction = 200, randomSeed = 100): void {
        this.index.initIndex(maxElements, m, efConstruction, randomSeed);
      }
      addPoint(point: number[], label: number): void {
        this.index.addPoint(point, label, false);
      }
      setEf(ef: number): void {
        this.index.setEfSearch(ef);
      }
      searchKnn(point: number[], k: number): { distances: number[]; neighbors: number[] } {
        return this.index.searchKnn(point, k, undefined);
      }
    }
    return { HierarchicalNSW: Index };
  };
}
