import { AtlasError, InvalidArgumentError, checkInteger, describeValue, hasEncoder, type AtlasModel } from "@atlas/core";

/** Throw the error a semi-AGM gets. */
export function requireEncoder(model: AtlasModel, what: string): asserts model is AtlasModel & { encode: NonNullable<AtlasModel["encode"]> } {
  if (!hasEncoder(model)) {
    throw new AtlasError(
      "UNSUPPORTED",
      `${what}: the model is a semi-AGM — it has no chart encoders F_y (model.encode is missing). ` +
        "Graph geodesics (AGM paper, Algorithm 1) place each data point at F_y(x) in every chart with ψ_y(x) > ε; " +
        "give a model with encode(x, chart), or pass ends as { chart, z } latent points to a graph built from a model that has one.",
    );
  }
}

/** Check the model's declared sizes. */
export function checkModel(model: AtlasModel): void {
  if (model === null || typeof model !== "object") throw new InvalidArgumentError("model", `expected an AtlasModel, got ${describeValue(model)}`);
  checkInteger("model.charts", model.charts, { min: 1, max: 65535 });
  checkInteger("model.latentDim", model.latentDim, { min: 1 });
  if (!Array.isArray(model.dataShape) || model.dataShape.length === 0 || !model.dataShape.every((v) => Number.isInteger(v) && v > 0)) {
    throw new InvalidArgumentError("model.dataShape", `expected positive integer sizes, got ${describeValue(model.dataShape)}`);
  }
  if (typeof model.partition !== "function") throw new InvalidArgumentError("model.partition", "expected a function ψ(x) → [n, m]");
  if (typeof model.decode !== "function") throw new InvalidArgumentError("model.decode", "expected a function G_y(z) → x");
}
