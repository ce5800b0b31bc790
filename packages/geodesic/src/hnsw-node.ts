/**
 * Node only: the `hnswlib-node` addon as the HNSW implementation of {@link chartKnn}. Imported by
 * the Node entry (`index.node.ts`); the literal `import("hnswlib-node")` lives here so that no
 * browser bundle contains it.
 */
import { type HnswModule, setHnswLoader } from "./knn.js";

setHnswLoader(async () => {
  try {
    const mod = (await import("hnswlib-node")) as unknown as { default?: HnswModule } & Partial<HnswModule>;
    const m = (mod.HierarchicalNSW ? mod : mod.default) as HnswModule | undefined;
    return m && typeof m.HierarchicalNSW === "function" ? m : null;
  } catch {
    return null;
  }
}, "hnswlib-node");
