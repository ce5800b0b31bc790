/** Entry point of `pnpm reproduce` (see cli.ts). */
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2));
