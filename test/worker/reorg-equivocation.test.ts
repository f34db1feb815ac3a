// Equivocation (two sequencer-signed blocks at a cross-safe height) and local L2 reorgs.
import { evictDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TEST_ADMIN_TOKEN } from "./secrets.ts";
import { admin, chainStub, control, crossSafe, getJson, heads, ingest, runAlarm, signed, status, CHAIN_ID } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

describe("equivocation", () => {
  it("raises an alarm, keeps both envelopes as evidence, freezes the head until an operator clears it", async () => {
    const h = await heads();
    const first = await signed(h.crossSafe);
    expect((await ingest(first.message)).body.verdict).toBe("accept");
    await control({ op: "equivocate", height: h.crossSafe.toString() });
    const st = await control<{ equivocations: { equivocating: string }[] }>({ op: "status" });
    const second = await signed(st.equivocations[0]!.equivocating);

    const r = await ingest(second.message, { peer: testPeerId("HonestRelayer") });
    // The relaying peer did nothing wrong: ignore, not reject.
    expect(r.body).toMatchObject({ verdict: "ignore", reason: "equivocation" });
    const s = await status();
    expect(s["alarm"]).toMatchObject({ kind: "equivocation", number: Number(h.crossSafe), hashes: [first.blockHash, second.blockHash] });
    const ev = (await getJson<{ evidence: { existing: { hash: string; message: string }; conflicting: { hash: string; message: string } }[] }>(`/v1/chains/${CHAIN_ID}/evidence`)).body.evidence;
    expect(ev).toHaveLength(1);
    expect(ev[0]!.existing.hash).toBe(first.blockHash);
    expect(ev[0]!.conflicting.hash).toBe(second.blockHash);
    // both gossip messages, exactly as received, one request each
    const message = async (path: string) => new Uint8Array(await (await SELF.fetch(`http://follower${path}`)).arrayBuffer());
    expect(await message(ev[0]!.existing.message)).toEqual(first.message);
    expect(await message(ev[0]!.conflicting.message)).toEqual(second.message);

    // Head frozen: a valid next block is held, not applied.
    await control({ op: "advanceBlocks", count: 2 });
    const next = await signed(h.crossSafe + 1n);
    expect((await ingest(next.message)).body).toMatchObject({ verdict: "ignore", reason: "halted-equivocation", detail: expect.stringContaining("admin/clear-alarm") });
    expect((await crossSafe())!.hash).toBe(first.blockHash);

    // Evidence survives a restart of the Durable Object.
    await evictDurableObject(chainStub());
    expect((await status())["alarm"]).not.toBeNull();

    // Clearing needs the admin token.
    expect((await admin("clear-alarm", null)).status).toBe(401);
    expect((await admin("clear-alarm", "x".repeat(40))).status).toBe(401);
    const ok = await admin("clear-alarm", TEST_ADMIN_TOKEN);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ cleared: true });
    expect((await status())["alarm"]).toBeNull();
    // The held block is promoted by the alarm once the head may move again.
    await runAlarm();
    expect((await crossSafe())!.hash).toBe(next.blockHash);
    expect((await getJson<{ evidence: unknown[] }>(`/v1/chains/${CHAIN_ID}/evidence`)).body.evidence).toHaveLength(1);
  });
});

