/**
 * Argument kinds: what a slot of a public function accepts, and the bad values the harness gives
 * it. Each bad value says whether it MUST be refused (`reject: true`: NaN, a wrong type, an
 * unknown option…) or MAY be accepted when the result is valid and finite (`reject: false`: an
 * edge value such as an empty set or a huge size, which must then neither crash, hang nor leak).
 *
 * Canonical bad values are listed exhaustively per kind; `random` adds fast-check arbitraries that
 * draw more bad values from the invalid domain (never from the valid one).
 */
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";

/** Something the harness disposes after the call (tensors, models, optimizers). */
export interface Disposable {
  dispose(): void;
}

/** Builds a value for one call; what it makes for the harness to dispose goes through `own`. */
export type Make<T = unknown> = (own: <X extends Disposable>(t: X) => X) => T;

export interface Bad {
  /** Short description for reports: `NaN`, `unknown key 'epoch'`. */
  readonly label: string;
  readonly make: Make;
  /** Must be refused with an AtlasError (true) or may give a valid finite result (false). */
  readonly reject: boolean;
  /** The name the error must mention, when it is not the slot/key name (e.g. an unknown key). */
  readonly names?: string;
  /** For an options slot: merge this object into the valid options instead of replacing them. */
  readonly merge?: boolean;
}

export interface Kind {
  readonly kind: string;
  /** Canonical bad values (exhaustive list). */
  bad(): Bad[];
  /** More bad values drawn by fast-check. */
  random?(): fc.Arbitrary<Bad>;
  /** For options objects: the keys and their kinds (mutated one at a time). */
  readonly keys?: Readonly<Record<string, Kind>>;
  /** For options objects: keys that must be present. */
  readonly required?: readonly string[];
  /** For a nested options object: a valid value to mutate when the caller's options lack it. */
  readonly example?: () => unknown;
}

const r = (label: string, value: unknown, names?: string): Bad => ({ label, make: () => value, reject: true, ...(names ? { names, merge: true } : {}) });
const m = (label: string, value: unknown): Bad => ({ label, make: () => value, reject: false });
const rm = (label: string, make: Make): Bad => ({ label, make, reject: true });
const mm = (label: string, make: Make): Bad => ({ label, make, reject: false });

class Foreign {
  x = 1;
}

/** Values of the wrong type for a slot that wants something else. */
function wrongTypes(except: ("number" | "string" | "object" | "boolean" | "function" | "null" | "array" | "undefined")[] = []): Bad[] {
  const out: Bad[] = [];
  if (!except.includes("undefined")) out.push(r("undefined", undefined));
  if (!except.includes("null")) out.push(r("null", null));
  if (!except.includes("number")) out.push(r("number 3", 3));
  if (!except.includes("string")) out.push(r("string 'x'", "x"));
  if (!except.includes("boolean")) out.push(r("true", true));
  if (!except.includes("object")) out.push(r("{}", {}), r("class instance", new Foreign()));
  if (!except.includes("array")) out.push(r("[]", []));
  if (!except.includes("function")) out.push(r("function", () => 1));
  out.push(r("symbol", Symbol("s")), r("bigint 3n", 3n));
  return out;
}

function anyNonNumber(): fc.Arbitrary<Bad> {
  return fc.anything().filter((v) => typeof v !== "number").map((v) => r(`random ${typeof v}`, v));
}

export interface IntSpec {
  min?: number;
  max?: number;
  /** A size that can exhaust memory: also try 1e9 and 2^40 (must be refused or handled). */
  size?: boolean;
  /** `undefined` is allowed (optional positional argument or options key). */
  optional?: boolean;
  /** Inclusive value the slot may also take that is not an integer (none by default). */
}

