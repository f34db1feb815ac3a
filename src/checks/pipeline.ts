// The RPC half of Following Mode for one validly signed block (Following Mode design, protocol
// notes §6.1, §8.6): local-safe gate → L1 consolidation (retried deposits-only) → L1-origin check.
// Used by the Worker's ingest and by the Durable Object's alarm (pending promotion). Any RPC fault
// yields "hold" (IGNORE on the wire, retried later): the peer did nothing wrong.
import type { CandidateMeta, Outcome } from "./outcome.ts";

export type { CandidateMeta } from "./outcome.ts";
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { ConsolidationResult } from "../protocol/consolidate.ts";
import { consolidateOnHashes, settleDepositsEnd } from "../protocol/consolidate-hashes.ts";
import { toHex, toQuantity } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import { decodeL1InfoDeposit } from "../protocol/l1-info.ts";
import { parseRpcBlockHashes, parseRpcTransaction, type RpcBlockHashes } from "../protocol/rpc-block.ts";
import { rpcTransactionToRaw } from "../protocol/rpc-tx-raw.ts";
import { UNSAFE_BLOCK_SIGNER_SELECTOR } from "../protocol/system-config.ts";
import type { Address, Hash, SignedEnvelope } from "../protocol/types.ts";
import type { ChainSettings } from "./settings.ts";
import { ensureChainId, RpcFault, rpcEndpoint, type RpcEndpoint, type RpcObserver } from "./rpc.ts";

export interface ChainRuntime {
  chain: ChainSettings;
  l1: RpcEndpoint;
  l2: RpcEndpoint;
  rollup: RpcEndpoint;
}

/** `observer` (rpc-tally.ts) hears every request's result: the health record of the endpoints. */
export function chainRuntime(chain: ChainSettings, timeoutMs: number, observer?: RpcObserver): ChainRuntime {
  return {
    chain,
    l1: rpcEndpoint("l1", chain.l1Rpc, timeoutMs, observer),
    l2: rpcEndpoint("l2", chain.l2Rpc, timeoutMs, observer),
    rollup: rpcEndpoint("rollup", chain.rollupRpc, timeoutMs, observer),
  };
}

export type CheckResult =
  | { kind: "outcome"; outcome: Outcome; localSafe: L2BlockRef }
  | { kind: "hold"; reason: string; localSafe?: L2BlockRef }
  | { kind: "drop"; reason: string; localSafe?: L2BlockRef };

// ---- the unsafe-block signer -------------------------------------------------------------------

const SIGNER_TTL_MS = 60_000;
const signerCache = new Map<string, { signer: Address; at: number }>();

/** The configured signer, or SystemConfig.unsafeBlockSigner() read over L1 RPC (cached a minute). */
export async function resolveSigner(rt: ChainRuntime, now = Date.now()): Promise<Address | undefined> {
  if (rt.chain.signer) return rt.chain.signer;
  const key = `${rt.chain.l1Rpc}|${rt.chain.config.systemConfig}`;
  const hit = signerCache.get(key);
  if (hit && now - hit.at < SIGNER_TTL_MS) return hit.signer;
  if (rt.chain.config.l1ChainId !== undefined) await ensureChainId(rt.l1, rt.chain.config.l1ChainId);
  const word = await rt.l1.request<string>("eth_call", [{ to: rt.chain.config.systemConfig, data: UNSAFE_BLOCK_SIGNER_SELECTOR }, "latest"]);
  if (typeof word !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(word)) throw new RpcFault("rpc-bad-response", "l1", `unsafeBlockSigner() returned ${JSON.stringify(word)}`);
  const signer = `0x${word.slice(26)}` as Address;
  signerCache.set(key, { signer, at: now });
  return signer;
}

/** Forgets cached signers (tests; a signer rotation the operator wants applied at once). */
export function forgetSigners(): void {
  signerCache.clear();
}

// ---- op-node JSON ------------------------------------------------------------------------------

