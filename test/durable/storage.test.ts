// SQLite persistence of the chain machine (src/durable/storage.ts) inside real Durable Objects:
// every table round-trips, the deletes the machine reports reach the tables, random histories
// persisted at random points reload to the same state, and the ChainHead object itself resumes after
// an eviction or a restart with the same head, history, pending candidates, scores and evidence.
import { abortAllDurableObjects, env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChainHead, SettleCheck, SettleRequest } from "../../src/durable/chain-head.ts";
import { ChainMachine, LIMITS, SCORING, type MachineSnapshot, type Outcome } from "../../src/durable/machine.ts";
import { MachineStore } from "../../src/durable/storage.ts";
import type { Hash } from "../../src/protocol/types.ts";
import type { WorkerEnv } from "../../src/worker/env.ts";
import { BLOB_CHUNK_BYTES, readBlob, ROW_LIMIT_BYTES } from "../../src/durable/blob-store.ts";
import { advanceThrough, consolidated, deliver, hashOf, held, mismatch, normalise, rawOf, ref, replacement, T0 } from "./fixtures.ts";

const CHAIN = (env as unknown as WorkerEnv).CHAIN;
let serial = 0;
function freshStub(label: string): DurableObjectStub<ChainHead> {
  return CHAIN.get(CHAIN.idFromName(`${label}-${serial++}-${crypto.randomUUID()}`));
}

/** Runs `f` with the storage of a brand-new Durable Object. */
function withStorage<R>(label: string, f: (storage: DurableObjectStorage) => R | Promise<R>): Promise<R> {
  return runInDurableObject(freshStub(label), (_instance: ChainHead, state) => f(state.storage));
}

function count(storage: DurableObjectStorage, table: string): number {
  return storage.sql.exec<{ c: number }>(`SELECT COUNT(*) AS c FROM ${table}`).one().c;
}

/** The snapshot a new store over the same storage loads (what a restarted object would see). */
function reload(storage: DurableObjectStorage): MachineSnapshot {
  return normalise(new MachineStore(storage).load().snapshot());
}

/** Compares a reloaded state with the machine's; nonces the machine dropped may linger in storage until purged. */
function expectSameState(loaded: MachineSnapshot, m: ChainMachine): void {
  const mine = normalise(m.snapshot());
  expect({ ...loaded, nonces: [] }).toEqual({ ...mine, nonces: [] });
  const stored = new Map(loaded.nonces);
  for (const [k, e] of mine.nonces) expect(stored.get(k)).toBe(e);
}

// ---- the tables ---------------------------------------------------------------------------------------

