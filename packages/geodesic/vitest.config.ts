import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// Tests import modules directly (not through the package entry): install hnswlib-node as the
// Node entry does.
export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), { setupFiles: ["./src/hnsw-node.ts"] });
