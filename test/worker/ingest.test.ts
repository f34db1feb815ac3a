// End to end through the Worker (SELF.fetch) and the chain's Durable Object, against the chain
// server over real HTTP JSON-RPC: the Following Mode rules for one chain.
import { describe, expect, it } from "vitest";
import { control, crossSafe, heads, ingest, NOT_SEQUENCER_KEY, peers, runAlarm, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

describe("ingest", () => {
  it("advances the cross-safe head to a block the follower derived and the sequencer signed", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    const r = await ingest(b.message);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced", number: Number(h.crossSafe), blockHash: b.blockHash });
    expect(r.body.messageId).toMatch(/^[0-9a-f]{40}$/);
    // where the time went: the block's claim (a small Durable Object call), the RPC checks, then the
    // settle that carries the envelope (do-envelope: the bytes sent to the object)
    expect(r.timing).toMatch(new RegExp(`^claim;dur=\\d+, check;dur=\\d+, settle;dur=\\d+, validated;desc=1, do-envelope;desc=${b.message.length}$`));
    const head = await crossSafe();
    const st = await control<{ sequencer: { crossSafe: Record<string, unknown> } }>({ op: "status" });
    // The head in op-node's L2BlockRef shape, equal to what the sequencer's op-node reports.
    expect(head).toMatchObject({ ...st.sequencer.crossSafe, replaced: false, replacement: null });
    expect(head!.updatedAtMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it("ignores a duplicate, whoever relays it", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    expect((await ingest(b.message)).body.verdict).toBe("accept");
    const dup = await ingest(b.message, { peer: testPeerId("PeerB") });
    expect(dup.body).toMatchObject({ verdict: "ignore", reason: "duplicate" });
    expect(dup.timing).toMatch(/^claim;dur=\d+, validated;desc=0, do-envelope;desc=0$/); // answered by the claim call: no RPC checks, no envelope
    expect((await crossSafe())!.number).toBe(Number(h.crossSafe));
  });

  it("advances over a gap when a higher block consolidates", async () => {
    const h = await heads();
    await ingest((await signed(h.crossSafe - 5n)).message);
    const r = await ingest((await signed(h.crossSafe)).message);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await crossSafe())!.number).toBe(Number(h.crossSafe));
    // An older block arriving late is stale, not a regression.
    expect((await ingest((await signed(h.crossSafe - 2n)).message)).body).toMatchObject({ verdict: "ignore", reason: "at-or-below-head" });
    expect((await crossSafe())!.number).toBe(Number(h.crossSafe));
  });

  it("ignores a block above local-safe, keeps it pending, and promotes it once local-safe catches up", async () => {
    const h = await heads();
    const target = h.localSafe + 2n; // exists (unsafe), not yet derived from L1 by the follower
    const b = await signed(target);
    expect((await ingest(b.message)).body).toMatchObject({ verdict: "ignore", reason: "above-local-safe" });
    expect(await crossSafe()).toBeNull();
    let st = await status();
    expect(st["pending"].map((p: { number: number }) => p.number)).toEqual([Number(target)]);
    expect(st["localSafe"].number).toBe(Number(h.localSafe));

    await control({ op: "advanceBlocks", count: 3 }); // local-safe moves past the target
    await runAlarm();
    const head = await crossSafe();
    expect(head).toMatchObject({ number: Number(target), hash: b.blockHash });
    st = await status();
    expect(st["pending"]).toEqual([]);
    expect(st["events"].map((e: { kind: string }) => e.kind)).toContain("promoted");
  });

  it("rejects a validly signed block that does not match local derivation, and the peer pays", async () => {
    const h = await heads();
    const height = h.crossSafe - 1n; // cross-safe on the chain, but not yet in this follower's head
    const conflict = await control<{ hash: string }>({ op: "conflictingBlock", height: height.toString() });
    const bad = await signed(conflict.hash);
    const r = await ingest(bad.message, { peer: testPeerId("Liar") });
    expect(r.body.verdict).toBe("reject");
    expect(r.body.reason).toMatch(/^consolidation-mismatch:/);
    expect(await crossSafe()).toBeNull();
    const p = (await peers()).peers.find((x) => x.peerId === testPeerId("Liar"))!;
    expect(p.score).toBeLessThan(0);
    expect(p.rejected).toBe(1);
  });

  it("rejects a block not signed by the unsafe-block signer (read from L1 SystemConfig) and downscores the peer", async () => {
    const h = await heads();
    const forged = await signed(h.crossSafe, { privateKey: NOT_SEQUENCER_KEY });
    const r = await ingest(forged.message, { peer: testPeerId("Forger") });
    expect(r.body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect(await crossSafe()).toBeNull();
    const before = (await peers()).peers.find((x) => x.peerId === testPeerId("Forger"))!.score;
    for (let i = 0; i < 4; i++) await ingest(forged.message, { peer: testPeerId("Forger") });
    const p = (await peers()).peers.find((x) => x.peerId === testPeerId("Forger"))!;
    expect(p.score).toBeLessThan(before);
    expect(p.graylisted).toBe(true);
    // The real block still goes through from an honest peer.
    expect((await ingest((await signed(h.crossSafe)).message)).body.verdict).toBe("accept");
  });

  it("rejects garbage with a reason, never a crash", async () => {
    for (const [bytes, reason] of [
      [new Uint8Array(0), "snappy-bad-length"],
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0), "snappy-too-large"],
      [Uint8Array.of(10, 0, 1, 2), "snappy-corrupt"],
      [Uint8Array.of(3, 8, 1, 2, 3), "too-short"],
    ] as const) {
      const r = await ingest(bytes);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ verdict: "reject", reason });
    }
  });

  it("accepts a deposits-only replacement (spec variant) and marks the head replaced", async () => {
    const h = await heads();
    const height = h.localSafe; // the sequencer's supervisor invalidates a block the follower derived
    const rep = await control<{ original: { hash: string }; replacement: { hash: string } }>({ op: "replace", height: height.toString(), variant: "spec" });
    const r = await ingest((await signed(rep.replacement.hash)).message);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced-replaced-spec", blockHash: rep.replacement.hash });
    expect(await crossSafe()).toMatchObject({ number: Number(height), hash: rep.replacement.hash, replaced: true, replacement: "spec" });
    // While the follower's node still has the original there, the reorg check keeps the replacement.
    await runAlarm();
    expect(await crossSafe()).toMatchObject({ hash: rep.replacement.hash });
    // The follower's node adopts the replacement; the next block builds on it and consolidates.
    await control({ op: "promote", height: height.toString() });
    await control({ op: "advanceBlocks", count: 2 });
    const next = await signed(height + 1n);
    expect((await ingest(next.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(await crossSafe()).toMatchObject({ number: Number(height + 1n), parentHash: rep.replacement.hash, replaced: false });
  });

  it("accepts op-node's replacement variant (deposits plus the optimistic-block deposit)", async () => {
    const h = await heads();
    const rep = await control<{ replacement: { hash: string } }>({ op: "replace", height: h.localSafe.toString(), variant: "op-node" });
    const r = await ingest((await signed(rep.replacement.hash)).message);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced-replaced-op-node" });
    expect(await crossSafe()).toMatchObject({ replaced: true, replacement: "op-node" });
  });
});
