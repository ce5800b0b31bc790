/**
 * guardWasmHeap on the real wasm backend: an allocation the 4 GiB heap cannot hold is an
 * OutOfMemoryError before any kernel runs (tfjs-backend-wasm 4.22 itself registers the tensor at
 * address 0 and lets the kernel write there: "memory access out of bounds" or silent corruption),
 * and the backend keeps working afterwards.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend.js";
import { AtlasError, OutOfMemoryError } from "./errors.js";
import { guardWasmHeap } from "./wasm-heap.js";

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

describe("guardWasmHeap", () => {
  it("is installed by initBackend on wasm, and idempotent", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(guardWasmHeap()).toBe(true);
    expect(guardWasmHeap()).toBe(true);
  });

  it("turns a tensor the heap cannot hold (2³² − 4 bytes) into an OutOfMemoryError; the backend still computes after it", async () => {
    const before = tf.memory().numTensors;
    let caught: unknown;
    try {
      // Fill allocates its output on the wasm heap only (no JavaScript array): 2³⁰ − 1 float32
      tf.fill([2 ** 30 - 1], 1).dispose();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OutOfMemoryError);
    expect(caught).toBeInstanceOf(AtlasError);
    expect((caught as OutOfMemoryError).code).toBe("OUT_OF_MEMORY");
    expect((caught as OutOfMemoryError).bytes).toBe(4 * (2 ** 30 - 1));
    expect((caught as Error).message).toMatch(/could not allocate 4096 MiB for a tensor: its heap is full/);
    expect(tf.memory().numTensors).toBe(before);
    // the module was not written at address 0: it still computes correctly
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.matMul(tf.reshape(a, [1, 3]), tf.reshape(a, [3, 1]));
    expect(Array.from(await b.data())).toEqual([14]);
    tf.dispose([a, b]);
  });
});
