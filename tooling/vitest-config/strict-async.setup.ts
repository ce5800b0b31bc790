/**
 * Setup file of the `strict-async` vitest project: makes every synchronous tensor read fail when
 * library code asks for it, as it would on a GPU backend (tfjs-webgpu in Node reads synchronously
 * through `OffscreenCanvas`, which Node lacks; WebGL stalls the page).
 *
 * `Tensor.prototype.dataSync` / `arraySync` (and `bufferSync`, which goes through `dataSync`) and
 * the engine's `readSync` (which every synchronous read ends in) throw when the innermost caller
 * outside `node_modules` is a library source file (`packages/<name>/src/…`, not a `*.test.ts` or
 * `*.test.util.ts`). Tests and test helpers may still read synchronously to check results; what
 * they call may not. Every violation is also recorded and fails the test in `afterEach`, so library
 * code that catches the error cannot hide it. V8's async stack frames (`at async f (file)`) count
 * too, so a read after an `await` inside tfjs is still traced to the library function awaiting it.
 *
 * One exemption: tfjs-converter's `getParamValue` reads a graph node's number/number[] inputs
 * (shapes, axes: graph constants) with `dataSync()` in `execute` and `executeAsync` alike; no
 * caller can avoid it, and tfjs's GPU backends keep such small constants readable on the CPU.
 */
import * as tf from "@tensorflow/tfjs";
import { afterEach } from "vitest";

const LIBRARY_SOURCE = /[\\/]packages[\\/][^\\/]+[\\/]src[\\/]/;
const TEST_FILE = /\.test(\.util)?\.[cm]?[jt]sx?$|\.slow\.test\.[cm]?[jt]sx?$/;
/** tfjs-converter's reader of a graph node's number/number[] inputs (bundled or not). */
const CONVERTER_PARAMS = /at getParamValue \(.*[\\/]@tensorflow[\\/]tfjs-converter[\\/]/;

/** The innermost frame outside node_modules and this file, when it is library source; else undefined. */
function libraryCaller(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const line of stack.split("\n").slice(1)) {
    if (line.includes("strict-async.setup")) continue;
    // tfjs frames between the read and its first caller outside node_modules: the converter exemption
    if (CONVERTER_PARAMS.test(line)) return undefined;
    const m = /\(([^()]+?):\d+:\d+\)\s*$/.exec(line) ?? /at ([^()\s]+?):\d+:\d+\s*$/.exec(line);
    const file = m?.[1]?.replace(/^file:\/\//, "");
    if (!file || file.startsWith("node:") || file.includes("node_modules")) continue;
    return LIBRARY_SOURCE.test(file) && !TEST_FILE.test(file) ? line.trim() : undefined;
  }
  return undefined;
}

const violations: string[] = [];

function guard<A extends unknown[], R>(what: string, original: (...args: A) => R): (...args: A) => R {
  return function (this: unknown, ...args: A): R {
    const caller = libraryCaller();
    if (caller !== undefined) {
      const message = `strict-async: ${what} called synchronously by library code (${caller}); a tensor on a GPU backend cannot be read synchronously: read it with await t.data() / await t.array()`;
      violations.push(message);
      throw new Error(message);
    }
    return original.apply(this, args);
  };
}

const proto = tf.Tensor.prototype as unknown as Record<"dataSync" | "arraySync", (...args: unknown[]) => unknown>;
proto.dataSync = guard("Tensor.dataSync()", proto.dataSync);
proto.arraySync = guard("Tensor.arraySync()", proto.arraySync);
const engine = tf.engine() as unknown as { readSync: (...args: unknown[]) => unknown };
engine.readSync = guard("a synchronous read (engine.readSync)", engine.readSync.bind(engine));

afterEach(() => {
  if (violations.length > 0) {
    const found = violations.splice(0);
    throw new Error(`${found.length} synchronous tensor read(s) by library code:\n${found.join("\n")}`);
  }
});
