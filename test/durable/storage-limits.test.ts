// Storage that cannot diverge (issue 10): envelopes of any size (up to the 10 MiB gossip limit) stored
// in rows under Cloudflare's 2 MB row limit, inline envelopes of older storage migrated, and a failed
// write leaving memory exactly as storage is.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ChainHead, SettleRequest } from "../../src/durable/chain-head.ts";
import type { WorkerEnv } from "../../src/worker/env.ts";
import { BLOB_CHUNK_BYTES, readBlob, ROW_LIMIT_BYTES } from "../../src/durable/blob-store.ts";
import { ChainMachine } from "../../src/durable/machine.ts";
import { MachineStore } from "../../src/durable/storage.ts";
import { advanceThrough, consolidated, hashOf, held, normalise, rawOf, ref, replacement, T0 } from "./fixtures.ts";

let seq = 0;
const CHAIN = (env as unknown as WorkerEnv).CHAIN;
function freshStub(label: string): DurableObjectStub<ChainHead> {
  return CHAIN.get(CHAIN.idFromName(`storage-limits-${label}-${seq++}-${crypto.randomUUID()}`));
}

/** The largest row of every table, in bytes (what Cloudflare's per-row limit applies to). */
function largestRow(storage: DurableObjectStorage): { table: string; bytes: number } {
  let top = { table: "", bytes: 0 };
  const tables = [...storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")].map((r) => r.name);
  for (const t of tables) {
    const cols = [...storage.sql.exec<{ name: string }>(`PRAGMA table_info(${t})`)].map((r) => `coalesce(length(${r.name}), 0)`);
    const b = storage.sql.exec<{ b: number | null }>(`SELECT max(${cols.join(" + ")}) AS b FROM ${t}`).one().b ?? 0;
    if (b > top.bytes) top = { table: t, bytes: b };
  }
  return top;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether any byte string is reachable from `v` (the machine's state must hold none: they live in SQLite). */
function holdsBytes(v: unknown): boolean {
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return true;
  if (Array.isArray(v)) return v.some(holdsBytes);
  if (v && typeof v === "object") return Object.values(v).some(holdsBytes);
  return false;
}

function big(size: number, fill: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) b[i] = (i / 4096 + fill) & 0xff;
  b.fill(fill, 0, 64);
  return b;
}

describe("rows under Cloudflare's 2 MB limit", () => {
  it("9.5 MiB envelopes as head, pending candidate and both sides of evidence: stored in chunks, read back byte for byte", async () => {
    await runInDurableObject(freshStub("big"), (_i: ChainHead, state) => {
      const storage = state.storage;
      const store = new MachineStore(storage);
      const m = store.load();
      const size = Math.floor(9.5 * 1024 * 1024);
      advanceThrough(m, 1, 4, T0);
      const head5 = consolidated(5);
      if (head5.kind === "consolidated") head5.candidate.raw = big(size, 5);
      m.decide(head5, T0);
      m.observeLocalSafe(ref(6));
      m.hold({ ...held(9), raw: big(size, 9) }, T0);
      m.decide(replacement(5, "p2", 1, big(size, 7)), T0); // equivocation: both 9.5 MiB envelopes as evidence
      store.persist(m, new Map());
      expect(m.evidence()).toHaveLength(1);
      const top = largestRow(storage);
      expect(top.bytes).toBeLessThanOrEqual(ROW_LIMIT_BYTES);
      expect(top.table).toBe("blobs");
      expect(top.bytes).toBeGreaterThanOrEqual(BLOB_CHUNK_BYTES); // a chunk, its key and sequence number
      const loaded = normalise(new MachineStore(storage).load().snapshot());
      // byte-compare the 9.5 MiB envelopes directly (a deep toEqual of them takes seconds), the rest deeply
      const mine = normalise(m.snapshot());
      expect(loaded.evidence[0]).toMatchObject({ existing: { bytes: size }, conflicting: { bytes: size } });
      expect(sameBytes(new MachineStore(storage).evidenceMessage(1, "existing")!, big(size, 5))).toBe(true);
      expect(sameBytes(new MachineStore(storage).evidenceMessage(1, "conflicting")!, big(size, 7))).toBe(true);
      expect(sameBytes(new MachineStore(storage).pendingMessage(hashOf(9))!, big(size, 9))).toBe(true);
      expect(sameBytes(readBlob(storage.sql, `envelope:${hashOf(5)}`)!, big(size, 5))).toBe(true);
      expect(loaded).toEqual(mine);
      // sizes in memory, bytes in storage: neither the machine nor its restored copy holds a message
      expect(loaded.pending[0]!.bytes).toBe(size);
      expect(new Map(loaded.envelopes).get(hashOf(5))).toBe(size);
      expect(holdsBytes(mine)).toBe(false);
      expect(holdsBytes(loaded)).toBe(false);
      // a retried hold does not rewrite its envelope
      const chunks = storage.sql.exec<{ c: number }>("SELECT count(*) AS c FROM blobs WHERE key = ?", `pending:${hashOf(9)}`).one().c;
      expect(chunks).toBe(10);
      m.hold({ ...held(9), raw: big(size, 9) }, T0 + 1);
      store.persist(m, new Map());
      expect(new MachineStore(storage).load().pendingByHash(hashOf(9))!.attempts).toBe(2);
    });
  });

  it("migrates storage written with inline envelope columns", async () => {
    await runInDurableObject(freshStub("migrate"), (_i: ChainHead, state) => {
      const sql = state.storage.sql;
      // the layout before chunking, with one row of each
      sql.exec("DROP TABLE envelopes; DROP TABLE pending; DROP TABLE evidence;");
      sql.exec("CREATE TABLE envelopes (hash TEXT PRIMARY KEY, raw BLOB NOT NULL)");
      sql.exec("CREATE TABLE pending (hash TEXT PRIMARY KEY, json TEXT NOT NULL, raw BLOB NOT NULL)");
      sql.exec("CREATE TABLE evidence (id INTEGER PRIMARY KEY, json TEXT NOT NULL, existing_raw BLOB, conflicting_raw BLOB NOT NULL)");
      const m = new ChainMachine();
      advanceThrough(m, 1, 3, T0);
      m.observeLocalSafe(ref(5));
      m.hold(held(5), T0);
      m.decide(replacement(3, "p"), T0);
      const snap = m.snapshot();
      sql.exec("INSERT INTO envelopes (hash, raw) VALUES (?, ?)", hashOf(3), rawOf(hashOf(3)));
      sql.exec("INSERT INTO pending (hash, json, raw) VALUES (?, ?, ?)", hashOf(5), JSON.stringify({ ...snap.pending[0]!, raw: undefined, number: "5" }), rawOf(hashOf(5)));
      const e = snap.evidence[0]!;
      sql.exec(
        "INSERT INTO evidence (id, json, existing_raw, conflicting_raw) VALUES (?, ?, ?, ?)",
        e.id,
        JSON.stringify({ id: e.id, at: e.at, number: "3", existing: { hash: e.existing.hash, messageId: e.existing.messageId }, conflicting: { hash: e.conflicting.hash, messageId: e.conflicting.messageId, peer: e.conflicting.peer } }),
        rawOf(hashOf(3)),
        rawOf(hashOf(3, 1)),
      );
      const loaded = new MachineStore(state.storage).load();
      expect(loaded.envelopeSize(hashOf(3))).toBe(rawOf(hashOf(3)).length);
      expect(readBlob(sql, `envelope:${hashOf(3)}`)).toEqual(rawOf(hashOf(3)));
      expect(loaded.pendingByHash(hashOf(5))!.bytes).toBe(rawOf(hashOf(5)).length);
      expect(new MachineStore(state.storage).pendingMessage(hashOf(5))).toEqual(rawOf(hashOf(5)));
      // a row from before the sizes were stored: its sizes are read from the stored messages
      expect(loaded.evidence()[0]).toMatchObject({ existing: { bytes: rawOf(hashOf(3)).length }, conflicting: { bytes: rawOf(hashOf(3, 1)).length } });
      const store = new MachineStore(state.storage);
      expect(store.evidenceMessage(e.id, "existing")).toEqual(rawOf(hashOf(3)));
      expect(store.evidenceMessage(e.id, "conflicting")).toEqual(rawOf(hashOf(3, 1)));
      expect([...sql.exec<{ name: string }>("PRAGMA table_info(envelopes)")].map((r) => r.name)).toEqual(["hash", "size"]);
    });
  });
});

describe("a failed write leaves memory as storage is", () => {
  const req = (n: number, hash = hashOf(n), o: Partial<SettleRequest> = {}): SettleRequest => ({
    chainId: "901",
    nonceKey: `relay:${n}:${hash}`,
    nonceExpiresAt: Date.now() + 60_000,
    peer: "peerA",
    verdict: "accept",
    reason: "valid",
    number: BigInt(n),
    hash,
    check: { kind: "outcome", outcome: consolidated(n, hash), localSafe: ref(20) },
    ...o,
  });

  it("an injected failure of the settle transaction: the call fails (the Worker answers 503, the relay retries), nothing changed, in memory or after a restart", async () => {
    const stub = freshStub("fail");
    for (let n = 1; n <= 3; n++) expect(await stub.settle(req(n))).toMatchObject({ verdict: "accept" });
    await runInDurableObject(stub, async (instance: ChainHead, state) => {
      const before = { head: instance.head(), status: instance.status(), evidence: instance.evidence() };
      const real = state.storage.transactionSync.bind(state.storage);
      state.storage.transactionSync = (<T>(fn: () => T): T =>
        real(() => {
          fn();
          throw new Error("injected write failure");
        })) as typeof state.storage.transactionSync;
      try {
        await expect(instance.settle(req(4))).rejects.toThrow(/storage write failed/);
        await expect(instance.settle(req(3, hashOf(3, 1), { check: { kind: "outcome", outcome: replacement(3), localSafe: ref(20) } }))).rejects.toThrow(/storage write failed/);
      } finally {
        state.storage.transactionSync = real;
      }
      // memory equals what storage holds: the head, the alarm, the evidence did not move
      expect(instance.head()).toEqual(before.head);
      expect(instance.status().alarm).toBeNull();
      expect(instance.evidence()).toEqual(before.evidence);
      expect(normalise(new MachineStore(state.storage).load().snapshot()).head).toEqual(before.head);
      // the same request again, now that writes work: it was not recorded (its nonce neither)
      expect(await instance.settle(req(4))).toMatchObject({ verdict: "accept", head: 4n });
      expect(await instance.settle(req(3, hashOf(3, 1), { check: { kind: "outcome", outcome: replacement(3), localSafe: ref(20) } }))).toMatchObject({ reason: "equivocation" });
    });
  });
});
