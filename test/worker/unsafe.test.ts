// The blocks topics end to end through the Worker (SELF.fetch) and the chain's UnsafeHead object,
// against the chain server over real HTTP JSON-RPC: op-node's unsafe rules, no RPC on the unsafe
// path, the unsafe head and its reorgs, and the read API showing unsafe → local-safe → cross-safe.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BLOCKS_TOPIC, CHAIN_ID, chainStub, control, crossSafe, getJson, heads, ingest, NOT_SEQUENCER_KEY, signed, status } from "./harness.ts";
import { testPeerId } from "../helpers/peer-ids.ts";
import type { UnsafeHeadJson } from "../helpers/unsafe-head.ts";
import { freshWorld } from "./setup.ts";

freshWorld(120, { endingNow: true });

const unsafe = () => getJson<UnsafeHeadJson>(`/v1/chains/${CHAIN_ID}/unsafe`);
const unsafeMsg = (n: bigint | string) => signed(n, { topicKind: "blocks" });

describe("blocks topics (unsafe)", () => {
  it("moves the unsafe head with no RPC call to the follower's nodes, and never the cross-safe head", async () => {
    const h = await heads();
    expect((await unsafe()).status).toBe(404);
    // The first message reads the signer from L1 (cold cache, as on the cross-safe path) …
    expect((await ingest((await unsafeMsg(h.unsafe - 1n)).message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "accept", reason: "unsafe-head" });
    // … after that, nothing: a pass-through fault rule on every endpoint counts the requests.
    const { id } = await control<{ id: string }>({ op: "faults.add", rule: { endpoint: "*", fault: { kind: "none" } } });
    const b = await unsafeMsg(h.unsafe);
    const r = await ingest(b.message, { topic: BLOCKS_TOPIC });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "unsafe-head", number: Number(h.unsafe), blockHash: b.blockHash });
    expect(r.timing).toMatch(/^settle;dur=\d+$/); // one Durable Object call, no "check" phase
    const hits = (await control<{ faults: { id: string; hits: number }[] }>({ op: "faults.list" })).faults.find((f) => f.id === id)!.hits;
    expect(hits).toBe(0);

    const u = await unsafe();
    const st = await control<{ sequencer: { unsafe: Record<string, unknown> } }>({ op: "status" });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject(st.sequencer.unsafe); // op-node's L2BlockRef, as the sequencer's op-node reports it
    expect(u.body.receivedAtMs).toBeGreaterThan(Date.now() - 60_000);
    expect(u.body.delayMs).toBe(u.body.receivedAtMs - u.body.timestamp * 1000);
    expect(u.headers.get("cache-control")).toBe("public, max-age=1");
    expect(await crossSafe()).toBeNull();
    expect(await chainStub().metrics()).toMatchObject({ counters: {}, head: null });
  });

  it("applies op-node's unsafe rules: over 60 s old → REJECT (the same block is fine as cross-safe), wrong topic version, wrong signer, seen", async () => {
    const h = await heads();
    const recent = h.crossSafe; // 8 blocks of 2 s: 16 s old
    const veryOld = h.unsafe - 40n; // 80 s old, below local-safe
    expect((await ingest((await unsafeMsg(veryOld)).message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "reject", reason: "timestamp-too-old" });
    expect((await ingest((await signed(veryOld)).message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await crossSafe())!.number).toBe(Number(veryOld));
    expect((await unsafe()).status).toBe(404);

    const m = (await unsafeMsg(recent)).message;
    // A v4 payload on the v3 or v1 topic does not decode there (op-node decodes by topic).
    expect((await ingest(m, { topic: `/optimism/${CHAIN_ID}/2/blocks` })).body).toMatchObject({ verdict: "reject", reason: "ssz-invalid" });
    expect((await ingest(m, { topic: `/optimism/${CHAIN_ID}/0/blocks` })).body).toMatchObject({ verdict: "reject", reason: "ssz-invalid" });
    expect((await ingest((await signed(recent, { privateKey: NOT_SEQUENCER_KEY, topicKind: "blocks" })).message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect((await ingest(m, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "accept", reason: "unsafe-head" });
    expect((await ingest(m, { topic: BLOCKS_TOPIC, peer: testPeerId("PeerB") })).body).toMatchObject({ verdict: "ignore", reason: "already-seen" });
    const st = await status();
    expect(st["unsafeEvents"].map((e: { reason: string }) => e.reason)).toEqual(["wrong-signer", "ssz-invalid", "ssz-invalid", "timestamp-too-old"]);
  });

  it("follows a reorg of unsafe blocks as an unsafe-reorg event, and allows at most 6 distinct blocks at a height", async () => {
    const h = await heads();
    const from = h.unsafe - 2n; // above local-safe: only unsafe blocks change
    for (let n = from - 1n; n <= h.unsafe; n++) await ingest((await unsafeMsg(n)).message, { topic: BLOCKS_TOPIC });
    expect((await unsafe()).body.number).toBe(Number(h.unsafe));
    await control({ op: "reorgL2", from: from.toString() });
    const b = await unsafeMsg(from);
    expect((await ingest(b.message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "accept", reason: "unsafe-reorg", blockHash: b.blockHash });
    expect((await unsafe()).body).toMatchObject({ number: Number(from), hash: b.blockHash });
    const next = await unsafeMsg(from + 1n);
    expect((await ingest(next.message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "accept", reason: "unsafe-head" });
    expect((await unsafe()).body).toMatchObject({ number: Number(from + 1n), parentHash: b.blockHash });
    const ev = (await status())["unsafeEvents"];
    expect(ev[0]).toMatchObject({ kind: "unsafe-reorg", number: Number(from), hash: b.blockHash });

    // op-node: more than 5 hashes seen at a height → REJECT. Two are seen at `from` so far: four more
    // rebuilds are accepted (6 distinct), the fifth is not.
    for (let i = 0; i < 4; i++) {
      await control({ op: "reorgL2", from: from.toString() });
      expect((await ingest((await unsafeMsg(from)).message, { topic: BLOCKS_TOPIC })).body.reason).toBe("unsafe-reorg");
    }
    await control({ op: "reorgL2", from: from.toString() });
    expect((await ingest((await unsafeMsg(from)).message, { topic: BLOCKS_TOPIC })).body).toMatchObject({ verdict: "reject", reason: "too-many-blocks-at-height" });
  });

  it("refuses a replayed nonce on the unsafe path too", async () => {
    const h = await heads();
    const m = (await unsafeMsg(h.unsafe)).message;
    expect((await ingest(m, { topic: BLOCKS_TOPIC, nonce: "00112233445566778899aabbccddeeff" })).status).toBe(200);
    const again = await ingest(m, { topic: BLOCKS_TOPIC, nonce: "00112233445566778899aabbccddeeff" });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ error: "unauthorized" }); // the reason is in the Worker's log only
  });

  it("answers chain-not-served for the blocks topics of a chain not configured", async () => {
    const h = await heads();
    const r = await ingest((await unsafeMsg(h.unsafe)).message, { topic: "/optimism/10/3/blocks" });
    expect(r.body).toMatchObject({ verdict: "ignore", reason: "chain-not-served" });
  });

  it("shows unsafe → local-safe → cross-safe in status, optimism_syncStatus and metrics", async () => {
    const h = await heads();
    await ingest((await unsafeMsg(h.unsafe)).message, { topic: BLOCKS_TOPIC });
    await ingest((await signed(h.crossSafe)).message);
    const st = await status();
    expect(st["heads"]).toEqual({ unsafe: Number(h.unsafe), localSafe: Number(h.localSafe), crossSafe: Number(h.crossSafe) });
    expect(h.unsafe > h.localSafe && h.localSafe > h.crossSafe).toBe(true);
    expect(st["gaps"]).toEqual({ unsafeToLocalSafe: Number(h.unsafe - h.localSafe), localSafeToCrossSafe: Number(h.localSafe - h.crossSafe), unsafeToCrossSafe: Number(h.unsafe - h.crossSafe) });
    expect(st["unsafe"]).toMatchObject({ number: Number(h.unsafe) });

    const rpc = await SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/rpc`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "optimism_syncStatus" }) }).then((r) => r.json() as Promise<any>);
    expect(rpc.result.unsafe_l2).toMatchObject({ number: Number(h.unsafe), hash: (await unsafe()).body.hash });
    expect(rpc.result.safe_l2.number).toBe(Number(h.crossSafe));
    expect(rpc.result.local_safe_l2.number).toBe(Number(h.localSafe));

    const text = await (await SELF.fetch("http://follower/metrics")).text();
    const chain = `chain="${CHAIN_ID}"`;
    expect(text).toContain(`op_follow_unsafe_head{${chain}} ${h.unsafe}`);
    expect(text).toContain(`op_follow_unsafe_lead_blocks{${chain}} ${h.unsafe - h.localSafe}`);
    expect(text).toContain(`op_follow_unsafe_messages_total{${chain},verdict="accept",reason="unsafe-head"} 1`);
    expect(text).toContain("# TYPE op_follow_unsafe_delay_seconds histogram");
    expect(text).toContain(`op_follow_unsafe_delay_seconds_bucket{${chain},le="+Inf"} 1`);
    expect(text).toContain(`op_follow_unsafe_delay_seconds_count{${chain}} 1`);
    // the cross-safe counters hold only the cross-safe message
    expect(text).toContain(`op_follow_messages_total{${chain},verdict="accept",reason="advanced"} 1`);
    expect(text).not.toMatch(/op_follow_messages_total\{[^}]*reason="unsafe/);
  });
});
