// Copies of one message through several relays and peers (issue 15): the Worker validates the
// bytes once per isolate (src/worker/validate-once.ts) and every copy still gets its own nonce
// claim, its own verdict from the Durable Object and its own scoring, exactly as when each copy
// was validated for itself. Server-Timing `validated;desc=1|0` tells which request validated.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { control, heads, ingest, ingestRequest, NOT_SEQUENCER_KEY, peers, signed, type IngestResult } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { TEST_RELAY_2_ID, TEST_RELAY_2_SECRET } from "./secrets.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PEERS = [0, 1, 2, 3, 4].map((i) => testPeerId(`Copy${i}`));
/** Alternately through the two relays the test Worker knows. */
const via = (i: number) => (i % 2 ? { relay: TEST_RELAY_2_ID, secret: TEST_RELAY_2_SECRET } : {});

/** What a relay does with one message: send it, and again after each 202 until a verdict comes. */
async function relay(message: Uint8Array, i: number): Promise<IngestResult & { validations: number }> {
  let validations = 0;
  for (;;) {
    const r = await ingest(message, { peer: PEERS[i]!, ...via(i) });
    validations += Number(/validated;desc=(\d)/.exec(r.timing)?.[1] ?? 0);
    if (r.status !== 202) return { ...r, validations };
    await sleep((r.body as { retryAfterMs?: number }).retryAfterMs ?? 100);
  }
}

async function checks(): Promise<number> {
  const s = await control<{ stats: Record<string, { calls: number }> }>({ op: "rpcStats" });
  return s.stats["l1 eth_getBlockByNumber"]?.calls ?? 0;
}

async function peerRecords() {
  const all = (await peers()).peers;
  return PEERS.map((id) => all.find((p) => p.peerId === id));
}

describe("copies of one message, through two relays and five peers", () => {
  it("a new block, five copies at once: validated once, checked once; one 'advanced', four 'duplicate', each peer credited as before", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    await control({ op: "rpcStats", reset: true });
    // a slow L1 node keeps the owner's check running while the copies arrive
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_getBlockByNumber", delayMs: 300 } });
    const copies = await Promise.all(PEERS.map((_, i) => relay(b.message, i)));
    expect(copies.map((c) => `${c.status} ${c.body.verdict} ${c.body.reason}`).sort()).toEqual(["200 accept advanced", "200 ignore duplicate", "200 ignore duplicate", "200 ignore duplicate", "200 ignore duplicate"]);
    for (const c of copies) expect(c.body).toMatchObject({ messageId: b.messageId, number: Number(b.number), blockHash: b.blockHash });
    expect(copies.reduce((a, c) => a + c.validations, 0)).toBe(1);
    expect(await checks()).toBe(1);
    // scoring is per copy, as when each was validated: the owner's peer credited with the block, a
    // duplicate neither credited nor penalised (its peer not even recorded)
    const recs = await peerRecords();
    const owner = copies.findIndex((c) => c.body.reason === "advanced");
    expect(recs[owner]).toMatchObject({ accepted: 1, rejected: 0 });
    expect(recs.filter((p, i) => i !== owner && p !== undefined)).toEqual([]);
  });

  it("a block not signed by the sequencer, five copies: each REJECTed and each sender scored, from one validation", async () => {
    const h = await heads();
    const bad = await signed(h.crossSafe, { privateKey: NOT_SEQUENCER_KEY });
    const copies = await Promise.all(PEERS.map((_, i) => relay(bad.message, i)));
    for (const c of copies) expect(c.body).toMatchObject({ verdict: "reject", reason: "wrong-signer", messageId: bad.messageId });
    expect(copies.reduce((a, c) => a + c.validations, 0)).toBe(1);
    const recs = await peerRecords();
    for (const p of recs) expect(p).toMatchObject({ rejected: 1, accepted: 0 });
    // the same penalty each (scores decay with time: equal up to the milliseconds between the copies)
    for (const p of recs) {
      expect(p!.score).toBeLessThan(0);
      expect(p!.score).toBeCloseTo(recs[0]!.score, 1);
    }
    // a later copy (a relay's retry, another peer) is answered from the kept result: the same REJECT
    const late = await relay(bad.message, 0);
    expect(late.body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect(late.validations).toBe(0);
    expect((await peerRecords())[0]).toMatchObject({ rejected: 2 });
  });

  it("replay protection is per request, kept result or not: the same signed request twice is refused", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    const init = await ingestRequest(b.message, { peer: PEERS[0]! });
    const first = await SELF.fetch("http://follower/v1/ingest", init);
    expect(await first.json()).toMatchObject({ verdict: "accept", reason: "advanced" });
    const again = await SELF.fetch("http://follower/v1/ingest", { ...init, body: b.message });
    expect(again.status).toBe(401);
    // a fresh request for the same bytes (another nonce) is a copy: answered, from the kept result
    const copy = await ingest(b.message, { peer: PEERS[1]! });
    expect(copy.body).toMatchObject({ verdict: "ignore", reason: "duplicate" });
    expect(copy.timing).toContain("validated;desc=0");
  });
});
