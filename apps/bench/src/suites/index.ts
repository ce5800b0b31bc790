/** Every benchmark suite, by name. Add a suite: write `suites/<name>.ts` exporting a BenchSuite, list it here. */
import type { BenchSuite } from "../framework.js";
import { agmSuite } from "./agm.js";
import { gtnAutoencoderSuite } from "./gtn-autoencoder.js";
import { geodesicSuite } from "./geodesic.js";
import { gpuSuite } from "./gpu.js";
import { gtnLabelsSuite } from "./gtn.js";
import { metricsSuite } from "./metrics.js";
import { trainReadsSuite } from "./train-reads.js";
import { vqflowSuite } from "./vqflow.js";

export const SUITES: readonly BenchSuite[] = [gtnAutoencoderSuite, gtnLabelsSuite, agmSuite, geodesicSuite, metricsSuite, vqflowSuite, trainReadsSuite, gpuSuite];
