// The small chain config the follower needs: chain id (topics, signing hash), block time, hard-fork
// activation times (topic version, Jovian blob-gas rule, L1-info format), the L1 SystemConfig proxy
// (where the unsafe block signer lives) and the EIP-1559 parameters (consolidation translates zero
// SystemConfig values to these, as op-node's ChainOpConfig does).
//
// Fork semantics follow op-node `op-node/rollup/types.go` (optimism @ abe047af, read through
// EspressoSystems/optimism-espresso-integration): a fork is active iff its time is set and
// `timestamp >= time`; the activation block is the first block with the fork active
// (`IsXActivationBlock`). Fork order is op-core `forks.All`.
import { checksumAddress } from "./address.ts";
import { findPreset, PRESETS } from "./presets.ts";
import { formatTopic, type TopicKind } from "./topic.ts";
import type { Address, BlockVersion } from "./types.ts";

/** Mainline forks after Bedrock/Regolith, in op-node's chronological order (op-core/forks `All`). */
export const HARDFORKS = ["canyon", "delta", "ecotone", "fjord", "granite", "holocene", "isthmus", "jovian", "karst", "interop"] as const;
export type Hardfork = (typeof HARDFORKS)[number];

/** Unix-seconds activation time per fork; a missing fork never activates. */
export type HardforkTimes = { [K in Hardfork]?: bigint };

export interface Eip1559Params {
  elasticity: number;
  denominator: number;
  /** Denominator from Canyon on. */
  denominatorCanyon: number;
}

export interface ChainConfig {
  name?: string;
  /** L2 chain id: gossip topic names and the block signing hash. */
  chainId: bigint;
  l1ChainId?: bigint;
  /** Seconds per L2 block. */
  blockTime: number;
  genesisL2Time?: bigint;
  hardforks: HardforkTimes;
  /** L1 SystemConfig proxy: its storage holds the unsafe block signer. */
  systemConfig: Address;
  /** Known signer; undefined => read it from the L1 SystemConfig (op-node runtime config does so always). */
  unsafeBlockSigner?: Address;
  batchInbox?: Address;
  eip1559: Eip1559Params;
}

const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = (1n << 32n) - 1n;

export function isActive(cfg: ChainConfig, fork: Hardfork, timestamp: bigint): boolean {
  const t = cfg.hardforks[fork];
  return t !== undefined && timestamp >= t;
}

/** op-node `IsXActivationBlock`: the fork is active here but was not one block earlier. */
export function isActivationBlock(cfg: ChainConfig, fork: Hardfork, timestamp: bigint): boolean {
  const bt = BigInt(cfg.blockTime);
  return isActive(cfg, fork, timestamp) && timestamp >= bt && !isActive(cfg, fork, timestamp - bt);
}

/** Gossip block version by payload timestamp (op-node `publishRawSignedPayload`; kona `BlockHandler::topic`). */
export function blockVersionAt(cfg: ChainConfig, timestamp: bigint): BlockVersion {
  if (isActive(cfg, "isthmus", timestamp)) return 4;
  if (isActive(cfg, "ecotone", timestamp)) return 3;
  if (isActive(cfg, "canyon", timestamp)) return 2;
  return 1;
}

/**
 * `/optimism/<chainId>/<version-1>/blocks` (op-node `blocksTopicV1..V4`), or the Following Mode topic
 * `/optimism/<chainId>/0/cross-safe-blocks` (design-docs PR #293), whose encoding is blocksv4.
 */
export function topicFor(cfg: ChainConfig, kind: TopicKind, version?: BlockVersion): string {
  return formatTopic(cfg.chainId, kind, version);
}

/** The four blocks topics op-node subscribes to (its subscription allow-list). */
export function blocksTopics(cfg: ChainConfig): string[] {
  return ([1, 2, 3, 4] as const).map((v) => topicFor(cfg, "blocks", v));
}

// ---------------------------------------------------------------------------------------------
// Custom JSON configs

class ConfigError extends Error {}

