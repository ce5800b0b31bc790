import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// The unfused kernels here (bit for bit with the plain-JS loops); vitest.fused.config.ts runs the
// numeric tests with fused multiply-adds. Tests import modules directly (not through the package
// entry): the setup file installs the Node cache directory as the Node entry does.
export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), { env: { ATLAS_NO_FMA: "1" }, setupFiles: ["./src/cache-node.ts"] });
