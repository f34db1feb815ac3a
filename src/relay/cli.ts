// `op-follow relay`: flags, environment variables, --help, validation with clear messages, and a
// clean shutdown on SIGINT/SIGTERM. The top-level dispatcher calls runRelay(argv).
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { multiaddr } from "@multiformats/multiaddr";
import { BAN, DEFAULT_INVALID_MESSAGE_WEIGHT } from "./gossip-params.ts";
import { FORWARDER_DEFAULTS } from "./forwarder.ts";
import { createLogger, isLogLevel, LOG_LEVELS, type LogLevel } from "./log.ts";
import { parseHostPort } from "./metrics.ts";
import { validatePeerAddr } from "./node.ts";
import { startRelay, type RelayConfig } from "./relay.ts";

export class RelayConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

const ENV_PREFIX = "OP_FOLLOW_RELAY_";
const MIN_SECRET_LENGTH = 16;

interface FlagSpec {
  name: string;
  env: string;
  multiple?: boolean;
  arg: string;
  help: string;
  default?: string;
}

const FLAGS: FlagSpec[] = [
  { name: "chain-id", env: "CHAIN_ID", multiple: true, arg: "<id>", help: "L2 chain id to follow; repeatable (env: comma-separated). Subscribes to /optimism/<id>/0/cross-safe-blocks." },
  { name: "worker-url", env: "WORKER_URL", arg: "<url>", help: "op-follow Worker origin, e.g. https://op-follow.example.workers.dev" },
  { name: "relay-id", env: "ID", arg: "<id>", help: "this relay's id, as registered with the Worker ([A-Za-z0-9._-], ≤ 64)" },
  { name: "secret-file", env: "SECRET_FILE", arg: "<path>", help: `file holding the relay's HMAC secret (≥ ${MIN_SECRET_LENGTH} chars); or put the secret itself in ${ENV_PREFIX}SECRET` },
  { name: "listen", env: "LISTEN", multiple: true, arg: "<multiaddr>", help: "listen address; repeatable", default: "/ip4/0.0.0.0/tcp/9222" },
  { name: "peer", env: "PEERS", multiple: true, arg: "<multiaddr>", help: "static peer /…/p2p/<id>, dialled and kept connected; repeatable" },
  { name: "bootstrap", env: "BOOTSTRAP", multiple: true, arg: "<multiaddr>", help: "bootstrap peer /…/p2p/<id>; repeatable or comma-separated" },
  { name: "key-file", env: "KEY_FILE", arg: "<path>", help: "persistent peer key (hex secp256k1, op-node's format), created with mode 600 on first run", default: "op-follow-relay_p2p_priv.txt" },
  { name: "metrics-addr", env: "METRICS_ADDR", arg: "<host:port|off>", help: "serve /metrics and /healthz", default: "127.0.0.1:7300" },
  { name: "log-level", env: "LOG_LEVEL", arg: `<${LOG_LEVELS.join("|")}>`, help: "JSON log level (stderr)", default: "info" },
  { name: "queue-size", env: "QUEUE_SIZE", arg: "<n>", help: "messages waiting for the Worker before new ones are IGNOREd", default: String(FORWARDER_DEFAULTS.maxQueue) },
  { name: "queue-mib", env: "QUEUE_MIB", arg: "<MiB>", help: "bytes waiting for the Worker before new ones are IGNOREd", default: String(FORWARDER_DEFAULTS.maxQueueBytes / 2 ** 20) },
  { name: "concurrency", env: "CONCURRENCY", arg: "<n>", help: "concurrent ingest requests", default: String(FORWARDER_DEFAULTS.concurrency) },
  { name: "deadline", env: "DEADLINE", arg: "<duration>", help: "receipt → verdict; retries stop and the message is IGNOREd after it (must outlast a Worker restart)", default: "60s" },
  { name: "request-timeout", env: "REQUEST_TIMEOUT", arg: "<duration>", help: "one ingest request", default: "10s" },
  { name: "peer-list-interval", env: "PEER_LIST_INTERVAL", arg: "<duration>", help: "how often the Worker's peer scores are fetched", default: "10s" },
  { name: "invalid-message-weight", env: "INVALID_MESSAGE_WEIGHT", arg: "<w≤0>", help: "gossipsub P4 weight on the cross-safe topics; 0 = op-node's light scoring exactly", default: String(DEFAULT_INVALID_MESSAGE_WEIGHT) },
  { name: "ban-threshold", env: "BAN_THRESHOLD", arg: "<score>", help: "peers scoring below are disconnected and banned (op-node --p2p.ban.threshold)", default: String(BAN.threshold) },
  { name: "ban-duration", env: "BAN_DURATION", arg: "<duration>", help: "how long a ban lasts (op-node --p2p.ban.duration)", default: "1h" },
  { name: "max-peers", env: "MAX_PEERS", arg: "<n>", help: "most connections kept", default: "64" },
];

