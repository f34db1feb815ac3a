// `op-follow inspect`: validates one envelope with the rules of the chosen topic and prints one JSON
// object. Exit 0 whenever a verdict was printed (whatever it is); 2 for bad arguments.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import "../node/keccak.ts";
import { parseChainConfigJson, resolveChainConfig, type ChainConfig } from "../protocol/chain-config.ts";
import { parseChainId } from "../flags/flags.ts";
import { ConfigFileError, readJsonConfig } from "../flags/config-file.ts";
import { versionText } from "./version.ts";
import { withHint } from "../protocol/verdict-hints.ts";
import { detectVersion } from "../protocol/envelope.ts";
import { fromHex } from "../protocol/hex.ts";
import { SeenBlocks } from "../protocol/seen-blocks.ts";
import { snappyDecode } from "../protocol/snappy.ts";
import { BLOCK_DOMAIN_RISK, parseAttestationDomain } from "../protocol/signing-domain.ts";
import { formatTopic, type TopicKind } from "../protocol/topic.ts";
import type { Address, BlockVersion } from "../protocol/types.ts";
import { summarize, validateGossipMessage } from "../protocol/validate.ts";

const HELP = `usage: op-follow inspect (--network <name> | --config <file> | --chain-id <id>) [--signer <address>] [options] [FILE|-]

Reads one gossip message (raw snappy bytes, or hex text with or without 0x) from FILE or stdin,
validates it and prints one JSON object: verdict, reason, detail (what went wrong, and what to do
about it when the fix is yours), version, number, blockHash, parentHash, timestamp, txCount,
signer, payloadHash, messageId.

options:
  --network <name>       a preset (op-mainnet, base, unichain-sepolia, …): chain id, forks, signer
  --config <file>        a chain config JSON (ours, or op-node's rollup.json)
  --chain-id <id>        L2 chain id (decimal or 0x-hex); overrides the preset's
  --signer <address>     the chain's unsafe-block signer (overrides the preset's); without one the
                         verdict is IGNORE, as op-node's when it knows no signer
  --now <unix seconds>   validation clock (default: now)
  --topic blocks|cross-safe   rules to apply (default: blocks, op-node's rules unchanged)
  --attestation-domain attestation|block
                         cross-safe only: the signing domain attestations are checked in (default
                         attestation = op-follow's 0x00…01; block = the design doc's domain 0,
                         compatibility only — RISKY: any public unsafe block then passes)
  --version v1|v2|v3|v4  topic version (default: detected from the envelope; cross-safe is v4);
                         --version alone prints op-follow's version
  --jovian-time <unix>   Jovian activation time (allows non-zero blobGasUsed from then on);
                         overrides the preset's
  -h, --help`;

/** Bad arguments or input (exit 2). `showHelp`: the usage helps (a wrong flag), not for a bad file. */
class UsageError extends Error {
  readonly showHelp: boolean;
  constructor(message: string, showHelp = true) {
    super(message);
    this.showHelp = showHelp;
  }
}

function parseBigint(name: string, s: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(s)) throw new UsageError(`--${name}: not a number: ${s}`);
  return BigInt(s);
}

