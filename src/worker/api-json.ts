// The Worker's one API dialect (README "API conventions"), applied to every record a route returns:
//   - block numbers and other chain quantities (`number`, `timestamp`, `l1origin.number`,
//     `sequenceNumber`) are JSON numbers, as op-node's L2BlockRef marshals its uint64 fields
//     (op-service/eth/id.go); block `timestamp`s stay op-node's unix seconds;
//   - every time the Worker itself records is `…AtMs`: epoch milliseconds as a JSON number;
//     durations are `…Ms` (milliseconds) too;
//   - hashes are 0x hex strings; chain ids are decimal strings (they need not fit a double).
// The Durable Objects keep their own stored shapes (bigints, `at`); this module is the only
// place those become JSON, so no route can speak another dialect.
import { l2RefJson } from "../protocol/block-ref.ts";
import type { EvidenceSummary } from "../durable/evidence-page.ts";
import type { Alarm, ChainEvent, CrossSafeHead, PeerScore, PendingCandidate } from "../durable/types.ts";
import type { UnsafeEvent, UnsafeHeadView } from "../durable/unsafe-types.ts";

/** A stored decimal block number as a JSON number; undefined for none (e.g. a rewind to nothing, "-1"). */
function blockNumber(n: string | bigint | undefined): number | undefined {
  if (n === undefined) return undefined;
  const v = typeof n === "bigint" ? n : BigInt(n);
  return v < 0n ? undefined : Number(v);
}

const num = (n: string | bigint | undefined) => {
  const v = blockNumber(n);
  return v === undefined ? {} : { number: v };
};

/** The cross-safe head: op-node's L2BlockRef JSON, when it was set and whether it was a replacement. */
export function headJson(head: CrossSafeHead) {
  return { ...l2RefJson(head), updatedAtMs: head.updatedAt, replaced: head.replaced !== false, replacement: head.replaced || null };
}

/** The unsafe head: op-node's L2BlockRef JSON, when the relay received it and how long after its timestamp. */
export function unsafeJson(u: UnsafeHeadView) {
  return { ...l2RefJson(u.ref), receivedAtMs: u.receivedAt, delayMs: u.delayMs };
}

export function eventJson(e: ChainEvent | UnsafeEvent) {
  return {
    atMs: e.at,
    kind: e.kind,
    ...num(e.number),
    ...(e.hash !== undefined ? { hash: e.hash } : {}),
    ...(e.peer !== undefined ? { peer: e.peer } : {}),
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
}

export function pendingJson(p: Omit<PendingCandidate, "bytes">) {
  return {
    number: Number(p.number),
    hash: p.hash,
    messageId: p.messageId,
    peer: p.peer,
    relay: p.relay,
    receivedAtMs: p.receivedMs,
    reason: p.reason,
    attempts: p.attempts,
    addedAtMs: p.addedAt,
  };
}

export function alarmJson(a: Alarm | null) {
  if (!a) return null;
  return { kind: a.kind, raisedAtMs: a.raisedAt, number: Number(a.number), hashes: a.hashes, evidenceId: a.evidenceId };
}

/** The short evidence record /status lists (the newest 50; /evidence pages them all). */
export function statusEvidenceJson(e: { id: number; at: number; number: bigint; existing: string; conflicting: string; peer: string }) {
  return { id: e.id, atMs: e.at, number: Number(e.number), existing: e.existing, conflicting: e.conflicting, peer: e.peer };
}

/** An evidence summary, with the paths its raw messages are served at. */
export function evidenceJson(chainId: string, e: EvidenceSummary) {
  const base = `/v1/chains/${chainId}/evidence/${e.id}/messages`;
  return {
    id: e.id,
    atMs: e.at,
    number: Number(e.number),
    existing: { ...e.existing, message: e.existing.bytes === null ? null : `${base}/existing` },
    conflicting: { ...e.conflicting, message: `${base}/conflicting` },
  };
}

export function peerJson(p: PeerScore & { graylisted: boolean }) {
  return { peerId: p.peerId, score: p.score, accepted: p.accepted, rejected: p.rejected, updatedAtMs: p.updatedAt, graylisted: p.graylisted };
}