function fail(field: string, msg: string): never {
  throw new ConfigError(`chain config: field "${field}": ${msg}`);
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A non-negative integer given as a JSON number, a decimal string or a 0x-hex string. */
function parseUint(v: unknown, field: string, max: bigint): bigint {
  let x: bigint;
  if (typeof v === "bigint") x = v;
  else if (typeof v === "number") {
    if (!Number.isInteger(v)) fail(field, `expected an integer, got ${show(v)}`);
    if (!Number.isSafeInteger(v)) fail(field, `${show(v)} is beyond 2^53; give it as a decimal or 0x-hex string`);
    x = BigInt(v);
  } else if (typeof v === "string") {
    const s = v.trim();
    if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^[0-9]+$/.test(s)) x = BigInt(s);
    else fail(field, `expected a decimal or 0x-hex integer string, got ${show(v)}`);
  } else fail(field, `expected a non-negative integer (number, decimal string or 0x-hex string), got ${show(v)}`);
  if (x < 0n) fail(field, `must not be negative, got ${show(v)}`);
  if (x > max) fail(field, `${x} is out of range (max ${max})`);
  return x;
}

function parseSmall(v: unknown, field: string, min: number): number {
  const x = Number(parseUint(v, field, UINT32_MAX));
  if (x < min) fail(field, `must be at least ${min}, got ${x}`);
  return x;
}

function parseAddress(v: unknown, field: string): Address {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) fail(field, `expected a 0x-prefixed 20-byte hex address, got ${show(v)}`);
  const body = v.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  const sum = checksumAddress(v);
  if (mixed && sum !== v) fail(field, `bad EIP-55 checksum in ${v} (expected ${sum})`);
  return sum;
}

function optional<T>(obj: Record<string, unknown>, key: string, parse: (v: unknown, field: string) => T, prefix = ""): T | undefined {
  const v = obj[key];
  return v === undefined || v === null ? undefined : parse(v, prefix + key);
}

function required<T>(obj: Record<string, unknown>, key: string, parse: (v: unknown, field: string) => T, prefix = ""): T {
  const v = obj[key];
  if (v === undefined || v === null) fail(prefix + key, "is required");
  return parse(v, prefix + key);
}

function rejectUnknown(obj: Record<string, unknown>, allowed: readonly string[], prefix: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail(prefix + k, `unknown field (allowed: ${allowed.join(", ")})`);
}

const uint64 = (v: unknown, f: string): bigint => parseUint(v, f, UINT64_MAX);
const chainIdOf = (v: unknown, f: string): bigint => {
  const x = parseUint(v, f, UINT64_MAX);
  if (x === 0n) fail(f, "chain id must not be 0");
  return x;
};
const text = (v: unknown, f: string): string => {
  if (typeof v !== "string") fail(f, `expected a string, got ${show(v)}`);
  return v;
};

function parseEip1559(v: unknown, field: string, keys: { e: string; d: string; dc: string }): Eip1559Params {
  if (!isRecord(v)) fail(field, `expected an object, got ${show(v)}`);
  const p = `${field}.`;
  const elasticity = required(v, keys.e, (x, f) => parseSmall(x, f, 1), p);
  const denominator = required(v, keys.d, (x, f) => parseSmall(x, f, 1), p);
  // op-geth OptimismConfig: the Canyon denominator is optional and then equals the pre-Canyon one.
  const denominatorCanyon = optional(v, keys.dc, (x, f) => parseSmall(x, f, 1), p) ?? denominator;
  return { elasticity, denominator, denominatorCanyon };
}

/** op-node `checkFork` for every consecutive pair: a later fork needs the earlier one, at or before it. */
function checkForkOrder(hf: HardforkTimes, prefix: string, suffix: string): void {
  const ordered = HARDFORKS.filter((f) => f !== "interop"); // interop is experimental, activated independently
  for (let i = 1; i < ordered.length; i++) {
    const a = ordered[i - 1]!;
    const b = ordered[i]!;
    const ta = hf[a];
    const tb = hf[b];
    if (tb === undefined) continue;
    if (ta === undefined) fail(prefix + b + suffix, `${b} is set (${tb}) but the earlier fork ${a} is not`);
    if (ta > tb) fail(prefix + b + suffix, `${b} (${tb}) activates before the earlier fork ${a} (${ta})`);
  }
}

