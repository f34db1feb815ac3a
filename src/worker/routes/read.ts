// Public read API: the cross-safe head and its context. CORS on (except for the admin routes),
// cacheable for 1 s.
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../context.ts";
import { l2RefJson } from "../../protocol/block-ref.ts";
import { EVIDENCE_PAGE, type EvidenceRole } from "../../durable/evidence-page.ts";
import { alarmJson, eventJson, evidenceJson, headJson, peerJson, pendingJson, statusEvidenceJson, unsafeJson } from "../api-json.ts";
import { isAdminPath } from "./admin.ts";

export const read = new Hono<AppEnv>();

const diff = (a: bigint | undefined, b: bigint | undefined): number | null => (a === undefined || b === undefined ? null : Number(a - b));

const publicCors = cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"] });
read.use("/v1/chains/:chainId/*", (c, next) => (isAdminPath(c.req.path) ? next() : publicCors(c, next)));
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

read.get("/v1/chains/:chainId/unsafe", async (c) => {
  const u = await c.var.chain.unsafe.head();
  if (!u) return c.json({ error: "not-found", message: "no unsafe head yet" }, 404);
  return c.json(unsafeJson(u));
});

read.get("/v1/chains/:chainId/status", async (c) => {
  const ch = c.var.chain;
  // Two objects, asked at once: the cross-safe head's and the unsafe head's.
  const [st, us] = await Promise.all([ch.stub.status(), ch.unsafe.status()]);
  const [u, ls, cs] = [us.head?.ref.number, st.localSafe?.number, st.head?.number];
  return c.json({
    chainId: ch.id,
    name: ch.settings.config.name ?? null,
    head: st.head ? headJson(st.head) : null,
    localSafe: st.localSafe ? l2RefJson(st.localSafe) : null,
    lag: st.lag === null ? null : Number(st.lag),
    pending: st.pending.map(pendingJson),
    events: st.events.map(eventJson),
    alarm: alarmJson(st.alarm),
    evidence: st.evidence.map(statusEvidenceJson),
    unsafe: us.head ? unsafeJson(us.head) : null,
    unsafeEvents: us.events.map(eventJson),
    // The three heads and the gaps between them (blocks): unsafe → local-safe → cross-safe.
    heads: { unsafe: u === undefined ? null : Number(u), localSafe: ls === undefined ? null : Number(ls), crossSafe: cs === undefined ? null : Number(cs) },
    gaps: { unsafeToLocalSafe: diff(u, ls), localSafeToCrossSafe: diff(ls, cs), unsafeToCrossSafe: diff(u, cs) },
  });
});

read.get("/v1/chains/:chainId/peers", async (c) => {
  const ch = c.var.chain;
  const p = await ch.stub.peers();
  return c.json({ graylistThreshold: p.graylistThreshold, peers: p.peers.map(peerJson) });
});

// Equivocation evidence: summaries in pages (`?cursor=<next>&limit=<1…100>`), then each gossip
// message on its own, as the raw bytes received (snappy-compressed; `op-follow inspect` reads them).
read.get("/v1/chains/:chainId/evidence", async (c) => {
  const ch = c.var.chain;
  const cursor = c.req.query("cursor") ?? "0";
  const limit = c.req.query("limit") ?? String(EVIDENCE_PAGE.default);
  if (!/^\d{1,15}$/.test(cursor)) return c.json({ error: "bad-request", message: "cursor: expected the `next` of a previous page" }, 400);
  if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1) return c.json({ error: "bad-request", message: `limit: expected 1…${EVIDENCE_PAGE.max}` }, 400);
  const page = await ch.stub.evidencePage(Number(cursor), Number(limit));
  return c.json({ evidence: page.evidence.map((e) => evidenceJson(ch.id, e)), next: page.next });
});

read.get("/v1/chains/:chainId/evidence/:id{[0-9]{1,15}}", async (c) => {
  const ch = c.var.chain;
  const e = await ch.stub.evidenceSummary(Number(c.req.param("id")));
  if (!e) return c.json({ error: "not-found", message: "no such evidence" }, 404);
  return c.json(evidenceJson(ch.id, e));
});

read.get("/v1/chains/:chainId/evidence/:id{[0-9]{1,15}}/messages/:role{existing|conflicting}", async (c) => {
  const ch = c.var.chain;
  const raw = await ch.stub.evidenceMessage(Number(c.req.param("id")), c.req.param("role") as EvidenceRole);
  if (raw === undefined) return c.json({ error: "not-found", message: "no such evidence" }, 404);
  if (raw === null) return c.json({ error: "not-found", message: "not kept: the block's message was no longer stored when the conflict was seen" }, 404);
  return c.body(raw as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream" });
});
