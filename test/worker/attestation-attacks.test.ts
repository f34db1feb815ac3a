// The attack probe's findings (issue 10), replayed against the Worker and its Durable Object as an
// outside party would: only public messages, no key. Each must leave the head and the alarm alone
// (protocol notes §8.7–8.8; docs/protocol-decisions.md).
import { describe, expect, it } from "vitest";
import { bigintToBytes } from "../../src/protocol/bytes.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { snappyDecode, snappyEncode } from "../../src/protocol/snappy.ts";
import { control, crossSafe, heads, ingest, runAlarm, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

/** secp256k1 n: s' = n − s with the recovery id flipped is the same signature's malleated twin. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function highS(message: Uint8Array): Uint8Array {
  const d = snappyDecode(message);
  if (!d.ok) throw new Error(d.error);
  const e = d.data.slice();
  e.set(bigintToBytes(N - BigInt(toHex(e.subarray(32, 64))), 32), 32);
  e[64]! ^= 1;
  return snappyEncode(e);
}

describe("borrowed unsafe-block signatures (finding 1)", () => {
  it("the sequencer's unsafe-block signature on the cross-safe topic is REJECTed, even for a local-safe block", async () => {
    const h = await heads();
    const unsafe = await signed(h.crossSafe, { domain: "block" });
    const r = await ingest(unsafe.message, { peer: testPeerId("Borrower") });
    expect(r.body).toMatchObject({ verdict: "reject", reason: "block-domain-signature" });
    expect(await crossSafe()).toBeNull();
    // the real attestation of the same block is accepted
    expect((await ingest((await signed(h.crossSafe)).message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
  });

  it("the replacement race: the invalidated original, relayed from the unsafe topic, never becomes the head; the sequencer's replacement does, with no alarm", async () => {
    const h = await heads();
    const height = h.localSafe;
    expect((await ingest((await signed(height - 1n)).message)).body.verdict).toBe("accept");
    const rep = await control<{ original: { hash: string }; replacement: { hash: string } }>({ op: "replace", height: height.toString(), variant: "spec" });
    // The original was gossiped as an unsafe block before the supervisor invalidated it: public.
    const original = await signed(rep.original.hash, { domain: "block" });
    expect((await ingest(original.message, { peer: testPeerId("Racer") })).body).toMatchObject({ verdict: "reject", reason: "block-domain-signature" });
    expect((await crossSafe())!.number).toBe(Number(height - 1n));
    const r = await ingest((await signed(rep.replacement.hash)).message);
    expect(r.body).toMatchObject({ verdict: "accept", reason: "advanced-replaced-spec" });
    expect((await status())["alarm"]).toBeNull();
  });
});

describe("replays that used to halt the head (finding 2)", () => {
  it("a high-s twin of an accepted attestation is IGNOREd (signature-high-s) and raises nothing", async () => {
    const h = await heads();
    const a = await signed(h.crossSafe);
    expect((await ingest(a.message)).body.verdict).toBe("accept");
    const r = await ingest(highS(a.message), { peer: testPeerId("Malleator") });
    expect(r.body).toMatchObject({ verdict: "ignore", reason: "signature-high-s" });
    expect((await status())["alarm"]).toBeNull();
  });

  it("attestations from before an L2 reorg, replayed (also as high-s twins) at cross-safe heights, never raise an alarm or halt the head", async () => {
    const h = await heads();
    const old = [await signed(h.crossSafe - 1n), await signed(h.crossSafe)];
    for (const m of old) expect((await ingest(m.message)).body.verdict).toBe("accept");
    // The chain reorgs from crossSafe-1; the follower rewinds, then takes the new chain.
    await control({ op: "reorgL2", from: (h.crossSafe - 1n).toString() });
    await runAlarm();
    await control({ op: "advance", seconds: 40 });
    const hs = await heads();
    const fresh = await signed(hs.crossSafe, { view: "follower" });
    const newAtOld = await signed(h.crossSafe, { view: "follower" });
    expect((await ingest(newAtOld.message)).body.verdict).toBe("accept");
    expect((await ingest(fresh.message)).body).toMatchObject({ verdict: "accept" });
    // Now every old attestation is public and validly signed, and conflicts with a cross-safe height.
    for (const m of old) {
      for (const raw of [m.message, highS(m.message)]) {
        const r = await ingest(raw, { peer: testPeerId("Replayer") });
        // rejected (it does not consolidate, or is malleated), or ignored below what the object remembers
        expect(r.body.verdict, JSON.stringify(r.body)).not.toBe("accept");
        expect(r.body.reason).toMatch(/^(consolidation-mismatch:|signature-high-s|below-history|at-or-below-head)/);
      }
    }
    const s = await status();
    expect(s["alarm"]).toBeNull();
    expect(s["evidence"]).toEqual([]);
    expect((await crossSafe())!.hash).toBe(fresh.blockHash);
    // and the head still advances
    await control({ op: "advance", seconds: 10 });
    const next = await signed((await heads()).crossSafe, { view: "follower" });
    expect((await ingest(next.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
  });

  it("a validly signed block that does not consolidate at a cross-safe height is rejected without an alarm", async () => {
    const h = await heads();
    expect((await ingest((await signed(h.crossSafe)).message)).body.verdict).toBe("accept");
    for (let i = 0; i < 3; i++) {
      const conflict = await control<{ hash: string }>({ op: "conflictingBlock", height: h.crossSafe.toString() });
      const r = await ingest((await signed(conflict.hash)).message, { peer: testPeerId(`Stale${i}`) });
      expect(r.body).toMatchObject({ verdict: "reject" });
      expect(r.body.reason).toMatch(/^consolidation-mismatch:/);
    }
    expect((await status())["alarm"]).toBeNull();
  });
});
