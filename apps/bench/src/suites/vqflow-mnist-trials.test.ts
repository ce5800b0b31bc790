/**
 * The summary of the VQ-Flows MNIST experiment (shared by `pnpm reproduce vqflow-mnist` and the
 * vqflow suite): mean ± sample std over seeds per epoch, the pairwise comparison and the verdict on
 * the poster's claim, on hand-made trials whose statistics are worked out below by hand
 * (sample std with n − 1; standard error of a difference of means √(s²_a/n_a + s²_b/n_b)).
 */
import { describe, expect, it } from "vitest";
import { mnistSuiteSizes } from "./vqflow-mnist.js";
import { MNIST_SIZES, compareMnist, meanStd, mnistModelOptions, mnistTable, mnistVerdict, summarizeMnist, type MnistTrial, type MnistVariant } from "./vqflow-mnist-trials.js";

/** A trial whose epoch e (0-based) has bits/dim bpd[e] and FID fid[e]. */
function trial(variant: MnistVariant, seed: number, bpd: number[], fid: number[]): MnistTrial {
  return {
    variant,
    seed,
    parameters: 100,
    charts: variant.startsWith("VQ") ? 10 : 1,
    autoencoderSeconds: 0,
    epochs: bpd.map((b, e) => ({ epoch: e + 1, bitsPerDim: b, fid: fid[e]!, trainSeconds: 2, evalSeconds: 1 })),
    stopped: "completed",
  };
}

describe("vqflow-mnist summary", () => {
  it("meanStd is the mean and the sample (n − 1) standard deviation", () => {
    // [10, 12, 14]: mean 12, Σ(x − m)² = 8, 8 / 2 = 4 → 2
    expect(meanStd([10, 12, 14])).toEqual([12, 2]);
    expect(meanStd([5])).toEqual([5, 0]);
    expect(meanStd([]).every(Number.isNaN)).toBe(true);
  });

  // RealNVP FID at the last epoch 10, 12, 14 (12 ± 2); VQ-RealNVP 6, 7, 8 (7 ± 1): difference 5,
  // standard error √(4/3 + 1/3) = √(5/3) = 1.2910 → 3.87 standard errors, VQ better.
  // MAF 20, 20, 20 (20 ± 0); VQ-MAF 19, 21, 20 (20 ± 1): difference 0 → within noise.
  const trials = [
    trial("RealNVP", 0, [3, 2.5], [30, 10]),
    trial("RealNVP", 1, [3, 2.6], [31, 12]),
    trial("RealNVP", 2, [3, 2.7], [32, 14]),
    trial("VQ-RealNVP", 0, [3, 2.4], [35, 6]),
    trial("VQ-RealNVP", 1, [3, 2.5], [36, 7]),
    trial("VQ-RealNVP", 2, [3, 2.6], [37, 8]),
    trial("MAF", 0, [4, 3], [25, 20]),
    trial("MAF", 1, [4, 3], [25, 20]),
    trial("MAF", 2, [4, 3], [25, 20]),
    trial("VQ-MAF", 0, [4, 3.5], [24, 19]),
    trial("VQ-MAF", 1, [4, 3.5], [24, 21]),
    trial("VQ-MAF", 2, [4, 3.5], [24, 20]),
  ];

  it("summarises each variant per epoch over its seeds", () => {
    const s = summarizeMnist(trials, ["RealNVP", "VQ-RealNVP", "MAF", "VQ-MAF"]);
    expect(s.map((x) => x.variant)).toEqual(["RealNVP", "VQ-RealNVP", "MAF", "VQ-MAF"]);
    expect(s[0]!.seeds).toBe(3);
    expect(s[0]!.epochs[1]!.fid).toEqual([12, 2]);
    expect(s[1]!.epochs[0]!.fid).toEqual([36, 1]);
    // bits/dim of RealNVP at epoch 2: 2.5, 2.6, 2.7 → 2.6 ± 0.1
    expect(s[0]!.epochs[1]!.bitsPerDim[0]).toBeCloseTo(2.6, 12);
    expect(s[0]!.epochs[1]!.bitsPerDim[1]).toBeCloseTo(0.1, 12);
    expect(s[0]!.trainSecondsPerEpoch).toBe(2);
    expect(s[0]!.evalSecondsPerEpoch).toBe(1);
    // a seed that stopped after one epoch limits the variant to the epochs every seed reached
    const short = summarizeMnist([...trials.slice(0, 2), trial("RealNVP", 2, [3], [32])], ["RealNVP"]);
    expect(short[0]!.epochs).toHaveLength(1);
    expect(mnistTable(s).split("\n")).toContain("| RealNVP | 2 | 2.600 ± 0.100 | 12.00 ± 2.00 |");
  });

  it("compares each VQ variant with its plain flow at the last epoch, in standard errors", () => {
    const s = summarizeMnist(trials, ["RealNVP", "VQ-RealNVP", "MAF", "VQ-MAF"]);
    const [realnvp, maf] = compareMnist(s, "fid");
    expect(realnvp).toMatchObject({ plain: "RealNVP", vq: "VQ-RealNVP", difference: 5, outcome: "better", lowerAt: 1, epochs: 2 });
    expect(realnvp!.standardError).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(maf).toMatchObject({ plain: "MAF", vq: "VQ-MAF", difference: 0, outcome: "within noise", lowerAt: 1 });
    // bits/dim: VQ-MAF 3.5 ± 0 vs MAF 3 ± 0: worse by 0.5 with a zero standard error
    expect(compareMnist(s, "bitsPerDim")[1]).toMatchObject({ outcome: "worse", difference: -0.5 });
    const { verdict, sentences } = mnistVerdict(s);
    expect(verdict).toBe("mixed: VQ-RealNVP lower, VQ-MAF within noise");
    expect(sentences[0]).toBe("FID: VQ-RealNVP vs RealNVP after 2 epoch(s): lower by 5.00 (3.87 standard errors); the VQ mean is lower at 1 of 2 epochs.");
    // MAF pair: difference 0, standard error √(0/3 + 1/3) = 0.577
    expect(sentences[1]).toBe("FID: VQ-MAF vs MAF after 2 epoch(s): lower by 0.00 (0.00 standard errors: within noise, < 2); the VQ mean is lower at 1 of 2 epochs.");
    expect(sentences[3]).toBe("bits/dim: VQ-MAF vs MAF after 2 epoch(s): higher by 0.5000 (standard error 0); the VQ mean is lower at 0 of 2 epochs.");
    expect(sentences).toHaveLength(4);
  });

  it("says the claim holds, fails or is untested from the numbers alone", () => {
    const better = summarizeMnist(trials.slice(0, 6), ["RealNVP", "VQ-RealNVP"]);
    expect(mnistVerdict(better).verdict).toBe("holds: lower FID with charts for VQ-RealNVP (≥ 2 standard errors)");
    const swapped = summarizeMnist(
      trials.slice(0, 6).map((t) => ({ ...t, variant: (t.variant === "RealNVP" ? "VQ-RealNVP" : "RealNVP") as MnistVariant })),
      ["RealNVP", "VQ-RealNVP"],
    );
    expect(mnistVerdict(swapped).verdict).toBe("does not hold: higher FID with charts for VQ-RealNVP (≥ 2 standard errors)");
    expect(mnistVerdict(summarizeMnist(trials.slice(0, 3), ["RealNVP"])).verdict).toMatch(/^not tested/);
  });
});

