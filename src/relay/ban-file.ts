// Bans that survive a restart, as op-node's do (op-node/p2p/store keeps each peer's ban expiry in the
// peerstore under --p2p.peerstore.path). A small JSON file — {"version":1,"bans":{"<peer id>":<ban end,
// ms since epoch>}} — read at start and rewritten whole (src/node/atomic-write.ts: a crash or power
// loss leaves the old or the new file, never half of one) shortly after a ban and at shutdown.
import { readBoundedFile } from "../node/bounded-file.ts";
import { writeFileAtomic } from "../node/atomic-write.ts";
import { CoalescedWriter } from "../node/coalesced-writer.ts";
import { isPeerId } from "../protocol/peer-id.ts";

export const BAN_FILE_VERSION = 1;
/** A file larger than this was not written by us (8192 bans are ~0.6 MB): the relay refuses to start. */
export const MAX_BAN_FILE_BYTES = 8 * 2 ** 20;

export interface BanFileContents {
  /** unexpired bans, peer id → ban end (ms since epoch) */
  bans: [string, number][];
  /** set when the file was unreadable or partly invalid: what was skipped, for the log */
  warning?: string;
}

/**
 * Reads a ban file; a missing file is no bans. Bad content is skipped with a warning (the file is
 * rewritten on the next ban); a file that is not a regular file of at most MAX_BAN_FILE_BYTES, or
 * cannot be read, throws: that is not our file, and an operator should look.
 */
export async function readBanFile(path: string, now: number = Date.now()): Promise<BanFileContents> {
  const file = await readBoundedFile(path, MAX_BAN_FILE_BYTES, "ban file");
  if (file === undefined) return { bans: [] };
  const text = file.bytes.toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { bans: [], warning: `ban file ${path} is not JSON; starting with no bans (it is rewritten on the next ban)` };
  }
  const o = json as { version?: unknown; bans?: unknown };
  if (!o || typeof o !== "object" || o.version !== BAN_FILE_VERSION || !o.bans || typeof o.bans !== "object" || Array.isArray(o.bans)) {
    return { bans: [], warning: `ban file ${path}: expected {"version":${BAN_FILE_VERSION},"bans":{…}}; starting with no bans` };
  }
  const bans: [string, number][] = [];
  let invalid = 0;
  for (const [peer, until] of Object.entries(o.bans as Record<string, unknown>)) {
    if (typeof until !== "number" || !Number.isFinite(until) || !isPeerId(peer)) invalid++;
    else if (until > now) bans.push([peer, until]);
  }
  return invalid ? { bans, warning: `ban file ${path}: skipped ${invalid} invalid entr${invalid === 1 ? "y" : "ies"}` } : { bans };
}

/** Writes the bans atomically (temp file in the same directory, then rename). */
export async function writeBanFile(path: string, bans: Iterable<[string, number]>): Promise<void> {
  const sorted = [...bans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify({ version: BAN_FILE_VERSION, bans: Object.fromEntries(sorted) }, null, 1) + "\n";
  await writeFileAtomic(path, text);
}

/** The ban file's CoalescedWriter: a burst of bans is one write a second later; `flush()` at shutdown. */
export class BanFileWriter extends CoalescedWriter {
  constructor(path: string, snapshot: () => Iterable<[string, number]>, onError: (e: Error) => void, delayMs = 1_000) {
    super(() => writeBanFile(path, snapshot()), onError, delayMs);
  }
}
