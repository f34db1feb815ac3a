// `op-follow publish`: flags, environment variables, --help, validation with clear messages, and a
// clean shutdown on SIGINT/SIGTERM. The top-level dispatcher calls runPublish(argv).
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { multiaddr } from "@multiformats/multiaddr";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { parseDuration } from "../relay/cli.ts";
import { createLogger, isLogLevel, LOG_LEVELS, type LogLevel } from "../relay/log.ts";
import { parseHostPort } from "../relay/metrics.ts";
import { validatePeerAddr } from "../relay/node.ts";
import { startPublisher, type PublisherConfig } from "./publisher.ts";

export class PublishConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.problems = problems;
  }
}

const ENV_PREFIX = "OP_FOLLOW_PUBLISH_";

interface FlagSpec {
  name: string;
  env: string;
  multiple?: boolean;
  arg: string;
  help: string;
  default?: string;
}

const FLAGS: FlagSpec[] = [
  { name: "chain-id", env: "CHAIN_ID", arg: "<id>", help: "L2 chain id; publishes on /optimism/<id>/0/cross-safe-blocks (checked against the L2 RPC's eth_chainId)" },
  { name: "l2-rpc", env: "L2_RPC", arg: "<url>", help: "the sequencer's execution node (op-geth): eth_getBlockByNumber" },
  { name: "rollup-rpc", env: "ROLLUP_RPC", arg: "<url>", help: "the sequencer's rollup node (op-node): optimism_syncStatus (cross_safe_l2, else safe_l2)" },
  { name: "signer-key-file", env: "SIGNER_KEY_FILE", arg: "<path>", help: `file holding the sequencer's block-signing key (hex secp256k1); or put the key itself in ${ENV_PREFIX}SIGNER_KEY. Never logged.` },
  { name: "state-file", env: "STATE_FILE", arg: "<path>", help: "what has been published (never twice, also across restarts); created on first run", default: "op-follow-publisher-state.json" },
  { name: "from", env: "FROM", arg: "<height>", help: "first block to publish on a fresh state file (default: the cross-safe head at start)" },
  { name: "poll-interval", env: "POLL_INTERVAL", arg: "<duration>", help: "how often the sequencer's cross-safe head is polled", default: "1s" },
  { name: "rpc-timeout", env: "RPC_TIMEOUT", arg: "<duration>", help: "one JSON-RPC call", default: "5s" },
  { name: "publish-timeout", env: "PUBLISH_TIMEOUT", arg: "<duration>", help: "how long a publication waits for a subscribed peer before it is retried", default: "10s" },
  { name: "listen", env: "LISTEN", multiple: true, arg: "<multiaddr>", help: "listen address; repeatable", default: "/ip4/0.0.0.0/tcp/9223" },
  { name: "peer", env: "PEERS", multiple: true, arg: "<multiaddr>", help: "static peer /…/p2p/<id> (e.g. a relay), dialled and kept connected; repeatable" },
  { name: "bootstrap", env: "BOOTSTRAP", multiple: true, arg: "<multiaddr>", help: "bootstrap peer /…/p2p/<id>; repeatable or comma-separated" },
  { name: "key-file", env: "KEY_FILE", arg: "<path>", help: "persistent libp2p peer key (hex secp256k1, op-node's format), created with mode 600 on first run", default: "op-follow-publisher_p2p_priv.txt" },
  { name: "metrics-addr", env: "METRICS_ADDR", arg: "<host:port|off>", help: "serve /metrics and /healthz", default: "127.0.0.1:7301" },
  { name: "log-level", env: "LOG_LEVEL", arg: `<${LOG_LEVELS.join("|")}>`, help: "JSON log level (stderr)", default: "info" },
  { name: "max-peers", env: "MAX_PEERS", arg: "<n>", help: "most connections kept", default: "64" },
];

