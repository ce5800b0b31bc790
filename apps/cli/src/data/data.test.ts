import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { encodeImageGrid } from "@atlas/core";
import { parseCsv, formatCsv } from "./csv.js";
import { loadData } from "./index.js";
import { encodeNpy, parseNpy } from "./npy.js";
import { readPngFolder } from "./png-dir.js";

// Fixtures written by NumPy (fixtures/make-fixtures.py), so the parser is checked against the
// reference implementation of the format, not against our own writer.
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const npy = async (name: string): Promise<Uint8Array> => new Uint8Array(await readFile(join(fixtures, name)));

describe(".npy files", () => {
  it("reads NumPy's float32, float64, int64 and uint8 arrays with their shapes", async () => {
    const f4 = parseNpy(await npy("vectors-f4.npy"), "f4");
    expect(f4.shape).toEqual([2, 3]);
    // float32 values as NumPy stored them: 1e-3 is rounded to the nearest float32
    expect(Array.from(f4.data)).toEqual([1.5, -2, 3.25, 0, Math.fround(1e-3), -7.5]);
    const f8 = parseNpy(await npy("vectors-f8.npy"), "f8");
    expect(f8.shape).toEqual([3, 2]);
    expect(Array.from(f8.data)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(Array.from(parseNpy(await npy("ints-i8.npy"), "i8").data)).toEqual([1, -2, 3, 4]);
    const u1 = parseNpy(await npy("images-u1.npy"), "u1");
    expect(u1.shape).toEqual([2, 4, 4]);
    expect(u1.data[5]).toBe(35); // np.arange(32, dtype=uint8) * 7 → element 5 = 35
    expect(u1.data[31]).toBe((31 * 7) % 256); // uint8 wraps: 217
  });

  it("rejects Fortran order, big-endian floats, truncation and non-npy bytes with the file named", async () => {
    expect(() => parseNpy(new TextEncoder().encode("a,b\n1,2\n"), "a.npy")).toThrow(/a\.npy: is not a \.npy file/);
    await expect((async () => parseNpy(await npy("fortran.npy"), "fortran.npy"))()).rejects.toThrow(/fortran\.npy: is stored in Fortran order/);
    await expect((async () => parseNpy(await npy("big-endian.npy"), "be.npy"))()).rejects.toThrow(/be\.npy: holds big-endian values \(>f4\)/);
    const whole = await npy("vectors-f4.npy");
    expect(() => parseNpy(whole.subarray(0, whole.length - 4), "cut.npy")).toThrow(/cut\.npy: holds 20 data bytes, expected 6 × 4 = 24/);
  });

  it("writes exactly the bytes numpy.save writes for the same float32 array", async () => {
    const ours = encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(Buffer.from(ours).equals(Buffer.from(await npy("encode-reference.npy")))).toBe(true);
  });
});

describe("CSV of vectors", () => {
  it("reads a header, commas/semicolons/tabs/spaces, comments and blank lines", () => {
    const m = parseCsv("x,y,z\n# note\n1,2,3\n\n4;5;6\n7\t8\t9\n1e-2 -0.5 +3\n", "a.csv");
    expect(m.header).toEqual(["x", "y", "z"]);
    expect([m.n, m.dim]).toEqual([4, 3]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0.01, -0.5, 3]);
  });

  it("names the line of a ragged row or a bad number", () => {
    expect(() => parseCsv("1,2\n3,4,5\n", "r.csv")).toThrow(/r\.csv: line 2 has 3 fields, expected 2/);
    expect(() => parseCsv("1,2\n3,abc\n", "b.csv")).toThrow(/b\.csv: line 2, field 2: expected a finite number, got "abc"/);
    expect(() => parseCsv("a,b\n", "e.csv")).toThrow(/e\.csv: holds no rows/);
  });

  it("formats rows that parse back to the same float32 values", () => {
    const v = Float32Array.from([0.1, -2.5, 3e-7, 12345.678]);
    const back = parseCsv(formatCsv(v, 2, 2), "rt.csv");
    expect(Float32Array.from(back.data)).toEqual(v);
  });
});

describe("loadData", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const tmp = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), "atlas-data-"));
    dirs.push(d);
    return d;
  };

  it("turns (n, h, w) uint8 .npy into images in [0, 1] and (n, d) into vectors; --limit keeps the first rows", async () => {
    const img = await loadData(join(fixtures, "images-u1.npy"));
    expect(img.kind).toBe("images");
    expect(img.shape).toEqual([4, 4, 1]);
    if (img.kind !== "images") throw new Error("unreachable");
    expect(img.dataset.images[5]).toBeCloseTo(35 / 255, 7);
    const vec = await loadData(join(fixtures, "vectors-f8.npy"), { limit: 2 });
    expect(vec.kind).toBe("vectors");
    if (vec.kind !== "vectors") throw new Error("unreachable");
    expect([vec.n, vec.dim]).toEqual([2, 2]);
    expect(Array.from(vec.data)).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3, 0.4])));
    await expect(loadData(join(fixtures, "scalar-shape.npy"))).rejects.toThrow(/--data: .*holds an array of shape \(5\)/);
  });

  it("reads a folder of PNGs (gray stays 1 channel, colour 3), class sub-folders as labels", async () => {
    const d = await tmp();
    const gray = (v: number): Uint8Array => encodeImageGrid({ data: new Float32Array(6).fill(v), shape: [1, 2, 3, 1] }, { columns: 1, padding: 0 });
    await mkdir(join(d, "gray"));
    await writeFile(join(d, "gray", "b.png"), gray(1));
    await writeFile(join(d, "gray", "a.png"), gray(0.2));
    const g = await readPngFolder(join(d, "gray"));
    expect(g.shape).toEqual([2, 2, 3, 1]);
    expect(g.images[0]).toBeCloseTo(Math.round(0.2 * 255) / 255, 6); // a.png first (sorted by name)
    await mkdir(join(d, "classes", "cat"), { recursive: true });
    await mkdir(join(d, "classes", "dog"), { recursive: true });
    const rgb = encodeImageGrid({ data: Float32Array.from({ length: 18 }, (_, i) => (i % 3) / 2), shape: [1, 2, 3, 3] }, { columns: 1, padding: 0 });
    await writeFile(join(d, "classes", "cat", "1.png"), rgb);
    await writeFile(join(d, "classes", "dog", "1.png"), rgb);
    const c = await readPngFolder(join(d, "classes"));
    expect(c.shape).toEqual([2, 2, 3, 3]);
    expect(c.classes).toEqual(["cat", "dog"]);
    expect(Array.from(c.labels)).toEqual([0, 1]);
    expect(c.images[1]).toBeCloseTo(Math.round(0.5 * 255) / 255, 6);
    await writeFile(join(d, "gray", "c.png"), encodeImageGrid({ data: new Float32Array(4), shape: [1, 2, 2, 1] }, { columns: 1, padding: 0 }));
    await expect(readPngFolder(join(d, "gray"))).rejects.toThrow(/c\.png: is 2×2, but .*a\.png is 3×2/);
  });

  it("says what --data accepts when the path does not exist; a CSV of vectors loads", async () => {
    await expect(loadData("/no/such/file.csv")).rejects.toThrow(/\/no\/such\/file\.csv: \(--data\) does not exist; expected mnist \| fashion-mnist/);
    const d = await tmp();
    await writeFile(join(d, "v.csv"), "a,b\n1,2\n3,4\n5,6\n");
    const v = await loadData(join(d, "v.csv"));
    expect(v.kind === "vectors" && [v.n, v.dim, ...v.data]).toEqual([3, 2, 1, 2, 3, 4, 5, 6]);
  });
});
