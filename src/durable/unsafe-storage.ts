// SQLite persistence of the unsafe-head machine (its own Durable Object's storage, so the tables
// never meet the cross-safe ones). The machine reports what changed; this applies exactly that in
// one synchronous transaction, so an evicted or restarted object resumes with the same window of
// heights (head, seen hashes), events, nonces, delay histogram and counters.
import { refFromJson, refToJson } from "./codec.ts";
import { emptyDelay, UNSAFE_LIMITS, UnsafeMachine, type HeightRecord, type UnsafeSnapshot } from "./unsafe-machine.ts";
import type { DelayHistogram, UnsafeBlock, UnsafeEvent } from "./unsafe-types.ts";
import type { Hash } from "../protocol/types.ts";
import { COMMON_TABLES, readCounters, readEventJson, readNonces, writeCommon } from "./sql-tables.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heights (n TEXT PRIMARY KEY, json TEXT NOT NULL);
${COMMON_TABLES}
`;

type BlockJson = Omit<UnsafeBlock, "ref"> & { ref: ReturnType<typeof refToJson> };

function blockToJson(b: UnsafeBlock): BlockJson {
  return { ...b, ref: refToJson(b.ref) };
}

function blockFromJson(j: BlockJson): UnsafeBlock {
  return { ...j, ref: refFromJson(j.ref) };
}

export function heightToJson(r: HeightRecord): string {
  return JSON.stringify({ current: r.current ? blockToJson(r.current) : null, seen: r.seen });
}

export function heightFromJson(s: string): HeightRecord {
  const j = JSON.parse(s) as { current: BlockJson | null; seen: Hash[] };
  return { current: j.current ? blockFromJson(j.current) : null, seen: j.seen };
}

export class UnsafeStore {
  readonly #sql: SqlStorage;
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#sql.exec(SCHEMA);
  }

  load(): UnsafeMachine {
    const delay = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'delay'").toArray()[0]?.value;
    const snap: UnsafeSnapshot = {
      heights: [...this.#sql.exec<{ n: string; json: string }>("SELECT n, json FROM heights")].map((r) => [BigInt(r.n), heightFromJson(r.json)]),
      events: readEventJson(this.#sql, UNSAFE_LIMITS.events).map((j) => JSON.parse(j) as UnsafeEvent),
      nonces: readNonces(this.#sql),
      delay: delay ? (JSON.parse(delay) as DelayHistogram) : emptyDelay(),
    };
    return UnsafeMachine.restore(snap);
  }

  /** Applies the machine's changes and adds `counters` (then clears them), atomically. */
  persist(m: UnsafeMachine, counters: Map<string, number>): void {
    const c = m.takeChanges();
    this.#storage.transactionSync(() => {
      const sql = this.#sql;
      if (c.meta) sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('delay', ?)", JSON.stringify(m.delay));
      // Deletes first: a height evicted and then seen again within one batch is written back below.
      for (const n of c.heightsDelete) sql.exec("DELETE FROM heights WHERE n = ?", n.toString());
      for (const n of new Set(c.heightsPut)) {
        const r = m.heightAt(n);
        if (r) sql.exec("INSERT OR REPLACE INTO heights (n, json) VALUES (?, ?)", n.toString(), heightToJson(r));
      }
      writeCommon(sql, { events: c.events.map((e) => JSON.stringify(e)), limit: UNSAFE_LIMITS.events, noncesPut: c.noncesPut, expiryOf: (k) => m.nonceExpiry(k) }, counters);
    });
  }

  counters(): Map<string, number> {
    return readCounters(this.#sql);
  }
}
