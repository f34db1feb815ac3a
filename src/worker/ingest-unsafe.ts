// POST /v1/ingest for the blocks topics (/optimism/<chainId>/<0..3>/blocks): the cheap path. The
// message is validated with op-node's unsafe rules unchanged (validate.ts, kind "blocks": the topic's
// version, the 60 s past and 5 s future windows, signature by the unsafe-block signer over domain 0),
// then settled in one call to the chain's UnsafeHead object, which applies the per-height rules and
// moves the unsafe head. No RPC to the follower's nodes: the signer comes from the isolate's cache
// (resolveSigner; only a cold cache reads L1 SystemConfig, as on the cross-safe path).
import type { Context } from "hono";
import type { L2BlockRef } from "../protocol/block-ref.ts";
import { toHex } from "../protocol/hex.ts";
import { AUTH_WINDOW_SECONDS, type IngestMeta } from "../protocol/ingest-auth.ts";
import { decodeL1InfoDeposit } from "../protocol/l1-info.ts";
import type { Topic } from "../protocol/topic.ts";
import type { Address, ExecutionPayload, Hash } from "../protocol/types.ts";
import { validateGossipMessage } from "../protocol/validate.ts";
import type { UnsafeSettleResponse } from "../durable/unsafe-head.ts";
import type { UnsafeAdmit } from "../durable/unsafe-types.ts";
import type { ChainSettings } from "../checks/settings.ts";
import { unsafeStub, type AppEnv } from "./context.ts";
import { chainRuntime, resolveSigner } from "../checks/pipeline.ts";
import { RpcFault } from "../checks/rpc.ts";
import { ingestAnswer } from "./ingest-answer.ts";
import { nonceTableFull } from "./ingest-nonce.ts";
import { ServerTiming } from "./server-timing.ts";
import { unauthorized } from "./unauthorized.ts";

/** Beyond the signer lookup's RPC timeouts, how long the settle call may take before a nonce lapses. */
const SETTLE_MARGIN_MS = 10_000;
const ZERO_HASH = `0x${"0".repeat(64)}` as Hash;

export interface UnsafeIngest {
  chainId: string;
  chain: ChainSettings;
  topic: Topic;
  meta: IngestMeta;
  nonce: string;
  /** The request's signed timestamp (unix seconds). */
  timestamp: number;
  raw: Uint8Array;
  nowMs: number;
  rpcTimeoutMs: number;
}

/** op-node's PayloadToBlockRef: L1 origin and sequence number from the L1-info deposit; zeros if there is none. */
export function unsafeRefOf(p: ExecutionPayload): L2BlockRef {
  const first = p.transactions[0];
  const info = first ? decodeL1InfoDeposit(first) : undefined;
  const i = info?.ok ? info.value.info : undefined;
  return {
    hash: toHex(p.blockHash),
    number: p.blockNumber,
    parentHash: toHex(p.parentHash),
    timestamp: p.timestamp,
    l1origin: i ? { hash: i.l1BlockHash.toLowerCase() as Hash, number: i.l1Number } : { hash: ZERO_HASH, number: 0n },
    sequenceNumber: i ? i.sequenceNumber : 0n,
  };
}

export async function ingestUnsafe(c: Context<AppEnv>, x: UnsafeIngest): Promise<Response> {
  const { meta } = x;
  let signer: Address | undefined;
  let signerFault: string | undefined;
  try {
    signer = await resolveSigner(chainRuntime(x.chain, x.rpcTimeoutMs), x.nowMs);
  } catch (e) {
    if (!(e instanceof RpcFault)) throw e;
    signerFault = `signer-unavailable:${e.code}`;
  }
  const v = await validateGossipMessage(x.raw, {
    chainId: x.topic.chainId,
    topic: meta.topic,
    kind: "blocks",
    version: x.topic.version,
    signer, // undefined when it could not be read: no-signer-configured, renamed below
    now: Math.floor(x.nowMs / 1000),
    jovianTime: x.chain.config.hardforks.jovian,
  });
  const reason = signerFault && v.reason === "no-signer-configured" ? signerFault : v.reason;
  const p = v.envelope?.payload;
  const blockHash = p ? toHex(p.blockHash) : undefined;
  // (A valid result always carries its envelope.)
  const admit: UnsafeAdmit =
    v.verdict === "accept"
      ? { verdict: "accept", block: { ref: unsafeRefOf(p!), messageId: v.messageId, peer: meta.peerId, relay: meta.relayId, receivedAt: Math.min(meta.receivedMs, x.nowMs) } }
      : { verdict: v.verdict, reason, peer: meta.peerId, ...(p ? { number: p.blockNumber, hash: blockHash! } : {}) };

  // The signer lookup (on a cache miss: L1 chain id, then eth_call) is the only RPC before the settle.
  const nonceExpiresAt = (x.timestamp + AUTH_WINDOW_SECONDS + 1) * 1000 + 2 * x.rpcTimeoutMs + SETTLE_MARGIN_MS;
  const timing = new ServerTiming();
  let d: UnsafeSettleResponse;
  try {
    d = await timing.time("settle", async (): Promise<UnsafeSettleResponse> => await unsafeStub(c.env, x.chainId).settle({ nonceKey: `${meta.relayId}:${x.nonce}`, nonceExpiresAt, admit }));
  } catch (e) {
    // As on the cross-safe path: the object recorded nothing (nonce included); the relay retries.
    console.error(JSON.stringify({ msg: "unsafe settle failed", chainId: x.chainId, err: String(e) }));
    return c.json({ error: "unavailable", reason: "durable-object-failed" }, 503, { "retry-after": "1" });
  }
  c.header("Server-Timing", timing.header());
  if (d.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
  if (d.refused) return nonceTableFull(c);
  return c.json(ingestAnswer({ verdict: d.verdict, reason: d.reason, messageId: v.messageId, ...(p ? { number: p.blockNumber, blockHash: blockHash! } : {}) }));
}
