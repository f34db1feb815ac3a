// SQLite persistence for the chain machine (Durable Object storage). The machine reports what it
// changed; this applies exactly that, in one synchronous transaction, so an evicted or restarted
// object resumes with the same head, history, pending candidates, scores, events and evidence.
// Gossip envelopes (up to 10 MiB) live in blob-store.ts chunks, never in one row.
import { BLOB_SCHEMA, blobSize, deleteBlob, putBlob, readBlob } from "./blob-store.ts";
import { ChainMachine, LIMITS, type Changes, type MachineSnapshot } from "./machine.ts";
import {
  alarmFromJson,
  alarmToJson,
  eventFromJson,
  eventToJson,
  evidenceFromJson,
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
import { COMMON_TABLES, readCounters, readEventJson, readNonces, writeCommon } from "./sql-tables.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (number TEXT PRIMARY KEY, n INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (hash TEXT PRIMARY KEY, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (hash TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evidence (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS peers (peer_id TEXT PRIMARY KEY, json TEXT NOT NULL);
${COMMON_TABLES}
${BLOB_SCHEMA}
`;

const key = {
  envelope: (h: string) => `envelope:${h}`,
  pending: (h: string) => `pending:${h}`,
  evidence: (id: number, side: "existing" | "conflicting") => `evidence:${id}:${side}`,
};

function bytes(v: unknown): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Uint8Array);
}

function columns(sql: SqlStorage, table: string): Set<string> {
  return new Set([...sql.exec<{ name: string }>(`PRAGMA table_info(${table})`)].map((r) => r.name));
}

/** Storage written before envelopes were chunked kept them inline (raw BLOB columns): move them. */
function migrateInlineEnvelopes(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  if (!columns(sql, "envelopes").has("raw")) return;
  storage.transactionSync(() => {
    for (const r of sql.exec<{ hash: string; raw: ArrayBuffer }>("SELECT hash, raw FROM envelopes")) putBlob(sql, key.envelope(r.hash), bytes(r.raw));
    sql.exec("ALTER TABLE envelopes ADD COLUMN size INTEGER NOT NULL DEFAULT 0");
    sql.exec("UPDATE envelopes SET size = length(raw)");
    sql.exec("ALTER TABLE envelopes DROP COLUMN raw");
    for (const r of sql.exec<{ hash: string; raw: ArrayBuffer }>("SELECT hash, raw FROM pending")) putBlob(sql, key.pending(r.hash), bytes(r.raw));
    sql.exec("ALTER TABLE pending DROP COLUMN raw");
    for (const r of sql.exec<{ id: number; existing_raw: ArrayBuffer | null; conflicting_raw: ArrayBuffer }>("SELECT id, existing_raw, conflicting_raw FROM evidence")) {
      if (r.existing_raw) putBlob(sql, key.evidence(r.id, "existing"), bytes(r.existing_raw));
      putBlob(sql, key.evidence(r.id, "conflicting"), bytes(r.conflicting_raw));
    }
    sql.exec("ALTER TABLE evidence DROP COLUMN existing_raw");
    sql.exec("ALTER TABLE evidence DROP COLUMN conflicting_raw");
  });
}

export class MachineStore {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
    migrateInlineEnvelopes(storage);
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
      // sizes only: the messages stay in storage (read one at a time by pendingMessage, evidence copies)
      envelopes: [...this.#sql.exec<{ hash: string; size: number }>("SELECT hash, size FROM envelopes")].map((r) => [r.hash as Hash, r.size] as [Hash, number]),
      pending: [...this.#sql.exec<{ hash: string; json: string }>("SELECT hash, json FROM pending")].map((r) => pendingFromJson(r.json, blobSize(this.#sql, key.pending(r.hash)) ?? 0)),
      // the records without their messages (read one at a time by evidenceMessage)
      evidence: [...this.#sql.exec<{ json: string }>("SELECT json FROM evidence")].map((r) => evidenceFromJson(r.json, (id, side) => blobSize(this.#sql, key.evidence(id, side)))),
      peers: [...this.#sql.exec<{ json: string }>("SELECT json FROM peers")].map((r) => peerFromJson(r.json)),
      events: readEventJson(this.#sql, LIMITS.events).map(eventFromJson),
      nonces: readNonces(this.#sql),
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
      // Evidence first: its existing message may be a head's stored envelope, copied before this
      // batch's envelope deletes can remove it.
      for (const put of c.evidencePut) {
        const e = m.evidenceById(put.id);
        if (!e) continue;
        sql.exec("INSERT OR REPLACE INTO evidence (id, json) VALUES (?, ?)", put.id, evidenceMetaToJson(e));
        const existing = put.existing === null ? null : "raw" in put.existing ? put.existing.raw : readBlob(sql, key.envelope(put.existing.copyOf));
        if (existing) putBlob(sql, key.evidence(put.id, "existing"), existing);
        else deleteBlob(sql, key.evidence(put.id, "existing"));
        putBlob(sql, key.evidence(put.id, "conflicting"), put.conflicting);
      }
      for (const h of c.envelopesDelete) {
        sql.exec("DELETE FROM envelopes WHERE hash = ?", h);
        deleteBlob(sql, key.envelope(h));
      }
      // (a head pruned in the same batch left envelopesPut: envelope-book.ts keepNewest)
      for (const [h, raw] of c.envelopesPut) {
        sql.exec("INSERT OR REPLACE INTO envelopes (hash, size) VALUES (?, ?)", h, raw.length);
        putBlob(sql, key.envelope(h), raw);
      }
      for (const h of c.pendingDelete) {
        sql.exec("DELETE FROM pending WHERE hash = ?", h);
        deleteBlob(sql, key.pending(h));
      }
      for (const [h, raw] of c.pendingPut) {
        const p = m.pendingByHash(h);
        if (!p) continue;
        // A held candidate is re-put on every retry (its attempts): its envelope, up to 10 MiB, is
        // written once, while its row exists (any valid copy of the same block hash will do).
        const stored = sql.exec("SELECT 1 FROM pending WHERE hash = ?", h).toArray().length > 0;
        sql.exec("INSERT OR REPLACE INTO pending (hash, json) VALUES (?, ?)", h, pendingToJson(p));
        if (!stored) putBlob(sql, key.pending(h), raw);
      }
      for (const id of c.peersDelete) sql.exec("DELETE FROM peers WHERE peer_id = ?", id);
      for (const id of new Set(c.peersPut)) {
        const p = m.peerRaw(id);
        if (p) sql.exec("INSERT OR REPLACE INTO peers (peer_id, json) VALUES (?, ?)", id, peerToJson(p));
      }
      writeCommon(sql, { events: c.events.map((e) => eventToJson(e)), limit: LIMITS.events, noncesPut: c.noncesPut, expiryOf: (k) => m.nonceExpiry(k) }, counters);
    });
  }

  counters(): Map<string, number> {
    return readCounters(this.#sql);
  }

  /** A pending candidate's gossip message, read from storage for its re-check; null if not stored. */
  pendingMessage(hash: Hash): Uint8Array | null {
    return readBlob(this.#sql, key.pending(hash));
  }

  /** One gossip message of an evidence record, read from storage (never held in memory); null if not stored. */
  evidenceMessage(id: number, side: "existing" | "conflicting"): Uint8Array | null {
    return readBlob(this.#sql, key.evidence(id, side));
  }
}
