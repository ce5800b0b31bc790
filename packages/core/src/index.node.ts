/**
 * @packageDocumentation
 * `@atlas/core` for Node (the `node` export condition): installs Node's implementations of the
 * platform services — files on disk, datasets resolved from npm packages, zlib — then exports
 * exactly the API of the default entry (`index.ts`), which runs anywhere.
 */
import "./platform/node.js";

export * from "./index.js";
