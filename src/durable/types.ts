// Shapes shared by the chain state machine, its Durable Object shell and the Worker.
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";
import type { ConsolidatedCandidate } from "../checks/outcome.ts";

export type { Consolidation, ConsolidatedCandidate } from "../checks/outcome.ts";

/**
 * A validly signed block that could not be decided yet (above local-safe, or an RPC fault). Its gossip
 * message (up to 10 MiB) lives in SQLite only (storage.ts pendingMessage), read when the alarm
 * re-checks it; the object's memory holds its size.
 */
export interface PendingCandidate {
  number: bigint;
  hash: Hash;
  messageId: string;
  peer: string;
  relay: string;
  receivedMs: number;
  reason: string;
  bytes: number;
  attempts: number;
  addedAt: number;
}

/** A candidate to hold, with its message on the way to storage (ChainMachine.hold). */
export type HoldRequest = Omit<PendingCandidate, "attempts" | "addedAt" | "bytes"> & { raw: Uint8Array };

export interface CrossSafeHead extends L2BlockRef {
  /** false, or which deposits-only replacement rule matched. */
  replaced: false | "spec" | "op-node";
  /**
   * The follower's own block at this height when it was accepted: the same hash, except for a
   * deposits-only replacement, whose original the follower's node keeps until it adopts the
   * replacement. Either hash on the local chain means this record is still canonical.
   */
  localHash?: Hash;
  /** ms since epoch */
  updatedAt: number;
  messageId: string;
  peer: string;
}

export type EventKind = "advanced" | "replaced" | "duplicate" | "ignored" | "rejected" | "pending" | "promoted" | "rewound" | "equivocation" | "alarm-cleared" | "peers-purged" | "stale";

export interface ChainEvent {
  at: number;
  kind: EventKind;
  number?: string;
  hash?: Hash;
  peer?: string;
  reason?: string;
}

export interface Evidence {
  id: number;
  at: number;
  number: bigint;
  /**
   * The block already cross-safe at that height, and the conflicting one. `bytes`: the size of its
   * gossip message as stored (null: the existing block's was no longer kept). The messages
   * themselves live in SQLite only (storage.ts evidenceMessage), never in the object's memory: up to
   * 2 × 10 MiB a record, and records are never dropped.
   */
  existing: { hash: Hash; messageId: string; bytes: number | null };
  conflicting: { hash: Hash; messageId: string; peer: string; bytes: number };
}

/**
 * A new record's two messages, on their way to storage with the record (Changes.evidencePut): the
 * conflicting one itself; the existing one as the head's envelope to copy in storage (`copyOf`, done
 * before any envelope of the same batch is deleted), or its bytes when that head was put in the same
 * batch and is not stored yet (a later prune in the batch cannot lose it), or null: no longer kept.
 */
export interface EvidenceMessages {
  id: number;
  existing: { copyOf: Hash } | { raw: Uint8Array } | null;
  conflicting: Uint8Array;
}

export interface Alarm {
  kind: "equivocation";
  raisedAt: number;
  number: string;
  hashes: Hash[];
  evidenceId: number;
}

export interface PeerScore {
  peerId: string;
  score: number;
  accepted: number;
  rejected: number;
  updatedAt: number;
}
