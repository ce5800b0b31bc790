/**
 * Issue 16 for @atlas/metrics, found by the slow bad-input harness (seed 2): each case was accepted
 * (or hung, or named another argument) on the code before the fix, as the test says.
 */
import { AtlasError, InvalidArgumentError, ShapeMismatchError } from "@atlas/core";
import { describe, expect, it } from "vitest";
import { checkImages } from "./extractors/extractor.js";
import { fashionMnistExtractor, gemmNT, kid, transpose } from "./index.js";

const argumentOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AtlasError);
    return (e as InvalidArgumentError).argument;
  }
  throw new Error("expected an error");
};

describe("sizes and lengths", () => {
  it("transpose takes exactly m·n values (before: a longer array was read as if it were m×n)", () => {
    expect(Array.from(transpose(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => transpose(new Float64Array(7), 2, 3)).toThrow(ShapeMismatchError);
    expect(argumentOf(() => transpose(new Float64Array(7), 2, 3))).toBe("a");
  });

  it("gemmNT: a stride shorter than the row names the stride and the size (before: only lda/ldc, for a bad k/n)", () => {
    const C = new Float64Array(4);
    expect(() => gemmNT(2, 1e9, 3, new Float64Array(6), 0, 3, new Float64Array(6), 0, 3, C, 0, 2)).toThrow(/ldc \(2\) must be at least n \(1000000000\)/);
    expect(() => gemmNT(2, 2, 1e9, new Float64Array(6), 0, 3, new Float64Array(6), 0, 3, C, 0, 2)).toThrow(/lda \(3\) must be at least k \(1000000000\)/);
    // an array longer than its sub-block needs is valid (offsets and strides address part of it)
    gemmNT(2, 2, 3, new Float64Array([1, 2, 3, 4, 5, 6, 99]), 0, 3, new Float64Array([1, 0, 0, 0, 1, 0, 99]), 0, 3, C, 0, 2);
    expect(Array.from(C)).toEqual([1, 2, 4, 5]);
  });

  it("kid takes at most 1 000 000 subsets (before: 1e9 ran for ever, 2^40 threw a raw RangeError)", () => {
    const rows = Array.from({ length: 6 }, (_, i) => [i, i % 2, 1]);
    expect(argumentOf(() => kid(rows, rows, { subsets: 1e9, subsetSize: 2 }))).toBe("subsets");
    expect(argumentOf(() => kid(rows, rows, { subsets: 2 ** 40, subsetSize: 2 }))).toBe("subsets");
  });

  it("the built-in extractors take at most 1000 epochs (before: 1e9 trained for ever)", async () => {
    await expect(fashionMnistExtractor({ epochs: 1e9, train: false })).rejects.toMatchObject({ argument: "options.epochs" });
  });
});

describe("extractor images", () => {
  it("{ images, shape } with pixels outside [0, 1] (bytes) is refused (before: plausible, wrong features)", () => {
    expect(checkImages("images", { images: new Float32Array(4).fill(0.5), shape: [1, 2, 2, 1] })).toEqual({ n: 1, shape: [1, 2, 2, 1] });
    expect(() => checkImages("images", { images: Float32Array.of(0, 0.5, 255, 1), shape: [1, 2, 2, 1] })).toThrow(/images: expected pixel values in \[0, 1\], found 255 at 2/);
    expect(() => checkImages("images", { images: Float32Array.of(0, -0.1, 1, 1), shape: [1, 2, 2, 1] })).toThrow(InvalidArgumentError);
  });
});