function parseRef(j: unknown, what: string): L2BlockRef {
  const r = j as { hash?: unknown; number?: unknown; parentHash?: unknown; timestamp?: unknown; l1origin?: { hash?: unknown; number?: unknown }; sequenceNumber?: unknown };
  const h = (v: unknown) => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v);
  const n = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (!r || !h(r.hash) || !n(r.number) || !h(r.parentHash) || !n(r.timestamp) || !r.l1origin || !h(r.l1origin.hash) || !n(r.l1origin.number) || !n(r.sequenceNumber)) {
    throw new RpcFault("rpc-bad-response", "rollup", `optimism_syncStatus: malformed ${what}`);
  }
  return {
    hash: (r.hash as string).toLowerCase() as Hash,
    number: BigInt(r.number as number),
    parentHash: (r.parentHash as string).toLowerCase() as Hash,
    timestamp: BigInt(r.timestamp as number),
    l1origin: { hash: (r.l1origin.hash as string).toLowerCase() as Hash, number: BigInt(r.l1origin.number as number) },
    sequenceNumber: BigInt(r.sequenceNumber as number),
  };
}

/** The follower's local-safe head from its op-node: `local_safe_l2`, falling back to `safe_l2` (pre-interop op-node). */
export async function fetchLocalSafe(rt: ChainRuntime): Promise<L2BlockRef> {
  const s = await rt.rollup.request<Record<string, unknown>>("optimism_syncStatus");
  if (!s || typeof s !== "object") throw new RpcFault("rpc-bad-response", "rollup", "optimism_syncStatus: not an object");
  if (s["local_safe_l2"] !== undefined) return parseRef(s["local_safe_l2"], "local_safe_l2");
  return parseRef(s["safe_l2"], "safe_l2");
}

/**
 * The follower's block at `n` as header and transaction hashes (`eth_getBlockByNumber(n, false)`):
 * a few kilobytes whatever the block's size, where the transaction bodies are twice the block in
 * hex. Consolidation needs no more (consolidate-hashes.ts).
 */
async function fetchL2Block(rt: ChainRuntime, n: bigint): Promise<RpcBlockHashes | null> {
  await ensureChainId(rt.l2, rt.chain.config.chainId);
  const json = await rt.l2.request<unknown>("eth_getBlockByNumber", [toQuantity(n), false]);
  if (json === null) return null;
  const b = parseRpcBlockHashes(json);
  if (!b.ok) throw new RpcFault("rpc-bad-response", "l2", `eth_getBlockByNumber: ${b.error.path}: ${b.error.message}`);
  if (b.value.number !== n) throw new RpcFault("rpc-bad-response", "l2", `asked for block ${n}, got ${b.value.number}`);
  return b.value;
}

/**
 * The type of transaction `index` of the follower's block `blockHash` (by hash, so a reorg between
 * the two reads cannot swap the block): null when that block is gone. The object must be the one the
 * block lists and re-encode to its hash, which makes its type byte as certain as the hash.
 */
async function fetchTxType(rt: ChainRuntime, blockHash: Hash, index: number, txHash: Hash): Promise<number | null> {
  const json = await rt.l2.request<unknown>("eth_getTransactionByBlockHashAndIndex", [blockHash, toQuantity(index)]);
  if (json === null) return null;
  const what = `eth_getTransactionByBlockHashAndIndex(${blockHash}, ${index})`;
  const t = parseRpcTransaction(json);
  if (!t.ok) throw new RpcFault("rpc-bad-response", "l2", `${what}: ${t.error.path}: ${t.error.message}`);
  if (t.value.hash !== txHash || toHex(keccak256(rpcTransactionToRaw(t.value))) !== txHash)
    throw new RpcFault("rpc-bad-response", "l2", `${what}: not transaction ${txHash} of that block`);
  return t.value.type;
}

async function fetchL1Hash(rt: ChainRuntime, n: bigint): Promise<Hash | null> {
  if (rt.chain.config.l1ChainId !== undefined) await ensureChainId(rt.l1, rt.chain.config.l1ChainId);
  const json = await rt.l1.request<{ hash?: unknown } | null>("eth_getBlockByNumber", [toQuantity(n), false]);
  if (json === null) return null;
  if (typeof json !== "object" || typeof json.hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(json.hash)) throw new RpcFault("rpc-bad-response", "l1", "eth_getBlockByNumber: malformed block");
  return json.hash.toLowerCase() as Hash;
}

/** Canonical L2 hashes at the given heights (for the reorg probe); missing heights are omitted. */
export async function fetchCanonicalHashes(rt: ChainRuntime, heights: bigint[]): Promise<Map<bigint, Hash>> {
  await ensureChainId(rt.l2, rt.chain.config.chainId);
  const out = new Map<bigint, Hash>();
  const results = await Promise.all(heights.map((n) => rt.l2.request<{ hash?: string } | null>("eth_getBlockByNumber", [toQuantity(n), false])));
  results.forEach((b, i) => {
    if (b && typeof b.hash === "string" && /^0x[0-9a-fA-F]{64}$/.test(b.hash)) out.set(heights[i]!, b.hash.toLowerCase() as Hash);
  });
  return out;
}

