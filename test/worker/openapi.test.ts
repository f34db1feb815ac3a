// GET /openapi.json against the real Worker and its Durable Objects in workerd: every route the Hono
// app registers is documented and nothing else is; each documented answer (success and errors) is
// produced and its body validated against the documented schema (openapi-check.ts). The last test
// checks that every documented answer was produced here, bar the few listed with the reason.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import app from "../../src/worker/index.ts";
import { MAX_GOSSIP_SIZE } from "../../src/protocol/snappy.ts";
import { RPC_LIMITS } from "../../src/worker/routes/rpc.ts";
import { testPeerId } from "../helpers/peer-ids.ts";
import { LIMITS } from "../../src/durable/machine.ts";
import { BLOCKS_TOPIC, CHAIN_ID, chainStub, control, fillNonces, heads, ingest, ingestRequest, signed } from "./harness.ts";
import { conforms, documentedAnswers, fetchWith, produced, servedDocument, type Method } from "./openapi-check.ts";
import { TEST_ADMIN_TOKEN } from "./secrets.ts";
import { freshWorld } from "./setup.ts";

freshWorld(120, { endingNow: true });

const get = (path: string, init?: RequestInit) => SELF.fetch(`http://follower${path}`, init);
const post = (path: string, init: RequestInit = {}) => get(path, { method: "POST", ...init });
const c = `/v1/chains/${CHAIN_ID}`;
const T = "/v1/chains/{chainId}";
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const rpcBody = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const BROKEN = { CHAINS: "[" };

/** Answers no test here can produce without breaking a Durable Object on purpose, and why (ingest's 503 for a failed object shares its schema with nonce-table-full, produced below). */
const NOT_PRODUCED: Record<string, string> = {
  ...Object.fromEntries(
    ["GET cross-safe", "GET unsafe", "GET status", "GET peers", "GET evidence", "GET evidence/{id}", "GET evidence/{id}/messages/{role}", "POST rpc", "POST admin/clear-alarm", "POST admin/purge-peers", "POST admin/refresh"].map((r) => {
      const [m, p] = r.split(" ");
      return [`${m} ${T}/${p} 503`, "the app's onError answer for a Durable Object that throws (being reset): not producible on demand"];
    }),
  ),
};

