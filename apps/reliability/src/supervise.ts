/**
 * The supervisor: runs a package's plan in child processes (tsx, source-first), one call at a
 * time, with a watchdog per call. A child that dies mid-call (a segfault, a V8 out-of-memory
 * abort) is a "crash" of that call; one that does not answer within the call's limit is killed and
 * the call is a "hang"; either way a fresh child continues with the next call.
 */
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CallRecord } from "./entry.js";
import type { Mode } from "./plan.js";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
/** tsx's loader, by absolute URL: the children run in a scratch directory, not in the repository. */
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "loader.mjs")).href;

export interface SuperviseOptions {
  mode?: Mode;
  seed?: number;
  /** Only entries whose id contains one of these comma-separated substrings. */
  only?: string;
  onRecord?: (record: CallRecord) => void;
  /** Seconds a child may take to start and build its fixtures. */
  startupSeconds?: number;
  env?: Record<string, string>;
}

export interface SuperviseResult {
  readonly pkg: string;
  readonly records: CallRecord[];
  readonly total: number;
  readonly fatal?: string;
  readonly restarts: number;
  readonly seconds: number;
}

type Message =
  | { type: "plan"; total: number }
  | { type: "start"; index: number; id: string; label: string; path: string; timeoutMs: number }
  | { type: "result"; record: CallRecord }
  | { type: "done" }
  | { type: "fatal"; error: string };

export async function supervise(pkg: string, options: SuperviseOptions = {}): Promise<SuperviseResult> {
  const t0 = performance.now();
  const records: CallRecord[] = [];
  let total = -1;
  let start = 0;
  let restarts = 0;
  let fatal: string | undefined;
  // the harness never writes into the user's cache (built-in extractors train into it)
  const cacheDir = mkdtempSync(join(tmpdir(), "atlas-harness-cache-"));
  // a bad relative path that a function wrongly accepts writes here, never into the repository
  const cwd = mkdtempSync(join(tmpdir(), "atlas-harness-cwd-"));
  for (;;) {
    const step = await new Promise<{ kind: "done" } | { kind: "fatal"; error: string } | { kind: "lost"; index: number; id: string; label: string; path: string; outcome: "crash" | "hang"; detail: string }>((resolve) => {
      const child = fork(CHILD, [pkg, options.mode ?? "fast", String(options.seed ?? 1), String(start), options.only ?? ""], {
        cwd,
        execArgv: ["--conditions=@atlas/source", "--import", TSX, "--max-old-space-size=4096"],
        stdio: ["ignore", "ignore", "pipe", "ipc"],
        env: { ...process.env, ATLAS_CACHE_DIR: cacheDir, ...options.env },
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      let current: { index: number; id: string; label: string; path: string } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (v: Parameters<typeof resolve>[0]): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      const arm = (ms: number, onFire: () => void): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(onFire, ms);
      };
      arm((options.startupSeconds ?? 180) * 1000, () => {
        child.kill("SIGKILL");
        finish({ kind: "fatal", error: `the child did not start within ${options.startupSeconds ?? 180} s: ${stderr.slice(-800)}` });
      });
      child.on("message", (msg: Message) => {
        if (msg.type === "plan") {
          total = msg.total;
          if (timer) clearTimeout(timer);
        } else if (msg.type === "start") {
          current = { index: msg.index, id: msg.id, label: msg.label, path: msg.path };
          arm(msg.timeoutMs, () => {
            child.kill("SIGKILL");
            finish({ kind: "lost", index: msg.index, id: msg.id, label: msg.label, path: msg.path, outcome: "hang", detail: `no answer within ${msg.timeoutMs / 1000} s` });
          });
        } else if (msg.type === "result") {
          if (timer) clearTimeout(timer);
          records.push(msg.record);
          options.onRecord?.(msg.record);
          current = undefined;
        } else if (msg.type === "done") finish({ kind: "done" });
        else if (msg.type === "fatal") finish({ kind: "fatal", error: msg.error });
      });
      child.on("exit", (code, signal) => {
        if (current) {
          const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
          finish({ kind: "lost", ...current, outcome: "crash", detail: `${why}: ${stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 400)}` });
        } else finish({ kind: "fatal", error: `the child exited (${signal ?? code}) outside a call: ${stderr.slice(-800)}` });
      });
    });
    if (step.kind === "done") break;
    if (step.kind === "fatal") {
      fatal = step.error;
      break;
    }
    const record: CallRecord = { index: step.index, id: step.id, label: step.label, path: step.path, outcome: step.outcome, detail: step.detail };
    records.push(record);
    options.onRecord?.(record);
    start = step.index + 1;
    restarts++;
    if (total >= 0 && start >= total) break;
  }
  return { pkg, records, total, ...(fatal ? { fatal } : {}), restarts, seconds: (performance.now() - t0) / 1000 };
}
