import { fileURLToPath } from "node:url";
import { atlasProject } from "@atlas/vitest-config";

// The numeric tests again, with the fused multiply-add kernels (WebAssembly relaxed SIMD, on by
// default from Node 22; Node 20 needs the V8 flag). The `metrics` project pins ATLAS_NO_FMA=1, so
// between the two both kernel families are tested on any Node version.
const major = Number(process.versions.node.split(".")[0]);

export default atlasProject(fileURLToPath(new URL(".", import.meta.url)), {
  name: "metrics-fused",
  include: ["src/linalg/**/*.test.ts", "src/metrics.test.ts", "src/fid-routes.test.ts"],
  execArgv: major < 22 ? ["--experimental-wasm-relaxed-simd"] : [],
});
