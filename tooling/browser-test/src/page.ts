/**
 * The page side of the harness (bundled into the test code): `expose(name, fn)` makes `fn` callable
 * from Node with `BrowserPage.call(name, ...args)`; `loaded()` is called by the entry when its
 * setup is done. Browser-safe: no Node imports.
 */

interface PageRegistry {
  functions: Record<string, (...args: never[]) => unknown>;
  loaded: boolean;
}

function registry(): PageRegistry {
  const g = globalThis as { __atlasPage?: PageRegistry };
  g.__atlasPage ??= { functions: {}, loaded: false };
  return g.__atlasPage;
}

/** Make `fn` callable from Node as `page.call(name, ...args)` (arguments and result must be JSON-like). */
export function expose<A extends unknown[], R>(name: string, fn: (...args: A) => R | Promise<R>): void {
  registry().functions[name] = fn as (...args: never[]) => unknown;
}

/** Tell the harness the page is ready (call once, after any asynchronous setup). */
export function loaded(): void {
  registry().loaded = true;
}

/** WebGPU adapter information of this page (`undefined` when the browser gives no adapter). */
export async function webgpuAdapterInfo(): Promise<{ vendor: string; architecture: string; isFallbackAdapter?: boolean } | undefined> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return undefined;
  const adapter = (await gpu.requestAdapter()) as { info?: { vendor: string; architecture: string }; isFallbackAdapter?: boolean } | null;
  if (!adapter) return undefined;
  return { vendor: adapter.info?.vendor ?? "", architecture: adapter.info?.architecture ?? "", ...(adapter.isFallbackAdapter !== undefined ? { isFallbackAdapter: adapter.isFallbackAdapter } : {}) };
}

/** A GPUDevice, structurally (the page may not have @webgpu/types). */
interface DeviceLike {
  addEventListener(type: "uncapturederror", listener: (event: { error: { message: string } }) => void): void;
}

const deviceErrors: string[] = [];
const watched = new WeakSet<object>();

/**
 * Record the device's uncaptured errors (invalid WGSL, bad bind groups, …): WebGPU reports them
 * only as console warnings, and a dispatch that failed validation leaves its output buffer as it
 * was — possibly holding a previous, correct result. Tests must check {@link takeGpuErrors}.
 *
 * @param device tfjs's WebGPU device: `(tf.backend() as WebGPUBackend).device`
 */
export function watchGpuErrors(device: DeviceLike): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.addEventListener("uncapturederror", (event) => deviceErrors.push(event.error.message.split("\n")[0] ?? ""));
}

/** The device errors recorded since the last call (and forget them). */
export function takeGpuErrors(): string[] {
  return deviceErrors.splice(0, deviceErrors.length);
}
