// Public reads are bounded (issue 10, finding 5): the JSON-RPC endpoint takes at most 100 calls per
// batch and 64 KiB per body (a 50,000-call batch once made 50,000 Durable Object calls and a 165 MB
// answer), /evidence is paged without raw bytes and each message is fetched on its own (it once
// answered 56.6 MB at a time), and the admin routes answer no CORS preflight.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SettleRequest } from "../../src/durable/chain-head.ts";
import { EVIDENCE_PAGE } from "../../src/durable/evidence-page.ts";
import { RPC_LIMITS } from "../../src/worker/routes/rpc.ts";
import { consolidated, hashOf, ref, replacement } from "../durable/fixtures.ts";
import { TEST_ADMIN_TOKEN } from "./secrets.ts";
import { CHAIN_ID, chainStub, getJson, heads, ingest, signed } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

const rpcUrl = `http://follower/v1/chains/${CHAIN_ID}/rpc`;
const post = (body: string) => SELF.fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
const call = (id: number) => ({ jsonrpc: "2.0", id, method: "optimism_syncStatus", params: [] });

describe("JSON-RPC bounds", () => {
  it(`answers a batch of ${RPC_LIMITS.batch} calls, and a larger one with geth's single "batch too large" error`, async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    const ok = (await (await post(JSON.stringify(Array.from({ length: RPC_LIMITS.batch }, (_, i) => call(i))))).json()) as { id: number; result: { safe_l2: { number: number } } }[];
    expect(ok).toHaveLength(RPC_LIMITS.batch);
    expect(ok.map((r) => r.id)).toEqual(Array.from({ length: RPC_LIMITS.batch }, (_, i) => i));
    expect(new Set(ok.map((r) => r.result.safe_l2.number))).toEqual(new Set([Number(h.crossSafe)]));
    // the first call's id, as geth's respondWithBatchTooLarge does (a notification has none)
    const big = [{ jsonrpc: "2.0", method: "optimism_syncStatus" }, ...Array.from({ length: RPC_LIMITS.batch }, (_, i) => call(i + 7))];
    const res = await post(JSON.stringify(big));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ jsonrpc: "2.0", id: 7, error: { code: -32600, message: "batch too large" } }]);
    // the 50,000-call batch of the finding, just under the body limit (each call is a bare object)
    const tiny = JSON.stringify(Array.from({ length: 10_000 }, () => ({})));
    expect(tiny.length).toBeLessThan(RPC_LIMITS.bodyBytes);
    expect(await (await post(tiny)).json()).toEqual([{ jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch too large" } }]);
  });

  it(`refuses a body over ${RPC_LIMITS.bodyBytes} bytes with 413, announced or streamed`, async () => {
    const body = JSON.stringify({ ...call(1), params: ["x".repeat(RPC_LIMITS.bodyBytes)] });
    const r = await post(body);
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(body));
        c.close();
      },
    });
    const s = await SELF.fetch(rpcUrl, { method: "POST", body: stream, headers: { "content-type": "application/json" } });
    expect(s.status).toBe(413);
    await s.body?.cancel();
  });
});

/** Makes `count` equivocation records in the chain's object (the settle calls the Worker makes), each conflicting message `bytes` long. */
async function seedEvidence(count: number, bytes: number): Promise<Uint8Array[]> {
  const stub = chainStub();
  let nonce = 0;
  const req = (n: number, h: `0x${string}`, check: SettleRequest["check"]): SettleRequest => ({
    chainId: CHAIN_ID,
    nonceKey: `seed:${nonce++}`,
    nonceExpiresAt: Date.now() + 31_000,
    peer: testPeerId("seed"),
    verdict: "accept",
    reason: "valid",
    number: BigInt(n),
    hash: h,
    check,
  });
  for (let n = 1; n <= count; n++) await stub.settle(req(n, hashOf(n), { kind: "outcome", outcome: consolidated(n, hashOf(n), { peer: testPeerId("seed") }), localSafe: ref(count) }));
  const messages: Uint8Array[] = [];
  for (let n = 1; n <= count; n++) {
    const raw = new Uint8Array(bytes).fill(n % 251);
    messages.push(raw);
    // a second attestation at a cross-safe height that consolidates too: the sequencer's equivocation
    const d = await stub.settle(req(n, hashOf(n, 1), { kind: "outcome", outcome: replacement(n, testPeerId("seed"), 1, raw), localSafe: ref(count) }));
    expect(d).toMatchObject({ reason: "equivocation" });
  }
  return messages;
}

type EvidenceJson = {
  id: number;
  number: number;
  existing: { hash: string; bytes: number | null; message: string | null };
  conflicting: { hash: string; peer: string; bytes: number; message: string };
};

