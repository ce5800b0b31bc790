/** Checks the gtn entries share: the trainer options that go on to core's trainLoop. */
import { checkBoolean, checkFunction, checkInteger, checkOptions, checkPath, checkSignal } from "@atlas/core";

/**
 * `onProgress`, `checkpoint` and `signal` of a trainer, checked before any work (trainLoop checks
 * them again, but only after the labelling or the network build they would otherwise waste).
 */
export function checkTrainerOptions(o: { onProgress?: unknown; checkpoint?: unknown; signal?: unknown }): void {
  if (o.onProgress !== undefined) checkFunction("options.onProgress", o.onProgress);
  if (o.signal !== undefined) checkSignal("options.signal", o.signal);
  if (o.checkpoint !== undefined) {
    const ck = checkOptions("options.checkpoint", o.checkpoint as { dir?: unknown; every?: unknown; resume?: unknown }, ["dir", "every", "resume"]);
    checkPath("options.checkpoint.dir", ck.dir);
    if (ck.every !== undefined) checkInteger("options.checkpoint.every", ck.every, { min: 1 });
    if (ck.resume !== undefined) checkBoolean("options.checkpoint.resume", ck.resume);
  }
}
