// The chaos command's arguments: `[--duration 10m] [--seed N] [--log-file path|off]`. A fresh seed is
// picked unless --seed is given (and printed, so the run can be replayed).
import { randomInt } from "node:crypto";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../flags/flags.ts";

export interface ChaosArgs {
  durationMs: number;
  seed: string;
  logFile: string | null;
}

export const CHAOS_USAGE = `Usage: npm run chaos -- [--duration <d>] [--seed <n>] [--log-file <path|off>]

Runs the devnet (chain server, wrangler dev, 3 relays, the publisher) while a seeded scheduler injects
relay kills, wrangler dev restarts (storage kept), RPC faults, L1/L2 reorgs, an equivocation (cleared
by the admin API), a gossip flood and a relay clock skewed by 20 s; checks the invariants throughout
and prints a summary with the seed to replay it.

  --duration <d>         from the first cross-safe head: 90s, 2m, 10m (default 2m; the last 45 s, or
                         60 s above 5 minutes, are fault-free)
  --seed <n>             replay a run (default: a fresh seed, printed)
  --log-file <path|off>  every process's output (default .op-follow/chaos.log)
`;

export function parseChaosArgs(argv: string[], fresh: () => string = () => String(randomInt(1, 2 ** 31))): ChaosArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", short: "h" },
      duration: { type: "string" },
      seed: { type: "string" },
      "log-file": { type: "string" },
    },
  });
  if (values.help) return "help";
  const d = (values.duration ?? "2m").trim();
  const durationMs = /^\d+(\.\d+)?$/.test(d) ? Number(d) * 1000 : parseDuration(d);
  if (durationMs === null || !Number.isFinite(durationMs) || durationMs < 60_000) throw new Error(`--duration: at least 1m (e.g. 90s, 2m, 10m), got "${d}"`);
  const seed = values.seed ?? fresh();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(seed)) throw new Error(`--seed: 1-64 of [A-Za-z0-9_-], got "${seed}"`);
  const lf = values["log-file"] ?? ".op-follow/chaos.log";
  return { durationMs, seed, logFile: lf === "off" ? null : resolve(lf) };
}