describe("GET /v1/chains/:id/evidence", () => {
  it("pages summaries without raw bytes; each message comes on its own (150 records of 256 KiB: 77 MB as one answer before)", async () => {
    const messages = await seedEvidence(150, 256 * 1024);
    const seen: EvidenceJson[] = [];
    let cursor: number | null = 0;
    let pages = 0;
    while (cursor !== null) {
      const r: { status: number; body: { evidence: EvidenceJson[]; next: number | null } } = await getJson(`/v1/chains/${CHAIN_ID}/evidence?cursor=${cursor}&limit=64`);
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.body).length).toBeLessThan(64 * 1024);
      seen.push(...r.body.evidence);
      cursor = r.body.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((e) => e.id)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const e = seen[149]!;
    expect(e).toMatchObject({ number: 150, existing: { hash: hashOf(150), bytes: 40 }, conflicting: { hash: hashOf(150, 1), peer: testPeerId("seed"), bytes: 256 * 1024 } });
    expect(e.conflicting.message).toBe(`/v1/chains/${CHAIN_ID}/evidence/150/messages/conflicting`);
    // the raw gossip message, exactly as stored
    const m = await SELF.fetch(`http://follower${e.conflicting.message}`);
    expect(m.headers.get("content-type")).toBe("application/octet-stream");
    expect(new Uint8Array(await m.arrayBuffer())).toEqual(messages[149]);
    expect((await SELF.fetch(`http://follower${e.existing.message!}`)).status).toBe(200);
    // the oldest heads' envelopes were no longer kept when the conflict came (LIMITS.envelopes)
    expect(seen[0]!.existing).toMatchObject({ bytes: null, message: null });
    expect((await getJson(`/v1/chains/${CHAIN_ID}/evidence/1/messages/existing`)).status).toBe(404);
    // one record by id
    expect((await getJson(`/v1/chains/${CHAIN_ID}/evidence/150`)).body).toEqual(e);
    expect((await getJson(`/v1/chains/${CHAIN_ID}/evidence/151`)).status).toBe(404);
    expect((await getJson(`/v1/chains/${CHAIN_ID}/evidence/151/messages/conflicting`)).status).toBe(404);
    expect((await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/evidence/1/messages/other`)).status).toBe(404);
  });

  it(`clamps the page to ${EVIDENCE_PAGE.max}, defaults to ${EVIDENCE_PAGE.default}, refuses a malformed cursor or limit`, async () => {
    await seedEvidence(EVIDENCE_PAGE.max + 5, 16);
    const page = async (q: string) => (await getJson<{ evidence: EvidenceJson[]; next: number | null }>(`/v1/chains/${CHAIN_ID}/evidence${q}`)).body;
    expect((await page("")).evidence).toHaveLength(EVIDENCE_PAGE.default);
    expect((await page("")).next).toBe(EVIDENCE_PAGE.default);
    const all = await page("?limit=999");
    expect(all.evidence).toHaveLength(EVIDENCE_PAGE.max);
    expect((await page(`?cursor=${all.next}`)).evidence.map((e) => e.id)).toEqual([101, 102, 103, 104, 105]);
    expect((await page(`?cursor=${all.next}`)).next).toBeNull();
    for (const q of ["?cursor=-1", "?cursor=abc", "?limit=0", "?limit=x", "?cursor=1e3"]) {
      const r = await getJson<{ error: string }>(`/v1/chains/${CHAIN_ID}/evidence${q}`);
      expect({ q, status: r.status, error: r.body.error }).toEqual({ q, status: 400, error: "bad-request" });
    }
  });
});

describe("CORS", () => {
  const preflight = (path: string, method: string) =>
    SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/${path}`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": method, "access-control-request-headers": "authorization" } });

  it("public reads keep it; admin routes answer no preflight and carry no CORS headers", async () => {
    for (const [path, method] of [["cross-safe", "GET"], ["rpc", "POST"], ["evidence", "GET"]] as const) {
      expect((await preflight(path, method)).headers.get("access-control-allow-origin"), path).toBe("*");
    }
    for (const path of ["admin/clear-alarm", "admin/refresh", "admin/purge-peers", "admin/"]) {
      const r = await preflight(path, "POST");
      expect(r.status, path).not.toBe(204);
      for (const h of ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"]) expect(r.headers.get(h), `${path} ${h}`).toBeNull();
      const p = await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/${path}`, { method: "POST", headers: { origin: "https://evil.example" } });
      expect(p.headers.get("access-control-allow-origin"), path).toBeNull();
    }
    // an encoded path reaches the admin routes only as an admin path (Hono matches the decoded path)
    for (const path of ["%61dmin/refresh", "admin%2Frefresh", "Admin/refresh", "admin//refresh"]) {
      const r = await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/${path}`, { method: "POST", headers: { origin: "https://evil.example", authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      const body = await r.text();
      if (r.status === 200) expect({ path, acao: r.headers.get("access-control-allow-origin") }).toEqual({ path, acao: null });
      else expect({ path, body }).toEqual({ path, body: expect.not.stringContaining("refreshed") });
    }
  });
});
