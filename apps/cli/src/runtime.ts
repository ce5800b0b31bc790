// Node-only: what every command gets — output streams, --json/--quiet, the interrupt signal, progress.
import { AtlasError, progressBar, type ProgressStream, type TrainProgress } from "@atlas/core";

/** A run stopped by SIGINT/SIGTERM after saving what it could. Exit code 128 + signal number. */
export class InterruptedError extends AtlasError {
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals, message: string) {
    super("UNSUPPORTED", message);
    this.name = "InterruptedError";
    this.signal = signal;
  }
}

/** Writable text stream (process.stdout/stderr or a test's collector). */
export type TextSink = ProgressStream;

/** What a command runs with. */
export interface Runtime {
  /** Machine-readable result on stdout (`--json`): human lines go to stderr instead. */
  readonly json: boolean;
  /** No progress bars or human lines (`--quiet`); results and errors still print. */
  readonly quiet: boolean;
  /** Aborted on SIGINT/SIGTERM; `signal.reason` is the signal name. */
  readonly signal: AbortSignal;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** A human line (stdout, or stderr under --json; nothing under --quiet). */
  log(line: string): void;
  /** Progress events of a training loop, drawn as a bar on stderr. */
  trainProgress(label: string): ((event: TrainProgress) => void) | undefined;
  /** A bar for other long work: call with (done, total[, note]). */
  workProgress(label: string): (done: number, total: number, note?: string) => void;
  /** Throws {@link InterruptedError} when a signal arrived (between phases of work). */
  checkInterrupted(what: string): void;
  /**
   * Run a training loop that saves a checkpoint when the signal aborts it. Outside such loops a
   * signal ends the process at once (finished files are written atomically, so nothing is half-written).
   */
  checkpointing<T>(run: () => Promise<T>): Promise<T>;
  /** True while a {@link Runtime.checkpointing} call runs. */
  readonly inCheckpointedWork: boolean;
}

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  json?: boolean;
  quiet?: boolean;
  signal?: AbortSignal;
  stdout?: TextSink;
  stderr?: TextSink;
}

function bar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
}

/** Build a {@link Runtime} (tests pass their own streams and signal). */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const json = options.json ?? false;
  const quiet = options.quiet ?? false;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const signal = options.signal ?? new AbortController().signal;
  let depth = 0;
  return {
    get inCheckpointedWork() {
      return depth > 0;
    },
    async checkpointing(run) {
      depth++;
      try {
        return await run();
      } finally {
        depth--;
      }
    },
    json,
    quiet,
    signal,
    stdout,
    stderr,
    log(line) {
      if (quiet) return;
      (json ? stderr : stdout).write(`${line}\n`);
    },
    trainProgress(label) {
      if (quiet) return undefined;
      return progressBar({ label, stream: stderr });
    },
    workProgress(label) {
      if (quiet) return () => {};
      let lastDraw = 0;
      let lastFraction = -1;
      const tty = stderr.isTTY === true;
      return (done, total, note) => {
        const now = performance.now();
        const fraction = total > 0 ? done / total : 1;
        const finished = done >= total;
        // A terminal is redrawn at most 10×/s; a pipe gets a line every 10% and at the end.
        if (!finished && (tty ? now - lastDraw < 100 : Math.floor(fraction * 10) === Math.floor(lastFraction * 10))) return;
        lastDraw = now;
        lastFraction = fraction;
        const text = `${label} ${bar(fraction)} ${done}/${total}${note ? ` ${note}` : ""}`;
        if (tty) stderr.write(`\r${text.slice(0, (stderr.columns ?? 100) - 1)}\x1b[K${finished ? "\n" : ""}`);
        else stderr.write(`${text}\n`);
      };
    },
    checkInterrupted(what) {
      if (signal.aborted) {
        const sig = (signal.reason as NodeJS.Signals | undefined) ?? "SIGINT";
        throw new InterruptedError(sig, `interrupted by ${sig} ${what}`);
      }
    },
  };
}
