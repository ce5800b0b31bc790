/**
 * Giving the event loop a turn during long computations.
 *
 * On the cpu and wasm backends `await tensor.data()` resolves as a microtask, so a loop that only
 * awaits reads (training steps, decoder batches) never lets timers, I/O callbacks, OS signal
 * handlers or, in a browser, rendering run until it ends — minutes, for a graph build or an epoch.
 * The long loops of the Atlas packages call a yielder between batches.
 */
import { InvalidArgumentError, describeValue } from "../errors.js";
import { checkNumber } from "../validate.js";

let channel: { post: (resolve: () => void) => void } | undefined;

/** A MessageChannel whose messages resolve the waiting promises in order (browsers, workers). */
function messageChannel(): { post: (resolve: () => void) => void } {
  const mc = new MessageChannel();
  const waiting: (() => void)[] = [];
  mc.port1.onmessage = () => waiting.shift()?.();
  // Node refs a port with a listener, which would keep a process alive after its work ends
  (mc.port1 as { unref?: () => void }).unref?.();
  return {
    post: (resolve) => {
      waiting.push(resolve);
      mc.port2.postMessage(0);
    },
  };
}

/**
 * Resolve after the event loop has had a turn: pending timers, I/O callbacks and signal handlers
 * (in Node), messages and rendering (in a browser) run first. Unlike `await Promise.resolve()`,
 * which only lets other microtasks run.
 *
 * @example
 * for (const batch of batches) {
 *   await work(batch);
 *   await yieldToEventLoop(); // a Ctrl-C handler or a progress timer gets its turn
 * }
 */
export function yieldToEventLoop(): Promise<void> {
  // setImmediate in Node; a MessageChannel message in browsers and workers (no 4 ms timer clamp)
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  const immediate = g.setImmediate;
  if (typeof immediate === "function") return new Promise<void>((resolve) => void immediate(resolve));
  if (typeof MessageChannel === "function") {
    channel ??= messageChannel();
    const c = channel;
    return new Promise<void>((resolve) => c.post(resolve));
  }
  return new Promise<void>((resolve) => void setTimeout(resolve, 0));
}

/**
 * A function to call between the batches of a long loop: it yields to the event loop
 * ({@link yieldToEventLoop}) when at least `everyMs` milliseconds have passed since it last did,
 * and otherwise returns at once, so short loops pay nothing.
 *
 * @param everyMs the most time between two turns of the event loop; default 100
 * @param now the clock (milliseconds), for tests; default `performance.now`
 * @example
 * const breathe = eventLoopYielder();
 * for (let i = 0; i < steps; i++) {
 *   await step(i);
 *   await breathe();
 * }
 */
export function eventLoopYielder(everyMs = 100, now: () => number = () => performance.now()): () => Promise<void> {
  checkNumber("everyMs", everyMs, { min: 0 });
  if (typeof now !== "function") throw new InvalidArgumentError("now", `expected a function returning milliseconds, got ${describeValue(now)}`);
  let last = now();
  return async () => {
    if (now() - last < everyMs) return;
    await yieldToEventLoop();
    last = now();
  };
}
