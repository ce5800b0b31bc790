import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { BACKEND_NAMES, BACKEND_ORDER, backendMemory, initBackend, type PackageLoader } from "./backend.js";
import { AtlasError, InvalidArgumentError } from "./errors.js";
import { atlasKernelsRegistered } from "./kernels/registry.js";

/** A loader that records what was asked, serves `fakes` by name and fails for the packages in `failing`. */
function recordingLoader(failing: string[], fakes: Record<string, () => unknown> = {}): { load: PackageLoader; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    load: async (name) => {
      asked.push(name);
      if (failing.includes(name)) throw new Error(`simulated: cannot load ${name}\nsecond line`);
      const fake = fakes[name];
      if (fake) return fake();
      return import(/* @vite-ignore */ name);
    },
  };
}

const NATIVE = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];

/** A fake of the npm package `webgpu` (Dawn): `create()` gives a GPU whose adapter is `adapter`. */
function fakeDawn(adapter: object | null): { module: () => unknown; gpu: object } {
  const gpu = { requestAdapter: async () => adapter };
  return { gpu, module: () => ({ create: (flags: string[]) => (expect(flags).toEqual([]), gpu), globals: { GPUBufferUsage: { MAP_READ: 1 }, GPUMapMode: { READ: 1 } } }) };
}

/** Stands in for `@tensorflow/tfjs-backend-webgpu`: registers a 'webgpu' backend (a CPU backend underneath). */
function fakeTfjsWebgpu(): unknown {
  const cpu = tf.findBackendFactory("cpu");
  if (!cpu) throw new Error("no cpu backend factory");
  tf.registerBackend("webgpu", cpu);
  return {};
}