describe("the OpenAPI document", () => {
  it("describes exactly the routes the app registers", async () => {
    const doc = await servedDocument();
    const registered = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^/]*\})?/g, "{$1}")}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)));
    expect([...documented].sort()).toEqual([...registered].sort());
    const res = await get("/openapi.json");
    expect((await conforms("get", "/openapi.json", res)).openapi).toBe("3.1.0");
  });

  it("the check bites: a string block number, an ISO time, an undocumented field or status all fail", async () => {
    const res = await get(`${c}/cross-safe`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
    const head = { hash: `0x${"1".repeat(64)}`, number: 5, parentHash: `0x${"2".repeat(64)}`, timestamp: 1, l1origin: { hash: `0x${"3".repeat(64)}`, number: 1 }, sequenceNumber: 0, updatedAtMs: 1, replaced: false, replacement: null };
    const as = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    await expect(conforms("get", `${T}/cross-safe`, as(head))).resolves.toEqual(head);
    await expect(conforms("get", `${T}/cross-safe`, as({ ...head, number: "5" }))).rejects.toThrow(/does not match/);
    await expect(conforms("get", `${T}/cross-safe`, as({ ...head, updatedAtMs: new Date().toISOString() }))).rejects.toThrow(/does not match/);
    await expect(conforms("get", `${T}/cross-safe`, as({ ...head, extra: 1 }))).rejects.toThrow(/does not match/);
    await expect(conforms("get", `${T}/cross-safe`, as(head, 418))).rejects.toThrow(/not documented/);
    produced.delete(`GET ${T}/cross-safe 200`);
  });

  it("ops: the page, health and metrics, configured and not", async () => {
    await conforms("get", "/", await get("/"));
    await conforms("get", "/healthz", await get("/healthz"));
    await conforms("get", "/livez", await get("/livez"));
    await conforms("get", "/metrics", await get("/metrics"));
    expect((await conforms("get", "/healthz", await fetchWith(BROKEN, "/healthz"))).ok).toBe(false);
    await conforms("get", "/metrics", await fetchWith(BROKEN, "/metrics"));
  });

  it("ingest: verdicts (with number as a JSON number, detail hints) and every refusal", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    const ok = await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest(b.message)));
    expect(ok).toMatchObject({ verdict: "accept", number: Number(h.crossSafe), blockHash: b.blockHash });
    const unserved = await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest(b.message, { topic: "/optimism/10/0/cross-safe-blocks" })));
    expect(unserved).toMatchObject({ verdict: "ignore", reason: "chain-not-served", detail: expect.stringContaining("CHAINS") });
    const unsafe = await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest((await signed(h.unsafe, { topicKind: "blocks" })).message, { topic: BLOCKS_TOPIC })));
    expect(unsafe).toMatchObject({ verdict: "accept", number: Number(h.unsafe) });
    // a verdict that only says the message is bad has no hint
    expect(await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest(Uint8Array.of(9, 9))))).not.toHaveProperty("detail");
    await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest(b.message, { peer: "not-a-peer-id" })));
    await conforms("post", "/v1/ingest", await post("/v1/ingest", await ingestRequest(b.message, { secret: "s".repeat(40) })));
    await conforms("post", "/v1/ingest", await post("/v1/ingest", { headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(MAX_GOSSIP_SIZE + 1) }));
    expect((await conforms("post", "/v1/ingest", await fetchWith(BROKEN, "/v1/ingest", await ingestRequest(b.message)))).error).toBe("configuration");
    // 202: another request owns the block's check (claimed here as a Worker would, never settled)
    const next = await signed(h.crossSafe + 1n);
    const lease = { chainId: CHAIN_ID.toString(), nonceKey: "openapi:owner", nonceExpiresAt: Date.now() + 60_000, peer: testPeerId("Ghost"), verdict: "accept" as const, reason: "valid" };
    expect(await chainStub().claim({ ...lease, number: next.number, hash: next.blockHash as `0x${string}`, leaseMs: 30_000 })).toMatchObject({ kind: "check" });
    const wait = await post("/v1/ingest", await ingestRequest(next.message));
    expect(wait.status).toBe(202);
    expect(await conforms("post", "/v1/ingest", wait)).toMatchObject({ retry: true, reason: "claimed-by-another-request", number: Number(next.number) });
    // a full nonce table: 503, nothing decided, retry
    await fillNonces(LIMITS.nonces);
    const full = await post("/v1/ingest", await ingestRequest((await signed(h.crossSafe - 1n)).message));
    expect(full.headers.get("retry-after")).toBe("1");
    expect(await conforms("post", "/v1/ingest", full)).toEqual({ error: "unavailable", reason: "nonce-table-full" });
  });

  it("read routes: heads, status with an alarm, evidence, peers; 404s and 400s", async () => {
    const h = await heads();
    await conforms("get", `${T}/cross-safe`, await get(`${c}/cross-safe`)); // 404: none yet
    await conforms("get", `${T}/unsafe`, await get(`${c}/unsafe`));
    await conforms("get", `${T}/evidence/{id}`, await get(`${c}/evidence/1`));
    await conforms("get", `${T}/evidence/{id}/messages/{role}`, await get(`${c}/evidence/1/messages/existing`));
    // an unsafe head, a cross-safe head, a pending block, then an equivocation: an alarm and evidence
    await ingest((await signed(h.unsafe, { topicKind: "blocks" })).message, { topic: BLOCKS_TOPIC });
    const first = await signed(h.crossSafe);
    await ingest(first.message);
    await ingest((await signed(h.localSafe + 1n)).message);
    await control({ op: "equivocate", height: h.crossSafe.toString() });
    const st = await control<{ equivocations: { equivocating: string }[] }>({ op: "status" });
    await ingest((await signed(st.equivocations[0]!.equivocating)).message, { peer: testPeerId("Other") });

    const head = await conforms("get", `${T}/cross-safe`, await get(`${c}/cross-safe`));
    expect(head).toMatchObject({ number: Number(h.crossSafe), hash: first.blockHash, updatedAtMs: expect.any(Number) });
    expect((await conforms("get", `${T}/unsafe`, await get(`${c}/unsafe`))).receivedAtMs).toEqual(expect.any(Number));
    const s = await conforms("get", `${T}/status`, await get(`${c}/status`));
    expect(s.alarm).toMatchObject({ kind: "equivocation", number: Number(h.crossSafe), raisedAtMs: expect.any(Number) });
    expect(s.pending[0]).toMatchObject({ number: Number(h.localSafe + 1n) });
    expect(s.evidence[0]).toMatchObject({ number: Number(h.crossSafe), atMs: expect.any(Number) });
    expect(s.events.every((e: { number?: unknown; atMs: unknown }) => typeof e.atMs === "number" && (e.number === undefined || typeof e.number === "number"))).toBe(true);
    expect((await conforms("get", `${T}/peers`, await get(`${c}/peers`))).peers.length).toBeGreaterThan(0);

    const page = await conforms("get", `${T}/evidence`, await get(`${c}/evidence?limit=1`));
    expect(page.evidence[0]).toMatchObject({ number: Number(h.crossSafe), atMs: expect.any(Number) });
    const id = page.evidence[0].id;
    await conforms("get", `${T}/evidence`, await get(`${c}/evidence?cursor=x`));
    await conforms("get", `${T}/evidence/{id}`, await get(`${c}/evidence/${id}`));
    await conforms("get", `${T}/evidence/{id}/messages/{role}`, await get(`${c}/evidence/${id}/messages/conflicting`));
  });

  it("rpc: optimism_syncStatus single and batched, JSON-RPC errors, an oversized body", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    const one = await conforms("post", `${T}/rpc`, await get(`${c}/rpc`, rpcBody({ jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" })));
    expect(one.result.safe_l2.number).toBe(Number(h.crossSafe));
    const batch = await conforms("post", `${T}/rpc`, await get(`${c}/rpc`, rpcBody([{ jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" }, { jsonrpc: "2.0", id: 2, method: "nope" }, { id: 3 }])));
    expect(batch.map((r: { error?: { code: number } }) => r.error?.code ?? null)).toEqual([null, -32601, -32600]);
    await conforms("post", `${T}/rpc`, await get(`${c}/rpc`, { method: "POST", body: "{nope" }));
    await conforms("post", `${T}/rpc`, await get(`${c}/rpc`, { method: "POST", body: "x".repeat(RPC_LIMITS.bodyBytes + 1) }));
  });

  it("admin: each operation, and without a token", async () => {
    for (const op of ["clear-alarm", "purge-peers", "refresh"]) {
      await conforms("post", `${T}/admin/${op}`, await post(`${c}/admin/${op}`, { headers: auth }));
      await conforms("post", `${T}/admin/${op}`, await post(`${c}/admin/${op}`));
    }
  });

  it("every per-chain route: 404 for a chain not served, 500 when the settings are broken", async () => {
    const doc = await servedDocument();
    for (const [path, item] of Object.entries(doc.paths).filter(([p]) => p.startsWith(T))) {
      for (const method of Object.keys(item) as Method[]) {
        const concrete = (chain: string) => path.replace("{chainId}", chain).replace("{id}", "1").replace("{role}", "existing");
        const init: RequestInit = { method: method.toUpperCase(), headers: auth, ...(method === "post" ? { body: "{}" } : {}) };
        await conforms(method, path, await get(concrete("10"), init));
        await conforms(method, path, await fetchWith(BROKEN, concrete(CHAIN_ID), init));
      }
    }
  });

  it("every documented answer was produced above (bar the listed exceptions)", async () => {
    const missing = documentedAnswers(await servedDocument()).filter((a) => !produced.has(a) && !(a in NOT_PRODUCED));
    expect(missing).toEqual([]);
    for (const a of Object.keys(NOT_PRODUCED)) expect(documentedAnswers(await servedDocument())).toContain(a);
  });
});
