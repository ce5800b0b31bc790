/** Every experiment of `pnpm reproduce`, in report order. Add one: write a module exporting an Experiment and list it here. */
import type { Experiment } from "../types.js";
import { agmFig2 } from "./agm-fig2.js";
import { agmFig3 } from "./agm-fig3.js";
import { agmTable1 } from "./agm-table1.js";
import { gtnLabellingScale } from "./gtn-labelling-scale.js";
import { gtnMnist } from "./gtn-mnist.js";
import { gtnNoSorting } from "./gtn-no-sorting.js";
import { gtnSquares } from "./gtn-squares.js";
import { gtnSwissRoll } from "./gtn-swiss-roll.js";
import { gtnUniform } from "./gtn-uniform.js";
import { vqflowMnist } from "./vqflow-mnist.js";
import { vqflowToy } from "./vqflow-toy.js";

export const EXPERIMENTS: readonly Experiment[] = [agmTable1, agmFig2, agmFig3, gtnSwissRoll, gtnUniform, gtnSquares, gtnNoSorting, gtnMnist, gtnLabellingScale, vqflowToy, vqflowMnist];
