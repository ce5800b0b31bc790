import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { AtlasError, InvalidArgumentError, ShapeMismatchError, describeValue } from "./errors.js";
import { readMatrix, toMatrix } from "./matrix.js";
import { allFinite, checkBoolean, checkChart, checkFinite, checkFunction, checkInteger, checkNumber, checkOneOf, checkOptions, checkSignal } from "./validate.js";

describe("AtlasError", () => {
  it("carries a stable code, the argument name and the cause", () => {
    const cause = new Error("inner");
    const e = new InvalidArgumentError("options.k", "expected an integer ≥ 1, got 0", { cause });
    expect(e).toBeInstanceOf(AtlasError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.argument).toBe("options.k");
    expect(e.name).toBe("InvalidArgumentError");
    expect(e.message).toBe("options.k: expected an integer ≥ 1, got 0");
    expect(e.cause).toBe(cause);
  });

  it("describes values briefly", () => {
    expect(describeValue(Number.NaN)).toBe("NaN");
    expect(describeValue([1, 2, 3])).toBe("array(3)");
    expect(describeValue(new Float32Array(4))).toBe("Float32Array(4)");
    expect(describeValue(null)).toBe("null");
    expect(describeValue("x")).toBe('"x"');
  });
});

describe("validation helpers", () => {
  it("accept valid values and return them", () => {
    expect(checkNumber("lr", 0.1, { above: 0 })).toBe(0.1);
    expect(checkInteger("k", 3, { min: 1, below: 4 })).toBe(3);
    expect(checkOneOf("method", "fast", ["scan", "fast"] as const)).toBe("fast");
    expect(checkChart("chart", 1, 2)).toBe(1);
  });

  it("name the argument, what was expected and what was given", () => {
    expect(() => checkNumber("epsilon", 1, { min: 0, below: 1 })).toThrow("epsilon: expected a number ≥ 0 and < 1, got 1");
    expect(() => checkNumber("lr", Number.NaN)).toThrow("lr: expected a finite number, got NaN");
    expect(() => checkInteger("k", 2.5, { min: 1 })).toThrow("k: expected an integer ≥ 1, got 2.5");
    // 2^53 + 2 passes Number.isInteger but is not a count anything can hold (before: accepted, e.g. batchSize)
    expect(() => checkInteger("options.batchSize", 2 ** 53 + 2, { min: 1 })).toThrow(/options\.batchSize: expected an integer of magnitude at most 2\^53 − 1/);
    expect(checkInteger("seed", 2 ** 53 - 1, { min: 0 })).toBe(2 ** 53 - 1);
    expect(() => checkChart("chart", 2, 2)).toThrow("chart: expected an integer ≥ 0 and ≤ 1, got 2");
    expect(() => checkOneOf("method", "slow", ["scan", "fast"])).toThrow("method: expected one of 'scan', 'fast', got \"slow\"");
    expect(() => checkFinite("x", [1, Number.POSITIVE_INFINITY])).toThrow("x: expected finite values, found Infinity at index 1");
  });
});

