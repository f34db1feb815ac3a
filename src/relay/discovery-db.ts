// The discovery node database kept across restarts, as op-node keeps geth's enode.DB under
// --p2p.discovery.path. Two things are worth keeping:
// - our own record's sequence number: a restart must sign a higher one than peers have cached, or they
//   keep the old record (geth p2p/enode/nodedb.go localSeq, which starts a fresh database at the
//   current time in milliseconds for the same reason);
// - the records of the nodes in the routing table, to seed it again at start (geth's table seeds
//   itself from the database, db.QuerySeeds) rather than depend on the bootnodes alone.
// A small JSON file, {"version":1,"seq":"<decimal>","nodes":["enr:…",…]}, read defensively (bad content
// or a bad entry is skipped with a warning) and written whole through writeFileAtomic. A path that is not
// a regular file of at most MAX_DB_BYTES stops the process (src/node/bounded-file.ts): a FIFO would hang it.
import { writeFileAtomic } from "../node/atomic-write.ts";
import { readBoundedFile } from "../node/bounded-file.ts";
import { MAX_RECORD_SIZE } from "./enr.ts";

export const DISCOVERY_DB_VERSION = 1;
/** geth's table holds at most 17 buckets × 16; a few more for records seen but not yet in it. */
export const MAX_DB_NODES = 512;
/** An "enr:" text of a 300-byte record is 404 characters: 512 of them are ~210 KB. Larger: not ours. */
export const MAX_DB_BYTES = 1 * 2 ** 20;
const MAX_ENR_TEXT = 4 + Math.ceil((MAX_RECORD_SIZE * 4) / 3);
/** @chainsafe/enr encodes the sequence number through Number(): keep it exact. */
const MAX_SEQ = BigInt(Number.MAX_SAFE_INTEGER) - 1n;

export interface DiscoveryDbContents {
  /** our record's last sequence number; absent on a fresh (or unreadable) database */
  seq?: bigint;
  /** "enr:" texts, at most MAX_DB_NODES, not yet verified (discv5 checks each as it adds it) */
  nodes: string[];
  /** set when the file was unreadable or partly invalid: what was skipped, for the log */
  warning?: string;
}

/**
 * Reads the database; a missing file is an empty one. Never throws for bad content; throws (naming the
 * file) for a path that is not a regular file of at most MAX_DB_BYTES, or cannot be read.
 */
export async function readDiscoveryDb(path: string): Promise<DiscoveryDbContents> {
  const fresh = (why: string): DiscoveryDbContents => ({ nodes: [], warning: `discovery database ${path} ${why}; starting afresh (it is rewritten)` });
  const file = await readBoundedFile(path, MAX_DB_BYTES, "discovery database");
  if (file === undefined) return { nodes: [] };
  const text = file.bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fresh("is not JSON");
  }
  const o = json as { version?: unknown; seq?: unknown; nodes?: unknown };
  if (!o || typeof o !== "object" || o.version !== DISCOVERY_DB_VERSION || typeof o.seq !== "string" || !/^\d{1,16}$/.test(o.seq) || BigInt(o.seq) > MAX_SEQ || !Array.isArray(o.nodes)) {
    return fresh(`is not {"version":${DISCOVERY_DB_VERSION},"seq":"<decimal>","nodes":[…]}`);
  }
  const nodes: string[] = [];
  let invalid = 0;
  for (const n of o.nodes as unknown[]) {
    if (typeof n !== "string" || !n.startsWith("enr:") || n.length > MAX_ENR_TEXT || nodes.includes(n)) invalid++;
    else if (nodes.length < MAX_DB_NODES) nodes.push(n);
  }
  const dropped = (o.nodes as unknown[]).length - invalid - nodes.length;
  const out: DiscoveryDbContents = { seq: BigInt(o.seq), nodes };
  const skipped = [invalid ? `${invalid} invalid entr${invalid === 1 ? "y" : "ies"}` : "", dropped ? `${dropped} over the limit of ${MAX_DB_NODES}` : ""].filter(Boolean);
  if (skipped.length) out.warning = `discovery database ${path}: skipped ${skipped.join(" and ")}`;
  return out;
}

/** Writes the database atomically; at most MAX_DB_NODES records, each once. */
export async function writeDiscoveryDb(path: string, contents: { seq: bigint; nodes: Iterable<string> }): Promise<void> {
  const nodes = [...new Set(contents.nodes)].filter((n) => n.length <= MAX_ENR_TEXT).slice(0, MAX_DB_NODES);
  await writeFileAtomic(path, JSON.stringify({ version: DISCOVERY_DB_VERSION, seq: contents.seq.toString(), nodes }, null, 1) + "\n");
}

/**
 * The sequence number to sign our record with at start: one more than the database's, or on a fresh
 * database the current time in milliseconds (geth's localSeq), so that it exceeds what an earlier run
 * that lost its database may have handed out.
 */
export function startSeq(saved: bigint | undefined, nowMs: number = Date.now()): bigint {
  return saved === undefined ? BigInt(nowMs) : saved + 1n;
}
