/**
 * Which tfjs kernels one training step runs, by name and count (tf.profile). In Node on the active
 * backend (`--backend=cpu` by default here): the op decomposition (and so the kernel names and
 * counts) comes from tfjs-core's gradients and the optimizer, the same on every backend except for
 * the kernels a backend fuses itself. With `--where=chromium`: on headless Chromium's WebGPU
 * (SwiftShader without a GPU), once with the stock kernels and once with Atlas's (fused batch-norm
 * gradient, Adam update and activation gradients), and once with Atlas's but the activation gradient
 * (`--variants=` picks some of `stock,atlas-without-activation,atlas`). Used to pick what to fuse on
 * WebGPU (issue 14 §4).
 * Run: `pnpm --filter @atlas/bench exec tsx --conditions=@atlas/source src/scripts/kernel-counts.ts [ae|awae] [--backend=cpu] [--where=chromium [--variants=…]]`
 */
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { countStepKernels } from "./kernel-count-steps.js";

const which = process.argv[2] === "awae" ? "awae" : "ae";
const where = process.argv.find((a) => a.startsWith("--where="))?.slice(8) ?? "node";

type Counts = Awaited<ReturnType<typeof countStepKernels>>;

function print(title: string, c: Counts): void {
  console.log(`${title}: ${c.total} kernels, ${c.dispatching} without Identity, Reshape and customGrad wrappers (which never dispatch on webgpu)`);
  for (const [name, n] of c.counts) console.log(`${String(n).padStart(6)}  ${name}`);
}

if (where === "chromium") {
  const { openPage } = await import("@atlas/browser-test");
  const page = await openPage({ entry: fileURLToPath(new URL("./kernel-counts.page.ts", import.meta.url)), loadTimeoutMs: 120_000 });
  try {
    const variants = (process.argv.find((a) => a.startsWith("--variants="))?.slice(11) ?? "stock,atlas-without-activation,atlas").split(",");
    for (const kernels of variants) {
      if (!["stock", "atlas", "atlas-without-activation"].includes(kernels)) throw new Error(`--variants: unknown variant '${kernels}'`);
      const r = await page.call<Counts & { backend: string; gpuErrors: string[] }>("counts", which, kernels);
      if (r.gpuErrors.length > 0) throw new Error(`WebGPU errors: ${r.gpuErrors.join("; ")}`);
      print(`${which} step on ${r.backend} (Chromium), ${kernels} kernels`, r);
    }
  } finally {
    await page.close();
  }
} else {
  const backend = process.argv.find((a) => a.startsWith("--backend="))?.slice(10) ?? "cpu";
  await tf.setBackend(backend);
  print(`${which} step on ${backend}`, await countStepKernels(which));
}