export interface InspectIo {
  /** stdin's bytes (default: read fd 0) */
  stdin?: () => Uint8Array;
  /** is stdin a terminal? (default: process.stdin.isTTY) */
  stdinIsTty?: boolean;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

function readInput(file: string | undefined, io: InspectIo, err: (s: string) => void): Uint8Array {
  const fromStdin = file === undefined || file === "-";
  // Waiting silently on a terminal looks like a hang: say what is expected.
  if (fromStdin && (io.stdinIsTty ?? Boolean(process.stdin.isTTY))) err("op-follow inspect: reading the message from the terminal: paste it (hex) and press Ctrl-D, or give a FILE\n");
  const buf = fromStdin ? (io.stdin ?? (() => new Uint8Array(readFileSync(0))))() : new Uint8Array(readFileSync(file));
  const text = new TextDecoder("latin1").decode(buf).trim();
  if (text.length === 0) throw new UsageError(`no input: ${fromStdin ? "stdin" : file} is empty`, false);
  // no capturing groups: V8's regexp stack overflows on them past 4 MiB (a 10 MiB message is 20 MB of hex)
  if (/^(?:0x)?(?:[0-9a-fA-F]{2})+$/.test(text)) return fromHex(text);
  return buf;
}

/** `--version` last or followed by another option (no topic version after it) asks for op-follow's version. */
function asksProgramVersion(argv: string[]): boolean {
  return argv.some((a, i) => a === "-V" || (a === "--version" && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--"))));
}

export async function runInspect(argv: string[], io: InspectIo = {}): Promise<number> {
  const out = io.out ?? ((s: string) => void process.stdout.write(s));
  const err = io.err ?? ((s: string) => void process.stderr.write(s));
  if (asksProgramVersion(argv)) {
    out(versionText() + "\n");
    return 0;
  }
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "chain-id": { type: "string" },
        network: { type: "string" },
        config: { type: "string" },
        signer: { type: "string" },
        now: { type: "string" },
        topic: { type: "string", default: "blocks" },
        version: { type: "string" },
        "attestation-domain": { type: "string", default: "attestation" },
        "jovian-time": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    err(`op-follow inspect: ${(e as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const o = args.values;
  if (o.help) {
    out(HELP + "\n");
    return 0;
  }
  try {
    let preset: ChainConfig | undefined;
    if (o.network !== undefined && o.config !== undefined) throw new UsageError("give --network or --config, not both");
    try {
      if (o.network !== undefined) preset = resolveChainConfig(o.network);
      if (o.config !== undefined) preset = readJsonConfig(o.config, parseChainConfigJson);
    } catch (e) {
      throw new UsageError((e as Error).message, !(e instanceof ConfigFileError));
    }
    if (!o["chain-id"] && !preset) throw new UsageError("--chain-id, --network or --config is required");
    let chainId = preset?.chainId;
    if (o["chain-id"]) {
      chainId = parseChainId(o["chain-id"]);
      if (chainId === undefined) throw new UsageError(`--chain-id: "${o["chain-id"]}" is not a chain id (a positive decimal like 901 or hex like 0x385, at most 2^64-1)`);
    }
    if (o.signer !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(o.signer)) throw new UsageError(`--signer: not an address: ${o.signer}`);
    const signer = (o.signer as Address | undefined) ?? preset?.unsafeBlockSigner;
    const kind = o.topic === "cross-safe" ? "cross-safe" : o.topic === "blocks" ? "blocks" : undefined;
    if (!kind) throw new UsageError(`--topic must be blocks or cross-safe, not ${o.topic}`);
    const attestationDomain = parseAttestationDomain(o["attestation-domain"]);
    if (!attestationDomain) throw new UsageError(`--attestation-domain must be attestation or block, not ${o["attestation-domain"]}`);
    if (attestationDomain === "block" && kind === "cross-safe") console.error(`op-follow inspect: warning: ${BLOCK_DOMAIN_RISK}`);
    let version: BlockVersion | undefined;
    if (o.version !== undefined) {
      const m = /^v?([1-4])$/.exec(o.version);
      if (!m) throw new UsageError(`--version must be v1..v4, not ${o.version}`);
      version = Number(m[1]) as BlockVersion;
      if (kind === "cross-safe" && version !== 4) throw new UsageError("the cross-safe topic uses the v4 encoding");
    }
    const now = o.now === undefined ? Math.floor(Date.now() / 1000) : Number(parseBigint("now", o.now));
    const jovianTime = o["jovian-time"] === undefined ? preset?.hardforks.jovian : parseBigint("jovian-time", o["jovian-time"]);
    if (args.positionals.length > 1) throw new UsageError("at most one input file");
    let raw: Uint8Array;
    try {
      raw = readInput(args.positionals[0], io, err);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`cannot read input: ${(e as Error).message}`);
    }
    if (version === undefined) {
      const d = snappyDecode(raw);
      version = kind === "cross-safe" ? 4 : ((d.ok ? detectVersion(d.data) : undefined) ?? 4);
    }
    const result = await validateGossipMessage(raw, {
      chainId: chainId!,
      topic: formatTopic(chainId!, kind as TopicKind, version),
      kind: kind as TopicKind,
      version,
      signer,
      now,
      jovianTime,
      attestationDomain,
      seen: new SeenBlocks(),
    });
    const detail = withHint(result.detail, result.reason, "inspect");
    out(JSON.stringify(summarize({ ...result, ...(detail ? { detail } : {}) })) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      // a usage mistake gets the usage; a bad input or config file only its message
      err(`op-follow inspect: ${e.message}\n${e.showHelp ? `\n${HELP}\n` : ""}`);
      return 2;
    }
    throw e;
  }
}
