/** Random shapes for Atlas's fused batch-norm gradient on WebGPU (ATLAS_SLOW=1); see batch-norm-grad.cases.ts. */
import { describeBatchNormGrad, randomBnCases } from "./batch-norm-grad.cases.js";

describeBatchNormGrad("AtlasBatchNormGrad on WebGPU, random shapes (slow)", randomBnCases(16, 11), false);
