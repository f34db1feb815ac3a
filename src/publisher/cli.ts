// `op-follow publish`: flags, environment variables, --help, validation with clear messages, and a
// clean shutdown on SIGINT/SIGTERM/SIGHUP. The top-level dispatcher calls runPublish(argv).
import { configOrExit, type CommandIo } from "../flags/config-or-exit.ts";
import { parseFlags, renderUsage, type Env, type FlagTable, type ParsedArgs } from "../flags/flags.ts";
import { dataFile, MAX_PEERS_FLAG, nodeFlags, readDataDir, readMaxPeers, readNodeFlags, readStatusInterval } from "../relay/node-flags.ts";
import { PUBLISHER_PORTS } from "../flags/ports.ts";
import { runUntilSignal } from "../process/run-until-signal.ts";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { parseAttestationDomain } from "../protocol/signing-domain.ts";
import { createLogger } from "../relay/log.ts";
import { startPublisher, type PublisherConfig } from "./publisher.ts";

const ENV_PREFIX = "OP_FOLLOW_PUBLISH_";
/** the state file's name in --data-dir */
const STATE_FILE = "state.json";

const TABLE: FlagTable = {
  envPrefix: ENV_PREFIX,
  durationExample: "1s",
  flags: [
    { name: "chain-id", arg: "<id>", help: "L2 chain id; publishes on /optimism/<id>/0/cross-safe-blocks (checked against the L2 RPC's eth_chainId)" },
    { name: "l2-rpc", arg: "<url>", help: "the sequencer's execution node (op-geth): eth_getBlockByNumber" },
    { name: "rollup-rpc", arg: "<url>", help: "the sequencer's rollup node (op-node): optimism_syncStatus (cross_safe_l2, else safe_l2)" },
    { name: "signer-key-file", arg: "<path>", help: `file holding the sequencer's block-signing key (hex secp256k1); or put the key itself in ${ENV_PREFIX}SIGNER_KEY. Never logged.` },
    { name: "attestation-domain", arg: "attestation|block", help: "signing domain of the attestations: op-follow's own (0x00…01), or the block domain 0 of the design doc — compatibility only, RISKY: every public unsafe-block signature then passes as an attestation", default: "attestation" },
    { name: "state-file", arg: "<path>", help: `what has been published (never twice, also across restarts); created on first run (default: <data-dir>/${STATE_FILE})` },
    { name: "from", arg: "<height>", help: "first block to publish on a fresh state file (default: the cross-safe head at start)" },
    { name: "poll-interval", arg: "<duration>", help: "how often the sequencer's cross-safe head is polled", default: "1s" },
    { name: "rpc-timeout", arg: "<duration>", help: "one JSON-RPC call", default: "5s" },
    { name: "publish-timeout", arg: "<duration>", help: "how long a publication waits for a subscribed peer before it is retried", default: "10s" },
    {
      name: "unsafe",
      boolean: true,
      arg: "",
      help: "also gossip each new unsafe block (optimism_syncStatus unsafe_l2) on op-node's blocks topic of its version, /optimism/<id>/<0..3>/blocks, as op-node's sequencer does",
    },
    ...nodeFlags({ command: "publish", listenPort: PUBLISHER_PORTS.listen, peerExample: "a relay", keyNoun: "libp2p peer key", metricsPort: PUBLISHER_PORTS.metrics }),
    MAX_PEERS_FLAG,
  ],
};

export function publishUsage(): string {
  return renderUsage(TABLE, [
    "Usage: op-follow publish --chain-id <id> --l2-rpc <url> --rollup-rpc <url> (--signer-key-file <path> | env OP_FOLLOW_PUBLISH_SIGNER_KEY) [options]",
    "",
    "The sequencer side of Following Mode: polls the sequencer's op-node for its cross-safe head and, for every",
    "newly cross-safe block in order, fetches it from op-geth, checks that its hash recomputes and that it is still",
    "canonical and cross-safe, signs the v4 payload with the sequencer key and publishes it on",
    "/optimism/<chainId>/0/cross-safe-blocks. Never publishes a block twice; after an L2 reorg it publishes the new",
    "blocks from the fork point. With --unsafe it also gossips every new unsafe block as op-node's sequencer does.",
  ]);
}

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

/** Flags over environment over defaults; every problem reported at once (CliConfigError). */
export async function parsePublishArgs(argv: string[], env: Env = process.env): Promise<ParsedArgs<PublisherConfig>> {
  const flags = parseFlags(argv, env, TABLE);
  if (!flags) return { help: true };

  let chainId = 0n;
  const chainStr = flags.one("chain-id");
  if (!chainStr) flags.problem("--chain-id is required");
  else chainId = flags.chainId("chain-id", chainStr) ?? 0n;

  const l2Rpc = flags.url("l2-rpc");
  const rollupRpc = flags.url("rollup-rpc");

  let signerKey: Uint8Array | undefined;
  const keyText = await flags.secret("signer-key-file", "SIGNER_KEY", "signer key");
  if (keyText) {
    const k = parseSignerKey(keyText.text, keyText.where);
    if (typeof k === "string") flags.problem(k);
    else signerKey = k;
  }

  const domainStr = flags.one("attestation-domain") ?? "attestation";
  const attestationDomain = parseAttestationDomain(domainStr);
  if (!attestationDomain) flags.problem(`--attestation-domain: expected attestation or block, got "${domainStr}"`);

  const stateFile = dataFile(flags, "state-file", readDataDir(flags, "publish"), STATE_FILE) ?? "";
  if (!stateFile) flags.problem("--state-file must name a file (off is not possible: the state is what prevents publishing twice)");
  let from: bigint | undefined;
  const fromStr = flags.one("from");
  if (fromStr !== undefined) {
    if (!/^\d{1,20}$/.test(fromStr)) flags.problem(`--from: expected a block number, got "${fromStr}"`);
    else from = BigInt(fromStr);
  }
  const pollIntervalMs = flags.duration("poll-interval", 50);
  const rpcTimeoutMs = flags.duration("rpc-timeout", 100);
  const publishTimeoutMs = flags.duration("publish-timeout", 100);
  const unsafe = flags.bool("unsafe");

  const node = readNodeFlags(flags, "publish", [chainId]);
  const statusIntervalMs = readStatusInterval(flags);
  const maxConnections = readMaxPeers(flags);

  return flags.result({
    chainId,
    l2Rpc,
    rollupRpc,
    signerKey: signerKey!,
    ...(attestationDomain === "block" ? { attestationDomain } : {}),
    stateFile,
    ...(from !== undefined ? { from } : {}),
    pollIntervalMs,
    rpcTimeoutMs,
    publishTimeoutMs,
    unsafe,
    statusIntervalMs,
    ...node,
    maxConnections,
  });
}

/**
 * Runs the publisher until SIGINT/SIGTERM/SIGHUP. Bad configuration: message on stderr, exit code 2.
 * Failure to start, or a fatal error while running (wrong chain): exit code 1.
 */
export async function runPublish(argv: string[], io: CommandIo = {}): Promise<number> {
  const config = await configOrExit("publish", io, (env) => parsePublishArgs(argv, env), publishUsage);
  if (typeof config === "number") return config;
  const log = createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}), fields: { component: "publisher" } });
  let fatal: Error | undefined;
  let publisher;
  try {
    publisher = await startPublisher(config, { log, onFatal: (e) => (fatal = e) });
  } catch (e) {
    log.error("publisher failed to start", { err: e });
    return 1;
  }
  const code = await runUntilSignal(publisher, log);
  return fatal ? 1 : code;
}
