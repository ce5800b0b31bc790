// Node-only: a folder of PNG images as a dataset.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { CorruptFileError, FileNotFoundError, createDataset, type Dataset } from "@atlas/core";

/** Most images read from one folder (about 3 GB of float32 pixels at 64×64×3). */
export const MAX_FOLDER_IMAGES = 200_000;

/**
 * Read every `*.png` in `dir` (sorted by name) as one dataset: all images must have the same size;
 * they are grayscale (c = 1) when every pixel of every image has R = G = B, else RGB (c = 3);
 * alpha is dropped. Labels: the index of the image's class when `dir` holds one sub-folder of PNGs
 * per class, else 0 (class "images").
 */
export async function readPngFolder(dir: string, limit = MAX_FOLDER_IMAGES): Promise<Dataset> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new FileNotFoundError(dir, "cannot be read as a folder of PNG images", { cause: error });
  }
  const isPng = (name: string): boolean => name.toLowerCase().endsWith(".png");
  let files: { path: string; label: number }[] = entries.filter((e) => e.isFile() && isPng(e.name)).map((e) => ({ path: join(dir, e.name), label: 0 }));
  let classes = ["images"];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length === 0) {
    const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    classes = [];
    for (const sub of subdirs) {
      const names = (await fs.readdir(join(dir, sub))).filter(isPng).sort();
      if (names.length === 0) continue;
      const label = classes.length;
      classes.push(sub);
      files.push(...names.map((name) => ({ path: join(dir, sub, name), label })));
    }
  }
  if (files.length === 0) throw new FileNotFoundError(dir, "holds no .png files (nor class sub-folders of them)");
  files = files.slice(0, Math.min(limit, MAX_FOLDER_IMAGES));
  let h = 0;
  let w = 0;
  const decoded: { data: Uint8Array; label: number }[] = [];
  let gray = true;
  for (const f of files) {
    let png: PNG;
    try {
      png = PNG.sync.read(await fs.readFile(f.path));
    } catch (error) {
      throw new CorruptFileError(f.path, `is not a readable PNG (${(error as Error).message})`, { cause: error });
    }
    if (decoded.length === 0) {
      h = png.height;
      w = png.width;
    } else if (png.height !== h || png.width !== w) {
      throw new CorruptFileError(f.path, `is ${png.width}×${png.height}, but ${files[0]!.path} is ${w}×${h}; every image of a folder must have the same size`);
    }
    const d = png.data;
    if (gray) for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) { gray = false; break; }
    decoded.push({ data: d, label: f.label });
  }
  const c = gray ? 1 : 3;
  const n = decoded.length;
  const images = new Float32Array(n * h * w * c);
  let o = 0;
  for (const { data } of decoded) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) images[o++] = (data[p * 4 + ch] as number) / 255;
    }
  }
  return createDataset({ name: `folder:${dir}`, images, shape: [n, h, w, c], labels: Int32Array.from(decoded, (x) => x.label), classes });
}
