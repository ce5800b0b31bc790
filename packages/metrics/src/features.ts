import { InvalidArgumentError, ShapeMismatchError, checkOptions as checkStrictOptions, toMatrix, type MatrixInput, type RowMajor } from "@atlas/core";

/**
 * A feature set: rows of features, as `number[][]` or a row-major typed array with its dimension.
 * A set produced by a {@link FeatureExtractor} also carries the extractor's id, which every metric
 * result reports (numbers from different extractors are not comparable). No tensor: the metrics
 * are synchronous and a tensor may live on a GPU; pass `{ data: await t.data(), dim }`.
 */
export type FeatureInput = number[][] | readonly (readonly number[])[] | RowMajor | LabelledFeatures;

/** Row-major features tagged with the id of the extractor that produced them. */
export interface LabelledFeatures {
  readonly data: Float32Array | Float64Array;
  readonly dim: number;
  /** Id of the {@link FeatureExtractor} (e.g. `"atlas-mnist-cnn-v1"`, `"inception-v3-pool3"`). */
  readonly extractor?: string;
}

/** What a metric was computed from: the feature extractor (if known) and the sample counts. */
export interface Provenance {
  /** Id of the feature extractor, or `undefined` when raw features without a label were given. */
  readonly extractor: string | undefined;
  /** Feature dimension. */
  readonly dim: number;
}

/** Validated float64 features. */
export interface Features {
  readonly data: Float64Array;
  readonly n: number;
  readonly dim: number;
  readonly extractor: string | undefined;
}

/** Read a {@link FeatureInput} into float64 rows, checking shape, row count and finiteness. */
export function readFeatures(name: string, input: FeatureInput, options: { minRows?: number; dim?: number } = {}): Features {
  const m = toMatrix(name, input as MatrixInput, { minRows: options.minRows ?? 1, ...(options.dim !== undefined ? { dim: options.dim } : {}) });
  const extractor = extractorOf(input);
  return { data: m.data, n: m.n, dim: m.dim, extractor };
}

/** The extractor id carried by a feature set, if any. */
export function extractorOf(input: unknown): string | undefined {
  if (typeof input === "object" && input !== null && "extractor" in input) {
    const id = (input as { extractor?: unknown }).extractor;
    if (typeof id === "string") return id;
  }
  return undefined;
}

/**
 * The common extractor id of two sets; throws when both are labelled with different extractors
 * (a metric between them would be meaningless).
 */
export function commonExtractor(nameA: string, a: string | undefined, nameB: string, b: string | undefined): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) {
    throw new ShapeMismatchError(nameB, `features come from extractor '${b}' but ${nameA} from '${a}'; metrics are only comparable with one extractor`);
  }
  return a ?? b;
}

/** Same dimension check with an error naming the second argument. */
export function checkSameDim(nameA: string, dimA: number, nameB: string, dimB: number): void {
  if (dimA !== dimB) throw new ShapeMismatchError(nameB, `expected features of dimension ${dimA} like ${nameA}, got ${dimB}`);
}

/** Options object check: undefined, or a plain object with only the `allowed` keys (core's strict check). */
export function checkOptions(name: string, options: unknown, allowed: readonly string[]): void {
  checkStrictOptions(name, options as object | undefined, allowed);
}
