import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { BACKEND_ORDER, backendMemory, initBackend, type PackageLoader } from "./backend.js";
import { AtlasError, InvalidArgumentError } from "./errors.js";
import { atlasKernelsRegistered } from "./kernels/registry.js";

/** A loader that records what was asked and fails for the packages in `failing`. */
function recordingLoader(failing: string[]): { load: PackageLoader; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    load: async (name) => {
      asked.push(name);
      if (failing.includes(name)) throw new Error(`simulated: cannot load ${name}\nsecond line`);
      return import(/* @vite-ignore */ name);
    },
  };
}

describe("initBackend", () => {
  it("falls through native → wasm in order when both native packages fail", async () => {
    const { load, asked } = recordingLoader(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);
    const info = await initBackend({ backend: "auto", load });
    expect(asked).toEqual(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-backend-wasm"]);
    expect(info.name).toBe("wasm");
    expect(info.tfBackend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(info.reason).toMatch(/node-gpu: @tensorflow\/tfjs-node-gpu did not load \(simulated: cannot load/);
    expect(info.reason).toMatch(/node: @tensorflow\/tfjs-node did not load/);
    expect(info.reason).not.toMatch(/second line/);
  });

  it("falls through wasm → cpu when wasm fails too", async () => {
    const { load, asked } = recordingLoader(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node", "@tensorflow/tfjs-backend-wasm"]);
    const info = await initBackend({ load });
    expect(asked).toHaveLength(3);
    expect(info.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(info.reason).toMatch(/wasm: @tensorflow\/tfjs-backend-wasm did not load/);
  });

  it("really selects wasm here (native packages cannot load libtensorflow) and is idempotent", async () => {
    const first = await initBackend({ env: {} });
    expect(BACKEND_ORDER).toEqual(["node-gpu", "node", "wasm", "cpu"]);
    expect(first.name).toBe("wasm");
    const again = await initBackend({ env: {} });
    expect(again).toEqual(first);
    expect(atlasKernelsRegistered("wasm")).toBe(true);
    expect(atlasKernelsRegistered("cpu")).toBe(true);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });

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

  it("rejects unknown backend names before doing anything", async () => {
    await expect(initBackend({ env: { ATLAS_BACKEND: "webgpu" } })).rejects.toThrow(InvalidArgumentError);
    await expect(initBackend({ env: { ATLAS_BACKEND: "webgpu" } })).rejects.toThrow(/ATLAS_BACKEND: expected one of 'auto'.*got "webgpu"/);
    await expect(initBackend({ backend: 3 as never })).rejects.toThrow(/options\.backend/);
    await expect(initBackend({ load: "x" as never })).rejects.toThrow(/options\.load/);
  });

  it("reports the wasm heap size on wasm", async () => {
    await initBackend({ backend: "wasm" });
    const m = backendMemory();
    expect(m.wasmHeapBytes).toBeGreaterThan(0);
    expect(m.numTensors).toBe(tf.memory().numTensors);
  });
});
