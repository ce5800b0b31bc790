// The `atlas` command line: dispatch, exit codes, signals. bin/atlas.js runs this file.
import { AtlasError, CorruptFileError, FileNotFoundError, MissingDependencyError } from "@atlas/core";
import { UsageError, commandHelp, parseCommandLine, type CommandSpec, type ParsedArgs } from "./args.js";
import { demoSpec, runDemo } from "./commands/demo.js";
import { evalSpec, runEval } from "./commands/eval.js";
import { geodesicSpec, runGeodesic } from "./commands/geodesic.js";
import { reportSpec, runReport } from "./commands/report.js";
import { runSample, sampleSpec } from "./commands/sample.js";
import { runTrain, trainSpec } from "./commands/train.js";
import { OutputError } from "./out-dir.js";
import { InterruptedError, createRuntime, type Runtime, type TextSink } from "./runtime.js";

/** Exit codes of `atlas` (also in `atlas help` and the README). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The work failed: an error reported by a library while running (diverged training, disconnected graph, …). */
  failed: 1,
  /** The command line is wrong: unknown command or flag, a missing or malformed value. Nothing was done. */
  usage: 2,
  /** A file problem: data or model missing, unreadable or corrupt; the output location unusable; an optional package missing. */
  files: 3,
  /** A bug: an unexpected exception (printed with its stack). */
  internal: 70,
  /** Interrupted by SIGINT (Ctrl-C) after saving a checkpoint; continue with --resume. 128 + 2. */
  sigint: 130,
  /** Interrupted by SIGTERM after saving a checkpoint. 128 + 15. */
  sigterm: 143,
} as const;

interface Command {
  spec: CommandSpec;
  run: (args: ParsedArgs, rt: Runtime) => Promise<unknown>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  train: { spec: trainSpec, run: runTrain },
  sample: { spec: sampleSpec, run: runSample },
  geodesic: { spec: geodesicSpec, run: runGeodesic },
  eval: { spec: evalSpec, run: runEval },
  report: { spec: reportSpec, run: runReport },
  demo: { spec: demoSpec, run: runDemo },
};

export const HELP = `atlas — generative modelling on data manifolds (Atlas Generative Models, GTN, graph geodesics, metrics)

Usage: atlas <command> [arguments] [flags]

Commands:
  train KIND --data SRC --out DIR     train awae-gan | wae-gan | atlas-vae | gtn | vqflow; writes a model directory
  sample MODEL --n N --out FILE       samples as a PNG grid (images) or CSV/.npy rows (vectors); --chart K
  geodesic MODEL --data SRC --out DIR graph geodesics: --pairs N | --from I --to J; strips, lengths; --export
  eval MODEL --data SRC               FID, KID, precision/recall, IS with a built-in extractor
  report DIR                          a self-contained HTML report of a run directory
  demo [--quick] [--out DIR]          the papers end to end on MNIST: DIR/report.html and a summary
  help [COMMAND]                      this text, or a command's flags

Data (--data): mnist | fashion-mnist | cifar10[:DIR] | FILE (.npy, .csv of vectors, IDX) | DIR (PNG images)
Every command takes --json (one JSON document on stdout) and --quiet (no progress).

Exit codes: 0 done; 1 the work failed; 2 bad command line (nothing done); 3 a file problem (missing or
corrupt input, unusable output location, missing optional package); 70 internal error;
130 / 143 interrupted by SIGINT / SIGTERM after saving a checkpoint (continue with --resume).

Environment: ATLAS_BACKEND=tensorflow-gpu|tensorflow|webgpu|webgl|wasm|cpu forces a backend; ATLAS_CACHE_DIR (extractor cache).`;