export function publishUsage(): string {
  const lines = [
    "Usage: op-follow publish --chain-id <id> --l2-rpc <url> --rollup-rpc <url> (--signer-key-file <path> | env OP_FOLLOW_PUBLISH_SIGNER_KEY) [options]",
    "",
    "The sequencer side of Following Mode: polls the sequencer's op-node for its cross-safe head and, for every",
    "newly cross-safe block in order, fetches it from op-geth, checks that its hash recomputes and that it is still",
    "canonical and cross-safe, signs the v4 payload with the sequencer key and publishes it on",
    "/optimism/<chainId>/0/cross-safe-blocks. Never publishes a block twice; after an L2 reorg it publishes the new",
    "blocks from the fork point.",
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

export type ParsedPublishArgs = { help: true } | { help: false; config: PublisherConfig };

type Env = Readonly<Record<string, string | undefined>>;

/** The 32-byte key in hex (0x optional, surrounding whitespace ignored), or an error that does not echo it. */
export function parseSignerKey(text: string, where: string): Uint8Array | string {
  const hex = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return `${where}: expected the hex of a 32-byte secp256k1 private key`;
  const key = Uint8Array.from(Buffer.from(hex, "hex"));
  try {
    addressOfPrivateKey(key);
  } catch {
    return `${where}: not a valid secp256k1 private key`;
  }
  return key;
}

/** Flags over environment over defaults; every problem reported at once. */
export async function parsePublishArgs(argv: string[], env: Env = process.env): Promise<ParsedPublishArgs> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const f of FLAGS) options[f.name] = { type: "string", ...(f.multiple ? { multiple: true } : {}) };
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (r.positionals.length) throw new Error(`unexpected argument: ${r.positionals[0]}`);
    values = r.values as typeof values;
  } catch (e) {
    throw new PublishConfigError([(e as Error).message.replace(/\. To specify a positional.*$/s, "")]);
  }
  if (values.help === true) return { help: true };

  const problems: string[] = [];
  const spec = (name: string): FlagSpec => FLAGS.find((x) => x.name === name)!;
  const one = (name: string): string | undefined => {
    const v = values[name];
    if (typeof v === "string") return v;
    const e = env[ENV_PREFIX + spec(name).env];
    if (e !== undefined && e !== "") return e;
    return spec(name).default;
  };
  const many = (name: string): string[] => {
    const f = spec(name);
    const v = values[name];
    const raw = Array.isArray(v) && v.length ? v : (env[ENV_PREFIX + f.env] ?? f.default ?? "").split(",");
    return raw.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
  };
  const duration = (name: string, minMs: number): number => {
    const s = one(name) ?? "";
    const d = parseDuration(s);
    if (d === null || d < minMs) {
      problems.push(`--${name}: expected a duration ≥ ${minMs} ms like 1s or 500ms, got "${s}"`);
      return minMs;
    }
    return d;
  };
  const url = (name: string): string => {
    const s = one(name);
    if (!s) {
      problems.push(`--${name} is required`);
      return "";
    }
    try {
      const u = new URL(s);
      if (u.protocol !== "http:" && u.protocol !== "https:") problems.push(`--${name}: expected http(s), got "${s}"`);
    } catch {
      problems.push(`--${name}: not a URL: "${s}"`);
    }
    return s;
  };

  let chainId = 0n;
  const chainStr = one("chain-id");
  if (!chainStr) problems.push("--chain-id is required");
  else if (!/^[1-9]\d{0,19}$/.test(chainStr) || BigInt(chainStr) > 0xffffffffffffffffn) problems.push(`--chain-id: "${chainStr}" is not a positive decimal chain id`);
  else chainId = BigInt(chainStr);

  const l2Rpc = url("l2-rpc");
  const rollupRpc = url("rollup-rpc");

  let signerKey: Uint8Array | undefined;
  const keyFile = one("signer-key-file");
  const keyEnv = env[ENV_PREFIX + "SIGNER_KEY"];
  if (keyFile && keyEnv) problems.push(`give the signer key either with --signer-key-file or in ${ENV_PREFIX}SIGNER_KEY, not both`);
  else if (keyFile) {
    try {
      const k = parseSignerKey(await readFile(keyFile, "utf8"), `--signer-key-file ${keyFile}`);
      if (typeof k === "string") problems.push(k);
      else signerKey = k;
    } catch (e) {
      problems.push(`--signer-key-file: cannot read ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (keyEnv) {
    const k = parseSignerKey(keyEnv, `${ENV_PREFIX}SIGNER_KEY`);
    if (typeof k === "string") problems.push(k);
    else signerKey = k;
  } else problems.push(`a signer key is required: --signer-key-file <path> or ${ENV_PREFIX}SIGNER_KEY`);

  const stateFile = one("state-file") ?? "";
  if (!stateFile) problems.push("--state-file must not be empty");
  let from: bigint | undefined;
  const fromStr = one("from");
  if (fromStr !== undefined) {
    if (!/^\d{1,20}$/.test(fromStr)) problems.push(`--from: expected a block number, got "${fromStr}"`);
    else from = BigInt(fromStr);
  }
  const pollIntervalMs = duration("poll-interval", 50);
  const rpcTimeoutMs = duration("rpc-timeout", 100);
  const publishTimeoutMs = duration("publish-timeout", 100);

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
  const bootstrap = many("bootstrap");
  for (const [flag, list] of [["peer", peers], ["bootstrap", bootstrap]] as const) {
    for (const a of list) {
      try {
        validatePeerAddr(a);
      } catch (e) {
        problems.push(`--${flag}: "${a}": ${(e as Error).message.replace(/^multiaddr .* has/, "has")}`);
      }
    }
  }
  const peerKeyFile = one("key-file");
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
  const maxStr = one("max-peers") ?? "";
  const maxConnections = Number(maxStr);
  if (!/^\d+$/.test(maxStr) || maxConnections < 1 || maxConnections > 10_000) problems.push(`--max-peers: expected an integer in [1, 10000], got "${maxStr}"`);

  if (problems.length) throw new PublishConfigError(problems);
  return {
    help: false,
    config: {
      chainId,
      l2Rpc,
      rollupRpc,
      signerKey: signerKey!,
      stateFile,
      ...(from !== undefined ? { from } : {}),
      pollIntervalMs,
      rpcTimeoutMs,
      publishTimeoutMs,
      listen,
      peers,
      bootstrap,
      ...(peerKeyFile ? { keyFile: peerKeyFile } : {}),
      ...(metricsAddr ? { metricsAddr } : {}),
      logLevel: logLevel as LogLevel,
      maxConnections,
    },
  };
}

export interface RunPublishIo {
  env?: Env;
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/**
 * Runs the publisher until SIGINT/SIGTERM. Bad configuration: message on stderr, exit code 2.
 * Failure to start, or a fatal error while running (wrong chain): exit code 1.
 */
export async function runPublish(argv: string[], io: RunPublishIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  let parsed: ParsedPublishArgs;
  try {
    parsed = await parsePublishArgs(argv, io.env ?? process.env);
  } catch (e) {
    if (!(e instanceof PublishConfigError)) throw e;
    err(`op-follow publish: invalid configuration:\n${e.problems.map((p) => `  - ${p}`).join("\n")}\nRun 'op-follow publish --help' for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    out(publishUsage());
    return 0;
  }
  const config = parsed.config;
  const log = createLogger({ level: config.logLevel, fields: { component: "publisher" } });
  let fatal: Error | undefined;
  let publisher;
  try {
    publisher = await startPublisher(config, { log, onFatal: (e) => (fatal = e) });
  } catch (e) {
    log.error("publisher failed to start", { err: e });
    return 1;
  }
  const p = publisher;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn("second signal: exiting now", { signal: sig });
      process.exit(130);
    }
    log.info("shutting down", { signal: sig });
    void p.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await p.done;
  let code = fatal ? 1 : 0;
  try {
    await p.stop();
  } catch (e) {
    log.error("error during shutdown", { err: e });
    code = 1;
  }
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return code;
}