export function relayUsage(): string {
  const lines = [
    "Usage: op-follow relay --chain-id <id> --worker-url <url> --relay-id <id> (--secret-file <path> | env OP_FOLLOW_RELAY_SECRET) [options]",
    "",
    "Subscribes to op-node-compatible gossip on /optimism/<chainId>/0/cross-safe-blocks, forwards every message to the",
    "op-follow Worker (POST /v1/ingest, HMAC-signed) and reports the Worker's verdict back to gossipsub.",
    "",
    "Options (each also read from the environment variable shown; flags win):",
  ];
  for (const f of FLAGS) {
    lines.push(`  --${f.name} ${f.arg}`);
    lines.push(`      ${f.help}${f.default !== undefined ? ` (default: ${f.default})` : ""}`);
    lines.push(`      env: ${ENV_PREFIX}${f.env}`);
  }
  lines.push("  -h, --help", "      show this help", "", "Durations: 500ms, 30s, 5m, 1h. Stop with SIGINT or SIGTERM.");
  return lines.join("\n") + "\n";
}

/** 500ms, 30s, 5m, 1h, 1.5s; a bare number is milliseconds. */
export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return null;
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "ms") as "ms" | "s" | "m" | "h"];
  const v = Math.round(Number(m[1]) * mult);
  return Number.isFinite(v) ? v : null;
}

export type ParsedRelayArgs = { help: true } | { help: false; config: RelayConfig };

type Env = Readonly<Record<string, string | undefined>>;