// ---- the check ---------------------------------------------------------------------------------

function faultReason(e: unknown): string {
  if (e instanceof RpcFault) return `${e.code}:${e.endpoint}`;
  throw e;
}

/**
 * Runs the RPC checks for a validly signed envelope. Never throws for RPC trouble; rethrows only
 * programming errors (the caller turns those into internal-error).
 */
export async function checkCandidate(rt: ChainRuntime, env: SignedEnvelope, meta: CandidateMeta): Promise<CheckResult> {
  const p = env.payload;
  const n = p.blockNumber;
  const hash = toHex(p.blockHash);
  // The L1 origin is read from the block itself (its L1 info deposit), so the three lookups —
  // local-safe, the local block at n, the origin on L1 — are independent: one round trip for all.
  const first = p.transactions[0];
  const info = first ? decodeL1InfoDeposit(first) : undefined;
  const [ls, lb, l1] = await Promise.allSettled([fetchLocalSafe(rt), fetchL2Block(rt, n), info?.ok ? fetchL1Hash(rt, info.value.info.l1Number) : Promise.resolve(null)]);
  if (ls.status === "rejected") return { kind: "hold", reason: faultReason(ls.reason) };
  const localSafe = ls.value;
  if (n > localSafe.number) return { kind: "hold", reason: "above-local-safe", localSafe };
  if (lb.status === "rejected") return { kind: "hold", reason: faultReason(lb.reason), localSafe };
  const local = lb.value;
  if (!local) return { kind: "hold", reason: "local-block-missing", localSafe };

  // On hashes (consolidate-hashes.ts): a replacement may need the type of one local transaction.
  const step = consolidateOnHashes({ payload: p, ...(env.parentBeaconBlockRoot ? { parentBeaconBlockRoot: env.parentBeaconBlockRoot } : {}) }, local, rt.chain.config);
  let c: ConsolidationResult;
  if (step.kind === "decided") c = step.result;
  else {
    let type: number | null;
    try {
      type = await fetchTxType(rt, local.hash, step.index, step.txHash);
    } catch (e) {
      return { kind: "hold", reason: faultReason(e), localSafe };
    }
    if (type === null) return { kind: "hold", reason: "local-block-changed", localSafe };
    c = settleDepositsEnd(step, type);
  }
  // op-node's AttributesMatchBlock compares inputs only, because its engine then executes the block.
  // We do not execute: on a full match the outputs must be the local block's too, i.e. the same hash.
  // (A deposits-only replacement has no local counterpart to compare outputs with; the sequencer's
  // signature is what Following Mode trusts there.)
  if (c.kind === "mismatch" || (c.kind === "match" && hash !== local.hash)) {
    const field = c.kind === "mismatch" ? c.field : "blockHash";
    return {
      kind: "outcome",
      localSafe,
      outcome: { kind: "mismatch", number: n, hash, messageId: meta.messageId, peer: meta.peer, raw: meta.raw, reason: `consolidation-mismatch:${field}`, localHash: local.hash },
    };
  }

  // L1 check: the block's L1 origin must be canonical on our L1 node. (A block that consolidated
  // carries the local block's own L1 info deposit, so an undecodable one means a format we lack.)
  if (!info?.ok) return { kind: "drop", reason: "l1-info-undecodable", localSafe };
  const { l1Number, l1BlockHash, sequenceNumber } = info.value.info;
  if (l1.status === "rejected") return { kind: "hold", reason: faultReason(l1.reason), localSafe };
  const l1Hash = l1.value;
  if (l1Hash === null) return { kind: "hold", reason: "l1-origin-unknown", localSafe };
  if (l1Hash !== l1BlockHash.toLowerCase()) return { kind: "hold", reason: "l1-origin-not-canonical", localSafe };

  return {
    kind: "outcome",
    localSafe,
    outcome: {
      kind: "consolidated",
      localHash: local.hash,
      candidate: {
        ref: { hash, number: n, parentHash: toHex(p.parentHash), timestamp: p.timestamp, l1origin: { hash: l1Hash, number: l1Number }, sequenceNumber },
        consolidation: c,
        messageId: meta.messageId,
        peer: meta.peer,
        relay: meta.relay,
        receivedMs: meta.receivedMs,
        raw: meta.raw,
      },
    },
  };
}
