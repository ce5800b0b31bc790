#!/usr/bin/env node
import { parseArgs } from "node:util";
import { AtlasError } from "@atlas/core";
import { runDemo } from "./demo.js";

const HELP = `atlas — generative modelling on data manifolds

Usage:
  atlas demo [--steps 300] [--batch-size 32] [--latent-dim 5] [--lr 0.001] [--seed 0] [--out out/demo]
      Train the GTN paper's MNIST autoencoder on the best backend; write reconstructions as PNG.
  atlas help

Environment: ATLAS_BACKEND=tensorflow-gpu|tensorflow|webgpu|webgl|wasm|cpu forces a backend.`;

async function main(argv: string[]): Promise<void> {
  const [command = "help", ...rest] = argv;
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(HELP);
    return;
  }
  if (command === "demo") {
    const { values } = parseArgs({
      args: rest,
      options: {
        steps: { type: "string" },
        "batch-size": { type: "string" },
        "latent-dim": { type: "string" },
        lr: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
    });
    const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
    await runDemo({
      steps: num(values.steps),
      batchSize: num(values["batch-size"]),
      latentDim: num(values["latent-dim"]),
      learningRate: num(values.lr),
      seed: num(values.seed),
      out: values.out,
    });
    return;
  }
  throw new AtlasError("INVALID_ARGUMENT", `command: unknown command '${command}'; run 'atlas help'`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof AtlasError) {
    console.error(`atlas: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