/** Flags over environment over defaults; every problem reported at once. */
export async function parseRelayArgs(argv: string[], env: Env = process.env): Promise<ParsedRelayArgs> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const f of FLAGS) options[f.name] = { type: "string", ...(f.multiple ? { multiple: true } : {}) };
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (r.positionals.length) throw new Error(`unexpected argument: ${r.positionals[0]}`);
    values = r.values as typeof values;
  } catch (e) {
    throw new RelayConfigError([(e as Error).message.replace(/\. To specify a positional.*$/s, "")]);
  }
  if (values.help === true) return { help: true };

  const problems: string[] = [];
  const one = (name: string): string | undefined => {
    const f = FLAGS.find((x) => x.name === name)!;
    const v = values[name];
    if (typeof v === "string") return v;
    const e = env[ENV_PREFIX + f.env];
    if (e !== undefined && e !== "") return e;
    return f.default;
  };
  const many = (name: string): string[] => {
    const f = FLAGS.find((x) => x.name === name)!;
    const v = values[name];
    const raw = Array.isArray(v) && v.length ? v : (env[ENV_PREFIX + f.env] ?? f.default ?? "").split(",");
    return raw.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
  };
  const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const s = one(name) ?? "";
    if (!/^-?\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      problems.push(`--${name}: expected an integer in [${min}, ${max}], got "${s}"`);
      return min;
    }
    return Number(s);
  };
  const num = (name: string, check: (n: number) => boolean, what: string): number => {
    const s = one(name) ?? "";
    const n = Number(s);
    if (s === "" || !Number.isFinite(n) || !check(n)) {
      problems.push(`--${name}: expected ${what}, got "${s}"`);
      return 0;
    }
    return n;
  };
  const duration = (name: string, minMs: number): number => {
    const s = one(name) ?? "";
    const d = parseDuration(s);
    if (d === null || d < minMs) {
      problems.push(`--${name}: expected a duration ≥ ${minMs} ms like 30s or 500ms, got "${s}"`);
      return minMs;
    }
    return d;
  };

  const chainIds: bigint[] = [];
  const chainStrs = many("chain-id");
  if (chainStrs.length === 0) problems.push("--chain-id is required (at least one)");
  for (const s of chainStrs) {
    if (!/^[1-9]\d{0,19}$/.test(s) || BigInt(s) > 0xffffffffffffffffn) problems.push(`--chain-id: "${s}" is not a positive decimal chain id`);
    else if (!chainIds.includes(BigInt(s))) chainIds.push(BigInt(s));
  }

  const workerUrl = one("worker-url");
  if (!workerUrl) problems.push("--worker-url is required");
  else {
    try {
      const u = new URL(workerUrl);
      if (u.protocol !== "http:" && u.protocol !== "https:") problems.push(`--worker-url: expected http(s), got "${workerUrl}"`);
      if (u.search || u.hash) problems.push("--worker-url: must not have a query or fragment");
    } catch {
      problems.push(`--worker-url: not a URL: "${workerUrl}"`);
    }
  }

  const relayId = one("relay-id");
  if (!relayId) problems.push("--relay-id is required");
  else if (!/^[A-Za-z0-9._-]{1,64}$/.test(relayId)) problems.push(`--relay-id: "${relayId}" must be 1-64 of [A-Za-z0-9._-]`);

  let secret: string | undefined;
  const secretFile = one("secret-file");
  const secretEnv = env[ENV_PREFIX + "SECRET"];
  if (secretFile && secretEnv) problems.push(`give the secret either with --secret-file or in ${ENV_PREFIX}SECRET, not both`);
  else if (secretFile) {
    try {
      secret = (await readFile(secretFile, "utf8")).replace(/\r?\n$/, "");
    } catch (e) {
      problems.push(`--secret-file: cannot read ${secretFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (secretEnv) secret = secretEnv;
  else problems.push(`a secret is required: --secret-file <path> or ${ENV_PREFIX}SECRET`);
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) problems.push(`the relay secret must be at least ${MIN_SECRET_LENGTH} characters`);

  const listen = many("listen");
  if (listen.length === 0) problems.push("--listen: at least one address is required");
  for (const a of listen) {
    try {
      multiaddr(a);
    } catch {
      problems.push(`--listen: not a multiaddr: "${a}"`);
    }
  }
  const peers = many("peer");
  const bootstrapAddrs = many("bootstrap");
  for (const [flag, list] of [["peer", peers], ["bootstrap", bootstrapAddrs]] as const) {
    for (const a of list) {
      try {
        validatePeerAddr(a);
      } catch (e) {
        problems.push(`--${flag}: "${a}": ${(e as Error).message.replace(/^multiaddr .* has/, "has")}`);
      }
    }
  }

  const keyFile = one("key-file");
  let metricsAddr = one("metrics-addr");
  if (metricsAddr === "off" || metricsAddr === "") metricsAddr = undefined;
  else if (metricsAddr) {
    try {
      parseHostPort(metricsAddr);
    } catch (e) {
      problems.push(`--metrics-addr: ${(e as Error).message}`);
    }
  }
  const logLevel = one("log-level") ?? "info";
  if (!isLogLevel(logLevel)) problems.push(`--log-level: expected one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);

  const maxQueue = int("queue-size", 1, 1_000_000);
  const queueMib = int("queue-mib", 11, 65_536); // must hold at least one 10 MiB message
  const concurrency = int("concurrency", 1, 1024);
  const deadlineMs = duration("deadline", 1_000);
  const requestTimeoutMs = duration("request-timeout", 100);
  const peerListIntervalMs = duration("peer-list-interval", 100);
  const invalidMessageWeight = num("invalid-message-weight", (n) => n <= 0, "a number ≤ 0");
  const banThreshold = num("ban-threshold", (n) => n < 0, "a negative number");
  const banDurationMs = duration("ban-duration", 1_000);
  const maxConnections = int("max-peers", 1, 10_000);

  if (problems.length) throw new RelayConfigError(problems);
  return {
    help: false,
    config: {
      chainIds,
      workerUrl: workerUrl!,
      relayId: relayId!,
      secret: secret!,
      listen,
      peers,
      bootstrap: bootstrapAddrs,
      ...(keyFile ? { keyFile } : {}),
      ...(metricsAddr ? { metricsAddr } : {}),
      logLevel: logLevel as LogLevel,
      maxQueue,
      maxQueueBytes: queueMib * 2 ** 20,
      concurrency,
      deadlineMs,
      requestTimeoutMs,
      peerListIntervalMs,
      invalidMessageWeight,
      banThreshold,
      banDurationMs,
      maxConnections,
    },
  };
}

export interface RunRelayIo {
  env?: Env;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/**
 * Runs the relay until SIGINT/SIGTERM. Bad configuration: message on stderr, process.exitCode = 2.
 * Failure to start (port in use, unreadable key): process.exitCode = 1.
 */
export async function runRelay(argv: string[], io: RunRelayIo = {}): Promise<void> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let parsed: ParsedRelayArgs;
  try {
    parsed = await parseRelayArgs(argv, io.env ?? process.env);
  } catch (e) {
    if (!(e instanceof RelayConfigError)) throw e;
    err(`op-follow relay: invalid configuration:\n${e.problems.map((p) => `  - ${p}`).join("\n")}\nRun 'op-follow relay --help' for usage.\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    out(relayUsage());
    return;
  }
  const config = parsed.config;
  const log = createLogger({ level: config.logLevel, fields: { component: "relay", relayId: config.relayId } });
  let relay;
  try {
    relay = await startRelay(config, { log });
  } catch (e) {
    log.error("relay failed to start", { err: e });
    process.exitCode = 1;
    return;
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        log.warn("second signal: exiting now", { signal: sig });
        process.exit(130);
      }
      log.info("shutting down", { signal: sig });
      relay
        .stop()
        .catch((e: unknown) => {
          log.error("error during shutdown", { err: e });
          process.exitCode = 1;
        })
        .finally(() => {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          resolve();
        });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