function finish(cfg: ChainConfig): ChainConfig {
  if (cfg.unsafeBlockSigner !== undefined && /^0x0{40}$/.test(cfg.unsafeBlockSigner))
    fail("unsafeBlockSigner", "is the zero address (op-node would IGNORE every block); omit it to read the signer from L1");
  if (cfg.unsafeBlockSigner === undefined && /^0x0{40}$/.test(cfg.systemConfig))
    fail("systemConfig", "is the zero address and no unsafeBlockSigner is given, so the signer could not be read from L1");
  return cfg;
}

const NATIVE_KEYS = ["name", "chainId", "l1ChainId", "blockTime", "genesisL2Time", "hardforks", "systemConfig", "unsafeBlockSigner", "batchInbox", "eip1559"] as const;

function parseNative(o: Record<string, unknown>): ChainConfig {
  rejectUnknown(o, NATIVE_KEYS, "");
  const hfRaw = o["hardforks"] ?? {};
  if (!isRecord(hfRaw)) fail("hardforks", `expected an object, got ${show(hfRaw)}`);
  rejectUnknown(hfRaw, HARDFORKS, "hardforks.");
  const hardforks: HardforkTimes = {};
  for (const f of HARDFORKS) {
    const t = optional(hfRaw, f, uint64, "hardforks.");
    if (t !== undefined) hardforks[f] = t;
  }
  checkForkOrder(hardforks, "hardforks.", "");
  const e = o["eip1559"];
  if (isRecord(e)) rejectUnknown(e, ["elasticity", "denominator", "denominatorCanyon"], "eip1559.");
  const cfg: ChainConfig = {
    chainId: required(o, "chainId", chainIdOf),
    blockTime: required(o, "blockTime", (v, f) => parseSmall(v, f, 1)),
    hardforks,
    systemConfig: required(o, "systemConfig", parseAddress),
    eip1559: required(o, "eip1559", (v, f) => parseEip1559(v, f, { e: "elasticity", d: "denominator", dc: "denominatorCanyon" })),
  };
  const name = optional(o, "name", text);
  if (name !== undefined) cfg.name = name;
  const l1ChainId = optional(o, "l1ChainId", chainIdOf);
  if (l1ChainId !== undefined) cfg.l1ChainId = l1ChainId;
  const genesisL2Time = optional(o, "genesisL2Time", uint64);
  if (genesisL2Time !== undefined) cfg.genesisL2Time = genesisL2Time;
  const signer = optional(o, "unsafeBlockSigner", parseAddress);
  if (signer !== undefined) cfg.unsafeBlockSigner = signer;
  const inbox = optional(o, "batchInbox", parseAddress);
  if (inbox !== undefined) cfg.batchInbox = inbox;
  return finish(cfg);
}

/**
 * op-node's rollup.json (`rollup.Config` JSON tags: l2_chain_id, block_time, <fork>_time,
 * l1_system_config_address, genesis.l2_time, chain_op_config). It has no signer field: op-node always
 * reads it from L1. Without chain_op_config op-node loads the EIP-1559 values from the embedded
 * registry; we do the same from our presets (same chain id), else fail.
 */