describe("toMatrix", () => {
  it("reads nested arrays, row-major arrays and (readMatrix, asynchronously) tensors to the same matrix", async () => {
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const a = toMatrix("x", rows);
    const b = toMatrix("x", { data: new Float32Array([1, 2, 3, 4, 5, 6]), dim: 3 });
    const t = tf.tensor2d(rows);
    const c = await readMatrix("x", t);
    const d = await readMatrix("x", rows);
    expect((await readMatrix("x", t, { dtype: "float32" })).data).toBeInstanceOf(Float32Array);
    // toMatrix is synchronous: it refuses a tensor (which may live on a GPU) and says what to do
    expect(() => toMatrix("x", t)).toThrow(/x: got a tf.Tensor where it cannot be read synchronously .*readMatrix/);
    t.dispose();
    for (const m of [a, b, c, d]) {
      expect(m.n).toBe(2);
      expect(m.dim).toBe(3);
      expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(m.data).toBeInstanceOf(Float64Array);
    }
    expect(toMatrix("x", rows, { dtype: "float32" }).data).toBeInstanceOf(Float32Array);
  });

  it("rejects ragged rows, NaN, empty sets and wrong dimensions, naming the argument", async () => {
    expect(() => toMatrix("features", [[1, 2], [3]])).toThrow(ShapeMismatchError);
    expect(() => toMatrix("features", [[1, 2], [3]])).toThrow(/features: row 1 has length 1, expected 2/);
    expect(() => toMatrix("features", [[1, Number.NaN]])).toThrow(/features: expected finite values, found NaN at row 0, column 1/);
    expect(() => toMatrix("features", [])).toThrow(/features: expected at least 1 row, got 0/);
    expect(() => toMatrix("features", [[1], [2]], { minRows: 3 })).toThrow(/at least 3 rows, got 2/);
    expect(() => toMatrix("y", [[1, 2]], { dim: 3 })).toThrow(/y: expected rows of dimension 3, got 2/);
    expect(() => toMatrix("y", { data: new Float32Array(5), dim: 2 })).toThrow(/not a whole number of rows/);
    const t = tf.zeros([2, 2, 2]);
    await expect(readMatrix("y", t as unknown as tf.Tensor2D)).rejects.toThrow(/y: expected a 2-D tensor/);
    t.dispose();
    const nan = tf.tensor2d([[1, 2], [3, Number.NaN]]);
    await expect(readMatrix("y", nan)).rejects.toThrow(/y: expected finite values, found NaN at row 1, column 1/);
    await expect(readMatrix("y", nan, { minRows: 3 })).rejects.toThrow(/y: expected at least 3 rows, got 2/);
    nan.dispose();
    expect(() => toMatrix("y", "abc" as unknown as number[][])).toThrow(InvalidArgumentError);
  });
});

describe("allFinite", () => {
  it("is true for finite values of any size (max, subnormal, −0) and false for NaN or ±Infinity at any position", () => {
    for (const Ctor of [Float64Array, Float32Array]) {
      const finite = Ctor.from([Ctor === Float64Array ? Number.MAX_VALUE : 3.4e38, -0, 5e-324, -1, 0, 1e-30, 7]);
      expect(allFinite(finite)).toBe(true);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        // every position of the 4-way unrolled body and of the tail (length 7 = 4 + 3)
        for (let i = 0; i < finite.length; i++) {
          const a = Ctor.from(finite);
          a[i] = bad;
          expect(allFinite(a)).toBe(false);
        }
      }
    }
    expect(allFinite(new Float64Array(0))).toBe(true);
  });
});

describe("strict options", () => {
  it("accept undefined and known keys, and return the object", () => {
    expect(checkOptions("options", undefined, ["epochs"])).toEqual({});
    const o = { epochs: 3 };
    expect(checkOptions("options", o, ["epochs", "lr"])).toBe(o);
    expect(checkOptions("options", Object.create(null) as object, ["epochs"])).toEqual({});
  });

  it("name an unknown key, suggest the near one and list the accepted ones", () => {
    expect(() => checkOptions("options", { epoch: 50 } as object, ["epochs", "lr"])).toThrow(
      "options.epoch: unknown option (did you mean 'epochs'?); accepted: 'epochs', 'lr'",
    );
    expect(() => checkOptions("options", { zzz: 1 } as object, ["epochs"])).toThrow("options.zzz: unknown option; accepted: 'epochs'");
    try {
      checkOptions("fid options", { rout: "svd" } as object, ["route", "threads"]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).argument).toBe("fid options.rout");
    }
  });

  it("refuse null, arrays, class instances and primitives", () => {
    for (const bad of [null, [1], 3, "x", new Float32Array(2), new Map()]) {
      expect(() => checkOptions("options", bad as never, ["a"])).toThrow(InvalidArgumentError);
    }
  });

  it("check booleans, functions and signals by type", () => {
    expect(checkBoolean("batchNorm", false)).toBe(false);
    expect(() => checkBoolean("batchNorm", "yes")).toThrow('batchNorm: expected true or false, got "yes"');
    const f = () => 1;
    expect(checkFunction("onProgress", f)).toBe(f);
    expect(() => checkFunction("onProgress", 3)).toThrow("onProgress: expected a function, got 3");
    const signal = new AbortController().signal;
    expect(checkSignal("signal", signal)).toBe(signal);
    expect(() => checkSignal("signal", { aborted: "no" })).toThrow("signal: expected an AbortSignal, got object");
  });
});
