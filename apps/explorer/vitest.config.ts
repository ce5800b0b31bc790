import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// The browser test drives a Vite server and Debian's Chromium; it needs more than the default time.
export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), { testTimeout: 600_000, hookTimeout: 600_000 });
