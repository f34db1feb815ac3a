// Every RPC fault gives IGNORE with a reason (never REJECT: the peer did nothing wrong), leaves the
// head unchanged, keeps the block pending, and nothing hangs: the Worker's RPC timeout is 1 s here.
import { describe, expect, it } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import { admin, chainStub, control, crossSafe, heads, ingest, runAlarm, signed, status } from "./harness.ts";
import { freshWorld } from "./setup.ts";
import { hintFor } from "../../src/protocol/verdict-hints.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

freshWorld();

const FAULTS = [
  { name: "rollup node 500", rule: { endpoint: "rollup", fault: { kind: "http-status", status: 500 } }, reason: /^rpc-http-error:rollup$/ },
  { name: "rollup node 503", rule: { endpoint: "rollup", fault: { kind: "http-status", status: 503 } }, reason: /^rpc-http-error:rollup$/ },
  { name: "rollup node malformed JSON", rule: { endpoint: "rollup", fault: { kind: "malformed", style: "truncated" } }, reason: /^rpc-(bad-response|http-error|unreachable):rollup$/ },
  { name: "rollup node hangs", rule: { endpoint: "rollup", fault: { kind: "hang" } }, reason: /^rpc-timeout:rollup$/ },
  { name: "rollup node JSON-RPC error", rule: { endpoint: "rollup", method: "optimism_syncStatus", fault: { kind: "rpc-error", code: -32000, message: "boom" } }, reason: /^rpc-error:rollup$/ },
  { name: "L2 500", rule: { endpoint: "l2", fault: { kind: "http-status", status: 502 } }, reason: /^rpc-http-error:l2$/ },
  { name: "L2 garbage", rule: { endpoint: "l2", fault: { kind: "malformed", style: "html" } }, reason: /^rpc-(bad-response|http-error|unreachable):l2$/ },
  { name: "L2 hangs", rule: { endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "hang" } }, reason: /^rpc-timeout:l2$/ },
  { name: "L2 wrong chain id", rule: { endpoint: "l2", method: "eth_chainId", fault: { kind: "wrong-chain-id", chainId: 10 } }, reason: /^rpc-wrong-chain:l2$/ },
  { name: "L2 block missing", rule: { endpoint: "l2", method: "eth_getBlockByNumber", fault: { kind: "null-result" } }, reason: /^local-block-missing$/ },
  { name: "L1 500", rule: { endpoint: "l1", method: "eth_getBlockByNumber", fault: { kind: "http-status", status: 500 } }, reason: /^rpc-http-error:l1$/ },
  { name: "L1 hangs", rule: { endpoint: "l1", method: "eth_getBlockByNumber", fault: { kind: "hang" } }, reason: /^rpc-timeout:l1$/ },
  { name: "L1 origin unknown", rule: { endpoint: "l1", method: "eth_getBlockByNumber", fault: { kind: "null-result" } }, reason: /^l1-origin-unknown$/ },
] as const;

describe("RPC faults", () => {
  it("a duplicate (one copy per relay) is answered without RPC reads, even with every node down", async () => {
    const h = await heads();
    const b = await signed(h.crossSafe);
    expect((await ingest(b.message)).body).toMatchObject({ verdict: "accept", reason: "advanced" });
    for (const endpoint of ["l1", "l2", "rollup"]) await control({ op: "faults.add", rule: { endpoint, fault: { kind: "http-status", status: 500 } } });
    expect((await ingest(b.message, { peer: testPeerId("PeerB") })).body).toMatchObject({ verdict: "ignore", reason: "duplicate" });
    expect((await ingest((await signed(h.crossSafe - 1n)).message)).body).toMatchObject({ verdict: "ignore", reason: "below-history" });
    // a block above the head does need them
    expect((await ingest((await signed(h.crossSafe + 1n)).message)).body).toMatchObject({ verdict: "ignore", reason: /^rpc-http-error:/ });
    await control({ op: "faults.clear" });
  });

  for (const f of FAULTS) {
    it(`${f.name} → ignore, head unchanged, block kept pending`, async () => {
      const h = await heads();
      const base = await signed(h.crossSafe - 3n);
      expect((await ingest(base.message)).body.verdict).toBe("accept");
      await control({ op: "faults.add", rule: f.rule });
      await admin("refresh"); // node chain ids are re-checked (as they are every few minutes)
      const b = await signed(h.crossSafe);
      const t0 = Date.now();
      const r = await ingest(b.message);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.status).toBe(200);
      expect(r.body.verdict).toBe("ignore");
      expect(r.body.reason).toMatch(f.reason);
      // an endpoint the operator can fix carries the hint in `detail`; a missing block or origin has none
      expect(r.body.detail).toBe(hintFor(r.body.reason!, "relay"));
      if (/^rpc-/.test(r.body.reason!)) expect(r.body.detail).toMatch(/CHAINS/);
      expect((await crossSafe())!.hash).toBe(base.blockHash);
      expect((await status())["pending"].map((p: { hash: string }) => p.hash)).toEqual([b.blockHash]);
      // Once the node recovers, the held block is promoted without anyone re-sending it.
      await control({ op: "faults.clear" });
      await runAlarm();
      expect((await crossSafe())!.hash).toBe(b.blockHash);
    });
  }

  it("a held block is re-checked from its stored message; one whose message is gone from storage is dropped with a reason, not crashed on", async () => {
    const h = await heads();
    const base = await signed(h.crossSafe - 3n);
    expect((await ingest(base.message)).body.verdict).toBe("accept");
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_getBlockByNumber", fault: { kind: "http-status", status: 500 } } });
    const b = await signed(h.crossSafe);
    expect((await ingest(b.message)).body).toMatchObject({ verdict: "ignore", reason: "rpc-http-error:l1" });
    // the object holds the candidate's size only; its message is a blob in SQLite
    await runInDurableObject(chainStub(), (_i: unknown, state: DurableObjectState) => {
      const n = state.storage.sql.exec<{ c: number }>("SELECT count(*) AS c FROM blobs WHERE key = ?", `pending:${b.blockHash}`).one().c;
      expect(n).toBeGreaterThan(0);
      state.storage.sql.exec("DELETE FROM blobs WHERE key = ?", `pending:${b.blockHash}`);
    });
    await control({ op: "faults.clear" });
    await runAlarm();
    const s = await status();
    expect(s["pending"]).toEqual([]);
    expect(s["events"].find((e: { hash?: string }) => e.hash === b.blockHash)).toMatchObject({ kind: "ignored", reason: "pending-message-missing" });
    expect((await crossSafe())!.hash).toBe(base.blockHash);
    // a later copy of the block is taken again (it was forgotten, not marked final)
    expect((await ingest(b.message, { peer: testPeerId("PeerC") })).body).toMatchObject({ verdict: "accept", reason: "advanced" });
  });

  it("the signer cannot be read from L1 → ignore (no verdict on the peer)", async () => {
    // A fresh isolate caches the signer for a minute, so fault the L1 call before the first ingest.
    await control({ op: "faults.add", rule: { endpoint: "l1", method: "eth_call", fault: { kind: "http-status", status: 500 } } });
    const h = await heads();
    const r = await ingest((await signed(h.crossSafe)).message);
    expect(r.body.verdict).toBe("ignore");
    expect(await crossSafe()).toBeNull();
  });
});
