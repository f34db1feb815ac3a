// `op-follow relay`: flags, environment variables, --help, validation with clear messages, and a
// clean shutdown on SIGINT/SIGTERM/SIGHUP. The top-level dispatcher calls runRelay(argv).
import { configOrExit, type CommandIo } from "../flags/config-or-exit.ts";
import { parseFlags, renderUsage, type Env, type FlagTable, type ParsedArgs } from "../flags/flags.ts";
import { MAX_PEERS_FLAG, nodeFlags, readMaxPeers, readNodeFlags, readStatusInterval } from "./node-flags.ts";
import { RELAY_PORTS } from "../flags/ports.ts";
import { runUntilSignal } from "../process/run-until-signal.ts";
import { BAN, DEFAULT_INVALID_MESSAGE_WEIGHT } from "./gossip-params.ts";
import { FORWARDER_DEFAULTS, QUEUE_PER_CHAIN } from "./forwarder.ts";
import { createLogger } from "./log.ts";
import type { TopicKind } from "../protocol/topic.ts";
import { startRelay, TOPIC_KINDS, type RelayConfig } from "./relay.ts";
import { MIN_FAILURES } from "./worker-health.ts";

const ENV_PREFIX = "OP_FOLLOW_RELAY_";
/** The Worker refuses shorter relay secrets (RELAY_SECRETS, src/checks/settings.ts). */
const MIN_SECRET_LENGTH = 32;

const TABLE: FlagTable = {
  envPrefix: ENV_PREFIX,
  durationExample: "30s",
  flags: [
    { name: "chain-id", multiple: true, arg: "<id>", help: "L2 chain id to follow; repeatable (env: comma-separated). Subscribes to its topics (--topics)." },
    {
      name: "topics",
      arg: "<kinds>",
      help: "comma-separated: cross-safe (/optimism/<id>/0/cross-safe-blocks), blocks (op-node's unsafe blocks topics /optimism/<id>/{0,1,2,3}/blocks); each kind has its own forward queue",
      default: TOPIC_KINDS.join(","),
    },
    { name: "worker-url", arg: "<url>", help: "op-follow Worker origin, e.g. https://op-follow.example.workers.dev" },
    { name: "relay-id", deprecatedEnv: "ID", arg: "<id>", help: "this relay's id, as registered with the Worker ([A-Za-z0-9._-], ≤ 64)" },
    { name: "secret-file", arg: "<path>", help: `file holding the relay's HMAC secret (≥ ${MIN_SECRET_LENGTH} chars); or put the secret itself in ${ENV_PREFIX}SECRET` },
    // Not op-node's 9222 (p2p) and 7300 (metrics): the relay runs beside the follower's op-node (ports.ts).
    ...nodeFlags({ command: "relay", listenPort: RELAY_PORTS.listen, keyNoun: "peer key", metricsPort: RELAY_PORTS.metrics }),
    { name: "queue-size", arg: "<n>", help: `messages waiting for the Worker before the longest queue's newest are IGNOREd (per kind of topic; each --chain-id after the first adds ${QUEUE_PER_CHAIN})`, default: String(FORWARDER_DEFAULTS.maxQueue) },
    { name: "peer-queue-size", arg: "<n>", help: "one peer's messages waiting or in flight, per --chain-id, before its new ones are IGNOREd (no penalty)", default: String(FORWARDER_DEFAULTS.maxPerPeer) },
    { name: "queue-mib", arg: "<MiB>", help: "bytes waiting for the Worker before new ones are IGNOREd (per kind of topic)", default: String(FORWARDER_DEFAULTS.maxQueueBytes / 2 ** 20) },
    { name: "concurrency", arg: "<n>", help: "concurrent ingest requests (per kind of topic)", default: String(FORWARDER_DEFAULTS.concurrency) },
    { name: "deadline", arg: "<duration>", help: "receipt → verdict; retries stop and the message is IGNOREd after it (must outlast a Worker restart)", default: "60s" },
    { name: "request-timeout", arg: "<duration>", help: "one ingest request", default: "10s" },
    { name: "peer-list-interval", arg: "<duration>", help: "how often the Worker's peer scores are fetched", default: "10s" },
    { name: "invalid-message-weight", arg: "<w≤0>", help: "gossipsub P4 weight on the cross-safe topic (the blocks topics keep op-node's light scoring exactly); 0 = op-node's light scoring exactly", default: String(DEFAULT_INVALID_MESSAGE_WEIGHT) },
    { name: "ban-threshold", arg: "<score>", help: "peers scoring below are disconnected and banned (op-node --p2p.ban.threshold)", default: String(BAN.threshold) },
    { name: "ban-duration", arg: "<duration>", help: "how long a ban lasts (op-node --p2p.ban.duration)", default: "1h" },
    {
      name: "worker-failing-after",
      arg: "<duration>",
      help: `requests to the Worker failing for this long (at least ${MIN_FAILURES} in a row, none succeeding) turn /healthz to 503 and op_follow_relay_worker_up to 0, naming the reason`,
      default: "30s",
    },
    MAX_PEERS_FLAG,
  ],
};

