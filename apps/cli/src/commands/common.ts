import type { FlagSpec } from "../args.js";

/** Flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  json: { type: "boolean", help: "print one JSON document on stdout (the result, or {error}); human lines go to stderr" },
  quiet: { type: "boolean", help: "no progress bars or human lines" },
};
