// The public read API, the op-node-compatible RPC, metrics and health.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CHAIN_ID, getJson, heads, ingest, signed } from "./harness.ts";
import { freshWorld } from "./setup.ts";

freshWorld();

describe("read API", () => {
  it("serves the head with CORS and a 1 s cache, 404 before there is one or for an unknown chain", async () => {
    let r = await getJson(`/v1/chains/${CHAIN_ID}/cross-safe`);
    expect(r.status).toBe(404);
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    r = await getJson(`/v1/chains/${CHAIN_ID}/cross-safe`, { headers: { origin: "https://example.org" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.headers.get("cache-control")).toBe("public, max-age=1");
    expect(Object.keys(r.body).sort()).toEqual(["hash", "l1origin", "number", "parentHash", "replaced", "replacement", "sequenceNumber", "timestamp", "updatedAtMs"]);
    // by hex chain id too
    expect((await getJson(`/v1/chains/0x${BigInt(CHAIN_ID).toString(16)}/cross-safe`)).body).toEqual(r.body);
    expect((await getJson(`/v1/chains/10/cross-safe`)).status).toBe(404);
    expect((await getJson(`/v1/chains/abc/cross-safe`)).status).toBe(404);
    const pre = await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/cross-safe`, { method: "OPTIONS", headers: { origin: "https://example.org", "access-control-request-method": "GET" } });
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("status reports head, local-safe, lag, pending and events", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    await ingest((await signed(h.localSafe + 1n)).message); // above local-safe: pending
    const s = (await getJson<Record<string, any>>(`/v1/chains/${CHAIN_ID}/status`)).body;
    expect(s["head"].number).toBe(Number(h.crossSafe));
    expect(s["localSafe"].number).toBe(Number(h.localSafe));
    expect(s["lag"]).toBe(Number(h.localSafe - h.crossSafe));
    expect(s["pending"]).toHaveLength(1);
    expect(s["events"][0]).toMatchObject({ kind: "pending" });
    expect(s["alarm"]).toBeNull();
  });

  it("answers optimism_syncStatus in op-node's shape (single and batch), other methods with -32601", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    const call = (body: unknown) => SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    const r = await call({ jsonrpc: "2.0", id: 7, method: "optimism_syncStatus", params: [] });
    expect(r.id).toBe(7);
    // op-node v1.19.6's SyncStatus JSON field names (op-service/eth/sync_status.go), in its order
    const keys = ["current_l1", "current_l1_finalized", "head_l1", "safe_l1", "finalized_l1", "unsafe_l2", "safe_l2", "finalized_l2", "pending_safe_l2", "local_safe_l2"];
    expect(Object.keys(r.result)).toEqual(keys);
    // and each ref's fields (op-service/eth/id.go L1BlockRef / L2BlockRef)
    for (const k of keys) expect(Object.keys(r.result[k])).toEqual(k.includes("_l1") ? ["hash", "number", "parentHash", "timestamp"] : ["hash", "number", "parentHash", "timestamp", "l1origin", "sequenceNumber"]);
    expect(r.result.safe_l2.number).toBe(Number(h.crossSafe));
    expect(r.result.local_safe_l2.number).toBe(Number(h.localSafe));
    // no unsafe head yet: the cross-safe head (op-node's unsafe is never below safe); nothing finalized known
    expect(r.result.unsafe_l2).toEqual(r.result.safe_l2);
    expect(r.result.pending_safe_l2).toEqual(r.result.local_safe_l2);
    expect(r.result.finalized_l2.hash).toBe("0x" + "0".repeat(64));
    const batch = await call([{ jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" }, { jsonrpc: "2.0", id: 2, method: "eth_blockNumber" }]);
    expect(batch[0].result.safe_l2.number).toBe(Number(h.crossSafe));
    expect(batch[1].error.code).toBe(-32601);
    const bad = await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/rpc`, { method: "POST", body: "{nope" }).then((x) => x.json() as Promise<any>);
    expect(bad.error.code).toBe(-32700);
  });

  it("exposes Prometheus metrics and health", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    await ingest(Uint8Array.of(9, 9));
    const res = await SELF.fetch("http://follower/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toContain(`op_follow_messages_total{chain="${CHAIN_ID}",verdict="accept",reason="advanced"} 1`);
    expect(text).toMatch(new RegExp(`op_follow_messages_total\\{chain="${CHAIN_ID}",verdict="reject",reason="snappy-[a-z-]+"\\} 1`));
    expect(text).toContain(`op_follow_cross_safe_head{chain="${CHAIN_ID}"} ${h.crossSafe}`);
    const health = await getJson<{ ok: boolean; keccak: string; secp256k1: string; chains: string[] }>("/healthz");
    // (its fields and rules: test/worker/health.test.ts)
    expect(health.body).toMatchObject({ ok: true, keccak: "wasm", secp256k1: "wasm", chains: [CHAIN_ID, "11155420"] });
  });

  it("serves several chains from one deployment, each with its own head and its own faults", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe)).message);
    const other = await getJson<Record<string, any>>("/v1/chains/11155420/status");
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ chainId: "11155420", name: "OP Sepolia Testnet", head: null, events: [] });
    expect((await getJson("/v1/chains/11155420/cross-safe")).status).toBe(404);
    // A message for the other chain reaches its own pipeline: its signer comes from the preset, so the
    // devnet's signature is the wrong one there.
    const m = (await signed(h.crossSafe)).message;
    const r = await ingest(m, { topic: "/optimism/11155420/0/cross-safe-blocks" });
    expect(r.body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect((await getJson<{ head: { number: number } }>(`/v1/chains/${CHAIN_ID}/status`)).body.head.number).toBe(Number(h.crossSafe));
  });

  it("serves the status page", async () => {
    const res = await SELF.fetch("http://follower/");
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("cross-safe head");
  });
});
