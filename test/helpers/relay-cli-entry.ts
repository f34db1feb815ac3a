// Runs `op-follow relay` in a child process for the CLI tests (the real dispatcher lives elsewhere).
import { runRelay } from "../../src/relay/cli.ts";

await runRelay(process.argv.slice(2));
