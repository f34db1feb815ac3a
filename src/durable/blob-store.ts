// Byte strings of any size (gossip envelopes up to 10 MiB) in Durable Object SQLite, split into rows
// well under Cloudflare's 2 MB row limit (developers.cloudflare.com/durable-objects/platform/limits:
// "Maximum row size 2 MB"). A single BLOB row over the limit fails the whole transaction in
// production (SQLITE_TOOBIG, seen locally at ~8 MiB), so no row may depend on the envelope's size.

/** Bytes per row: half the production row limit, leaving room for the key and SQLite's overhead. */
export const BLOB_CHUNK_BYTES = 1 << 20;
/** Cloudflare's documented per-row limit; tests check every row against it. */
export const ROW_LIMIT_BYTES = 2_000_000;

export const BLOB_SCHEMA = "CREATE TABLE IF NOT EXISTS blobs (key TEXT NOT NULL, seq INTEGER NOT NULL, chunk BLOB NOT NULL, PRIMARY KEY (key, seq));";

function bytesOf(v: unknown): Uint8Array {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Uint8Array);
}

/** Replaces the bytes stored under `key` (call inside the caller's transaction). */
export function putBlob(sql: SqlStorage, key: string, bytes: Uint8Array): void {
  sql.exec("DELETE FROM blobs WHERE key = ?", key);
  // An empty value is one empty chunk, so "stored and empty" differs from "absent".
  for (let seq = 0, at = 0; seq === 0 || at < bytes.length; seq++, at += BLOB_CHUNK_BYTES) {
    sql.exec("INSERT INTO blobs (key, seq, chunk) VALUES (?, ?, ?)", key, seq, bytes.subarray(at, at + BLOB_CHUNK_BYTES));
  }
}

export function deleteBlob(sql: SqlStorage, key: string): void {
  sql.exec("DELETE FROM blobs WHERE key = ?", key);
}

/** The bytes stored under `key`, reassembled; null if none are. */
export function readBlob(sql: SqlStorage, key: string): Uint8Array | null {
  const list = [...sql.exec<{ chunk: ArrayBuffer }>("SELECT chunk FROM blobs WHERE key = ? ORDER BY seq", key)].map((r) => bytesOf(r.chunk));
  return list.length ? concat(list) : null;
}

/** The size of the bytes stored under `key` without reading them; null if none are. */
export function blobSize(sql: SqlStorage, key: string): number | null {
  const r = sql.exec<{ n: number; bytes: number | null }>("SELECT count(*) AS n, sum(length(chunk)) AS bytes FROM blobs WHERE key = ?", key).one();
  return r.n ? (r.bytes ?? 0) : null;
}

function concat(list: Uint8Array[]): Uint8Array {
  if (list.length === 1) return list[0]!;
  const out = new Uint8Array(list.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of list) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
