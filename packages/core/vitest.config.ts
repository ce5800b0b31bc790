import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// Core's tests import its modules directly (not through the package entry), so install the Node
// platform services (files on disk, npm-package resolution, zlib) as the `node` entry would.
export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), { setupFiles: ["./src/platform/node.ts"] });
