/**
 * A failed allocation on the wasm backend becomes an {@link OutOfMemoryError} instead of memory
 * corruption.
 *
 * Why: tfjs-backend-wasm 4.22 allocates every tensor with the module's `_malloc` and does not check
 * the result (backend_wasm.js `write`: `memoryOffset = this.wasm._malloc(numBytes) >>> 0`). When
 * the heap cannot grow any more (wasm32: 4 GiB), `_malloc` returns 0 and the tensor is registered
 * at address 0: the kernel then writes its output over the module's own data from address 0 on,
 * and either traps with "RuntimeError: memory access out of bounds" (an output larger than the
 * memory) or silently corrupts the module — every later wasm call of the process is suspect. That
 * is how the AWAE-GAN at the paper's widths m = 4 and 8, batch 100, ended (apps/bench/README.md).
 */
import * as tf from "@tensorflow/tfjs";
import { OutOfMemoryError } from "./errors.js";

interface WasmModule {
  _malloc(bytes: number): number;
  HEAPU8: Uint8Array;
}

const GUARDED = Symbol.for("atlas.wasmHeapGuard");

/**
 * Make the wasm backend's tensor allocations fail loudly: a `_malloc` that returns 0 for a non-empty
 * request throws an {@link OutOfMemoryError} (with the request and the heap size) before any kernel
 * writes to address 0. Idempotent; does nothing when the wasm backend is not registered or not yet
 * initialised. `initBackend()` calls it when it selects wasm.
 *
 * @returns whether the wasm backend is guarded now
 * @example
 * await tf.setBackend("wasm");
 * guardWasmHeap();
 */
export function guardWasmHeap(): boolean {
  if (tf.findBackendFactory("wasm") === null) return false;
  let backend: { wasm?: WasmModule } | undefined;
  try {
    backend = tf.findBackend("wasm") as unknown as { wasm?: WasmModule } | undefined;
  } catch {
    return false;
  }
  const wasm = backend?.wasm;
  if (wasm === undefined || typeof wasm._malloc !== "function") return false;
  const marked = wasm as WasmModule & { [GUARDED]?: true };
  if (marked[GUARDED]) return true;
  const malloc = wasm._malloc.bind(wasm);
  wasm._malloc = (bytes: number): number => {
    const p = malloc(bytes);
    if (p === 0 && bytes > 0) {
      const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
      throw new OutOfMemoryError(
        bytes,
        `the wasm backend could not allocate ${mib(bytes)} for a tensor: its heap is full (${mib(wasm.HEAPU8.length)} in use of at most 4096 MiB; live tensors ${mib(tf.memory().numBytes)}). ` +
          "Use a smaller batch or model, dispose tensors you no longer need, or a backend with more memory (webgpu, tensorflow).",
      );
    }
    return p;
  };
  marked[GUARDED] = true;
  return true;
}
