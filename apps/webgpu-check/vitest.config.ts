import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

export default atlasProject(fileURLToPath(new URL(".", import.meta.url)));