/** Map an error to its exit code. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InterruptedError) return error.signal === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof OutputError || error instanceof FileNotFoundError || error instanceof CorruptFileError || error instanceof MissingDependencyError) return EXIT.files;
  if (error instanceof AtlasError) return EXIT.failed;
  return EXIT.internal;
}

/** One line for the terminal: `atlas train: --epochs: expected an integer ≥ 1, got "x"`. */
export function errorLine(command: string | undefined, error: unknown): string {
  const prefix = command ? `atlas ${command}` : "atlas";
  if (error instanceof AtlasError) return `${prefix}: ${error.message.split("\n")[0]}`;
  return `${prefix}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

/** Options of {@link main} (tests inject streams and the signal). */
export interface MainOptions {
  stdout?: TextSink;
  stderr?: TextSink;
  /** Abort signal of the run; without it, SIGINT/SIGTERM handlers are installed (the real command line). */
  signal?: AbortSignal;
}

/** Run the command line; resolves to the exit code (never throws). */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    const topic = rest[0];
    if (command === "help" && topic !== undefined) {
      const c = COMMANDS[topic];
      if (!c) {
        stderr.write(`atlas: unknown command ${JSON.stringify(topic)}; commands: ${Object.keys(COMMANDS).join(", ")}\n`);
        return EXIT.usage;
      }
      stdout.write(commandHelp(c.spec) + "\n");
      return EXIT.ok;
    }
    stdout.write(HELP + "\n");
    return EXIT.ok;
  }
  if (command === "--version" || command === "version") {
    stdout.write("atlas 0.0.0\n");
    return EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    stderr.write(`atlas: unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMANDS).join(", ")} (run 'atlas help')\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    stdout.write(commandHelp(entry.spec) + "\n");
    return EXIT.ok;
  }
  const json = rest.includes("--json");
  try {
    const args = parseCommandLine(entry.spec, rest);
    const controller = options.signal ? undefined : new AbortController();
    const rt = createRuntime({ json, quiet: args.flags.quiet === true, stdout, stderr, signal: options.signal ?? controller!.signal });
    if (controller) installSignalHandlers(controller, rt, stderr);
    const result = await entry.run(args, rt);
    if (json) stdout.write(JSON.stringify({ ok: true, command, result }) + "\n");
    return EXIT.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    stderr.write(errorLine(command, error) + "\n");
    if (json) {
      const e = error as AtlasError;
      stdout.write(JSON.stringify({ ok: false, command, error: { code: e.code ?? "INTERNAL", exitCode: code, message: e.message ?? String(error), ...(e instanceof UsageError ? { argument: e.argument } : {}) } }) + "\n");
    }
    return code;
  }
}

/**
 * Wire SIGINT/SIGTERM to the run's AbortController. During training (a checkpointing loop) the
 * first signal asks it to stop: the loop saves a checkpoint between steps and the command exits
 * 130/143. Elsewhere there is nothing to checkpoint and the process exits at once (outputs are
 * written atomically, so none is half-written). A second signal more than a second after the
 * first exits at once too (a repeat within a second is the same Ctrl-C: the terminal sends it to
 * the whole process group and the bin wrapper forwards it as well).
 */
export function installSignalHandlers(controller: AbortController, rt: Runtime, stderr: TextSink = process.stderr): void {
  let first = 0;
  const handler = (sig: NodeJS.Signals): void => {
    const now = performance.now();
    const code = sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    if (!controller.signal.aborted) {
      first = now;
      controller.abort(sig);
      if (rt.inCheckpointedWork) {
        stderr.write(`\natlas: ${sig} received — saving a checkpoint, then stopping (send it again to quit at once)\n`);
        return;
      }
      stderr.write(`\natlas: ${sig} received — stopping (finished outputs are kept)\n`);
      process.exit(code);
    }
    if (now - first < 1000) return;
    stderr.write(`atlas: ${sig} again — exiting without waiting\n`);
    process.exit(code);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

const isEntry = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  const code = await main(process.argv.slice(2));
  // Worker threads (metrics, GTN labelling) are unref'd; exit now rather than wait for timers.
  process.exit(code);
}
