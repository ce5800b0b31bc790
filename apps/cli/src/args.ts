import { InvalidArgumentError } from "@atlas/core";

/**
 * A command-line mistake: unknown command or flag, a missing or malformed value. The message names
 * the flag (`--epochs: expected an integer ≥ 1, got "ten"`); `atlas` prints it on one line and exits 2.
 */
export class UsageError extends InvalidArgumentError {}

/** How a flag's value is read. */
export type FlagType = "string" | "int" | "number" | "boolean" | "list";

/** One flag of a command. */
export interface FlagSpec {
  readonly type: FlagType;
  /** One line for `atlas help <command>`. */
  readonly help: string;
  /** Placeholder in the usage text (`N`, `DIR`). */
  readonly value?: string;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values (string), or allowed items (list). */
  readonly choices?: readonly string[];
  /** Shown in the help; the parser itself fills no defaults. */
  readonly default?: string;
}

/** One positional argument. */
export interface PositionalSpec {
  readonly name: string;
  readonly help: string;
  readonly choices?: readonly string[];
}

/** A command: its positionals (all required) and flags. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Extra lines for `atlas help <command>`. */
  readonly notes?: readonly string[];
}

/** Parsed values: strings, numbers, booleans or string lists, keyed by flag name without dashes. */
export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** What {@link parseCommandLine} returns. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: FlagValues;
  /** Flags the user wrote (for conflict checks against a resumed run). */
  readonly given: ReadonlySet<string>;
}

function quote(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
}

function bound(spec: FlagSpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return ` in [${spec.min}, ${spec.max}]`;
  if (spec.min !== undefined) return ` ≥ ${spec.min}`;
  if (spec.max !== undefined) return ` ≤ ${spec.max}`;
  return "";
}

/** Read one flag value per its spec; throws a {@link UsageError} naming `--name`. */
export function parseFlagValue(name: string, spec: FlagSpec, raw: string): string | number | boolean | string[] {
  const flag = `--${name}`;
  switch (spec.type) {
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      throw new UsageError(flag, `takes no value (or =true/=false), got ${quote(raw)}`);
    case "int": {
      const v = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(v) || (spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw new UsageError(flag, `expected an integer${bound(spec)}, got ${quote(raw)}`);
      }
      return v;
    }
    case "number": {
      const v = raw.trim() === "" ? NaN : Number(raw);
      if (!Number.isFinite(v) || (spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw new UsageError(flag, `expected a number${bound(spec)}, got ${quote(raw)}`);
      }
      return v;
    }
    case "list": {
      const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (items.length === 0) throw new UsageError(flag, `expected a comma-separated list${spec.choices ? ` of ${spec.choices.join(", ")}` : ""}, got ${quote(raw)}`);
      if (spec.choices) {
        const bad = items.find((s) => !spec.choices!.includes(s));
        if (bad !== undefined) throw new UsageError(flag, `expected items from ${spec.choices.join(", ")}, got ${quote(bad)}`);
      }
      return items;
    }
    case "string":
      if (raw === "") throw new UsageError(flag, "expected a value, got an empty string");
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(flag, `expected one of ${spec.choices.join(", ")}, got ${quote(raw)}`);
      return raw;
  }
}

/**
 * Parse `args` (after the command name) against a command's spec: `--flag value`, `--flag=value`,
 * boolean `--flag`, `--` ending the flags. Every mistake is a {@link UsageError} whose message names
 * the flag or positional and says what was expected and what was given.
 */
export function parseCommandLine(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: FlagValues = {};
  const given = new Set<string>();
  let onlyPositionals = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (onlyPositionals || !arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(arg, `unknown flag (flags are written --name); run 'atlas help ${spec.name}'`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const flagSpec = Object.prototype.hasOwnProperty.call(spec.flags, name) ? spec.flags[name] : undefined;
    if (!flagSpec) throw new UsageError(`--${name}`, `unknown flag for 'atlas ${spec.name}'; run 'atlas help ${spec.name}'`);
    if (given.has(name)) throw new UsageError(`--${name}`, "given twice");
    given.add(name);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (flagSpec.type === "boolean") raw = "true";
    else {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) throw new UsageError(`--${name}`, `expected a value${flagSpec.value ? ` (${flagSpec.value})` : ""}, got nothing`);
      raw = next;
      i++;
    }
    flags[name] = parseFlagValue(name, flagSpec, raw);
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(quote(positionals[spec.positionals.length]!), `unexpected argument for 'atlas ${spec.name}' (it takes ${spec.positionals.length === 0 ? "none" : spec.positionals.map((p) => p.name).join(" ")})`);
  }
  spec.positionals.forEach((p, i) => {
    const v = positionals[i];
    if (v === undefined) throw new UsageError(p.name, `missing (usage: ${usageLine(spec)})`);
    if (p.choices && !p.choices.includes(v)) throw new UsageError(p.name, `expected one of ${p.choices.join(", ")}, got ${quote(v)}`);
  });
  return { positionals, flags, given };
}

/** Throw a {@link UsageError} unless `--name` was given. */
export function requireFlag<T>(flags: FlagValues, name: string, what: string): T {
  const v = flags[name];
  if (v === undefined) throw new UsageError(`--${name}`, `required (${what})`);
  return v as T;
}

/** `atlas train KIND --data SRC --out DIR [--epochs N] …` */
export function usageLine(spec: CommandSpec): string {
  const parts = [`atlas ${spec.name}`, ...spec.positionals.map((p) => p.name)];
  return parts.join(" ") + (Object.keys(spec.flags).length > 0 ? " [flags]" : "");
}

/** The help text of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, "", spec.summary, ""];
  for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(26)}${p.help}${p.choices ? ` (${p.choices.join(" | ")})` : ""}`);
  if (spec.positionals.length > 0) lines.push("");
  for (const [name, f] of Object.entries(spec.flags)) {
    const left = `  --${name}${f.type === "boolean" ? "" : ` ${f.value ?? (f.type === "int" || f.type === "number" ? "N" : "VALUE")}`}`;
    const extra = [f.choices && f.type === "string" ? f.choices.join(" | ") : undefined, f.default !== undefined ? `default ${f.default}` : undefined].filter(Boolean).join("; ");
    lines.push(`${left.padEnd(28)}${f.help}${extra ? ` (${extra})` : ""}`);
  }
  if (spec.notes) lines.push("", ...spec.notes);
  return lines.join("\n");
}
