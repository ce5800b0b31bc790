/**
 * One harness child process: runs a package's call plan from a given index and reports each call
 * to the supervisor over IPC, waiting until a "start" message is written before making the call,
 * so that a crash or a hang is attributed to the right call.
 */
import { initBackend } from "@atlas/core";
import type { PackageEntries } from "./entry.js";
import { execute } from "./execute.js";
import { describeMutation, plan, type Mode } from "./plan.js";
import { loadEntries } from "./registry.js";

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stdout.write(`${JSON.stringify(message)}\n`);
      resolve();
    } else process.send(message, () => resolve());
  });
}

const [pkg = "core", mode = "fast", seedText = "1", startText = "0", only = ""] = process.argv.slice(2);
console.log = () => undefined;
console.warn = () => undefined;
console.info = () => undefined;

try {
  await initBackend();
  const pe: PackageEntries = await loadEntries(pkg);
  const fx = await pe.fixtures();
  const calls = await plan(pe, fx, mode as Mode, Number(seedText), only);
  await send({ type: "plan", total: calls.length });
  for (const call of calls.slice(Number(startText))) {
    const { label, path } = describeMutation(call.entry.slots(fx), call.mutation);
    await send({ type: "start", index: call.index, id: call.entry.id, label, path, timeoutMs: call.entry.timeoutMs ?? 20_000 });
    const record = await execute(call, fx);
    await send({ type: "result", record });
  }
  await send({ type: "done" });
  process.exit(0);
} catch (error) {
  await send({ type: "fatal", error: String((error as Error)?.stack ?? error) });
  process.exit(2);
}
