// The tables both Durable Objects keep alike (ChainHead's storage.ts, UnsafeHead's unsafe-storage.ts):
// the newest events, the relays' request nonces and additive counters. One definition, so the two
// objects cannot drift apart in how they bound or expire them.

// nonces_exp: every commit that claims a nonce purges the expired ones (writeCommon); without the
// index that DELETE scanned the whole table, thousands of rows under load — measured in workerd at
// 10× any other statement of a commit, the largest SQLite cost per block (bench/README.md, Many chains).
export const COMMON_TABLES = `
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, exp INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS nonces_exp ON nonces (exp);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** The newest `limit` events' JSON, oldest first. */
export function readEventJson(sql: SqlStorage, limit: number): string[] {
  return [...sql.exec<{ json: string }>(`SELECT json FROM (SELECT id, json FROM events ORDER BY id DESC LIMIT ${limit}) ORDER BY id`)].map((r) => r.json);
}

export function readNonces(sql: SqlStorage): [string, number][] {
  return [...sql.exec<{ key: string; exp: number }>("SELECT key, exp FROM nonces")].map((r) => [r.key, r.exp]);
}

export function readCounters(sql: SqlStorage): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of sql.exec<{ name: string; value: number }>("SELECT name, value FROM counters")) out.set(r.name, r.value);
  return out;
}

/**
 * Inside the caller's transaction: appends events (keeping the newest `limit`), stores the claimed
 * nonces (expired ones linger a minute), adds `counters` and clears them.
 */
export function writeCommon(
  sql: SqlStorage,
  c: { events: string[]; limit: number; noncesPut: readonly string[]; expiryOf: (key: string) => number | undefined },
  counters: Map<string, number>,
): void {
  if (c.events.length) {
    for (const json of c.events) sql.exec("INSERT INTO events (json) VALUES (?)", json);
    sql.exec(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ${c.limit}`);
  }
  for (const k of c.noncesPut) {
    const exp = c.expiryOf(k);
    if (exp !== undefined) sql.exec("INSERT OR REPLACE INTO nonces (key, exp) VALUES (?, ?)", k, exp);
  }
  if (c.noncesPut.length) sql.exec("DELETE FROM nonces WHERE exp <= ?", Date.now() - 60_000);
  for (const [name, value] of counters) sql.exec("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value", name, value);
  counters.clear();
}