describe("vqflow-mnist sizes and models", () => {
  it("the suite's defaults are the experiment's cpu scale, --full its paper scale, and each size can be set", () => {
    expect(mnistSuiteSizes({}, false)).toEqual(MNIST_SIZES.cpu);
    expect(mnistSuiteSizes({ full: "true" }, false)).toEqual(MNIST_SIZES.paper);
    expect(mnistSuiteSizes({}, true)).toEqual(MNIST_SIZES.quick);
    expect(MNIST_SIZES.cpu).toMatchObject({ train: 10_000, test: 1_000, epochs: 5, fidSamples: 1_000, seeds: 3 });
    expect(MNIST_SIZES.paper).toMatchObject({ train: 60_000, test: 10_000, epochs: 30, fidSamples: 10_000, seeds: 3 });
    expect(mnistSuiteSizes({ "mnist-epochs": "2", "mnist-variants": "MAF,VQ-MAF" }, false)).toMatchObject({ epochs: 2, variants: ["MAF", "VQ-MAF"], train: 10_000 });
    expect(() => mnistSuiteSizes({ "mnist-variants": "Glow" }, false)).toThrow(/unknown variant 'Glow'/);
    expect(() => mnistSuiteSizes({ "mnist-seeds": "0" }, false)).toThrow(/--mnist-seeds expects a positive integer/);
  });

  it("plain flows are one-chart models of the mnist preset; the quick size shrinks the flow", () => {
    expect(mnistModelOptions(MNIST_SIZES.cpu, "MAF", 2)).toEqual({ preset: "mnist", flow: "maf", seed: 2, codebookSize: 1 });
    expect(mnistModelOptions(MNIST_SIZES.cpu, "VQ-RealNVP", 0)).toEqual({ preset: "mnist", flow: "realnvp", seed: 0 });
    expect(mnistModelOptions(MNIST_SIZES.quick, "VQ-MAF", 1)).toMatchObject({ preset: "mnist", flow: "maf", layers: 1, hidden: [32] });
  });
});
