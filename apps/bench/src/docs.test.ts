/**
 * The package READMEs cite the papers as the papers themselves do, and make no speed claim against
 * a strawman. The titles and authors below are copied from the papers' first lines
 * (shared/papers/agm-atlas-generative-models.txt: "Atlas Generative Models and Geodesic
 * Interpolation", "Jakob Stolberg-Larsen, Stefan Sommer"; gtn-generative-topological-networks.txt:
 * "Generative Topological Networks", "Alona Levy-Jurgenson, Zohar Yakhini").
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = (pkg: string): string => readFileSync(new URL(`../../../packages/${pkg}/README.md`, import.meta.url), "utf8");

describe("paper citations in the package READMEs", () => {
  it("agm credits the AGM paper to its authors", () => {
    const text = readme("agm");
    const intro = text.split("\n").slice(0, 4).join(" ");
    expect(intro).toContain("Stolberg-Larsen & Sommer");
    expect(intro).toContain("*Atlas Generative Models and Geodesic Interpolation*");
    expect(text).not.toMatch(/Kühnel et al\./);
  });

  it("gtn gives the GTN paper its title and authors", () => {
    const text = readme("gtn");
    const intro = text.split("\n").slice(0, 4).join(" ");
    expect(intro).toContain("Levy-Jurgenson & Yakhini, *Generative Topological Networks*");
    expect(text).not.toMatch(/Spontaneous emergence/);
  });

  it("gtn's labelling speed claim is against the authors' code, not the ≈ 420× strawman", () => {
    const text = readme("gtn");
    expect(text).not.toMatch(/≈ 420× `'fast'`/);
    expect(text).toMatch(/authors' own code/);
  });
});
