import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// The release checks build and pack every library, and the registry round-trip installs them from
// a local Verdaccio and runs every README code block: minutes, not seconds.
export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), { testTimeout: 900_000, hookTimeout: 900_000 });
