// Shapes of the unsafe-head machine (unsafe-machine.ts), its Durable Object and the Worker. Kept
// apart from types.ts: nothing here can reach the cross-safe machine.
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";
import type { Verdict } from "../protocol/verdict.ts";

/** A validly signed block from a blocks topic (op-node's rules passed in the Worker). */
export interface UnsafeBlock {
  /**
   * From the payload; `l1origin` and `sequenceNumber` from its L1-info deposit (op-node's
   * PayloadToBlockRef), or op-node's zero values when the first transaction is not one.
   */
  ref: L2BlockRef;
  messageId: string;
  peer: string;
  relay: string;
  /** When the relay received it from gossip (ms since epoch, at most the Worker's clock). */
  receivedAt: number;
}

/** What the Worker reports after validating one blocks-topic message. */
export type UnsafeAdmit =
  | { verdict: "accept"; block: UnsafeBlock }
  | { verdict: Exclude<Verdict, "accept">; reason: string; peer: string; number?: bigint; hash?: Hash };

/**
 * accept: `unsafe-head` (a new highest block), `unsafe-reorg` (it replaced a different block we held
 * at its height or dropped blocks that contradict it), `unsafe-below-head` (a valid block below the
 * head filling a gap). reject: `too-many-blocks-at-height`, or the Worker's reason. ignore:
 * `already-seen`, `below-window`, or the Worker's reason.
 */
export interface UnsafeDecision {
  verdict: Verdict;
  reason: string;
}

export interface UnsafeEvent {
  at: number;
  kind: "unsafe-reorg" | "rejected";
  number?: string;
  hash?: Hash;
  peer?: string;
  reason?: string;
}

/** Seconds from block timestamp to receipt, as Prometheus histogram buckets (cumulative on output). */
export interface DelayHistogram {
  /** Upper bounds in seconds, ascending. */
  bounds: readonly number[];
  /** Non-cumulative count per bound, plus the overflow (+Inf) last. */
  counts: number[];
  sum: number;
  count: number;
}

/** What the read API shows for the unsafe head. */
export interface UnsafeHeadView extends UnsafeBlock {
  /** receivedAt − block timestamp (ms): how late the block reached the relay (negative: clock skew). */
  delayMs: number;
}
