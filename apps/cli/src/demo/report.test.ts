import { describe, expect, it } from "vitest";
import { lengthNote } from "./report.js";

describe("the demo report's note on geodesic vs linear lengths", () => {
  it("counts, per model, the connected pairs whose geodesic is shorter than the linear interpolation", () => {
    const note = lengthNote({
      "awae-gan": { pairs: [{ length: 1, linearLength: 2 }, { length: 3, linearLength: 2 }, { length: null, linearLength: 5 }, { length: 0.5, linearLength: 0.6 }] },
      "wae-gan": { pairs: [{ length: 4, linearLength: 2 }, { length: 2, linearLength: 2 }] },
    });
    expect(note).toContain("AWAE-GAN (4 charts): shorter for 2 of 3");
    expect(note).toContain("WAE-GAN (1 chart): shorter for 0 of 2");
    expect(note).toMatch(/stays on the data/);
  });
});
