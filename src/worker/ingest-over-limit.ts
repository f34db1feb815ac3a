// A block larger than the Worker's MAX_BLOCK_BYTES (issue 15 item 4): on a Workers plan with a small
// CPU limit, checking a big block (decompression, hashing, the signature over it, the RPC reads)
// would overrun the limit and the request would die with no verdict. Such a block is refused before
// any of that, from its snappy length preamble alone: IGNORE `block-over-limit`, with a `detail`
// naming the limit and the size. Not the peer's fault (the block may be valid), so IGNORE, which
// costs the peer nothing (op-node's ValidationIgnore). Its nonce is still used up, so a replay is
// refused; the decision is counted per chain (op_follow_messages_total /
// op_follow_unsafe_messages_total, reason="block-over-limit"), the cross-safe object lists it as an
// `ignored` event, and one log line gives the sizes. No RPC call is made.
import type { Context } from "hono";
import { AUTH_WINDOW_SECONDS } from "../protocol/ingest-auth.ts";
import { MAX_GOSSIP_SIZE, snappyCheckedLength } from "../protocol/snappy.ts";
import type { Topic } from "../protocol/topic.ts";
import { chainStub, unsafeStub, type AppEnv } from "./context.ts";
import { ingestAnswer } from "./ingest-answer.ts";
import { nonceTableFull } from "./ingest-nonce.ts";
import { unauthorized } from "./unauthorized.ts";

export const OVER_LIMIT = "block-over-limit";

/**
 * The block message's decompressed size (its snappy preamble) when it exceeds the limit; otherwise
 * undefined. A preamble op-node would REJECT outright — unreadable, over the gossip limit, or more
 * than the body could expand to (snappy.ts) — is left to validation, so a peer cannot turn its
 * penalty into an IGNORE. A plausible preamble over a corrupt body is not looked into: IGNORE.
 */
export function overLimitSize(raw: Uint8Array, maxBlockBytes: number): number | undefined {
  const d = snappyCheckedLength(raw, MAX_GOSSIP_SIZE);
  return d.ok && d.length > maxBlockBytes ? d.length : undefined;
}

export interface OverLimit {
  topic: Topic;
  relayId: string;
  peerId: string;
  nonce: string;
  /** The request's signed timestamp (unix seconds). */
  timestamp: number;
  size: number;
  limit: number;
}

export async function refuseOverLimit(c: Context<AppEnv>, x: OverLimit): Promise<Response> {
  const chainId = x.topic.chainId.toString();
  const nonceKey = `${x.relayId}:${x.nonce}`;
  // No RPC call follows: the nonce need only outlive the signing window.
  const nonceExpiresAt = (x.timestamp + AUTH_WINDOW_SECONDS + 1) * 1000;
  const admit = { verdict: "ignore", reason: OVER_LIMIT, peer: x.peerId } as const;
  let d: { replay: true } | { replay: false; refused?: string; verdict?: string };
  try {
    d =
      x.topic.kind === "blocks"
        ? await unsafeStub(c.env, chainId).settle({ nonceKey, nonceExpiresAt, admit })
        : await chainStub(c.env, chainId).settle({ chainId, nonceKey, nonceExpiresAt, ...admit });
  } catch (e) {
    console.error(JSON.stringify({ msg: "settle failed", chainId, err: String(e) }));
    return c.json({ error: "unavailable", reason: "durable-object-failed" }, 503, { "retry-after": "1" });
  }
  if (d.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: x.relayId });
  if (d.refused) return nonceTableFull(c);
  console.log(JSON.stringify({ level: "warn", msg: "block over MAX_BLOCK_BYTES, refused unchecked", chainId, topic: x.topic.kind, size: x.size, limit: x.limit, relay: x.relayId, peer: x.peerId }));
  const detail = `the block's message decodes to ${x.size} bytes, over this Worker's MAX_BLOCK_BYTES of ${x.limit}`;
  return c.json(ingestAnswer({ verdict: "ignore", reason: OVER_LIMIT, messageId: "", detail }));
}
