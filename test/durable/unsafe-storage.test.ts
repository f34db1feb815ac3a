// SQLite persistence of the unsafe-head machine (src/durable/unsafe-storage.ts) inside real Durable
// Objects, and the UnsafeHead object itself: it settles a message in one call (nonce, per-height
// rules, head) and resumes after an eviction with the same window, head, seen hashes, nonces,
// events, delay histogram and counters.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UnsafeHead, UnsafeSettleRequest } from "../../src/durable/unsafe-head.ts";
import { UnsafeMachine, UNSAFE_LIMITS } from "../../src/durable/unsafe-machine.ts";
import { UnsafeStore } from "../../src/durable/unsafe-storage.ts";
import type { UnsafeBlock } from "../../src/durable/unsafe-types.ts";
import type { WorkerEnv } from "../../src/worker/env.ts";
import { hashOf, ref, T0 } from "./fixtures.ts";

const UNSAFE = (env as unknown as WorkerEnv).UNSAFE;
let serial = 0;
const freshStub = (label: string): DurableObjectStub<UnsafeHead> => UNSAFE.get(UNSAFE.idFromName(`${label}-${serial++}-${crypto.randomUUID()}`));

function blk(n: number, br = 0, parentBr = br): UnsafeBlock {
  return { ref: ref(n, hashOf(n, br), hashOf(n - 1, parentBr)), messageId: `m${n}-${br}`, peer: "peerA", relay: "relay1", receivedAt: T0 + n };
}

function req(b: UnsafeBlock, nonce = crypto.randomUUID()): UnsafeSettleRequest {
  return { nonceKey: `relay1:${nonce}`, nonceExpiresAt: Date.now() + 60_000, admit: { verdict: "accept", block: b } };
}

describe("UnsafeStore: persist → load", () => {
  it("round-trips heights (current and seen), events, nonces, the delay histogram and counters", async () => {
    await runInDurableObject(freshStub("tables"), (_o: UnsafeHead, state) => {
      const store = new UnsafeStore(state.storage);
      const m = store.load();
      for (const n of [8, 9, 10, 11]) m.admit({ verdict: "accept", block: blk(n) }, T0);
      m.admit({ verdict: "accept", block: blk(10, 1, 0) }, T0 + 1); // reorg: 11 dropped
      m.admit({ verdict: "reject", reason: "wrong-signer", peer: "bad" }, T0 + 2);
      m.claimNonce("relay1:n1", Date.now() + 60_000, Date.now());
      const counters = new Map([["accept|unsafe-head", 4]]);
      store.persist(m, counters);
      expect(counters.size).toBe(0);
      store.persist(m, new Map([["accept|unsafe-head", 1]])); // counters add up
      const loaded = new UnsafeStore(state.storage).load();
      expect(loaded.snapshot()).toEqual(m.snapshot());
      expect(loaded.head).toEqual(m.head);
      expect(loaded.heightAt(11n)).toEqual({ current: null, seen: [hashOf(11)] });
      expect(new UnsafeStore(state.storage).counters()).toEqual(new Map([["accept|unsafe-head", 5]]));
    });
  });

  it("keeps the tables bounded: evicted heights and old events leave storage", async () => {
    await runInDurableObject(freshStub("bounded"), (_o: UnsafeHead, state) => {
      const store = new UnsafeStore(state.storage);
      const m = store.load();
      for (let n = 1; n <= UNSAFE_LIMITS.heights + 30; n++) {
        m.admit({ verdict: "accept", block: blk(n) }, T0);
        if (n % 97 === 0) store.persist(m, new Map());
      }
      for (let i = 0; i < UNSAFE_LIMITS.events + 10; i++) m.admit({ verdict: "reject", reason: "wrong-signer", peer: `p${i}` }, T0);
      store.persist(m, new Map());
      const rows = (t: string) => state.storage.sql.exec<{ c: number }>(`SELECT COUNT(*) AS c FROM ${t}`).one().c;
      expect(rows("heights")).toBe(UNSAFE_LIMITS.heights);
      expect(rows("events")).toBe(UNSAFE_LIMITS.events);
      expect(new UnsafeStore(state.storage).load().snapshot()).toEqual(m.snapshot());
    });
  });
});

