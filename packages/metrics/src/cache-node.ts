/**
 * Node only: the built-in extractors' default cache root, `$ATLAS_CACHE_DIR` or `~/.cache/atlas`.
 * Imported by the Node entry (`index.node.ts`).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { setDefaultCacheDir } from "./extractors/builtin.js";

setDefaultCacheDir(() => process.env.ATLAS_CACHE_DIR ?? join(homedir(), ".cache", "atlas"));
