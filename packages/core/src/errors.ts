/**
 * Every error Atlas throws is an {@link AtlasError} with a stable `code`, a message that names the
 * argument, what was expected and what was given, and `cause` where there is one.
 */
export type AtlasErrorCode =
  | "INVALID_ARGUMENT"
  | "SHAPE_MISMATCH"
  | "CORRUPT_FILE"
  | "FILE_NOT_FOUND"
  | "MISSING_DEPENDENCY"
  | "BACKEND_UNAVAILABLE"
  | "NOT_TRAINED"
  | "DISCONNECTED"
  | "UNSUPPORTED"
  | "OUT_OF_MEMORY";

/** Base class of every error thrown by an `@atlas/*` package. */
export class AtlasError extends Error {
  readonly code: AtlasErrorCode;
  constructor(code: AtlasErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A public function was given a value it cannot use (NaN, out of range, empty, wrong type). */
export class InvalidArgumentError extends AtlasError {
  /** The argument's name as the caller wrote it (`"k"`, `"options.epsilon"`). */
  readonly argument: string;
  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", `${argument}: ${message}`, options);
    this.argument = argument;
  }
}

/** Two arguments (or an argument and a model) disagree in shape or dimension. */
export class ShapeMismatchError extends AtlasError {
  readonly argument: string;
  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super("SHAPE_MISMATCH", `${argument}: ${message}`, options);
    this.argument = argument;
  }
}

/** A model, data or index file is truncated, corrupt or of an unknown format. */
export class CorruptFileError extends AtlasError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("CORRUPT_FILE", `${path}: ${message}`, options);
    this.path = path;
  }
}

/** A file or directory the caller named does not exist or cannot be read. */
export class FileNotFoundError extends AtlasError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("FILE_NOT_FOUND", `${path}: ${message}`, options);
    this.path = path;
  }
}

/**
 * The backend could not allocate a tensor (e.g. the wasm backend's 4 GiB heap is full). The work in
 * progress is abandoned; tensors that existed before it stay valid.
 */
export class OutOfMemoryError extends AtlasError {
  /** Bytes of the allocation that failed. */
  readonly bytes: number;
  constructor(bytes: number, message: string, options?: { cause?: unknown }) {
    super("OUT_OF_MEMORY", message, options);
    this.bytes = bytes;
  }
}

/** An optional package is needed for this call and is not installed. */
export class MissingDependencyError extends AtlasError {
  readonly packageName: string;
  constructor(packageName: string, purpose: string, options?: { cause?: unknown }) {
    super(
      "MISSING_DEPENDENCY",
      `${purpose} needs the package '${packageName}', which is not installed: run \`pnpm add ${packageName}\` (or npm i ${packageName}).`,
      options,
    );
    this.packageName = packageName;
  }
}

/** Describe a value briefly for an error message: `NaN`, `'abc'`, `array(3)`, `Float32Array(12)`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (typeof value === "function") return "function";
  const shape = (value as { shape?: unknown }).shape;
  if (Array.isArray(shape)) return `Tensor[${shape.join(",")}]`;
  return typeof value;
}
