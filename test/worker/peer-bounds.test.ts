// The peer-id header and the peer table (issue 10, finding 3): one leaked relay secret once let
// anyone fill the table with 2,000 ids of 64 KB, after which /peers answered 503 for good. Peer ids
// are now checked as libp2p peer ids before anything changes, the table is bounded in bytes as well
// as in count, and an operator can purge it.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { peerToJson } from "../../src/durable/codec.ts";
import { LIMITS, PEER_RECORD_BYTES } from "../../src/durable/machine.ts";
import { TEST_ADMIN_TOKEN } from "./secrets.ts";
import { admin, CHAIN_ID, chainStub, getJson, heads, ingest, peers, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

describe("peer ids from relays", () => {
  it("2,000 peer ids of 64 KB are refused before any state changes, and /peers keeps working", async () => {
    const h = await heads();
    const honest = testPeerId("honest");
    expect((await ingest((await signed(h.crossSafe)).message, { peer: honest })).body.verdict).toBe("accept");
    const table = async () => (await peers()).peers.map(({ peerId, accepted, rejected }) => ({ peerId, accepted, rejected })); // scores decay
    const before = { peers: await table(), events: (await status())["events"] };
    const junk = Uint8Array.of(1, 2, 3); // a reject would cost the peer: the worst case for the table
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 40; batch++) {
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ingest(junk, { peer: `${batch}-${i}-`.padEnd(65_536, "Q") })),
      );
      for (const r of rs) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 400: 2000 });
    const r = await getJson<{ peers: { peerId: string }[] }>(`/v1/chains/${CHAIN_ID}/peers`);
    expect(r.status).toBe(200);
    expect(r.body.peers.map((p) => p.peerId)).toEqual([honest]);
    expect(await table()).toEqual(before.peers);
    expect((await status())["events"]).toEqual(before.events);
  });

  it("refuses malformed ids with a 400 naming the header, accepts every libp2p form", async () => {
    for (const peer of ["", "12D3KooWPeerA", "peer-1", testPeerId("x") + "1"]) {
      const r = await ingest(Uint8Array.of(1, 2, 3), { peer });
      expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: { error: "bad-peer-id", message: "x-op-follow-peer is not a libp2p peer id" } });
    }
    const forms = [
      testPeerId("ed25519"), // 12D3KooW…
      "16Uiu2HAkvC5cQ7gWJo5auzvENHsWDrnC21Ex1TNpyzsRtkp71C9V", // secp256k1 (op-node's peers)
      "QmRdPoDynsJQQN8Vs1qdwhQ511eHTP4rs9qq5ihz5EiGq4", // RSA (sha2-256)
    ];
    for (const peer of forms) expect((await ingest(Uint8Array.of(1, 2, 3), { peer })).body.verdict).toBe("reject");
    expect((await peers()).peers.map((p) => p.peerId).sort()).toEqual([...forms].sort());
  });
});

describe("a peer table filled before ids were checked", () => {
  it("is cut to its byte bound when the object restarts: /peers answers again", async () => {
    const stub = chainStub();
    await stub.peers(); // creates the object and its tables
    await runInDurableObject(stub, (_i: unknown, state: DurableObjectState) => {
      for (let i = 0; i < 600; i++) {
        const peerId = `${i}-`.padEnd(65_536, "Q");
        state.storage.sql.exec("INSERT INTO peers (peer_id, json) VALUES (?, ?)", peerId, peerToJson({ peerId, score: -10, accepted: 0, rejected: 1, updatedAt: Date.now() }));
      }
    });
    await abortAllDurableObjects();
    const r = await getJson<{ peers: { peerId: string }[] }>(`/v1/chains/${CHAIN_ID}/peers`);
    expect(r.status).toBe(200);
    expect(r.body.peers.reduce((n, p) => n + p.peerId.length + PEER_RECORD_BYTES, 0)).toBeLessThanOrEqual(LIMITS.peerBytes);
    // the rest is deleted from storage with the next write (here: the operator's purge)
    expect(await (await admin("purge-peers", TEST_ADMIN_TOKEN)).json()).toEqual({ purged: r.body.peers.length });
    const rows = await runInDurableObject(chainStub(), (_i: unknown, state: DurableObjectState) => state.storage.sql.exec<{ c: number }>("SELECT COUNT(*) AS c FROM peers").one().c);
    expect(rows).toBe(0);
  });
});

describe("POST /v1/chains/:id/admin/purge-peers", () => {
  it("needs the admin token, purges one peer (?peer=) or all, and records it", async () => {
    const a = testPeerId("a");
    const b = testPeerId("b");
    await ingest(Uint8Array.of(1), { peer: a });
    await ingest(Uint8Array.of(2), { peer: b });
    expect((await peers()).peers).toHaveLength(2);
    expect((await admin("purge-peers", null)).status).toBe(401);
    expect((await admin("purge-peers", "y".repeat(40))).status).toBe(401);
    expect((await peers()).peers).toHaveLength(2);

    let r = await admin(`purge-peers?peer=${encodeURIComponent(a)}`, TEST_ADMIN_TOKEN);
    expect({ status: r.status, body: await r.json() }).toEqual({ status: 200, body: { purged: 1 } });
    expect((await peers()).peers.map((p) => p.peerId)).toEqual([b]);
    r = await admin(`purge-peers?peer=${encodeURIComponent(a)}`, TEST_ADMIN_TOKEN);
    expect(await r.json()).toEqual({ purged: 0 });
    r = await admin("purge-peers", TEST_ADMIN_TOKEN);
    expect(await r.json()).toEqual({ purged: 1 });
    expect((await peers()).peers).toEqual([]);
    expect((await status())["events"][0]).toMatchObject({ kind: "peers-purged", reason: "1 peer purged by operator" });
  });
});
