import { describe, expect, it } from "vitest";
import { UsageError, commandHelp, parseCommandLine, type CommandSpec } from "./args.js";

const spec: CommandSpec = {
  name: "train",
  summary: "test spec",
  positionals: [{ name: "KIND", help: "kind", choices: ["a", "b"] }],
  flags: {
    epochs: { type: "int", min: 1, max: 10, help: "epochs" },
    lr: { type: "number", min: 1e-9, help: "rate" },
    out: { type: "string", help: "dir" },
    mode: { type: "string", choices: ["x", "y"], help: "mode" },
    resume: { type: "boolean", help: "resume" },
    metrics: { type: "list", choices: ["fid", "kid"], help: "metrics" },
  },
};

function message(args: string[]): string {
  try {
    parseCommandLine(spec, args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("flag parsing", () => {
  it("reads --flag value, --flag=value, booleans, lists and positionals", () => {
    const p = parseCommandLine(spec, ["a", "--epochs", "3", "--lr=1e-3", "--resume", "--metrics", "fid,kid", "--out", "-x-dir", "--mode=y"]);
    expect(p.positionals).toEqual(["a"]);
    expect(p.flags).toEqual({ epochs: 3, lr: 0.001, resume: true, metrics: ["fid", "kid"], out: "-x-dir", mode: "y" });
    expect([...p.given].sort()).toEqual(["epochs", "lr", "metrics", "mode", "out", "resume"]);
  });

  it("names the flag, says what was expected and what was given, in one line", () => {
    const cases: [string[], string][] = [
      [["a", "--epochs", "ten"], '--epochs: expected an integer in [1, 10], got "ten"'],
      [["a", "--epochs", "0"], '--epochs: expected an integer in [1, 10], got "0"'],
      [["a", "--epochs", "2.5"], '--epochs: expected an integer in [1, 10], got "2.5"'],
      [["a", "--lr", "NaN"], '--lr: expected a number ≥ 1e-9, got "NaN"'],
      [["a", "--epochs"], "--epochs: expected a value, got nothing"],
      [["a", "--epochs", "--lr", "1"], "--epochs: expected a value, got nothing"],
      [["a", "--bogus", "1"], "--bogus: unknown flag for 'atlas train'; run 'atlas help train'"],
      [["a", "-e", "1"], "-e: unknown flag (flags are written --name); run 'atlas help train'"],
      [["a", "--mode", "z"], '--mode: expected one of x, y, got "z"'],
      [["a", "--metrics", "fid,is"], '--metrics: expected items from fid, kid, got "is"'],
      [["a", "--resume=yes"], '--resume: takes no value (or =true/=false), got "yes"'],
      [["a", "--epochs", "1", "--epochs", "2"], "--epochs: given twice"],
      [[], "KIND: missing (usage: atlas train KIND [flags])"],
      [["c"], 'KIND: expected one of a, b, got "c"'],
      [["a", "b"], "\"b\": unexpected argument for 'atlas train' (it takes KIND)"],
      [["a", "--out", ""], "--out: expected a value, got an empty string"],
    ];
    for (const [args, expected] of cases) {
      const m = message(args);
      expect(m).toBe(expected);
      expect(m).not.toContain("\n");
    }
  });

  it("lets negative numbers through as values and positionals", () => {
    const s: CommandSpec = { name: "t", summary: "", positionals: [{ name: "X", help: "" }], flags: { v: { type: "number", help: "" } } };
    expect(parseCommandLine(s, ["-3", "--v", "-2.5"]).flags.v).toBe(-2.5);
    expect(parseCommandLine(s, ["-3"]).positionals).toEqual(["-3"]);
  });

  it("lists every flag in the command's help", () => {
    const help = commandHelp(spec);
    for (const f of Object.keys(spec.flags)) expect(help).toContain(`--${f}`);
    expect(help.split("\n")[0]).toBe("Usage: atlas train KIND [flags]");
  });
});
