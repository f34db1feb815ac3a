// Public read API: the cross-safe head and its context. CORS on, cacheable for 1 s.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { jsonSafe, type AppEnv } from "../context.ts";
import { l2RefJson } from "../../protocol/block-ref.ts";
import { toHex } from "../../protocol/hex.ts";
import type { CrossSafeHead } from "../../durable/types.ts";

export const read = new Hono<AppEnv>();

/** The head as the read API shows it: op-node's L2BlockRef JSON, when it was set and whether it was a replacement. */
function headJson(head: CrossSafeHead) {
  return { ...l2RefJson(head), updatedAt: new Date(head.updatedAt).toISOString(), replaced: head.replaced !== false, replacement: head.replaced || null };
}

read.use("/v1/chains/:chainId/*", cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"] }));
read.use("/v1/chains/:chainId/*", async (c, next) => {
  await next();
  if (c.req.method === "GET" && c.res.status === 200 && !c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "public, max-age=1");
});

read.get("/v1/chains/:chainId/cross-safe", async (c) => {
  const ch = c.var.chain;
  const head = await ch.stub.head();
  if (!head) return c.json({ error: "not-found", message: "no cross-safe head yet" }, 404);
  return c.json(headJson(head));
});

read.get("/v1/chains/:chainId/status", async (c) => {
  const ch = c.var.chain;
  const st = await ch.stub.status();
  return c.json({
    chainId: ch.id,
    name: ch.settings.config.name ?? null,
    head: st.head ? headJson(st.head) : null,
    localSafe: st.localSafe ? l2RefJson(st.localSafe) : null,
    lag: st.lag === null ? null : Number(st.lag),
    pending: jsonSafe(st.pending),
    events: st.events,
    alarm: st.alarm,
    evidence: jsonSafe(st.evidence),
  });
});

read.get("/v1/chains/:chainId/peers", async (c) => {
  const ch = c.var.chain;
  return c.json(await ch.stub.peers());
});

read.get("/v1/chains/:chainId/evidence", async (c) => {
  const ch = c.var.chain;
  const ev = await ch.stub.evidence();
  const hex = (b: Uint8Array | null) => (b ? toHex(b) : null);
  return c.json({
    evidence: ev.map((e) => ({
      id: e.id,
      at: new Date(e.at).toISOString(),
      number: e.number.toString(),
      existing: { hash: e.existing.hash, messageId: e.existing.messageId, message: hex(e.existing.raw) },
      conflicting: { hash: e.conflicting.hash, messageId: e.conflicting.messageId, peer: e.conflicting.peer, message: hex(e.conflicting.raw) },
    })),
  });
});
