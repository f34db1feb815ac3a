// What the devnet chain model exposes: views, heads, sync status, events and replacements.
import type { L1BlockRef, L2BlockRef } from "../protocol/block-ref.ts";
import type { Address, ExecutionPayload } from "../protocol/types.ts";
import type { L1Block, L2Block, ReplacementVariant } from "./block.ts";

export type ViewName = "sequencer" | "follower";
export type BlockTag = "latest" | "pending" | "safe" | "finalized" | "earliest";

/** op-node eth.SyncStatus (op-service/eth/sync_status.go @ abe047af), typed. */
export interface SyncStatus {
  current_l1: L1BlockRef;
  current_l1_finalized: L1BlockRef;
  head_l1: L1BlockRef;
  safe_l1: L1BlockRef;
  finalized_l1: L1BlockRef;
  unsafe_l2: L2BlockRef;
  safe_l2: L2BlockRef;
  finalized_l2: L2BlockRef;
  pending_safe_l2: L2BlockRef;
  local_safe_l2: L2BlockRef;
}

export interface Heads {
  unsafe: bigint;
  localSafe: bigint;
  crossSafe: bigint;
  finalized: bigint;
}

export interface PendingReplacement {
  height: bigint;
  original: L2Block;
  replacement: L2Block;
  variant: ReplacementVariant;
  promoted: boolean;
}

export type ChainEvent =
  | { type: "l1-block"; block: L1Block }
  | { type: "l2-block"; block: L2Block }
  | { type: "heads"; heads: Heads }
  | { type: "replaced"; replacement: PendingReplacement }
  | { type: "promoted"; replacement: PendingReplacement }
  | { type: "l1-reorg"; depth: number; from: bigint; l2RebuiltFrom?: bigint }
  | { type: "l2-reorg"; from: bigint }
  | { type: "equivocation"; canonical: L2Block; equivocating: L2Block }
  | { type: "signer"; address: Address; fromL1Block: bigint };

/** The v4 gossip payload of a block: what the publisher signs (src/protocol/envelope.ts encodeEnvelope). */
export interface PayloadEnvelope {
  version: 4;
  payload: ExecutionPayload;
  parentBeaconBlockRoot: Uint8Array;
}
