/**
 * The test page: imports every Atlas package through its default (browser) entry, the WebGPU and
 * wasm backends as an app would, and exposes what the Node side drives (`window.__atlas`).
 * The entry files (entry-esbuild.ts, entry-vite.ts) set the wasm paths first, each the way its
 * bundler makes asset URLs.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import "@tensorflow/tfjs-backend-wasm";
import * as agm from "@atlas/agm";
import * as core from "@atlas/core";
import * as geodesic from "@atlas/geodesic";
import * as gtn from "@atlas/gtn";
import * as metrics from "@atlas/metrics";
import * as vqflow from "@atlas/vqflow";
import { runScenarios } from "./scenarios.js";

/** A PNG decoded by the browser itself (createImageBitmap → OffscreenCanvas), as RGBA bytes. */
async function decodePng(png: Uint8Array): Promise<{ width: number; height: number; rgba: number[] }> {
  const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d context");
  ctx.drawImage(bitmap, 0, 0);
  return { width: bitmap.width, height: bitmap.height, rgba: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
}

const api = {
  /** The exports each package's browser entry gives (proves every package loaded). */
  exports: () => ({
    core: Object.keys(core).length,
    gtn: Object.keys(gtn).length,
    agm: Object.keys(agm).length,
    geodesic: Object.keys(geodesic).length,
    metrics: Object.keys(metrics).length,
    vqflow: Object.keys(vqflow).length,
    platform: core.platformName(),
  }),
  /** initBackend() as a user calls it, plus what the page offers. */
  async autoBackend() {
    const info = await core.initBackend();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.matMul(x, x);
    const product = Array.from(await y.data());
    tf.dispose([x, y]);
    return { ...info, product, hasNavigatorGpu: "gpu" in navigator, crossOriginIsolated: globalThis.crossOriginIsolated === true };
  },
  /** A forced backend (or the error it gives). */
  async forceBackend(name: string) {
    try {
      return { ok: true, ...(await core.initBackend({ backend: name })) };
    } catch (error) {
      return { ok: false, code: (error as core.AtlasError).code, message: (error as Error).message };
    }
  },
  /** Every scenario on the wasm backend (compared with Node's run). */
  async scenarios() {
    await core.initBackend({ backend: "wasm" });
    return runScenarios("memory://scenario-gtn");
  },
  /** What a browser cannot do says what to do instead; what it can (memory://, PNG) works. */
  async platform() {
    const errors: Record<string, string> = {};
    const capture = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
        errors[name] = "no error";
      } catch (error) {
        errors[name] = `${(error as core.AtlasError).code}: ${(error as Error).message}`;
      }
    };
    await capture("loadMnist", () => core.loadMnist("test"));
    await capture("saveModel", () => core.saveModel("out/model", tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })));
    await capture("hnsw", () => geodesic.chartKnn(new Float32Array(8), 4, 2, 1, { method: "hnsw" }));
    const images = { data: Float32Array.from([0, 0.2, 0.4, 1, 1, 0.6]), shape: [2, 1, 3, 1] };
    const png = core.encodeImageGrid(images, { padding: 1, background: 0 });
    const decoded = await decodePng(png);
    await core.saveImageGrid("memory://grid.png", images, { padding: 1, background: 0 });
    const stored = await core.readFileBytes("memory://grid.png");
    return { errors, png: decoded, pngBytesEqual: stored.length === png.length && stored.every((b, i) => b === png[i]), defaultCacheDir: metrics.defaultCacheDir() };
  },
};

/** The small seeded model the storage checks save and load (same weights in Node and here). */
function smallModel(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.randomNormal({ seed: 3 }), biasInitializer: "ones" })] });
}

async function predict(model: tf.LayersModel): Promise<number[]> {
  const x = tf.tensor2d([[0.5, -1, 2, 0.25]]);
  const y = model.predict(x) as tf.Tensor;
  const out = Array.from(await y.data());
  tf.dispose([x, y]);
  return out;
}

