// `npm run chaos -- [--duration 10m] [--seed N] [--log-file path|off]`: the devnet under injected
// faults with its invariants checked (run.ts), then the summary, which ends with the command that
// replays the run. Exit 0 if every invariant held, 1 if not, 2 for bad arguments.
import { CHAOS_USAGE, parseChaosArgs, type ChaosArgs } from "./args.ts";
import { renderReport } from "./report.ts";
import { runChaos } from "./run.ts";

async function main(argv: string[]): Promise<number> {
  let a: ChaosArgs | "help";
  try {
    a = parseChaosArgs(argv);
  } catch (e) {
    process.stderr.write(`chaos: ${(e as Error).message}\n\n${CHAOS_USAGE}`);
    return 2;
  }
  if (a === "help") {
    process.stdout.write(CHAOS_USAGE);
    return 0;
  }
  const ac = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    // the first stops the faults and cleans up; a second exits at once (child.ts's exit hook kills the rest)
    if (++signals > 1) process.exit(130);
    process.stderr.write("chaos: stopping (again to exit at once)…\n");
    ac.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const report = await runChaos({ ...a, out: (s) => void process.stdout.write(s), signal: ac.signal });
  process.stdout.write(renderReport(report));
  if (a.logFile) process.stdout.write(`logs: ${a.logFile}\n`);
  return report.passed ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
