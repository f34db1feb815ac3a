// JSON (de)serialisation of machine records: bigints as decimal strings, bytes stored as BLOBs.
import type { Alarm, ChainEvent, CrossSafeHead, Evidence, PeerScore, PendingCandidate } from "./types.ts";
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";

export function refToJson(r: L2BlockRef) {
  return {
    hash: r.hash,
    number: r.number.toString(),
    parentHash: r.parentHash,
    timestamp: r.timestamp.toString(),
    l1origin: { hash: r.l1origin.hash, number: r.l1origin.number.toString() },
    sequenceNumber: r.sequenceNumber.toString(),
  };
}

type RefJson = ReturnType<typeof refToJson>;

export function refFromJson(j: RefJson): L2BlockRef {
  return {
    hash: j.hash,
    number: BigInt(j.number),
    parentHash: j.parentHash,
    timestamp: BigInt(j.timestamp),
    l1origin: { hash: j.l1origin.hash, number: BigInt(j.l1origin.number) },
    sequenceNumber: BigInt(j.sequenceNumber),
  };
}

export function headToJson(h: CrossSafeHead): string {
  return JSON.stringify({ ...refToJson(h), replaced: h.replaced, updatedAt: h.updatedAt, messageId: h.messageId, peer: h.peer, ...(h.localHash ? { localHash: h.localHash } : {}) });
}

export function headFromJson(s: string): CrossSafeHead {
  const j = JSON.parse(s) as RefJson & Pick<CrossSafeHead, "replaced" | "updatedAt" | "messageId" | "peer" | "localHash">;
  return { ...refFromJson(j), replaced: j.replaced, updatedAt: j.updatedAt, messageId: j.messageId, peer: j.peer, ...(j.localHash ? { localHash: j.localHash } : {}) };
}

/** A candidate's row: everything but its message, which is a blob of its own (storage.ts). */
export function pendingToJson(p: PendingCandidate): string {
  const { bytes: _bytes, number, ...rest } = p;
  return JSON.stringify({ ...rest, number: number.toString() });
}

/** `bytes`: the size of its stored message (rows keep no size, so rows written before stay readable). */
export function pendingFromJson(s: string, bytes: number): PendingCandidate {
  const j = JSON.parse(s) as Omit<PendingCandidate, "bytes" | "number"> & { number: string };
  return { ...j, number: BigInt(j.number), bytes };
}

export function alarmToJson(a: Alarm | null): string {
  return JSON.stringify(a);
}

export function alarmFromJson(s: string | undefined): Alarm | null {
  return s ? (JSON.parse(s) as Alarm | null) : null;
}

export function peerToJson(p: PeerScore): string {
  return JSON.stringify(p);
}

export function peerFromJson(s: string): PeerScore {
  return JSON.parse(s) as PeerScore;
}

export function eventToJson(e: ChainEvent): string {
  return JSON.stringify(e);
}

export function eventFromJson(s: string): ChainEvent {
  return JSON.parse(s) as ChainEvent;
}

export function evidenceMetaToJson(e: Evidence): string {
  return JSON.stringify({
    id: e.id,
    at: e.at,
    number: e.number.toString(),
    existing: { hash: e.existing.hash, messageId: e.existing.messageId, bytes: e.existing.bytes },
    conflicting: { hash: e.conflicting.hash, messageId: e.conflicting.messageId, peer: e.conflicting.peer, bytes: e.conflicting.bytes },
  });
}

/**
 * A stored record. Rows written before the sizes were part of it have none: `sizeOf` then reads the
 * stored message's size (null: not stored).
 */
export function evidenceFromJson(s: string, sizeOf: (id: number, side: "existing" | "conflicting") => number | null): Evidence {
  const j = JSON.parse(s) as { id: number; at: number; number: string; existing: { hash: Hash; messageId: string; bytes?: number | null }; conflicting: { hash: Hash; messageId: string; peer: string; bytes?: number } };
  return {
    id: j.id,
    at: j.at,
    number: BigInt(j.number),
    existing: { hash: j.existing.hash, messageId: j.existing.messageId, bytes: j.existing.bytes !== undefined ? j.existing.bytes : sizeOf(j.id, "existing") },
    conflicting: { hash: j.conflicting.hash, messageId: j.conflicting.messageId, peer: j.conflicting.peer, bytes: j.conflicting.bytes ?? sizeOf(j.id, "conflicting") ?? 0 },
  };
}