export function relayUsage(): string {
  return renderUsage(TABLE, [
    "Usage: op-follow relay --chain-id <id> --worker-url <url> --relay-id <id> (--secret-file <path> | env OP_FOLLOW_RELAY_SECRET) [options]",
    "",
    "Subscribes to op-node-compatible gossip on /optimism/<chainId>/0/cross-safe-blocks and op-node's unsafe blocks topics",
    "/optimism/<chainId>/{0,1,2,3}/blocks, forwards every message to the op-follow Worker (POST /v1/ingest, HMAC-signed)",
    "and reports the Worker's verdict back to gossipsub.",
  ]);
}

/** Flags over environment over defaults; every problem reported at once (CliConfigError). */
export async function parseRelayArgs(argv: string[], env: Env = process.env): Promise<ParsedArgs<RelayConfig>> {
  const flags = parseFlags(argv, env, TABLE);
  if (!flags) return { help: true };

  const chainIds: bigint[] = [];
  const chainStrs = flags.many("chain-id");
  if (chainStrs.length === 0) flags.problem("--chain-id is required (at least one)");
  for (const s of chainStrs) {
    const id = flags.chainId("chain-id", s);
    if (id !== undefined && !chainIds.includes(id)) chainIds.push(id);
  }

  const topicKinds: TopicKind[] = [];
  for (const k of (flags.one("topics") ?? "").split(",").map((x) => x.trim()).filter(Boolean)) {
    if (!(TOPIC_KINDS as readonly string[]).includes(k)) flags.problem(`--topics: "${k}" is not one of ${TOPIC_KINDS.join(", ")}`);
    else if (!topicKinds.includes(k as TopicKind)) topicKinds.push(k as TopicKind);
  }
  if (topicKinds.length === 0) flags.problem(`--topics: at least one of ${TOPIC_KINDS.join(", ")}`);

  const workerUrl = flags.url("worker-url");
  const parsedUrl = URL.parse(workerUrl);
  if (parsedUrl && (parsedUrl.search || parsedUrl.hash)) flags.problem("--worker-url: must not have a query or fragment");

  const relayId = flags.one("relay-id");
  if (!relayId) flags.problem("--relay-id is required");
  else if (!/^[A-Za-z0-9._-]{1,64}$/.test(relayId)) flags.problem(`--relay-id: "${relayId}" must be 1-64 of [A-Za-z0-9._-]`);

  const secret = (await flags.secret("secret-file", "SECRET", "secret"))?.text;
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) flags.problem(`the relay secret must be at least ${MIN_SECRET_LENGTH} characters, as the Worker requires`);

  const node = readNodeFlags(flags, "relay", chainIds);
  const maxQueue = flags.int("queue-size", 1, 1_000_000);
  const maxPerPeer = flags.int("peer-queue-size", 1, 1_000_000);
  const queueMib = flags.int("queue-mib", 11, 65_536); // must hold at least one 10 MiB message
  const concurrency = flags.int("concurrency", 1, 1024);
  const deadlineMs = flags.duration("deadline", 1_000);
  const requestTimeoutMs = flags.duration("request-timeout", 100);
  const peerListIntervalMs = flags.duration("peer-list-interval", 100);
  const invalidMessageWeight = flags.num("invalid-message-weight", (n) => n <= 0, "a number ≤ 0");
  const banThreshold = flags.num("ban-threshold", (n) => n < 0, "a negative number");
  const banDurationMs = flags.duration("ban-duration", 1_000);
  const workerFailingAfterMs = flags.duration("worker-failing-after", 0);
  const statusIntervalMs = readStatusInterval(flags);
  const maxConnections = readMaxPeers(flags);

  return flags.result({
    chainIds,
    topicKinds,
    workerUrl,
    relayId: relayId!,
    secret: secret!,
    ...node,
    maxQueue,
    maxPerPeer,
    maxQueueBytes: queueMib * 2 ** 20,
    concurrency,
    deadlineMs,
    requestTimeoutMs,
    peerListIntervalMs,
    invalidMessageWeight,
    banThreshold,
    banDurationMs,
    workerFailingAfterMs,
    statusIntervalMs,
    maxConnections,
  });
}

/**
 * Runs the relay until SIGINT/SIGTERM/SIGHUP. Bad configuration: message on stderr, process.exitCode = 2.
 * Failure to start (port in use, unreadable key): process.exitCode = 1.
 */
export async function runRelay(argv: string[], io: CommandIo = {}): Promise<void> {
  const config = await configOrExit("relay", io, (env) => parseRelayArgs(argv, env), relayUsage);
  if (typeof config === "number") {
    if (config !== 0) process.exitCode = config;
    return;
  }
  const log = createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}), fields: { component: "relay", relayId: config.relayId } });
  let relay;
  try {
    relay = await startRelay(config, { log });
  } catch (e) {
    log.error("relay failed to start", { err: e });
    process.exitCode = 1;
    return;
  }
  const code = await runUntilSignal(relay, log);
  if (code !== 0) process.exitCode = code;
}
