// The publisher's memory across restarts: which blocks it has published. A small JSON file, replaced
// atomically (write a temp file, fsync, rename) so a crash leaves the old or the new state, never half.
//
// At-most-once: a block is recorded as `inflight` *before* it is handed to gossipsub and confirmed
// after. A crash in between leaves it recorded, so it is never published a second time; the cost is
// that a block might not go out at all, which followers tolerate (the next one advances their head).
import { writeFileAtomic } from "../node/atomic-write.ts";
import { readBoundedFile } from "../node/bounded-file.ts";
import type { Hash } from "../protocol/types.ts";
import type { HeadRef } from "./sync-status.ts";

/** Published blocks remembered (duplicate check and reorg fork-point search). */
export const PUBLISHED_MEMORY = 512;
/** 512 published blocks are ~60 KB as written: a larger file is not ours. */
export const MAX_STATE_FILE_BYTES = 1024 * 1024;

export interface PublisherState {
  chainId: bigint;
  /** The newest block handled: the last published, or after a reorg the newest still-canonical one to resume after. */
  cursor: HeadRef | null;
  /** Blocks published, oldest first, at most PUBLISHED_MEMORY. */
  published: HeadRef[];
  /** Publication started but not confirmed. */
  inflight: HeadRef | null;
}

export function emptyState(chainId: bigint): PublisherState {
  return { chainId, cursor: null, published: [], inflight: null };
}

export function wasPublished(s: PublisherState, n: bigint, hash: Hash): boolean {
  return s.published.some((p) => p.number === n && p.hash === hash) || (s.inflight?.number === n && s.inflight.hash === hash);
}

export function recordPublished(s: PublisherState, ref: HeadRef): void {
  if (!s.published.some((p) => p.number === ref.number && p.hash === ref.hash)) s.published.push({ number: ref.number, hash: ref.hash });
  if (s.published.length > PUBLISHED_MEMORY) s.published.splice(0, s.published.length - PUBLISHED_MEMORY);
}

export function forgetPublished(s: PublisherState, ref: HeadRef): void {
  s.published = s.published.filter((p) => !(p.number === ref.number && p.hash === ref.hash));
}

interface StateJson {
  version: 1;
  chainId: string;
  cursor: { number: string; hash: string } | null;
  published: [string, string][];
  inflight: { number: string; hash: string } | null;
}

const refJson = (r: HeadRef | null): { number: string; hash: string } | null => (r ? { number: r.number.toString(), hash: r.hash } : null);

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A decimal uint64 (block numbers and chain ids are uint64 in op-node): a larger number would be
 * accepted here and then fail every poll, so it is refused on load.
 */
function parseUint64(v: unknown, what: string): bigint {
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) throw new Error(`${what}: expected a decimal string of at most 20 digits`);
  const n = BigInt(v);
  if (n > UINT64_MAX) throw new Error(`${what}: ${v} does not fit in 64 bits`);
  return n;
}

function parseRef(v: unknown, what: string): HeadRef | null {
  if (v === null || v === undefined) return null;
  const r = v as { number?: unknown; hash?: unknown };
  if (typeof r !== "object" || typeof r.hash !== "string" || !/^0x[0-9a-f]{64}$/.test(r.hash)) throw new Error(`${what}: expected {number: "<decimal>", hash: "0x<64 hex>"}`);
  return { number: parseUint64(r.number, `${what}.number`), hash: r.hash as Hash };
}

export function stateToJson(s: PublisherState): string {
  const j: StateJson = {
    version: 1,
    chainId: s.chainId.toString(),
    cursor: refJson(s.cursor),
    published: s.published.map((p) => [p.number.toString(), p.hash]),
    inflight: refJson(s.inflight),
  };
  return JSON.stringify(j, null, 1) + "\n";
}

export function stateFromJson(text: string): PublisherState {
  let j: Partial<StateJson>;
  try {
    j = JSON.parse(text) as Partial<StateJson>;
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (typeof j !== "object" || j === null || j.version !== 1) throw new Error("unknown format (expected version 1)");
  const chainId = parseUint64(j.chainId, "chainId");
  if (!Array.isArray(j.published)) throw new Error("published: expected an array");
  const published = j.published.map((p, i) => {
    if (!Array.isArray(p)) throw new Error(`published[${i}]: expected [number, hash]`);
    return parseRef({ number: p[0], hash: p[1] }, `published[${i}]`)!;
  });
  return { chainId, cursor: parseRef(j.cursor, "cursor"), published, inflight: parseRef(j.inflight, "inflight") };
}

/** The saved state, or null when the file does not exist. Throws (naming the file) when it is unreadable or malformed. */
export async function loadState(path: string): Promise<PublisherState | null> {
  const file = await readBoundedFile(path, MAX_STATE_FILE_BYTES, "state file");
  if (file === undefined) return null;
  try {
    return stateFromJson(file.bytes.toString("utf8"));
  } catch (e) {
    throw new Error(`state file ${path}: ${(e as Error).message}`);
  }
}

export async function saveState(path: string, s: PublisherState): Promise<void> {
  await writeFileAtomic(path, stateToJson(s));
}