describe("equivocation meeting an RPC fault (found by the chaos run, seed 12)", () => {
  it("the replacement's check times out: it is held, survives the head moving past it, and the alarm's re-check raises the alarm", async () => {
    const h = await heads();
    const at = h.crossSafe - 1n;
    const first = await signed(at);
    expect((await ingest(first.message)).body.verdict).toBe("accept");
    await control({ op: "equivocate", height: at.toString() });
    const st = await control<{ equivocations: { equivocating: string }[] }>({ op: "status" });
    const second = await signed(st.equivocations[0]!.equivocating);

    await control({ op: "faults.add", rule: { endpoint: "rollup", fault: { kind: "hang" } } });
    expect((await ingest(second.message)).body).toMatchObject({ verdict: "ignore", reason: "rpc-timeout:rollup" });
    await control({ op: "faults.clear" });
    // the next block advances the head past the held conflict…
    const next = await signed(h.crossSafe);
    expect((await ingest(next.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await status())["alarm"]).toBeNull();
    expect((await status())["pending"].map((p: { hash: string }) => p.hash)).toEqual([second.blockHash]);
    // …which is re-checked by the alarm: both attestations consolidate, so it is an equivocation
    await runAlarm();
    const s = await status();
    expect(s["alarm"]).toMatchObject({ kind: "equivocation", number: Number(at), hashes: [first.blockHash, second.blockHash] });
    expect(s["evidence"]).toHaveLength(1);
    expect((await crossSafe())!.hash).toBe(next.blockHash);
  });
});

describe("L2 reorg", () => {
  it("rewinds the head to the newest stored ancestor the follower's node still has, then advances again", async () => {
    const h = await heads();
    const a = await signed(h.crossSafe - 4n);
    const b = await signed(h.crossSafe - 2n);
    const c = await signed(h.crossSafe);
    for (const m of [a, b, c]) expect((await ingest(m.message)).body.verdict).toBe("accept");

    // The follower's chain reorgs from crossSafe-1: b is still canonical, c is not.
    await control({ op: "reorgL2", from: (h.crossSafe - 1n).toString() });
    await runAlarm();
    const head = await crossSafe();
    expect(head).toMatchObject({ number: Number(b.number), hash: b.blockHash });
    expect((await status())["events"].map((e: { kind: string }) => e.kind)).toContain("rewound");

    // The chain moves on; new blocks at the rewound heights are not equivocation.
    await control({ op: "advance", seconds: 40 });
    const hs = await heads();
    const fresh = await signed(hs.crossSafe, { view: "follower" });
    expect((await ingest(fresh.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await status())["alarm"]).toBeNull();
  });

  it("a different block at a cross-safe height is a reorg, not equivocation, when the local chain changed there", async () => {
    const h = await heads();
    const c = await signed(h.crossSafe);
    expect((await ingest(c.message)).body.verdict).toBe("accept");
    await control({ op: "reorgL2", from: h.crossSafe.toString() });
    await control({ op: "advance", seconds: 40 });
    const replacementAtHeight = await signed(h.crossSafe, { view: "follower" });
    expect(replacementAtHeight.blockHash).not.toBe(c.blockHash);
    const r = await ingest(replacementAtHeight.message);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await status())["events"].map((e: { kind: string }) => e.kind)).toContain("rewound");
    expect((await status())["alarm"]).toBeNull();
  });
});

describe("persistence", () => {
  it("a restarted Durable Object resumes with the same head, history, scores and events", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe - 1n)).message, { peer: testPeerId("Good") });
    await ingest(Uint8Array.of(1, 2, 3), { peer: testPeerId("Bad") });
    const before = { head: await crossSafe(), status: await status(), peers: (await getJson(`/v1/chains/${CHAIN_ID}/peers`)).body };
    await evictDurableObject(chainStub());
    const after = { head: await crossSafe(), status: await status(), peers: (await getJson(`/v1/chains/${CHAIN_ID}/peers`)).body };
    expect(after.head).toEqual(before.head);
    expect(after.status["events"]).toEqual(before.status["events"]);
    expect((after.peers as { peers: { peerId: string; rejected: number }[] }).peers.map((p) => [p.peerId, p.rejected])).toEqual(
      (before.peers as { peers: { peerId: string; rejected: number }[] }).peers.map((p) => [p.peerId, p.rejected]),
    );
    // ...and keeps deciding: the next block advances, a replay of the old one is a duplicate.
    expect((await ingest((await signed(h.crossSafe)).message)).body.verdict).toBe("accept");
    expect((await ingest((await signed(h.crossSafe - 1n)).message)).body.verdict).toBe("ignore");
  });
});