describe("UnsafeHead (Durable Object)", () => {
  it("settles in one call: a replayed nonce is refused, the head moves, and all of it survives an eviction", async () => {
    const stub = freshStub("object");
    expect(await stub.settle(req(blk(20), "a"))).toEqual({ replay: false, verdict: "accept", reason: "unsafe-head", head: 20n });
    expect(await stub.settle(req(blk(21), "a"))).toEqual({ replay: true });
    expect(await stub.settle(req(blk(21), "b"))).toMatchObject({ verdict: "accept", reason: "unsafe-head", head: 21n });
    expect(await stub.settle(req(blk(21), "c"))).toMatchObject({ verdict: "ignore", reason: "already-seen", head: 21n });
    expect(await stub.settle({ ...req(blk(22), "d"), nonceExpiresAt: Date.now() - 1 })).toEqual({ replay: true }); // past its lifetime
    const before = { head: await stub.head(), status: await stub.status(), metrics: await stub.metrics() };
    await evictDurableObject(stub);
    expect(await stub.head()).toEqual(before.head);
    expect(await stub.status()).toEqual(before.status);
    expect(await stub.metrics()).toEqual(before.metrics);
    expect(before.metrics.counters).toEqual({ "accept|unsafe-head": 2, "ignore|already-seen": 1 });
    expect(await stub.settle(req(blk(21), "a"))).toEqual({ replay: true }); // nonces survive too
    expect(await stub.settle(req(blk(21), "e"))).toMatchObject({ reason: "already-seen" }); // and seen hashes
  });

  it("an injected failure of the settle transaction: the call fails (the Worker answers 503, the relay retries), nothing changed, in memory or after a restart", async () => {
    const stub = freshStub("fail");
    for (const n of [1, 2, 3]) expect(await stub.settle(req(blk(n), `n${n}`))).toMatchObject({ verdict: "accept" });
    await runInDurableObject(stub, async (instance: UnsafeHead, state) => {
      const before = { head: instance.head(), status: instance.status(), metrics: instance.metrics() };
      const real = state.storage.transactionSync.bind(state.storage);
      state.storage.transactionSync = (<T>(fn: () => T): T =>
        real(() => {
          fn();
          throw new Error("injected write failure");
        })) as typeof state.storage.transactionSync;
      try {
        expect(() => instance.settle(req(blk(4), "n4"))).toThrow(/storage write failed/);
        expect(() => instance.settle(req(blk(3, 1, 0), "n5"))).toThrow(/storage write failed/); // a reorg
      } finally {
        state.storage.transactionSync = real;
      }
      expect({ head: instance.head(), status: instance.status(), metrics: instance.metrics() }).toEqual(before);
      expect(new UnsafeStore(state.storage).load().head).toEqual(before.head);
      // the same requests again, now that writes work: they were not recorded (their nonces neither)
      expect(instance.settle(req(blk(4), "n4"))).toMatchObject({ verdict: "accept", reason: "unsafe-head", head: 4n });
      expect(instance.settle(req(blk(3, 1, 0), "n5"))).toMatchObject({ verdict: "accept", reason: "unsafe-reorg", head: 3n });
    });
  });

  it("a full nonce table refuses (503 at the Worker) and records nothing but the refusal", async () => {
    const stub = freshStub("full");
    expect(await stub.settle(req(blk(1), "first"))).toMatchObject({ reason: "unsafe-head" });
    // A table full of unexpired nonces, as storage would hold it, read back by a restarted object.
    await runInDurableObject(stub, (_o: UnsafeHead, state) => {
      const exp = Date.now() + 120_000;
      state.storage.transactionSync(() => {
        for (let i = 0; i < UNSAFE_LIMITS.nonces; i++) state.storage.sql.exec("INSERT OR REPLACE INTO nonces (key, exp) VALUES (?, ?)", `relay1:fill-${i}`, exp);
      });
    });
    await evictDurableObject(stub);
    expect(await stub.settle(req(blk(2), "one-more"))).toEqual({ replay: false, refused: "nonce-table-full" });
    expect((await stub.head())?.ref.number).toBe(1n); // nothing decided
    expect(await stub.metrics()).toMatchObject({ nonces: UNSAFE_LIMITS.nonces, counters: { "accept|unsafe-head": 1, "refused|nonce-table-full": 1 } });
    expect(await stub.settle(req(blk(1), "fill-7"))).toEqual({ replay: true }); // none forgotten
  });

  it("is not the cross-safe object: its storage has no cross-safe tables", async () => {
    await runInDurableObject(freshStub("separate"), (_o: UnsafeHead, state) => {
      new UnsafeStore(state.storage);
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").toArray().map((r) => r.name).sort();
      expect(tables).toEqual(["counters", "events", "heights", "meta", "nonces"]);
      expect(new UnsafeMachine().head).toBeNull();
    });
  });
});
