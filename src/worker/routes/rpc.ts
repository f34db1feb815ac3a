// POST /v1/chains/:chainId/rpc — a JSON-RPC endpoint answering optimism_syncStatus in op-node's
// exact shape (op-service/eth/sync_status.go), so tools that speak op-node's API read op-follow
// unchanged: cross_safe_l2 and safe_l2 = the cross-safe head, local_safe_l2 = the last local-safe
// seen, unsafe_l2 = the unsafe head from the blocks topics; fields a follower cannot know are
// op-node's zero values.
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
import { l1RefJson, l2RefJson } from "../../protocol/block-ref.ts";

export const rpc = new Hono<AppEnv>();

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
    const head = l2RefJson(st.head);
    const zero = l1RefJson(null);
    const zeroL2 = l2RefJson(null);
    return {
      jsonrpc: "2.0",
      id,
      result: {
        current_l1: zero,
        current_l1_finalized: zero,
        head_l1: zero,
        safe_l1: zero,
        finalized_l1: zero,
        unsafe_l2: l2RefJson(unsafe?.ref ?? null),
        safe_l2: head,
        finalized_l2: zeroL2,
        pending_safe_l2: zeroL2,
        cross_unsafe_l2: zeroL2,
        local_safe_l2: l2RefJson(st.localSafe),
        cross_safe_l2: head,
      },
    };
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
