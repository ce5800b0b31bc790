// The start shared by the commands that read a trained model and a data set (eval, geodesic): load
// both, check that the data's sample shape is the model's, and on any failure free the model and
// remove the output files this run created, so a refused command leaves nothing behind.
import { initBackend } from "@atlas/core";
import { UsageError } from "../args.js";
import { loadData } from "../data/index.js";
import { loadModelDir } from "../model-dir.js";
import { removeCreated } from "../out-dir.js";

export async function openModelAndData(
  modelDir: string,
  dataSpec: string,
  options: { split: "train" | "test"; limit: number },
  created: readonly string[],
) {
  let model;
  try {
    await initBackend();
    model = await loadModelDir(modelDir);
    const data = await loadData(dataSpec, options);
    const shape = model.manifest.dataShape;
    if (JSON.stringify(data.shape) !== JSON.stringify(shape)) throw new UsageError("--data", `holds samples of shape [${data.shape.join(", ")}], but the model's are [${shape.join(", ")}]`);
    return { model, data };
  } catch (error) {
    model?.dispose();
    await removeCreated(created);
    throw error;
  }
}