const knn = {
  /** HNSW in WebAssembly (hnswlib-wasm) through geodesic's setHnswLoader, against the exact search. */
  async hnswWasm() {
    geodesic.setHnswLoader(geodesic.hnswlibWasmLoader(async () => (await import("hnswlib-wasm")).loadHnswlib()), "hnswlib-wasm");
    const rng = new core.Rng(11);
    const n = 3000;
    const d = 8;
    const k = 10;
    const points = Float32Array.from({ length: n * d }, () => rng.normal());
    const t0 = performance.now();
    const h = await geodesic.chartKnn(points, n, d, k, { method: "hnsw" });
    const t1 = performance.now();
    const exact = geodesic.exactKnn(points, n, d, k);
    const t2 = performance.now();
    let self = 0;
    for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) if (h.neighbors[i * k + r] === i) self++;
    return { method: h.method, recall: geodesic.knnRecall(h.neighbors, exact, n, k), self, hnswMs: t1 - t0, exactMs: t2 - t1 };
  },
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** fill(ptr, n, v): writes v + i at i32 index i of [ptr, ptr + 4n) (as core's wasm-threads test). */
function fillModule(): WebAssembly.Module {
  const { uleb, sleb, section, wasmName, WASM_HEADER, WASM_POOL_MAX_PAGES } = core;
  const get = (i: number): number[] => [0x20, ...uleb(i)];
  const set = (i: number): number[] => [0x21, ...uleb(i)];
  const i32 = (v: number): number[] => [0x41, ...sleb(v)];
  const code = [0x02, 0x40, 0x03, 0x40, ...get(3), ...get(1), 0x4e, 0x0d, 0x01, ...get(0), ...get(3), ...i32(4), 0x6c, 0x6a, ...get(2), ...get(3), 0x6a, 0x36, 0x02, 0x00, ...get(3), ...i32(1), 0x6a, ...set(3), 0x0c, 0x00, 0x0b, 0x0b, 0x0b];
  const body = [0x01, 0x01, 0x7f, ...code];
  return new WebAssembly.Module(
    Uint8Array.from([
      ...WASM_HEADER,
      ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]),
      ...section(2, [0x01, ...wasmName("env"), ...wasmName("memory"), 0x02, 0x03, ...uleb(1), ...uleb(WASM_POOL_MAX_PAGES)]),
      ...section(3, [0x01, 0x00]),
      ...section(7, [0x01, ...wasmName("fill"), 0x00, 0x00]),
      ...section(10, [0x01, ...uleb(body.length), ...body]),
    ]),
  );
}

const threads = {
  /**
   * Threads in a cross-origin-isolated page (Web Workers over shared WebAssembly memory): GTN's
   * int16 labelling kernel (core's wasmThreadPool) and metrics' float64 kernels, against one thread.
   */
  async threads() {
    const ms: Record<string, number> = {};
    let t = performance.now();
    const lap = (name: string): void => {
      const now = performance.now();
      ms[name] = Math.round(now - t);
      t = now;
    };
    const rng = new core.Rng(12);
    const n = 1500;
    const d = 16;
    const x = { data: Float64Array.from({ length: n * d }, () => rng.normal()), dim: d };
    const y = { data: Float64Array.from({ length: n * d }, () => rng.normal()), dim: d };
    const options = { strategy: "blocks", gemm: "int16" } as const;
    const one = await gtn.gtnLabels(x, y, { ...options, threads: 1 });
    lap("labels1");
    await gtn.gtnLabels(x, y, { ...options, threads: 2 }); // starts the workers (they join later jobs)
    lap("labels2a");
    const fa = { data: Float64Array.from({ length: 800 * 64 }, () => rng.normal()), dim: 64 };
    const fb = { data: Float64Array.from({ length: 800 * 64 }, () => rng.normal() * 1.1), dim: 64 };
    metrics.fid(fa, fb, { threads: 2 });
    lap("fid2a");
    await sleep(500); // a page's workers start once its main thread is idle
    const two = await gtn.gtnLabels(x, y, { ...options, threads: 2 });
    lap("labels2b");
    // core's pool: jobs of slow parts until the Web Worker has taken some (it starts while the page is idle)
    const pool = core.wasmThreadPool(2);
    let workerParts = 0;
    let fillCorrect = true;
    if (pool) {
      const h = pool.load(fillModule(), "fill");
      const parts = 16;
      const per = 50_000;
      pool.reserve(parts * per * 4);
      const start = performance.now();
      for (let job = 0; job < 5 || (workerParts === 0 && performance.now() - start < 15_000); job++) {
        pool.run(h, Array.from({ length: parts }, (_, q) => [q * per * 4, per, job * 1000 + q * per]));
        const view = new Int32Array(pool.memory.buffer, 0, parts * per);
        for (let i = 0; i < view.length; i += 997) if (view[i] !== job * 1000 + i) fillCorrect = false;
        workerParts += pool.workerParts;
        await sleep(20);
      }
    }
    lap("fill");
    const fidOne = metrics.fid(fa, fb, { threads: 1 }).fid;
    const fidTwo = metrics.fid(fa, fb, { threads: 2 }).fid;
    lap("fid12");
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      poolThreads: pool?.threads ?? 1,
      workerParts,
      fillCorrect,
      labelsEqual: one.length === n && one.every((v, i) => v === two[i]),
      fidOne,
      fidTwo,
      ms,
    };
  },
};