describe("MachineStore: persist → load", () => {
  it("loads an empty machine from empty storage", async () => {
    await withStorage("empty", (storage) => {
      const store = new MachineStore(storage);
      expect(normalise(store.load().snapshot())).toEqual(normalise(new ChainMachine().snapshot()));
      expect(store.counters()).toEqual(new Map());
    });
  });

  it("round-trips head, local-safe, alarm, history, envelopes, pending, evidence, peers, events, nonces and counters", async () => {
    await withStorage("all-tables", (storage) => {
      const now = Date.now();
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, 12, T0);
      deliver(m, consolidated(13, hashOf(13, 9), { consolidation: { kind: "match-deposits-only", variant: "op-node" }, localHash: hashOf(13), peer: "p2" }), T0 + 1);
      m.observeLocalSafe(ref(15));
      m.hold(held(16), T0 + 2);
      m.hold(held(17, hashOf(17), "rpc-timeout:l2", "p3"), T0 + 3);
      m.hold(held(17, hashOf(17), "rpc-timeout:l2", "p3"), T0 + 4); // attempts: 2
      deliver(m, mismatch(14, hashOf(14, 1), hashOf(14), "p4"), T0 + 5);
      deliver(m, replacement(12, "p5"), T0 + 6); // equivocation → alarm
      m.admit({ peer: "p6", verdict: "reject", reason: "signature-invalid" }, T0 + 7);
      m.tick(T0 + SCORING.halfLifeMs / 3); // non-integer scores
      m.claimNonce("relay1:abc", now + 31_000, now);
      m.claimNonce("relay2:def", now + 32_000, now);
      store.persist(m, new Map([["accept|advanced", 13], ["reject|signature-invalid", 1]]));

      expect(m.alarm).not.toBeNull();
      expect(m.evidence()).toHaveLength(1);
      expect(m.peerRaw("p2")!.score % 1).not.toBe(0);
      expect(count(storage, "history")).toBe(13);
      expect(count(storage, "envelopes")).toBe(13);
      expect(count(storage, "pending")).toBe(2);
      expect(count(storage, "evidence")).toBe(1);
      expect(count(storage, "peers")).toBe(4); // peerA, p2, p4, p6 (relaying an equivocation costs nothing)
      expect(count(storage, "nonces")).toBe(2);
      const loaded = reload(storage);
      expectSameState(loaded, m);
      expect(loaded.nonces).toEqual([
        ["relay1:abc", now + 31_000],
        ["relay2:def", now + 32_000],
      ]);
      expect(new MachineStore(storage).counters()).toEqual(new Map([["accept|advanced", 13], ["reject|signature-invalid", 1]]));
      // the restored machine goes on as the original would
      const r = new MachineStore(storage).load();
      expect(r.claimNonce("relay1:abc", now + 40_000, now + 1)).toBe("replay");
      expect(r.admit({ peer: "p9", verdict: "accept", reason: "valid", number: 16n, hash: hashOf(16) }, T0 + 8).reason).toBe("already-seen");
      expect(r.decide(consolidated(14), T0 + 9).reason).toBe("halted-equivocation");
    });
  });

  it("clears the head and the alarm when the machine does", async () => {
    await withStorage("meta-clear", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, 5, T0);
      m.decide(replacement(5), T0);
      store.persist(m, new Map());
      expect(reload(storage).alarm).not.toBeNull();
      m.clearAlarm(T0, "ok");
      m.reconcile(new Map([1n, 2n, 3n, 4n, 5n].map((n) => [n, hashOf(n, 0, 1)] as const)), T0); // nothing canonical
      store.persist(m, new Map());
      const loaded = reload(storage);
      expect(loaded.head).toBeNull();
      expect(loaded.alarm).toBeNull();
      expect(loaded.history).toEqual([]);
      expect(loaded.evidence).toHaveLength(1); // evidence outlives everything
      expectSameState(loaded, m);
    });
  });

  it("applies history deletes above a rewind and below the history bound", async () => {
    await withStorage("history", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, LIMITS.history + 8, T0);
      store.persist(m, new Map());
      const range = () => storage.sql.exec<{ lo: number; hi: number; c: number }>("SELECT MIN(n) AS lo, MAX(n) AS hi, COUNT(*) AS c FROM history").one();
      expect(range()).toEqual({ lo: 9, hi: LIMITS.history + 8, c: LIMITS.history });
      const top = BigInt(LIMITS.history + 8);
      const canonical = new Map(m.reorgProbe().map((n) => [n, n > top - 5n ? hashOf(n, 0, 1) : hashOf(n)] as const));
      expect(m.reconcile(canonical, T0).to).toBe(top - 5n);
      store.persist(m, new Map());
      expect(range()).toEqual({ lo: 9, hi: LIMITS.history + 3, c: LIMITS.history - 5 });
      expectSameState(reload(storage), m);
    });
  });

  it("two rewinds between persists leave no record of the abandoned branch behind", async () => {
    await withStorage("two-rewinds", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, 10, T0);
      store.persist(m, new Map());
      const v1 = (n: bigint) => (n <= 5n ? hashOf(n) : hashOf(n, 0, 1));
      m.reconcile(new Map([10n, 9n, 8n, 7n, 6n, 5n].map((n) => [n, v1(n)] as const)), T0);
      advanceThrough(m, 7, 8, T0, 0, 1);
      m.reconcile(new Map([[8n, hashOf(8, 0, 2)], [7n, hashOf(7, 0, 1)]]), T0);
      store.persist(m, new Map());
      expect(storage.sql.exec<{ n: number }>("SELECT n FROM history ORDER BY n").toArray().map((r) => r.n)).toEqual([1, 2, 3, 4, 5, 7]);
      expectSameState(reload(storage), m);
    });
  });

  it(`keeps envelopes for the newest ${LIMITS.envelopes} heads only`, async () => {
    await withStorage("envelopes", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, 100, T0);
      store.persist(m, new Map());
      advanceThrough(m, 101, LIMITS.envelopes + 150, T0);
      store.persist(m, new Map());
      expect(count(storage, "envelopes")).toBe(LIMITS.envelopes);
      const lowest = LIMITS.envelopes + 150 - LIMITS.envelopes + 1;
      expect(readBlob(storage.sql, `envelope:${hashOf(lowest)}`)).toEqual(rawOf(hashOf(lowest)));
      expect(readBlob(storage.sql, `envelope:${hashOf(lowest - 1)}`)).toBeNull();
      expect(count(storage, "blobs")).toBe(LIMITS.envelopes);
      expectSameState(reload(storage), m);
    });
  });

  it("adds and deletes pending candidates (decided, pruned, dropped, expired)", async () => {
    await withStorage("pending", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, 3, T0);
      for (const n of [4, 5, 6, 7, 9]) m.hold(held(n), T0);
      m.hold(held(20, hashOf(20), "l1-origin-unknown"), T0 + LIMITS.pendingTtlMs);
      store.persist(m, new Map());
      expect(count(storage, "pending")).toBe(6);
      m.decide(consolidated(5), T0); // decided, and prunes 4
      m.dropPending(hashOf(6), "l1-info-undecodable", T0);
      m.tick(T0 + LIMITS.pendingTtlMs + 1); // expires 7 and 9, not 20
      store.persist(m, new Map());
      const loaded = reload(storage);
      expect(loaded.pending.map((p) => [p.number, p.reason, p.attempts])).toEqual([[20n, "l1-origin-unknown", 1]]);
      expectSameState(loaded, m);
    });
  });

  it("stores evidence with both envelopes byte for byte (also a null one, and raw bytes given as a view)", async () => {
    await withStorage("evidence", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      advanceThrough(m, 1, LIMITS.envelopes + 10, T0);
      // the raw message arrives as a view into a larger buffer
      const big = new Uint8Array(200).fill(0xee);
      const view = big.subarray(50, 50 + 40);
      view.set(rawOf(hashOf(8, 3)));
      m.decide(replacement(8, "pX", 3, view), T0); // existing envelope of 8 was pruned
      m.clearAlarm(T0, "ok");
      const top = LIMITS.envelopes + 10;
      m.decide(replacement(top, "pY", 2), T0);
      store.persist(m, new Map());
      const loaded = reload(storage);
      expect(loaded.evidence.map((e) => [e.number, e.existing.bytes, e.conflicting.bytes])).toEqual([
        [8n, null, rawOf(hashOf(8, 3)).length],
        [BigInt(top), rawOf(hashOf(top)).length, rawOf(hashOf(top, 2)).length],
      ]);
      // the messages byte for byte, read from storage (the machine holds none of them)
      const reader = new MachineStore(storage);
      expect([1, 2].map((id) => [reader.evidenceMessage(id, "existing"), reader.evidenceMessage(id, "conflicting")])).toEqual([
        [null, rawOf(hashOf(8, 3))],
        [rawOf(hashOf(top)), rawOf(hashOf(top, 2))],
      ]);
      expect(loaded.nextEvidenceId).toBe(3);
      expectSameState(loaded, m);
      // a reloaded machine numbers new evidence after the stored ones
      const r = new MachineStore(storage).load();
      r.decide(replacement(top - 1, "peerA", 5), T0);
      expect(r.evidence().map((e) => e.id)).toEqual([1, 2, 3]);
    });
  });

  it(`keeps at most ${LIMITS.peers} peers in the table (evicted ones are deleted) with exact scores`, async () => {
    await withStorage("peers", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      for (let i = 0; i < LIMITS.peers - 10; i++) m.admit({ peer: `p${i}`, verdict: "reject", reason: "x" }, T0 + i);
      store.persist(m, new Map());
      for (let i = 0; i < 30; i++) deliver(m, consolidated(i + 1, hashOf(i + 1), { peer: `good${i}` }), T0 + 5_000);
      m.tick(T0 + 7_777);
      store.persist(m, new Map());
      expect(count(storage, "peers")).toBe(LIMITS.peers);
      const loaded = reload(storage);
      expect(loaded.peers.find((p) => p.peerId === "p0")).toEqual(m.peerRaw("p0"));
      expectSameState(loaded, m);
    });
  });

  it(`keeps the newest ${LIMITS.events} events`, async () => {
    await withStorage("events", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      for (let batch = 0; batch < 3; batch++) {
        for (let i = 0; i < 150; i++) m.admit({ peer: "p", verdict: "ignore", reason: `r${batch}-${i}` }, T0 + batch * 1000 + i);
        store.persist(m, new Map());
        expect(count(storage, "events")).toBeLessThanOrEqual(LIMITS.events);
      }
      const loaded = reload(storage);
      expect(loaded.events).toHaveLength(LIMITS.events);
      expect(loaded.events.at(-1)?.reason).toBe("r2-149");
      expect(loaded.events).toEqual(m.events());
    });
  });

  it("keeps claimed nonces until well after they expire, then purges them", async () => {
    await withStorage("nonces", (storage) => {
      const now = Date.now();
      const store = new MachineStore(storage);
      const m = store.load();
      m.claimNonce("old", now - 61_000, now - 100_000);
      m.claimNonce("recent", now - 1_000, now - 30_000);
      m.claimNonce("live", now + 31_000, now);
      store.persist(m, new Map());
      expect(storage.sql.exec<{ key: string }>("SELECT key FROM nonces ORDER BY key").toArray().map((r) => r.key)).toEqual(["live", "recent"]);
      const r = new MachineStore(storage).load();
      expect(r.claimNonce("live", now + 60_000, now + 1)).toBe("replay"); // still a replay after a restart
      expect(r.claimNonce("recent", now + 60_000, now + 1)).toBe("claimed");
    });
  });

  it(`a reloaded machine holds at most ${LIMITS.nonces} nonces even if storage kept more`, async () => {
    await withStorage("nonce-bound", (storage) => {
      const now = Date.now();
      const store = new MachineStore(storage);
      const m = store.load();
      // the shell persists after every claim; here every 1000 claims
      for (let i = 0; i < LIMITS.nonces + 100; i++) {
        expect(m.claimNonce(`k${i}`, now + 31_000 + i, now)).toBe(i < LIMITS.nonces ? "claimed" : "full");
        if (i % 1000 === 999 || i === LIMITS.nonces + 99) store.persist(m, new Map());
      }
      expect(count(storage, "nonces")).toBe(LIMITS.nonces);
      // a table the machine wrote before it refused when full: it evicted without reporting deletes
      for (let i = 0; i < 100; i++) storage.sql.exec("INSERT INTO nonces (key, exp) VALUES (?, ?)", `old${i}`, now + 1_000 + i);
      const r = new MachineStore(storage).load();
      expect(r.snapshot().nonces.length).toBe(LIMITS.nonces);
      expect(r.nonceExpiry("old99")).toBeUndefined(); // the ones expiring soonest stay out
      expect(r.nonceExpiry(`k${LIMITS.nonces - 1}`)).toBe(now + 31_000 + LIMITS.nonces - 1);
      expect(r.claimNonce("one-more", now + 31_000, now)).toBe("full");
      expect(r.snapshot().nonces.length).toBe(LIMITS.nonces);
    });
  });

  it("adds counters up across persists", async () => {
    await withStorage("counters", (storage) => {
      const store = new MachineStore(storage);
      const m = store.load();
      const c = new Map([["accept|advanced", 2]]);
      store.persist(m, c);
      expect(c.size).toBe(0); // drained
      store.persist(m, new Map([["accept|advanced", 3], ["ignore|duplicate", 1]]));
      expect(new MachineStore(storage).counters()).toEqual(new Map([["accept|advanced", 5], ["ignore|duplicate", 1]]));
    });
  });
});

