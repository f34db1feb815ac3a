// The nonce table (issue 10): when full of unexpired nonces it once evicted the oldest, so a request
// captured on the wire could be replayed. It now refuses new requests instead (fail closed): a 503
// the relay retries (test/relay/forwarder.test.ts), counted in /metrics, nothing decided.
import { abortAllDurableObjects, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/durable/machine.ts";
import { CHAIN_ID, chainStub, crossSafe, fillNonces, heads, ingest, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";

freshWorld();

describe("a full nonce table", () => {
  it(`refuses new requests (503) rather than forget an unexpired nonce: a captured request stays unreplayable`, async () => {
    const h = await heads();
    const older = await signed(h.crossSafe - 1n);
    const nonce = "aa".repeat(16);
    expect((await ingest(older.message, { nonce })).body).toMatchObject({ verdict: "accept" }); // the oldest nonce
    await fillNonces(LIMITS.nonces);
    const before = { head: await crossSafe(), events: (await status())["events"] };

    const fresh = await signed(h.crossSafe);
    const r = await SELF.fetch("http://follower/v1/ingest", { method: "POST" }); // unsigned: still a plain 401
    expect(r.status).toBe(401);
    const refused = await ingest(fresh.message);
    expect({ status: refused.status, body: refused.body }).toEqual({ status: 503, body: { error: "unavailable", reason: "nonce-table-full" } });
    // the replay that evicting the oldest nonce used to let through
    const replay = await ingest(older.message, { nonce });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 401, body: { error: "unauthorized" } });
    // a topic not served here uses up a nonce too: refused the same way
    expect((await ingest(fresh.message, { topic: "/optimism/10/0/cross-safe-blocks" })).status).toBe(503);
    expect(await crossSafe()).toEqual(before.head);
    expect((await status())["events"]).toEqual(before.events);

    const metrics = await (await SELF.fetch("http://follower/metrics")).text();
    expect(metrics).toContain(`op_follow_ingest_refused_total{chain="${CHAIN_ID}",reason="nonce-table-full"} 2`);
    expect(metrics).toContain(`op_follow_nonces{chain="${CHAIN_ID}"} ${LIMITS.nonces}`);
    expect(metrics).not.toContain('verdict="refused"');
  });

  it("takes requests again as soon as nonces expire", async () => {
    await fillNonces(LIMITS.nonces);
    const h = await heads();
    const b = await signed(h.crossSafe);
    expect((await ingest(b.message)).status).toBe(503);
    await runInDurableObject(chainStub(), (_i: unknown, state: DurableObjectState) => {
      state.storage.sql.exec("UPDATE nonces SET exp = ? WHERE key IN (SELECT key FROM nonces WHERE key LIKE 'filler:%' LIMIT 10)", Date.now() - 1);
    });
    await abortAllDurableObjects();
    expect((await ingest(b.message)).body).toMatchObject({ verdict: "accept" });
  });
});
