// `op-follow devnet`'s command line: its options, usage text and argument parser (pure; the run is devnet.ts).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseDuration } from "../flags/flags.ts";

export const SCENARIOS = ["replace", "l1-reorg", "l2-reorg", "equivocation", "unsafe-reorg", "sequencer-silent"] as const;
/** How long the sequencer-silent scenario keeps the sequencer's unsafe gossip off. */
export const SILENCE_S = 15;
export type ScenarioKind = (typeof SCENARIOS)[number];

export interface DevnetOptions {
  /** Worker port (default 8787; 0 = any free port). */
  port: number;
  /** Chain server port (default 0 = any free port). */
  chainPort: number;
  blockTime: 1 | 2;
  color: boolean;
  /** Exit after this many seconds (tests); undefined = until Ctrl-C. */
  durationS?: number;
  scenarios: { kind: ScenarioKind; atS: number }[];
  /** JSON logs of the publisher, relay and wrangler; null = discard. */
  logFile: string | null;
  persistTo?: string;
}

export class DevnetUsageError extends Error {}

export function devnetUsage(): string {
  return [
    "Usage: op-follow devnet [options]        (npm start)",
    "",
    "Runs Following Mode locally and offline: a real-time L1/L2 chain (sequencer and follower nodes), the op-follow",
    "Worker under `wrangler dev --local`, one relay and the publisher signing as the devnet's sequencer (its unsafe",
    "blocks and its cross-safe attestations). Shows the unsafe, local-safe and cross-safe heads advancing until Ctrl-C,",
    "then stops everything.",
    "",
    "Options:",
    "  --port <n>              Worker port (status page at /; default 8787, 0 = any free port)",
    "  --chain-port <n>        chain server port (default: any free port)",
    "  --block-time <1|2>      seconds per L2 block (default 1)",
    "  --duration <seconds>    exit after this long (90, 90s, 2m; exit code 1 if the head never advanced)",
    `  --scenario <kind>@<s>   at <s> seconds: ${SCENARIOS.join(" | ")}; repeatable or comma-separated`,
    "  --log-file <path|off>   publisher, relay and wrangler logs (default .op-follow/devnet.log)",
    "  --persist-to <dir>      keep the Worker's Durable Object storage there (default: fresh per run)",
    "  --no-color              plain output (also when NO_COLOR is set or stdout is not a terminal)",
    "  -h, --help              show this help",
    "  --version               print the version",
    "",
    "Stops on Ctrl-C, SIGTERM or SIGHUP (the terminal closing), taking down everything it started.",
    "",
    "Scenarios: replace (deposits-only replacement), l1-reorg, l2-reorg, equivocation (alarm, cleared after 10 s),",
    `  unsafe-reorg (the sequencer rebuilds its newest unsafe blocks), sequencer-silent (no unsafe gossip for ${SILENCE_S} s)`,
    "",
    "Example: op-follow devnet --scenario replace@15,equivocation@40,unsafe-reorg@50 --duration 90",
  ].join("\n") + "\n";
}

export function parseDevnetArgs(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env, isTty = Boolean(process.stdout.isTTY)): DevnetOptions | "help" {
  let v: Record<string, string | string[] | boolean | undefined>;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        port: { type: "string" },
        "chain-port": { type: "string" },
        "block-time": { type: "string" },
        duration: { type: "string" },
        scenario: { type: "string", multiple: true },
        "log-file": { type: "string" },
        "persist-to": { type: "string" },
        "no-color": { type: "boolean" },
      },
    }).values;
  } catch (e) {
    throw new DevnetUsageError((e as Error).message);
  }
  if (v["help"]) return "help";
  const problems: string[] = [];
  const port = (name: string, def: number): number => {
    const s = v[name] as string | undefined;
    if (s === undefined) return def;
    if (!/^\d{1,5}$/.test(s) || Number(s) > 65535) {
      problems.push(`--${name}: expected a port number, got "${s}"`);
      return def;
    }
    return Number(s);
  };
  const bt = (v["block-time"] as string | undefined) ?? "1";
  if (bt !== "1" && bt !== "2") problems.push(`--block-time: 1 or 2, got "${bt}"`);
  let durationS: number | undefined;
  if (v["duration"] !== undefined) {
    // seconds, or with a unit like the other commands' durations (90s, 2m, 1h)
    const d = String(v["duration"]).trim();
    const ms = /^\d+(\.\d+)?$/.test(d) ? Number(d) * 1000 : parseDuration(d);
    durationS = ms === null ? NaN : ms / 1000;
    if (!Number.isFinite(durationS) || durationS <= 0) problems.push(`--duration: expected seconds > 0 (90, 90s, 2m), got "${d}"`);
  }
  const scenarios: DevnetOptions["scenarios"] = [];
  for (const item of ((v["scenario"] as string[] | undefined) ?? []).flatMap((s) => s.split(","))) {
    const m = /^([a-z0-9-]+)@(\d+(?:\.\d+)?)s?$/.exec(item.trim());
    if (!m || !(SCENARIOS as readonly string[]).includes(m[1]!)) problems.push(`--scenario: expected <${SCENARIOS.join("|")}>@<seconds>, got "${item}"`);
    else scenarios.push({ kind: m[1] as ScenarioKind, atS: Number(m[2]) });
  }
  const logArg = (v["log-file"] as string | undefined) ?? ".op-follow/devnet.log";
  const workerPort = port("port", 8787);
  const chainPort = port("chain-port", 0);
  if (problems.length) throw new DevnetUsageError(problems.join("\n"));
  return {
    port: workerPort,
    chainPort,
    blockTime: bt === "2" ? 2 : 1,
    color: !v["no-color"] && !env["NO_COLOR"] && isTty,
    ...(durationS !== undefined ? { durationS } : {}),
    scenarios: scenarios.sort((a, b) => a.atS - b.atS),
    logFile: logArg === "off" ? null : resolve(logArg),
    ...(v["persist-to"] ? { persistTo: resolve(v["persist-to"] as string) } : {}),
  };
}
