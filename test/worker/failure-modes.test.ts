// Rows of docs/failure-modes.md that no other test covers: what the head does, and what the
// operator sees, when the sequencer goes silent, its signer rotates, a relay's clock is off, or the
// Durable Object's storage is lost.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addressOfPrivateKey } from "../../src/protocol/signature.ts";
import { fromHex } from "../../src/protocol/hex.ts";
import { admin, chainStub, control, crossSafe, heads, ingest, NOT_SEQUENCER_KEY, runAlarm, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

describe("failure modes", () => {
  it("the sequencer stops gossiping: the head holds, lag grows with local-safe, nothing is raised", async () => {
    const h = await heads();
    expect((await ingest((await signed(h.crossSafe)).message)).body.verdict).toBe("accept");
    const before = await status();
    await control({ op: "advance", seconds: 30 }); // the follower keeps deriving; no attestation arrives
    await runAlarm(); // the object's periodic tick reads local-safe, pending or not
    const after = await status();
    expect((await crossSafe())!.number).toBe(Number(h.crossSafe));
    expect(after["alarm"]).toBeNull();
    expect(Number(after["localSafe"].number)).toBe(Number((await heads()).localSafe));
    expect(Number(after["lag"])).toBeGreaterThan(Number(before["lag"]));
  });

  it("the unsafe-block signer rotates in SystemConfig: after the cache (or an admin refresh) the old key's attestations are rejected, the new key's accepted", async () => {
    const h = await heads();
    expect((await ingest((await signed(h.crossSafe - 1n)).message)).body.verdict).toBe("accept");
    await control({ op: "setSigner", address: addressOfPrivateKey(fromHex(NOT_SEQUENCER_KEY)) });
    expect((await admin("refresh")).status).toBe(200); // the operator applies the rotation at once
    const old = await ingest((await signed(h.crossSafe)).message, { peer: testPeerId("OldKey") });
    expect(old.body).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    const rotated = await ingest((await signed(h.crossSafe, { privateKey: NOT_SEQUENCER_KEY })).message);
    expect(rotated.body).toMatchObject({ verdict: "accept", reason: "advanced" });
  });

  it("a relay's clock 20 s off is within the ±30 s signing window; 31 s is refused (401) and changes nothing", async () => {
    const h = await heads();
    const now = Math.floor(Date.now() / 1000);
    expect((await ingest((await signed(h.crossSafe - 1n)).message, { nowSeconds: now - 20 })).body.verdict).toBe("accept");
    expect((await ingest((await signed(h.crossSafe)).message, { nowSeconds: now + 20 })).body.verdict).toBe("accept");
    const skewed = await ingest((await signed(h.crossSafe + 1n)).message, { nowSeconds: now - 31 });
    expect(skewed.status).toBe(401);
    expect((await crossSafe())!.number).toBe(Number(h.crossSafe));
  });

  it("the Durable Object's storage is lost: the head is gone (404), and the next attestation rebuilds it", async () => {
    const h = await heads();
    expect((await ingest((await signed(h.crossSafe)).message)).body.verdict).toBe("accept");
    await runInDurableObject(chainStub(), async (_i, state) => {
      await state.storage.deleteAll();
    });
    await abortAllDurableObjects();
    expect(await crossSafe()).toBeNull();
    await control({ op: "advance", seconds: 4 });
    const next = await signed((await heads()).crossSafe);
    expect((await ingest(next.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect((await crossSafe())!.hash).toBe(next.blockHash);
  });
});