const storage = {
  /** Save a model and a state to IndexedDB (checked after a reload by {@link storage.reload}). */
  async persist() {
    await core.initBackend({ backend: "wasm" });
    const model = smallModel();
    await core.saveModel("indexeddb://persist/ae", model);
    await core.saveState("indexeddb://persist/state", { tensors: { w: model.getWeights()[0] as tf.Tensor }, json: { saved: "before reload" } });
    const out = await predict(model);
    model.dispose();
    return out;
  },
  /** After a reload: what IndexedDB kept, a bundle of it unpacked into memory://, and a bundle made in Node. */
  async reload(nodeBundle: number[]) {
    await core.initBackend({ backend: "wasm" });
    const kept = await core.loadModel("indexeddb://persist/ae");
    const state = await core.loadState("indexeddb://persist/state");
    const bytes = await core.packDirectory("indexeddb://persist");
    await core.unpackDirectory(bytes, "memory://copy");
    const copy = await core.loadModel("memory://copy/ae");
    await core.unpackDirectory(Uint8Array.from(nodeBundle), "indexeddb://from-node");
    const fromNode = await core.loadModel("indexeddb://from-node/ae");
    const result = {
      kept: await predict(kept),
      stateJson: state.json,
      stateShape: (state.tensors.w as tf.Tensor).shape,
      copy: await predict(copy),
      fromNode: await predict(fromNode),
      bundleBytes: bytes.length,
    };
    tf.dispose(Object.values(state.tensors));
    for (const m of [kept, copy, fromNode]) m.dispose();
    return result;
  },
  /** tfjs IO handlers: download a model (two files), and load one from Files a user picked. */
  async download() {
    const model = smallModel();
    const [downloads] = tf.io.getSaveHandlers("downloads://atlas-ae"); // tfjs's download handler
    if (!downloads) throw new Error("tfjs has no downloads:// handler here");
    await core.saveModel(downloads, model);
    const out = await predict(model);
    model.dispose();
    return out;
  },
  async upload(json: string, weights: number[]) {
    const files = [new File([json], "atlas-ae.json", { type: "application/json" }), new File([Uint8Array.from(weights)], "atlas-ae.weights.bin")];
    const model = await core.loadModel(tf.io.browserFiles(files));
    const out = await predict(model);
    model.dispose();
    return out;
  },
};

(globalThis as { __atlas?: typeof api & typeof storage & typeof knn & typeof threads }).__atlas = { ...api, ...storage, ...knn, ...threads };
(globalThis as { __atlasReady?: boolean }).__atlasReady = true;
