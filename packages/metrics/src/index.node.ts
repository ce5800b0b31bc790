/**
 * @packageDocumentation
 * `@atlas/metrics` for Node (the `node` export condition): the built-in extractors cache under
 * `$ATLAS_CACHE_DIR` or `~/.cache/atlas`; otherwise exactly the API of the default entry
 * (`index.ts`), which runs anywhere (cache in IndexedDB).
 */
import "./cache-node.js";

export * from "./index.js";
