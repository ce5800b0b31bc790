import { checkInteger, checkNumber, toRng, type RngLike, checkOptions, checkAllocation } from "@atlas/core";

/** What {@link ringImages} returns: `{ images, shape }` as core's image data sets, plus the angles. */
export interface RingImages {
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
  /** The angle θ of each image's blob. */
  readonly angle: Float32Array;
}

/**
 * A small image set whose image manifold is a circle (a topology one chart cannot cover without a
 * cut): `n` images of `size × size` pixels, each a Gaussian blob of width `blob` centred on a ring of
 * radius `0.3·size` around the image centre at a uniformly random angle θ. Values in [0, 1].
 *
 * @example
 * const ring = ringImages(500, { size: 8, seed: 1 }); // ring.shape = [500, 8, 8, 1]
 */
export function ringImages(n: number, options: { size?: number; blob?: number; seed?: RngLike } = {}): RingImages {
  checkInteger("n", n, { min: 1 });
  checkOptions("options", options, ["size", "blob", "seed"]);
  const size = checkInteger("options.size", options.size ?? 8, { min: 4, max: 256 });
  checkAllocation("n", n * size * size, 4);
  const blob = checkNumber("options.blob", options.blob ?? size / 8, { above: 0 });
  const rng = toRng(options.seed ?? 0, "options.seed");
  const images = new Float32Array(n * size * size);
  const angle = new Float32Array(n);
  const c = (size - 1) / 2;
  const r = 0.3 * size;
  for (let i = 0; i < n; i++) {
    const t = rng.uniform(0, 2 * Math.PI);
    angle[i] = t;
    const cx = c + r * Math.cos(t);
    const cy = c + r * Math.sin(t);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        images[(i * size + y) * size + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * blob * blob));
      }
    }
  }
  return { images, shape: [n, size, size, 1], angle };
}
