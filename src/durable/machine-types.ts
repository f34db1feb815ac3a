// The chain state machine's bounds and the shapes it exchanges with its Durable Object shell
// (machine.ts decides; storage.ts persists what `Changes` lists).
import type { L2BlockRef } from "../protocol/block-ref.ts";
import { MAX_BLOCKS_PER_HEIGHT, SEEN_HEIGHTS } from "../protocol/seen-blocks.ts";
import type { Hash } from "../protocol/types.ts";
import type { Verdict } from "../protocol/verdict.ts";
import type { Alarm, ChainEvent, CrossSafeHead, Evidence, EvidenceMessages, PeerScore, PendingCandidate } from "./types.ts";

export const LIMITS = {
  history: 512, // cross-safe heads remembered (rewind targets, duplicate/equivocation detection)
  envelopes: 128, // raw envelopes kept for the newest heads (equivocation evidence)
  /**
   * …and at most this many bytes of them (the newest head's is always kept). They live in SQLite only
   * (the object's memory holds their sizes), so this bounds storage, not the 128 MB isolate: 128
   * envelopes of 10 MiB blocks would be 1.3 GB. 256 MiB keeps the last 25 of the largest blocks. An
   * older head's conflict then yields evidence without its bytes (`existing.bytes: null`).
   */
  envelopeBytes: 256 * 1024 * 1024,
  pending: 256,
  /** …holding at most this many bytes of envelopes (the lowest always kept), in SQLite: see envelopeBytes. */
  pendingBytes: 256 * 1024 * 1024,
  pendingTtlMs: 6 * 60 * 60_000, // a candidate that cannot be decided within hours never will be
  seenHeights: SEEN_HEIGHTS, // op-node's LRU size
  maxBlocksPerHeight: MAX_BLOCKS_PER_HEIGHT, // op-node: more than 5 distinct blocks at one height → REJECT
  inflightMs: 30_000, // a candidate in flight longer than this is assumed lost (Worker crashed)
  events: 200,
  peers: 2_000,
  /** The peer table's size (ids + a record's fixed part): ids are checked at ingest, this holds regardless. */
  peerBytes: 512 * 1024,
  nonces: 50_000,
} as const;

/** claimNonce's answer. "full": every slot holds an unexpired nonce; evicting one would open a replay. */
export type NonceClaim = "claimed" | "replay" | "full";

/** What changed since the shell last persisted (drained by `takeChanges`). */
export interface Changes {
  meta: boolean; // head, local-safe, alarm, evidence counter
  historyPut: bigint[];
  historyDeleteAbove: bigint | null;
  historyDeleteBelow: bigint | null;
  /** New heads' envelopes, carried here to storage: the machine keeps only their sizes. */
  envelopesPut: Map<Hash, Uint8Array>;
  envelopesDelete: Hash[];
  /** Candidates (re-)held, with their messages: written to storage if not stored yet. */
  pendingPut: Map<Hash, Uint8Array>;
  pendingDelete: Hash[];
  /** New records' messages: carried here to storage, not kept in memory (types.ts Evidence). */
  evidencePut: EvidenceMessages[];
  peersPut: string[];
  peersDelete: string[];
  events: ChainEvent[];
  noncesPut: string[];
}

export function noChanges(): Changes {
  return {
    meta: false,
    historyPut: [],
    historyDeleteAbove: null,
    historyDeleteBelow: null,
    envelopesPut: new Map(),
    envelopesDelete: [],
    pendingPut: new Map(),
    pendingDelete: [],
    evidencePut: [],
    peersPut: [],
    peersDelete: [],
    events: [],
    noncesPut: [],
  };
}

export interface Decision {
  verdict: Verdict;
  reason: string;
}

/** What the Worker reports after stateless validation of one message. */
export interface AdmitInput {
  peer: string;
  verdict: Verdict;
  reason: string;
  number?: bigint;
  hash?: Hash;
}

export interface MachineSnapshot {
  head: CrossSafeHead | null;
  localSafe: L2BlockRef | null;
  alarm: Alarm | null;
  nextEvidenceId: number;
  history: CrossSafeHead[];
  /** Heads' envelopes kept in storage: hash → size. */
  envelopes: [Hash, number][];
  pending: PendingCandidate[];
  evidence: Evidence[];
  peers: PeerScore[];
  events: ChainEvent[];
  nonces: [string, number][];
}