export const K = {
  /** An integer in [min, max]. */
  int(spec: IntSpec = {}): Kind {
    return {
      kind: "int",
      bad() {
        const out: Bad[] = [
          r("NaN", Number.NaN),
          r("Infinity", Infinity),
          r("-Infinity", -Infinity),
          r("1.5", 1.5),
          r("string '2'", "2"),
          ...wrongTypes(["number", "string", ...(spec.optional ? (["undefined"] as const) : [])]),
        ];
        if (spec.min !== undefined) out.push(r(`${spec.min - 1} (below min ${spec.min})`, spec.min - 1));
        if (spec.min !== undefined && spec.min >= 0) out.push(r("-1", -1), r("-2^31", -(2 ** 31)));
        if (spec.max !== undefined) out.push(r(`${spec.max + 1} (above max ${spec.max})`, spec.max + 1));
        if (spec.size) out.push(m("1e9", 1e9), m("2^40", 2 ** 40), r("2^53", 2 ** 53 + 2));
        return out;
      },
      random() {
        const arbs: fc.Arbitrary<Bad>[] = [
          fc.double({ noNaN: false }).filter((v) => !Number.isInteger(v)).map((v) => r(`random non-integer ${v}`, v)),
          anyNonNumber().filter((b) => !(spec.optional && b.make(() => undefined as never) === undefined)),
        ];
        if (spec.min !== undefined && spec.min > -(2 ** 31)) arbs.push(fc.integer({ min: -(2 ** 31), max: spec.min - 1 }).map((v) => r(`random ${v} < min`, v)));
        if (spec.max !== undefined && spec.max < 2 ** 31 - 2) arbs.push(fc.integer({ min: spec.max + 1, max: 2 ** 31 - 1 }).map((v) => r(`random ${v} > max`, v)));
        return fc.oneof(...arbs);
      },
    };
  },

  /** A finite number within bounds. */
  num(spec: { min?: number; max?: number; above?: number; below?: number; optional?: boolean } = {}): Kind {
    return {
      kind: "number",
      bad() {
        const out: Bad[] = [
          r("NaN", Number.NaN),
          r("Infinity", Infinity),
          r("-Infinity", -Infinity),
          r("string '0.5'", "0.5"),
          ...wrongTypes(["number", "string", ...(spec.optional ? (["undefined"] as const) : [])]),
        ];
        if (spec.min !== undefined) out.push(r(`below min ${spec.min}`, spec.min - Math.max(1e-3, Math.abs(spec.min) * 0.5)));
        if (spec.above !== undefined) out.push(r(`${spec.above} (not above)`, spec.above));
        if (spec.max !== undefined) out.push(r(`above max ${spec.max}`, spec.max + Math.max(1e-3, Math.abs(spec.max) * 0.5)));
        if (spec.below !== undefined) out.push(r(`${spec.below} (not below)`, spec.below));
        return out;
      },
      random() {
        const arbs: fc.Arbitrary<Bad>[] = [anyNonNumber().filter((b) => !(spec.optional && b.make(() => undefined as never) === undefined))];
        const lo = spec.min ?? spec.above;
        if (lo !== undefined) arbs.push(fc.double({ max: spec.min !== undefined ? spec.min : lo, noNaN: true, noDefaultInfinity: true, minExcluded: false, maxExcluded: spec.min !== undefined }).filter((v) => (spec.min !== undefined ? v < spec.min : v <= lo)).map((v) => r(`random ${v} below`, v)));
        const hi = spec.max ?? spec.below;
        if (hi !== undefined) arbs.push(fc.double({ min: hi, noNaN: true, noDefaultInfinity: true }).filter((v) => (spec.max !== undefined ? v > spec.max : v >= hi)).map((v) => r(`random ${v} above`, v)));
        return fc.oneof(...arbs);
      },
    };
  },

  bool(optional = true): Kind {
    return {
      kind: "boolean",
      bad: () => [r("string 'yes'", "yes"), r("string 'false'", "false"), r("1", 1), r("0", 0), ...wrongTypes(["boolean", "number", "string", ...(optional ? (["undefined"] as const) : [])])],
    };
  },

  oneOf(values: readonly string[], optional = true): Kind {
    return {
      kind: "oneOf",
      bad: () => [
        r("string 'bogus'", "bogus"),
        r("empty string", ""),
        r("upper-cased", (values[0] ?? "x").toUpperCase() === values[0] ? `${values[0]}X` : (values[0] ?? "x").toUpperCase()),
        ...wrongTypes(["string", ...(optional ? (["undefined"] as const) : [])]),
      ],
      random: () => fc.string().filter((s) => !values.includes(s)).map((s) => r(`random string ${JSON.stringify(s)}`, s)),
    };
  },

  str(optional = false): Kind {
    return { kind: "string", bad: () => wrongTypes(["string", ...(optional ? (["undefined"] as const) : [])]) };
  },

  /** A non-empty label (name) string. */
  name(optional = true): Kind {
    return { kind: "name", bad: () => [r("empty string", ""), ...wrongTypes(["string", ...(optional ? (["undefined"] as const) : [])])] };
  },

  fn(optional = true): Kind {
    return { kind: "function", bad: () => wrongTypes(["function", ...(optional ? (["undefined"] as const) : [])]) };
  },

  signal(): Kind {
    return {
      kind: "signal",
      bad: () => [r("{ aborted: 'no' }", { aborted: "no" }), r("{ aborted: false } without addEventListener", { aborted: false }), ...wrongTypes(["undefined"])],
    };
  },

  /** A seed (non-negative integer) or an Rng. */
  seed(optional = true): Kind {
    return {
      kind: "seed",
      bad: () => [r("NaN", Number.NaN), r("-1", -1), r("1.5", 1.5), r("Infinity", Infinity), r("string '1'", "1"), ...wrongTypes(["number", "string", ...(optional ? (["undefined"] as const) : [])])],
      random: () => fc.oneof(fc.integer({ max: -1 }).map((v) => r(`random ${v}`, v)), fc.double().filter((v) => !Number.isInteger(v)).map((v) => r(`random ${v}`, v))),
    };
  },

  /** A directory path. `read`: must exist; `write`: created. `file` is a regular file the harness made. */
  dir(mode: "read" | "write", paths: { file: string; missing: string }): Kind {
    return {
      kind: "dir",
      bad: () => [
        r("empty string", ""),
        r("blank string", "   "),
        r("path under a regular file (ENOTDIR)", `${paths.file}/sub`),
        ...(mode === "read" ? [r("missing directory", paths.missing), r("a regular file", paths.file)] : []),
        ...wrongTypes(["string"]),
      ],
    };
  },

  /** A path to write a file to. */
  filePath(paths: { file: string; missing: string }): Kind {
    return {
      kind: "filePath",
      bad: () => [r("empty string", ""), r("path under a regular file (ENOTDIR)", `${paths.file}/sub.png`), ...wrongTypes(["string"])],
    };
  },

  /**
   * A tensor `[n, ...inner]` (n ≥ minRows). `makeValid` builds a valid one of `rows` rows (the
   * harness owns it).
   */
  tensor(spec: { inner: readonly number[]; minRows?: number; make: (rows: number) => tf.Tensor; allowInt?: boolean; allowFlat?: boolean; allowRows?: boolean; anyInner?: boolean }): Kind {
    const inner = spec.inner;
    const D = inner.reduce((a, b) => a * b, 1);
    const fill = (v: number): Make => (own) => own(tf.fill([2, ...inner], v));
    return {
      kind: "tensor",
      bad: () => [
        rm("NaN values", fill(Number.NaN)),
        rm("Infinity values", fill(Infinity)),
        rm("one NaN among finite values", (own) => {
          const t = spec.make(2);
          const v = t.dataSync().slice();
          t.dispose();
          v[v.length - 1] = Number.NaN;
          return own(tf.tensor(v, [2, ...inner]));
        }),
        rm("wrong rank (missing batch axis)", (own) => own(tf.zeros(inner.length ? [...inner] : [2]))),
        // a slot whose inner size is not fixed by the call (e.g. ψ of any number of charts) may accept it
        (spec.anyInner ? mm : rm)("wrong inner size", (own) => own(tf.zeros([2, ...inner.slice(0, -1), (inner[inner.length - 1] ?? 1) + 1]))),
        ...(inner.length > 0 && !spec.allowFlat ? [rm("rank + 1", (own) => own(tf.zeros([2, ...inner, 2])))] : []),
        ...(spec.minRows !== 0 ? [rm("zero rows", (own) => own(tf.zeros([0, ...inner])))] : [mm("zero rows", (own) => own(tf.zeros([0, ...inner])))]),
        rm("disposed tensor", () => {
          const t = spec.make(2);
          t.dispose();
          return t;
        }),
        rm("bool dtype", (own) => own(tf.ones([2, ...inner], "bool"))),
        rm("string dtype", (own) => own(tf.tensor(new Array<string>(2 * D).fill("a"), [2, ...inner], "string"))),
        (spec.allowInt ? mm : rm)("int32 dtype", (own) => own(tf.ones([2, ...inner], "int32"))),
        // a slot that also takes rows (number[][]) may accept a valid nested array
        (spec.allowRows ? m : r)("nested array instead of a tensor", [[1, 2]]),
        ...wrongTypes([]),
      ],
    };
  },

  /** A set of rows (core's MatrixInput: number[][], { data, dim }, Tensor2D). */
  matrix(spec: { dim?: number; minRows?: number; make: (rows: number) => number[][] }): Kind {
    const dim = spec.dim;
    const rows = (n: number): number[][] => spec.make(n);
    return {
      kind: "matrix",
      bad: () => {
        const out: Bad[] = [
          rm("rows with a NaN", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            a[1]![0] = Number.NaN;
            return a;
          }),
          rm("rows with an Infinity", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            a[0]![a[0]!.length - 1] = -Infinity;
            return a;
          }),
          rm("ragged rows", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            a[1] = [...a[1]!, 0];
            return a;
          }),
          rm("a row of strings", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1)) as unknown[][];
            a[1] = a[1]!.map(() => "a");
            return a;
          }),
          rm("{ data, dim } with a length that is not whole rows", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            const d = a[0]!.length;
            return { data: new Float64Array(a.length * d + (d > 1 ? 1 : 0) + (d === 1 ? 0 : 0)), dim: d + (d === 1 ? 1 : 0) };
          }),
          rm("{ data, dim: 0 }", () => ({ data: new Float64Array(4), dim: 0 })),
          rm("{ data, dim: NaN }", () => ({ data: new Float64Array(4), dim: Number.NaN })),
          rm("{ data with NaN, dim }", () => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            const d = a[0]!.length;
            const data = new Float64Array(a.flat());
            data[d] = Number.NaN;
            return { data, dim: d };
          }),
          rm("Tensor2D with NaN", (own) => {
            const a = rows(Math.max(3, spec.minRows ?? 1));
            a[0]![0] = Number.NaN;
            return own(tf.tensor2d(a));
          }),
          rm("rank-3 tensor", (own) => own(tf.zeros([2, 2, 2]))),
          rm("disposed Tensor2D", () => {
            const t = tf.tensor2d(rows(Math.max(3, spec.minRows ?? 1)));
            t.dispose();
            return t;
          }),
          (spec.minRows === 0 ? m : r)("empty array", []),
          r("array of numbers (not rows)", [1, 2, 3]),
          ...wrongTypes(["array"]),
        ];
        if ((spec.minRows ?? 1) > 1) out.push(rm(`${spec.minRows! - 1} row(s), below the minimum`, () => rows(spec.minRows! - 1)));
        if (dim !== undefined) out.push(rm(`rows of dimension ${dim + 1}`, () => rows(Math.max(3, spec.minRows ?? 1)).map((row) => [...row, 0])));
        return out;
      },
      random: () =>
        fc
          .tuple(fc.integer({ min: Math.max(3, spec.minRows ?? 1), max: 12 }), fc.nat(), fc.constantFrom(Number.NaN, Infinity, -Infinity))
          .map(([n, at, v]) =>
            rm(`random ${n} rows with ${v} at ${at}`, () => {
              const a = rows(n);
              const d = a[0]!.length;
              a[Math.floor(at / d) % n]![at % d] = v;
              return a;
            }),
          ),
    };
  },

  /** A typed/plain numeric array of a given length (or any length ≥ min when `length` is undefined). */
  array(spec: { length?: number; minLength?: number; make: () => ArrayLike<number>; finite?: boolean; ints?: { min: number; max: number } }): Kind {
    return {
      kind: "array",
      bad: () => {
        const out: Bad[] = [
          ...wrongTypes(["array", "object"]).filter((b) => b.label !== "[]"),
          r("{}", {}),
          r("array of strings", ["a", "b"]),
        ];
        if (spec.finite !== false) {
          out.push(
            rm("a NaN element", () => {
              const a = Array.from(spec.make());
              a[a.length - 1] = Number.NaN;
              return spec.make() instanceof Float32Array ? Float32Array.from(a) : Float64Array.from(a);
            }),
            rm("an Infinity element", () => {
              const a = Array.from(spec.make());
              a[0] = Infinity;
              return a;
            }),
          );
        }
        if (spec.length !== undefined) {
          out.push(
            rm(`length ${spec.length - 1} (expected ${spec.length})`, () => {
              const a = spec.make();
              return ArrayBuffer.isView(a) ? (a as Float64Array).subarray(0, spec.length! - 1) : Array.from(a).slice(0, spec.length! - 1);
            }),
            rm(`length ${spec.length + 1} (expected ${spec.length})`, () => {
              const a = Array.from(spec.make());
              a.push(0);
              return spec.make() instanceof Float32Array ? Float32Array.from(a) : spec.make() instanceof Int32Array ? Int32Array.from(a) : Float64Array.from(a);
            }),
          );
        }
        if ((spec.minLength ?? 1) > 0) out.push(r("empty", []));
        if (spec.ints) {
          out.push(
            rm(`an index ${spec.ints.max + 1} (out of range)`, () => {
              const a = Array.from(spec.make());
              a[0] = spec.ints!.max + 1;
              return a;
            }),
            rm("a negative index", () => {
              const a = Array.from(spec.make());
              a[0] = -1;
              return a;
            }),
            rm("a fractional index", () => {
              const a = Array.from(spec.make());
              a[0] = 0.5;
              return a;
            }),
          );
        }
        return out;
      },
    };
  },

  /** A shape (array of positive integer sizes). */
  shape(spec: { rank?: number | readonly number[]; optional?: boolean } = {}): Kind {
    return {
      kind: "shape",
      bad: () => [
        r("[] (no axes)", []),
        r("[0]", [0]),
        r("[-1]", [-1]),
        r("[NaN]", [Number.NaN]),
        r("[1.5]", [1.5]),
        r("['2']", ["2"]),
        r("huge [1e9, 1e9, 1]", [1e9, 1e9, 1]),
        r("[2, 2, 2, 2, 2] (rank 5)", [2, 2, 2, 2, 2]),
        ...wrongTypes(["array", ...(spec.optional ? (["undefined"] as const) : [])]),
      ],
    };
  },

  /** An options object with per-key kinds (unknown keys, null, wrong types are refused). */
  options(keys: Record<string, Kind>, required: readonly string[] = [], example?: () => unknown, strict = true): Kind {
    const names = Object.keys(keys);
    return {
      kind: "options",
      keys,
      required,
      ...(example ? { example } : {}),
      bad: () => {
        const out: Bad[] = [
          r("null", null),
          r("number 3", 3),
          r("string 'x'", "x"),
          r("true", true),
          r("[] (an array)", []),
          r("class instance", new Foreign()),
          r("a Date", new Date(0)),
        ];
        if (!strict) return out;
        out.push(r("unknown key 'bogusOption'", { bogusOption: 1 }, "bogusOption"));
        const first = names[0];
        if (first) {
          const typo = first.length > 3 ? `${first.slice(0, -1)}` : `${first}x`;
          if (!names.includes(typo)) out.push(r(`misspelt key '${typo}' (for '${first}')`, { [typo]: 1 }, typo));
        }
        return out;
      },
      ...(strict
        ? {
            random: () =>
              fc
                .string({ minLength: 1, maxLength: 12 })
                .filter((k) => !names.includes(k) && !["__proto__", "constructor", "prototype"].includes(k))
                .map((k) => r(`random unknown key ${JSON.stringify(k)}`, { [k]: 0 }, k)),
          }
        : {}),
    };
  },

  /** A data record (not options): wrong types and field values are refused, extra keys are not tested. */
  record(keys: Record<string, Kind>, required: readonly string[] = []): Kind {
    return K.options(keys, required, undefined, false);
  },

  /** A slot with no bad values of its own (e.g. free-form JSON); still part of the call. */
  free(): Kind {
    return { kind: "free", bad: () => [] };
  },

  /** Custom list of bad values. */
  custom(kind: string, bad: () => Bad[]): Kind {
    return { kind, bad };
  },
};

export const bad = { reject: r, may: m, rejectMake: rm, mayMake: mm };