const navigatorBefore = Object.getOwnPropertyDescriptor(globalThis, "navigator");
afterEach(() => {
  // undo what a webgpu test installed; the real backends stay registered
  if (navigatorBefore) Object.defineProperty(globalThis, "navigator", navigatorBefore);
  else delete (globalThis as { navigator?: unknown }).navigator;
  delete (globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage;
  delete (globalThis as { GPUMapMode?: unknown }).GPUMapMode;
  if (tf.findBackend("webgpu") || tf.findBackendFactory("webgpu")) {
    if (tf.getBackend() === "webgpu") tf.setBackend("cpu");
    tf.removeBackend("webgpu");
  }
});

describe("initBackend in Node: tfjs-node-gpu → tfjs-node → webgpu → wasm → cpu", () => {
  it("falls through native → webgpu (package missing) → wasm in order, saying why for each", async () => {
    const { load, asked } = recordingLoader([...NATIVE, "webgpu"]);
    const info = await initBackend({ backend: "auto", load, runtime: "node" });
    expect(asked).toEqual([...NATIVE, "webgpu", "@tensorflow/tfjs-backend-wasm"]);
    expect(info.name).toBe("wasm");
    expect(info.tfBackend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(info.reason).toMatch(/^wasm: first backend that loaded \(node order: node-gpu → node → webgpu → wasm → cpu\)/);
    expect(info.reason).toMatch(/node-gpu: @tensorflow\/tfjs-node-gpu did not load \(simulated: cannot load/);
    expect(info.reason).toMatch(/node: @tensorflow\/tfjs-node did not load/);
    expect(info.reason).toMatch(/webgpu: the optional package 'webgpu' \(Dawn, WebGPU for Node\) did not load \(simulated/);
    expect(info.reason).not.toMatch(/second line/);
  });

  it("passes over webgpu when Dawn finds no adapter, without installing its globals", async () => {
    const dawn = fakeDawn(null);
    const { load, asked } = recordingLoader(NATIVE, { webgpu: dawn.module, "@tensorflow/tfjs-backend-webgpu": fakeTfjsWebgpu });
    const info = await initBackend({ load, runtime: "node" });
    expect(info.name).toBe("wasm");
    expect(info.reason).toMatch(/webgpu: the 'webgpu' package \(Dawn\) found no GPU adapter/);
    expect(asked).not.toContain("@tensorflow/tfjs-backend-webgpu");
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toBeUndefined();
  });

  it("picks webgpu when Dawn gives an adapter: installs navigator.gpu and the GPU globals, then the tfjs backend", async () => {
    const dawn = fakeDawn({ info: { vendor: "nvidia", architecture: "hopper" }, isFallbackAdapter: false });
    const { load, asked } = recordingLoader(NATIVE, { webgpu: dawn.module, "@tensorflow/tfjs-backend-webgpu": fakeTfjsWebgpu });
    const info = await initBackend({ load, runtime: "node" });
    expect(asked).toEqual([...NATIVE, "webgpu", "@tensorflow/tfjs-backend-webgpu"]);
    expect(info.name).toBe("webgpu");
    expect(info.tfBackend).toBe("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(info.adapter).toEqual({ vendor: "nvidia", architecture: "hopper", isFallbackAdapter: false });
    expect(info.reason).toMatch(/^webgpu: first backend that loaded .*, adapter nvidia hopper; passed over: node-gpu: .*; node: /);
    expect((globalThis as { navigator?: { gpu?: unknown; userAgent?: string } }).navigator?.gpu).toBe(dawn.gpu);
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toEqual({ MAP_READ: 1 });
  });

  it("falls through wasm → cpu when wasm fails too", async () => {
    const { load, asked } = recordingLoader([...NATIVE, "webgpu", "@tensorflow/tfjs-backend-wasm"]);
    const info = await initBackend({ load, runtime: "node" });
    expect(asked).toHaveLength(4);
    expect(info.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(info.reason).toMatch(/wasm: @tensorflow\/tfjs-backend-wasm did not load/);
  });

  it("really selects wasm here (no libtensorflow; Dawn, installed as the optional peer, finds no GPU) and is idempotent", async () => {
    const first = await initBackend({ env: {} });
    expect(BACKEND_ORDER.node).toEqual(["node-gpu", "node", "webgpu", "wasm", "cpu"]);
    expect(first.name).toBe("wasm");
    expect(first.reason).toMatch(/webgpu: (the 'webgpu' package \(Dawn\) found no GPU adapter|the optional package 'webgpu' .* did not load)/);
    const again = await initBackend({ env: {} });
    expect(again).toEqual(first);
    expect(atlasKernelsRegistered("wasm")).toBe(true);
    expect(atlasKernelsRegistered("cpu")).toBe(true);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });
});

describe("initBackend in a browser: webgpu → webgl → wasm → cpu (the order and reasons; the real thing runs in Chromium)", () => {
  it("without navigator.gpu and without WebGL uses the wasm backend the app imported, loading nothing", async () => {
    await import("@tensorflow/tfjs-backend-wasm"); // what `import "@tensorflow/tfjs-backend-wasm"` in an app does
    const { load, asked } = recordingLoader([]);
    const info = await initBackend({ load, runtime: "browser" });
    expect(BACKEND_ORDER.browser).toEqual(["webgpu", "webgl", "wasm", "cpu"]);
    expect(info.name).toBe("wasm");
    expect(asked).toEqual([]); // registered factories are used as they are: a page cannot import() bare names
    expect(info.reason).toMatch(/^wasm: first backend that loaded \(browser order: webgpu → webgl → wasm → cpu\)/);
    expect(info.reason).toMatch(/webgpu: this browser has no WebGPU \(navigator\.gpu is undefined/);
    // tfjs registers webgl itself, but only in a browser (Chromium's answer is tested in a real page)
    expect(info.reason).toMatch(/webgl: no 'webgl' backend is registered \(@tensorflow\/tfjs registers it only in a browser\)/);
  });

  it("says how to fix a backend package missing from the page", async () => {
    Object.defineProperty(globalThis, "navigator", { value: { gpu: fakeDawn({ info: { vendor: "google", architecture: "swiftshader" } }).gpu }, configurable: true, writable: true });
    const { load } = recordingLoader([], {
      "@tensorflow/tfjs-backend-webgpu": () => {
        throw new TypeError("Failed to resolve module specifier '@tensorflow/tfjs-backend-webgpu'");
      },
    });
    const err = await initBackend({ backend: "webgpu", load, runtime: "browser" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe("BACKEND_UNAVAILABLE");
    expect((err as Error).message).toMatch(/backend 'webgpu' \(forced by options\.backend\) is unavailable: .*Failed to resolve module specifier.*add `import "@tensorflow\/tfjs-backend-webgpu"` to your app/);
  });

  it("uses the WebGPU backend the app imported when the browser gives an adapter", async () => {
    fakeTfjsWebgpu();
    Object.defineProperty(globalThis, "navigator", { value: { gpu: fakeDawn({ info: { vendor: "google", architecture: "swiftshader" }, isFallbackAdapter: true }).gpu }, configurable: true, writable: true });
    const { load, asked } = recordingLoader([]);
    const info = await initBackend({ load, runtime: "browser" });
    expect(info.name).toBe("webgpu");
    expect(asked).toEqual([]);
    expect(info.adapter).toEqual({ vendor: "google", architecture: "swiftshader", isFallbackAdapter: true });
    expect(info.reason).toMatch(/adapter google swiftshader \(fallback\)/);
  });
});

describe("initBackend options and names", () => {
  it("ATLAS_BACKEND forces a backend, and the option overrides it", async () => {
    const cpu = await initBackend({ env: { ATLAS_BACKEND: "cpu" } });
    expect(cpu.name).toBe("cpu");
    expect(cpu.reason).toMatch(/forced by ATLAS_BACKEND/);
    expect(tf.getBackend()).toBe("cpu");
    const wasm = await initBackend({ env: { ATLAS_BACKEND: "cpu" }, backend: "wasm" });
    expect(wasm.name).toBe("wasm");
    expect(wasm.reason).toMatch(/forced by options\.backend/);
  });

  it("forcing an unavailable backend is an AtlasError naming it and why", async () => {
    const { load } = recordingLoader(["@tensorflow/tfjs-node"]);
    const err = await initBackend({ env: { ATLAS_BACKEND: "node" }, load }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasError);
    expect((err as AtlasError).code).toBe("BACKEND_UNAVAILABLE");
    expect((err as Error).message).toMatch(/backend 'node' \(forced by ATLAS_BACKEND\) is unavailable: @tensorflow\/tfjs-node did not load/);
  });

  it("accepts every backend name the READMEs list for ATLAS_BACKEND, tfjs's names and the aliases", async () => {
    const readme = (p: string): string => readFileSync(new URL(p, import.meta.url), "utf8");
    const listed = new Set<string>();
    for (const text of [readme("../../../README.md"), readme("../README.md")]) {
      for (const m of text.matchAll(/ATLAS_BACKEND=([a-z0-9|@/-]+)/g)) for (const name of (m[1] as string).split("|")) listed.add(name);
    }
    expect([...listed]).toEqual(expect.arrayContaining(["tensorflow-gpu", "tensorflow", "webgpu", "webgl", "wasm", "cpu"]));
    for (const name of [...listed, "tensorflow", "webgpu", "webgl", "wasm", "cpu", "node-gpu", "node", "gpu", "@tensorflow/tfjs-node"]) {
      expect(BACKEND_NAMES).toContain(name);
    }
    // accepted means: tried (and here unavailable), not rejected as an unknown name
    const { load } = recordingLoader(NATIVE);
    const gpu = await initBackend({ env: { ATLAS_BACKEND: "tensorflow-gpu" }, load }).catch((e: unknown) => e);
    expect((gpu as AtlasError).code).toBe("BACKEND_UNAVAILABLE");
    expect((gpu as Error).message).toMatch(/backend 'node-gpu'/);
    const webgl = await initBackend({ env: { ATLAS_BACKEND: "WebGL" }, load, runtime: "node" }).catch((e: unknown) => e);
    expect((webgl as AtlasError).code).toBe("BACKEND_UNAVAILABLE");
  });

  it("rejects unknown backend names and options before doing anything", async () => {
    await expect(initBackend({ env: { ATLAS_BACKEND: "metal" } })).rejects.toThrow(InvalidArgumentError);
    await expect(initBackend({ env: { ATLAS_BACKEND: "metal" } })).rejects.toThrow(/ATLAS_BACKEND: expected one of 'auto'.*'webgpu'.*got "metal"/);
    await expect(initBackend({ backend: 3 as never })).rejects.toThrow(/options\.backend/);
    await expect(initBackend({ load: "x" as never })).rejects.toThrow(/options\.load/);
    await expect(initBackend({ runtime: "deno" as never })).rejects.toThrow(/options\.runtime/);
    await expect(initBackend({ backends: {} } as never)).rejects.toThrow(/options\.backends: unknown option/);
  });

  it("reports the wasm heap size on wasm", async () => {
    await initBackend({ backend: "wasm" });
    const m = backendMemory();
    expect(m.wasmHeapBytes).toBeGreaterThan(0);
    expect(m.numTensors).toBe(tf.memory().numTensors);
  });
});
