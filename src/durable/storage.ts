// SQLite persistence for the chain machine (Durable Object storage). The machine reports what it
// changed; this applies exactly that, in one synchronous transaction, so an evicted or restarted
// object resumes with the same head, history, pending candidates, scores, events and evidence.
import { ChainMachine, LIMITS, type Changes, type MachineSnapshot } from "./machine.ts";
import {
  alarmFromJson,
  alarmToJson,
  eventFromJson,
  eventToJson,
  evidenceMetaToJson,
  headFromJson,
  headToJson,
  peerFromJson,
  peerToJson,
  pendingFromJson,
  pendingToJson,
  refFromJson,
  refToJson,
} from "./codec.ts";
import type { Hash } from "../protocol/types.ts";
import type { Evidence } from "./types.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (number TEXT PRIMARY KEY, n INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (hash TEXT PRIMARY KEY, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pending (hash TEXT PRIMARY KEY, json TEXT NOT NULL, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, json TEXT NOT NULL, existing_raw BLOB, conflicting_raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS peers (peer_id TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, exp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

function bytes(v: unknown): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Uint8Array);
}

export class MachineStore {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
  }

  load(): ChainMachine {
    const meta = new Map<string, string>();
    for (const r of this.#sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) meta.set(r.key, r.value);
    const snap: MachineSnapshot = {
      head: meta.get("head") ? headFromJson(meta.get("head")!) : null,
      localSafe: meta.get("localSafe") ? refFromJson(JSON.parse(meta.get("localSafe")!)) : null,
      alarm: alarmFromJson(meta.get("alarm")),
      nextEvidenceId: Number(meta.get("nextEvidenceId") ?? "1"),
      history: [...this.#sql.exec<{ json: string }>("SELECT json FROM history")].map((r) => headFromJson(r.json)),
      envelopes: [...this.#sql.exec<{ hash: string; raw: ArrayBuffer }>("SELECT hash, raw FROM envelopes")].map((r) => [r.hash as Hash, bytes(r.raw)]),
      pending: [...this.#sql.exec<{ json: string; raw: ArrayBuffer }>("SELECT json, raw FROM pending")].map((r) => pendingFromJson(r.json, bytes(r.raw))),
      evidence: [...this.#sql.exec<{ json: string; existing_raw: ArrayBuffer | null; conflicting_raw: ArrayBuffer }>("SELECT json, existing_raw, conflicting_raw FROM evidence")].map(
        (r) => {
          const j = JSON.parse(r.json);
          return {
            id: j.id,
            at: j.at,
            number: BigInt(j.number),
            existing: { ...j.existing, raw: r.existing_raw ? bytes(r.existing_raw) : null },
            conflicting: { ...j.conflicting, raw: bytes(r.conflicting_raw) },
          } satisfies Evidence;
        },
      ),
      peers: [...this.#sql.exec<{ json: string }>("SELECT json FROM peers")].map((r) => peerFromJson(r.json)),
      events: [...this.#sql.exec<{ json: string }>(`SELECT json FROM (SELECT id, json FROM events ORDER BY id DESC LIMIT ${LIMITS.events}) ORDER BY id`)].map((r) =>
        eventFromJson(r.json),
      ),
      nonces: [...this.#sql.exec<{ key: string; exp: number }>("SELECT key, exp FROM nonces")].map((r) => [r.key, r.exp]),
    };
    return ChainMachine.restore(snap);
  }

  /** Applies the machine's changes atomically. */
  persist(m: ChainMachine, counters: Map<string, number>): void {
    const c: Changes = m.takeChanges();
    this.#storage.transactionSync(() => {
      const sql = this.#sql;
      if (c.meta) {
        const put = (k: string, v: string) => sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", k, v);
        if (m.head) put("head", headToJson(m.head));
        else sql.exec("DELETE FROM meta WHERE key = 'head'");
        if (m.localSafe) put("localSafe", JSON.stringify(refToJson(m.localSafe)));
        put("alarm", alarmToJson(m.alarm));
        put("nextEvidenceId", String(m.nextEvidenceId)); // not m.snapshot(): that copies every table
      }
      if (c.historyDeleteAbove !== null) sql.exec("DELETE FROM history WHERE n > ?", Number(c.historyDeleteAbove));
      if (c.historyDeleteBelow !== null) sql.exec("DELETE FROM history WHERE n < ?", Number(c.historyDeleteBelow));
      for (const n of c.historyPut) {
        const rec = m.historyAt(n);
        if (rec) sql.exec("INSERT OR REPLACE INTO history (number, n, json) VALUES (?, ?, ?)", n.toString(), Number(n), headToJson(rec));
      }
      for (const h of c.envelopesDelete) sql.exec("DELETE FROM envelopes WHERE hash = ?", h);
      for (const h of c.envelopesPut) {
        const raw = m.envelope(h);
        if (raw) sql.exec("INSERT OR REPLACE INTO envelopes (hash, raw) VALUES (?, ?)", h, raw);
      }
      for (const h of c.pendingDelete) sql.exec("DELETE FROM pending WHERE hash = ?", h);
      for (const h of c.pendingPut) {
        const p = m.pendingByHash(h);
        if (p) sql.exec("INSERT OR REPLACE INTO pending (hash, json, raw) VALUES (?, ?, ?)", h, pendingToJson(p), p.raw);
      }
      for (const id of c.evidencePut) {
        const e = m.evidenceById(id);
        if (e) sql.exec("INSERT OR REPLACE INTO evidence (id, json, existing_raw, conflicting_raw) VALUES (?, ?, ?, ?)", id, evidenceMetaToJson(e), e.existing.raw, e.conflicting.raw);
      }
      for (const id of c.peersDelete) sql.exec("DELETE FROM peers WHERE peer_id = ?", id);
      for (const id of new Set(c.peersPut)) {
        const p = m.peerRaw(id);
        if (p) sql.exec("INSERT OR REPLACE INTO peers (peer_id, json) VALUES (?, ?)", id, peerToJson(p));
      }
      if (c.events.length) {
        for (const e of c.events) sql.exec("INSERT INTO events (json) VALUES (?)", eventToJson(e));
        sql.exec(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ${LIMITS.events}`);
      }
      for (const k of c.noncesPut) {
        const exp = m.nonceExpiry(k);
        if (exp !== undefined) sql.exec("INSERT OR REPLACE INTO nonces (key, exp) VALUES (?, ?)", k, exp);
      }
      if (c.noncesPut.length) sql.exec("DELETE FROM nonces WHERE exp <= ?", Date.now() - 60_000);
      for (const [name, value] of counters) sql.exec("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value", name, value);
      counters.clear();
    });
  }

  counters(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.#sql.exec<{ name: string; value: number }>("SELECT name, value FROM counters")) out.set(r.name, r.value);
    return out;
  }
}
