// POST /v1/chains/:chainId/rpc — a JSON-RPC endpoint answering optimism_syncStatus in op-node's
// exact shape (op-service/eth/sync_status.go, op-node v1.19: its ten fields, no more), so tools that
// speak op-node's API read op-follow unchanged. What a follower knows fills the L2 heads:
//   unsafe_l2        the unsafe head (UnsafeHead object, blocks topics), or the cross-safe head
//                    when that is higher or there is none: op-node's unsafe is never below safe;
//   safe_l2          the cross-safe head (op-node documents safe_l2 as cross-safe post-interop);
//   local_safe_l2    the last local-safe seen from the follower's own op-node;
//   pending_safe_l2  = local_safe_l2: the follower processes no batches, so nothing is pending
//                    beyond what its node has derived (op-node's pending-safe ≥ local-safe holds);
//   finalized_l2     zero: finality is a property of the L1 data a block was derived from, which
//                    the gossip does not carry and the Worker does not follow (ask the follower's
//                    own op-node); zero keeps op-node's finalized ≤ safe ≤ unsafe order;
//   *_l1             zero: the Worker does not follow L1's head (it reads L1 only for the signer).
//
// Bounded like geth's server (rpc/handler.go, node/rpcstack.go): a batch of more than RPC_LIMITS.batch
// calls is answered with one "batch too large" error carrying the first call's id, and a body over
// RPC_LIMITS.bodyBytes with 413. A batch reads each Durable Object once, not once per call (a
// 50,000-call batch once made 50,000 calls and a 165 MB answer).
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ChainHead } from "../../durable/chain-head.ts";
import type { UnsafeHead } from "../../durable/unsafe-head.ts";
import type { AppEnv } from "../context.ts";
import { l1RefJson, l2RefJson, type L2BlockRef } from "../../protocol/block-ref.ts";
import type { SyncStatusJson } from "../../protocol/sync-status.ts";

export const rpc = new Hono<AppEnv>();

/** op-node's SyncStatus from the follower's heads (the mapping is in the header comment). */
export function syncStatus(crossSafe: L2BlockRef | null, localSafe: L2BlockRef | null, unsafe: L2BlockRef | null): SyncStatusJson {
  const zero = l1RefJson(null);
  const top = unsafe && (!crossSafe || unsafe.number >= crossSafe.number) ? unsafe : crossSafe;
  const local = l2RefJson(localSafe);
  return {
    current_l1: zero,
    current_l1_finalized: zero,
    head_l1: zero,
    safe_l1: zero,
    finalized_l1: zero,
    unsafe_l2: l2RefJson(top),
    safe_l2: l2RefJson(crossSafe),
    finalized_l2: l2RefJson(null),
    pending_safe_l2: local,
    local_safe_l2: local,
  };
}

type Req = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

export const RPC_LIMITS = { batch: 100, bodyBytes: 64 * 1024 } as const;

const tooLarge = bodyLimit({
  maxSize: RPC_LIMITS.bodyBytes,
  onError: (c) => c.json({ jsonrpc: "2.0", id: null, error: { code: -32600, message: `request body exceeds ${RPC_LIMITS.bodyBytes} bytes` } }, 413),
});

rpc.post("/v1/chains/:chainId/rpc", tooLarge, async (c) => {
  const ch = c.var.chain;
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
  }
  // Both objects at once, once per request.
  let status: Promise<[ReturnType<ChainHead["status"]>, ReturnType<UnsafeHead["head"]>]> | undefined;
  const readStatus = () => (status ??= (async () => await Promise.all([ch.stub.status(), ch.unsafe.head()]))());
  const answer = async (r: Req) => {
    const id = r?.id ?? null;
    if (!r || typeof r !== "object" || r.jsonrpc !== "2.0" || typeof r.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request" } };
    if (r.method !== "optimism_syncStatus") return { jsonrpc: "2.0", id, error: { code: -32601, message: `the method ${r.method} does not exist/is not available` } };
    const [st, unsafe] = await readStatus();
    return { jsonrpc: "2.0", id, result: syncStatus(st.head, st.localSafe, unsafe?.ref ?? null) };
  };
  if (Array.isArray(body)) {
    if (body.length === 0) return c.json({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "empty batch" } });
    if (body.length > RPC_LIMITS.batch) {
      const first = (body as Req[]).find((r) => r && typeof r === "object" && "id" in r && typeof r.method === "string");
      return c.json([{ jsonrpc: "2.0", id: first?.id ?? null, error: { code: -32600, message: "batch too large" } }]);
    }
    return c.json(await Promise.all(body.map((r) => answer(r as Req))));
  }
  return c.json(await answer(body as Req));
});