function parseRollupJson(o: Record<string, unknown>): ChainConfig {
  const hardforks: HardforkTimes = {};
  for (const f of HARDFORKS) {
    const t = optional(o, `${f}_time`, uint64);
    if (t !== undefined) hardforks[f] = t;
  }
  checkForkOrder(hardforks, "", "_time");
  const chainId = required(o, "l2_chain_id", chainIdOf);
  let eip1559: Eip1559Params;
  const op = o["chain_op_config"];
  if (op !== undefined && op !== null) {
    eip1559 = parseEip1559(op, "chain_op_config", { e: "eip1559Elasticity", d: "eip1559Denominator", dc: "eip1559DenominatorCanyon" });
  } else {
    const preset = findPreset(chainId);
    if (!preset) fail("chain_op_config", `is required: chain ${chainId} has no preset to take the EIP-1559 parameters from`);
    eip1559 = { ...preset.config.eip1559 };
  }
  const cfg: ChainConfig = {
    chainId,
    blockTime: required(o, "block_time", (v, f) => parseSmall(v, f, 1)),
    hardforks,
    systemConfig: required(o, "l1_system_config_address", parseAddress),
    eip1559,
  };
  const l1ChainId = optional(o, "l1_chain_id", chainIdOf);
  if (l1ChainId !== undefined) cfg.l1ChainId = l1ChainId;
  const genesis = o["genesis"];
  if (genesis !== undefined && genesis !== null) {
    if (!isRecord(genesis)) fail("genesis", `expected an object, got ${show(genesis)}`);
    const t = optional(genesis, "l2_time", uint64, "genesis.");
    if (t !== undefined) cfg.genesisL2Time = t;
  }
  const inbox = optional(o, "batch_inbox_address", parseAddress);
  if (inbox !== undefined) cfg.batchInbox = inbox;
  return finish(cfg);
}

/**
 * Validates a custom chain config given as parsed JSON. Two shapes are accepted:
 * our own (the ChainConfig fields; unknown fields are rejected to catch typos) and op-node's
 * rollup.json (recognised by `l2_chain_id`). Integers may be JSON numbers (up to 2^53), decimal
 * strings or 0x-hex strings; addresses must be 20-byte hex and, if mixed-case, correctly
 * checksummed. Throws an Error naming the offending field.
 */
export function parseChainConfigJson(json: unknown): ChainConfig {
  if (!isRecord(json)) throw new ConfigError(`chain config: expected a JSON object, got ${show(json)}`);
  return "l2_chain_id" in json ? parseRollupJson(json) : parseNative(json);
}

/** JSON form of a config (integers as decimal strings) that parseChainConfigJson reads back. */
export function chainConfigToJson(cfg: ChainConfig): Record<string, unknown> {
  const hardforks: Record<string, string> = {};
  for (const f of HARDFORKS) {
    const t = cfg.hardforks[f];
    if (t !== undefined) hardforks[f] = t.toString();
  }
  const out: Record<string, unknown> = {};
  if (cfg.name !== undefined) out["name"] = cfg.name;
  out["chainId"] = cfg.chainId.toString();
  if (cfg.l1ChainId !== undefined) out["l1ChainId"] = cfg.l1ChainId.toString();
  out["blockTime"] = cfg.blockTime;
  if (cfg.genesisL2Time !== undefined) out["genesisL2Time"] = cfg.genesisL2Time.toString();
  out["hardforks"] = hardforks;
  out["systemConfig"] = cfg.systemConfig;
  if (cfg.unsafeBlockSigner !== undefined) out["unsafeBlockSigner"] = cfg.unsafeBlockSigner;
  if (cfg.batchInbox !== undefined) out["batchInbox"] = cfg.batchInbox;
  out["eip1559"] = { ...cfg.eip1559 };
  return out;
}

/**
 * A preset by name or alias (case-insensitive: "op-mainnet", "unichain-sepolia", "mainnet/op", ...)
 * or by chain id (number, bigint, decimal or 0x-hex string). Throws listing the known names.
 */
export function resolveChainConfig(nameOrId: string | number | bigint): ChainConfig {
  const preset = findPreset(nameOrId);
  if (preset) return preset.config;
  const names = PRESETS.map((p) => `${p.name} (${p.config.chainId})`).join(", ");
  throw new Error(`unknown chain ${show(nameOrId)}; known presets: ${names}. For another chain pass a JSON config.`);
}
