/** Random shapes for Atlas's fused activation gradient on WebGPU (ATLAS_SLOW=1); see activation-grad.cases.ts. */
import { describeActivationGrad, randomActivationCases } from "./activation-grad.cases.js";

describeActivationGrad("AtlasActivationGrad on WebGPU, random shapes (slow)", randomActivationCases(16, 13), false);
