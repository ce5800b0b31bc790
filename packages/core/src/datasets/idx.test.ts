import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptFileError, FileNotFoundError, InvalidArgumentError } from "../errors.js";
import { parseIdx, readIdxFile } from "./idx.js";
import { loadIdxDataset } from "./mnist.js";

/** Build an IDX file by hand: magic 00 00 <code> <rank>, big-endian uint32 dims, then `payload`. */
function idx(code: number, dims: number[], payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = code;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

function expectCorrupt(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CorruptFileError);
  expect((error as CorruptFileError).code).toBe("CORRUPT_FILE");
  expect((error as Error).message).toMatch(pattern);
}

describe("parseIdx", () => {
  it("parses uint8 images [n, h, w] as a view of the bytes", () => {
    const payload = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    const parsed = parseIdx(idx(0x08, [2, 3, 4], payload), "x.idx");
    expect(parsed.type).toBe("uint8");
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(Array.from(parsed.data)).toEqual(Array.from(payload));
  });

  it("decodes big-endian int16, int32, float32 and float64", () => {
    const be = Buffer.alloc(8);
    be.writeInt16BE(-2, 0);
    be.writeInt16BE(300, 2);
    expect(Array.from(parseIdx(idx(0x0b, [2], be.subarray(0, 4))).data)).toEqual([-2, 300]);
    be.writeInt32BE(-70000, 0);
    be.writeInt32BE(123456789, 4);
    expect(Array.from(parseIdx(idx(0x0c, [2], be)).data)).toEqual([-70000, 123456789]);
    be.writeFloatBE(1.5, 0);
    be.writeFloatBE(-0.25, 4);
    expect(Array.from(parseIdx(idx(0x0d, [1, 2], be)).data)).toEqual([1.5, -0.25]);
    be.writeDoubleBE(Math.PI, 0);
    expect(Array.from(parseIdx(idx(0x0e, [1], be)).data)).toEqual([Math.PI]);
    expect(Array.from(parseIdx(idx(0x09, [2], Uint8Array.from([0xff, 0x7f]))).data)).toEqual([-1, 127]);
  });

  it("rejects a bad magic number", () => {
    const good = idx(0x08, [2], Uint8Array.from([1, 2]));
    const bad = Buffer.from(good);
    bad[0] = 0x1f;
    expectCorrupt(() => parseIdx(bad, "bad-magic"), /bad-magic.*not an IDX file.*0x1f/);
    const badType = Buffer.from(good);
    badType[2] = 0x07;
    expectCorrupt(() => parseIdx(badType, "bad-type"), /unknown IDX type code 0x07/);
    expectCorrupt(() => parseIdx(good, "f", { type: "int32" }), /element type uint8.*expected int32/);
  });

  it("rejects a wrong rank, a rank of 0 and unexpected dimensions", () => {
    const labels = idx(0x08, [3], Uint8Array.from([1, 2, 3]));
    expectCorrupt(() => parseIdx(labels, "labels", { rank: 3 }), /labels: has 1 dimension .*expected 3/);
    expectCorrupt(() => parseIdx(idx(0x08, [], new Uint8Array(0)), "r0"), /rank of 0/);
    expectCorrupt(() => parseIdx(idx(0x08, [1, 2, 2], new Uint8Array(4)), "img", { dims: [undefined, 28, 28] }), /dimensions \[1, 2, 2\].*dimension 1 to be 28/);
  });

  it("rejects truncated files and dimensions that do not match the length", () => {
    const full = idx(0x08, [2, 2, 2], new Uint8Array(8));
    expectCorrupt(() => parseIdx(full.subarray(0, 3), "t"), /truncated: 3 bytes/);
    expectCorrupt(() => parseIdx(full.subarray(0, 10), "t"), /truncated: 10 bytes.*16-byte header/);
    expectCorrupt(() => parseIdx(full.subarray(0, full.length - 1), "t"), /truncated: .*need 8 bytes.*found 7/);
    expectCorrupt(() => parseIdx(Buffer.concat([full, Buffer.from([0, 0])]), "long"), /does not match its dimensions.*found 10 \(2 extra\)/);
    // int32 needs 4 bytes per element
    expectCorrupt(() => parseIdx(idx(0x0c, [2], new Uint8Array(6)), "i32"), /need 8 bytes.*found 6/);
  });

  it("rejects something that is not bytes", () => {
    expect(() => parseIdx([0, 0, 8, 1] as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe("readIdxFile and loadIdxDataset", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "atlas-idx-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads gzipped and plain files alike", async () => {
    const file = idx(0x08, [3], Uint8Array.from([4, 5, 6]));
    await writeFile(join(dir, "a.idx"), file);
    await writeFile(join(dir, "a.idx.gz"), gzipSync(file));
    expect(Array.from((await readIdxFile(join(dir, "a.idx"))).data)).toEqual([4, 5, 6]);
    expect(Array.from((await readIdxFile(join(dir, "a.idx.gz"))).data)).toEqual([4, 5, 6]);
    const brokenGz = gzipSync(file).subarray(0, 12);
    await writeFile(join(dir, "broken.gz"), brokenGz);
    await expect(readIdxFile(join(dir, "broken.gz"))).rejects.toThrow(CorruptFileError);
  });

  it("names a missing file", async () => {
    await expect(readIdxFile(join(dir, "nope.idx"))).rejects.toThrow(FileNotFoundError);
    await expect(readIdxFile(join(dir, "nope.idx"))).rejects.toThrow(/nope\.idx: IDX file does not exist/);
  });

  it("converts images to [0,1] NHWC and checks labels", async () => {
    const pixels = Uint8Array.from([0, 255, 51, 102, 0, 0, 0, 0]);
    await writeFile(join(dir, "img"), idx(0x08, [2, 2, 2], pixels));
    await writeFile(join(dir, "lab"), idx(0x08, [2], Uint8Array.from([3, 9])));
    const ds = await loadIdxDataset(join(dir, "img"), join(dir, "lab"), { name: "tiny" });
    expect(ds.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(ds.images)).toEqual([0, 1, 0.2, 0.4, 0, 0, 0, 0].map((v) => Math.fround(v)));
    expect(Array.from(ds.labels)).toEqual([3, 9]);
    expect(ds.name).toBe("tiny");
  });

  it("takes the files' bytes instead of paths (a browser's fetch), gzipped or not, with the same result", async () => {
    const images = idx(0x08, [2, 2, 2], Uint8Array.from([0, 255, 51, 102, 0, 0, 0, 0]));
    const labels = idx(0x08, [2], Uint8Array.from([3, 9]));
    const fromPaths = await loadIdxDataset(join(dir, "img"), join(dir, "lab"));
    const ab = new Uint8Array(labels).buffer; // an ArrayBuffer, as fetch().arrayBuffer() gives
    const fromBytes = await loadIdxDataset(new Uint8Array(gzipSync(images)), ab);
    expect(Array.from(fromBytes.images)).toEqual(Array.from(fromPaths.images));
    expect(Array.from(fromBytes.labels)).toEqual([3, 9]);
    await expect(loadIdxDataset(images, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]))).rejects.toThrow(/<labels bytes>: holds 3 labels but <images bytes> holds 2 images/);
    await expect(loadIdxDataset(images, 42 as unknown as Uint8Array)).rejects.toThrow(/labels: expected a file path, a Uint8Array or an ArrayBuffer/);
  });

  it("rejects mismatched image/label counts, bad labels, wrong ranks and wrong counts", async () => {
    await writeFile(join(dir, "img3"), idx(0x08, [3, 1, 1], new Uint8Array(3)));
    await writeFile(join(dir, "lab2"), idx(0x08, [2], new Uint8Array(2)));
    await writeFile(join(dir, "lab3bad"), idx(0x08, [3], Uint8Array.from([0, 10, 1])));
    await writeFile(join(dir, "lab3"), idx(0x08, [3], Uint8Array.from([0, 1, 2])));
    await writeFile(join(dir, "img1d"), idx(0x08, [3], new Uint8Array(3)));
    await writeFile(join(dir, "lab2d"), idx(0x08, [3, 1], new Uint8Array(3)));
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab2"))).rejects.toThrow(/lab2: holds 2 labels but .*img3 holds 3 images/);
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab3bad"))).rejects.toThrow(/label 10 at index 1/);
    await expect(loadIdxDataset(join(dir, "img1d"), join(dir, "lab3"))).rejects.toThrow(/has 1 dimensions \[3\], expected 3/);
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab2d"))).rejects.toThrow(/has 2 dimensions.*expected 1/);
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab3"), { count: 60000 })).rejects.toThrow(/holds 3 images, expected 60000/);
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab3"), { imageDims: [28, 28] })).rejects.toThrow(/img3: has dimensions \[3, 1, 1\], expected \[n, 28, 28\] \(options.imageDims\)/);
    await expect(loadIdxDataset(join(dir, "img3"), join(dir, "lab3"))).resolves.toMatchObject({ shape: [3, 1, 1, 1] });
  });
});