// ---- random histories, persisted at random points -----------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random walk through every kind of change; persists and reloads from SQLite at random points. */
function randomWalk(storage: DurableObjectStorage, seed: number, steps: number): { reloads: number; maxHistory: number } {
  const rnd = mulberry32(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const store = new MachineStore(storage);
  let m = store.load();
  let now = Date.now();
  const reorgs: bigint[] = [];
  const canon = (n: bigint): Hash => hashOf(n, 0, reorgs.filter((r) => r <= n).length);
  const consolidatedAt = (n: bigint, peer: string) => consolidated(n, canon(n), { peer, localHash: canon(n) });
  let reloads = 0;
  let maxHistory = 0;
  for (let step = 0; step < steps; step++) {
    now += int(4_000);
    const head = m.head?.number ?? 0n;
    const peer = `peer${int(12)}`;
    const r = rnd();
    if (r < 0.3) deliver(m, consolidatedAt(head + 1n + BigInt(int(2)), peer), now);
    else if (r < 0.35) for (let i = 1n; i <= 80n; i++) deliver(m, consolidatedAt(head + i, peer), now);
    else if (r < 0.42) {
      const n = head + 1n + BigInt(int(12));
      m.hold(held(n, rnd() < 0.8 ? canon(n) : hashOf(n, 3), "above-local-safe", peer), now);
    }
    else if (r < 0.47) {
      const p = m.pending();
      if (p.length) {
        const c = p[int(p.length)]!;
        m.decide(c.hash === canon(c.number) ? consolidatedAt(c.number, c.peer) : mismatch(c.number, c.hash, canon(c.number), c.peer), now);
      }
    } else if (r < 0.51) {
      const h = m.history();
      if (h.length) {
        const rec = h[int(h.length)]!;
        // a conflicting attestation: a replacement of the local block (equivocation if rec is it), or a stale one
        m.decide(rnd() < 0.5 ? replacement(rec.number, peer, 1 + int(5)) : mismatch(rec.number, hashOf(rec.number, 1 + int(5), int(3)), canon(rec.number), peer), now);
      }
    } else if (r < 0.55) m.clearAlarm(now, "operator");
    else if (r < 0.6) {
      reorgs.push(head - BigInt(int(6)));
      if (rnd() < 0.7) m.reconcile(new Map(m.reorgProbe().map((n) => [n, canon(n)] as const)), now);
      else deliver(m, consolidatedAt(head, peer), now); // discovered by a block at the head's height
    } else if (r < 0.66) m.admit({ peer: `bad${int(40)}`, verdict: "reject", reason: "signature-invalid" }, now);
    else if (r < 0.7) {
      now += [LIMITS.inflightMs + 1, SCORING.halfLifeMs, LIMITS.pendingTtlMs + 1][int(3)]!;
      m.tick(now);
    } else if (r < 0.74) m.claimNonce(`relay:${int(20)}`, now + 31_000, now);
    else if (r < 0.76) {
      const p = m.pending();
      if (p.length) m.dropPending(p[int(p.length)]!.hash, "l1-info-undecodable", now);
    } else if (r < 0.78) m.observeLocalSafe(ref(head + BigInt(int(5)), canon(head + BigInt(int(5)))));
    else if (r < 0.92) store.persist(m, new Map([["step", 1]]));
    else {
      store.persist(m, new Map([["step", 1]]));
      const r2 = new MachineStore(storage).load();
      expectSameState(normalise(r2.snapshot()), m);
      m = r2;
      reloads++;
    }
    maxHistory = Math.max(maxHistory, m.history().length);
  }
  store.persist(m, new Map());
  expectSameState(reload(storage), m);
  return { reloads, maxHistory };
}

describe("MachineStore: random histories", () => {
  it("reload to exactly the machine's state, whenever they were persisted", async () => {
    const SEQUENCES = 24;
    const STEPS = 400;
    let reloads = 0;
    let maxHistory = 0;
    for (let s = 0; s < SEQUENCES; s++) {
      const r = await withStorage(`walk${s}`, (storage) => randomWalk(storage, 0x51ab + s, STEPS));
      reloads += r.reloads;
      maxHistory = Math.max(maxHistory, r.maxHistory);
    }
    expect(reloads).toBeGreaterThan(SEQUENCES * 10);
    expect(maxHistory).toBe(LIMITS.history);
  });
});

// ---- the Durable Object itself -----------------------------------------------------------------------

describe("ChainHead across evictions and restarts", () => {
  const chainId = "10";
  let nonce = 0;
  const settleReq = (n: number, h: Hash, peer: string, check?: SettleCheck, verdict: "accept" | "reject" = "accept"): SettleRequest => ({
    chainId,
    nonceKey: `relay1:${nonce++}`,
    nonceExpiresAt: Date.now() + 31_000,
    peer,
    verdict,
    reason: verdict === "accept" ? "valid" : "signature-invalid",
    ...(verdict === "accept" ? { number: BigInt(n), hash: h } : {}),
    ...(check ? { check } : {}),
  });
  const outcome = (o: Outcome, localSafe = ref(8)): SettleCheck => ({ kind: "outcome", outcome: o, localSafe });

  async function drive(stub: DurableObjectStub<ChainHead>) {
    for (let n = 1; n <= 6; n++) {
      const peer = `peer${n % 2}`;
      expect(await stub.settle(settleReq(n, hashOf(n), peer, outcome(consolidated(n, hashOf(n), { peer }))))).toMatchObject({ replay: false, verdict: "accept", head: BigInt(n) });
    }
    await stub.settle(settleReq(0, hashOf(0), "evil", undefined, "reject"));
    await stub.settle(settleReq(7, hashOf(7, 1), "peer1", outcome(mismatch(7, hashOf(7, 1), hashOf(7), "peer1")))); // reject
    expect(await stub.settle(settleReq(9, hashOf(9), "peer0", { kind: "hold", pending: held(9, hashOf(9), "above-local-safe", "peer0"), localSafe: ref(8) }))).toMatchObject({
      verdict: "ignore",
      reason: "above-local-safe",
    });
    expect(await stub.settle(settleReq(6, hashOf(6, 2), "peer1", outcome(replacement(6, "peer1", 2))))).toMatchObject({ verdict: "ignore", reason: "equivocation" });
  }

  async function observe(stub: DurableObjectStub<ChainHead>) {
    const [head, status, peers, evidence, metrics] = await Promise.all([stub.head(), stub.status(), stub.peers(), stub.evidence(), stub.metrics()]);
    return { head, status, peers: peers.peers.map((p) => ({ ...p, score: Math.round(p.score) })), evidence, metrics };
  }

  it("resumes with the same head, history, pending, scores, evidence, alarm, events and counters after an eviction", async () => {
    const stub = freshStub("evict");
    await drive(stub);
    const before = await observe(stub);
    expect(before.head).toMatchObject({ number: 6n, hash: hashOf(6) });
    expect(before.status.alarm).toMatchObject({ kind: "equivocation", number: "6" });
    expect(before.status.pending.map((p) => p.number)).toEqual([9n]);
    expect(before.evidence).toHaveLength(1);
    expect(before.evidence[0]).toMatchObject({ existing: { bytes: rawOf(hashOf(6)).length }, conflicting: { bytes: rawOf(hashOf(6, 2)).length } });
    const messages = async () => [await stub.evidenceMessage(1, "existing"), await stub.evidenceMessage(1, "conflicting")];
    expect(await messages()).toEqual([rawOf(hashOf(6)), rawOf(hashOf(6, 2))]);
    expect(before.peers.find((p) => p.peerId === "evil")).toMatchObject({ score: SCORING.reject, rejected: 1 });
    expect(before.peers.find((p) => p.peerId === "peer1")).toMatchObject({ rejected: 1, accepted: 3 });
    expect(before.metrics.counters).toMatchObject({ "accept|advanced": 6, "ignore|equivocation": 1 });

    const history = () => runInDurableObject(stub, (_i: ChainHead, state) => new MachineStore(state.storage).load().history());
    const historyBefore = await history();
    expect(historyBefore.map((h) => h.number).sort()).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);

    await evictDurableObject(stub);
    expect(await observe(stub)).toEqual(before);
    expect(await messages()).toEqual([rawOf(hashOf(6)), rawOf(hashOf(6, 2))]); // read from storage after the eviction
    expect(await history()).toEqual(historyBefore);

    // and it goes on from there: the same conflict adds nothing, a replayed nonce is refused, the
    // head stays frozen until the alarm is cleared
    const replay = settleReq(10, hashOf(10), "peer0", { kind: "hold", pending: held(10, hashOf(10), "above-local-safe", "peer0"), localSafe: ref(8) });
    expect(await stub.settle(replay)).toMatchObject({ replay: false, reason: "above-local-safe" });
    await evictDurableObject(stub);
    expect(await stub.settle(replay)).toEqual({ replay: true });
    expect(await stub.settle(settleReq(6, hashOf(6, 2), "peer0", outcome(replacement(6, "peer0", 2), ref(10))))).toMatchObject({ reason: "equivocation" });
    expect(await stub.evidence()).toHaveLength(1);
    expect(await stub.settle(settleReq(7, hashOf(7), "peer0", outcome(consolidated(7), ref(10))))).toMatchObject({ reason: "halted-equivocation", head: 6n });
    expect(await stub.clearAlarm("checked by operator")).toBe(true);
    await evictDurableObject(stub);
    expect((await stub.status()).alarm).toBeNull();
    expect(await stub.settle(settleReq(8, hashOf(8), "peer0", outcome(consolidated(8), ref(10))))).toMatchObject({ verdict: "accept", head: 8n });
    expect((await stub.head())?.number).toBe(8n);
    expect(await stub.evidence()).toEqual(before.evidence);
  });

  it("settles an ingest in one call: nonce, admission and decision together; without a check it asks for one and records nothing", async () => {
    const stub = freshStub("settle");
    expect(await stub.settle(settleReq(1, hashOf(1), "peer0", outcome(consolidated(1, hashOf(1), { peer: "peer0" }))))).toEqual({
      replay: false,
      needsCheck: false,
      verdict: "accept",
      reason: "advanced",
      head: 1n,
    });
    // the Worker's "likely duplicate" guess, right: answered without a check
    expect(await stub.settle(settleReq(1, hashOf(1), "peer1"))).toMatchObject({ needsCheck: false, verdict: "ignore", reason: "duplicate" });
    // and wrong (a conflicting block at a cross-safe height needs the RPC checks): nothing recorded
    const before = await observe(stub);
    const conflicting = settleReq(1, hashOf(1, 1), "peer1");
    expect(await stub.settle(conflicting)).toEqual({ replay: false, needsCheck: true, verdict: "ignore", reason: "needs-check", head: 1n });
    expect(await observe(stub)).toEqual(before);
    // the same request again, with its check, is not a replay: the nonce was not claimed
    const again = { ...conflicting, check: outcome(replacement(1, "peer1")) };
    expect(await stub.settle(again)).toMatchObject({ replay: false, verdict: "ignore", reason: "equivocation" });
    expect(await stub.settle(again)).toEqual({ replay: true });
    expect(await stub.evidence()).toHaveLength(1);
  });

  it("resumes after all objects are aborted (a restart), and its alarm runs on the restored state", async () => {
    const id = CHAIN.idFromName(`abort-${crypto.randomUUID()}`);
    let stub = CHAIN.get(id);
    await drive(stub);
    const before = await observe(stub);
    await abortAllDurableObjects();
    stub = CHAIN.get(id);
    const after = await observe(stub);
    expect(after).toEqual(before);
    // no CHAINS configured in tests: the alarm does upkeep only, and keeps the state
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await evictDurableObject(stub);
    // tick() decayed and re-stamped the scores; everything else is as it was
    const again = await observe(stub);
    const unstamped = (o: typeof before) => ({ ...o, peers: o.peers.map(({ updatedAt: _u, ...p }) => p) });
    expect(unstamped(again)).toEqual(unstamped(before));
  });
});
