// What the RPC checks (pipeline.ts) conclude about a validly signed block, in the shapes the chain
// state machine (src/durable/machine.ts) applies. Defined here, below the Durable Object, so the
// checks never import upward.
import type { L2BlockRef } from "../protocol/block-ref.ts";
import type { Hash } from "../protocol/types.ts";

/** How a candidate consolidated against the locally derived block (protocol notes §5, §8.5). */
export type Consolidation = { kind: "match" } | { kind: "match-deposits-only"; variant: "spec" | "op-node" };

/** Where a candidate came from: the ingest request that delivered it. */
export interface CandidateMeta {
  messageId: string;
  peer: string;
  relay: string;
  receivedMs: number;
  /** The raw gossip message (snappy), kept as evidence and for re-validation. */
  raw: Uint8Array;
}

/** A validly signed block that passed L1 consolidation and the L1-origin check: the only thing that may become the head. */
export interface ConsolidatedCandidate extends CandidateMeta {
  ref: L2BlockRef;
  consolidation: Consolidation;
}

/** What the RPC checks concluded about an admitted candidate. */
export type Outcome =
  | { kind: "consolidated"; candidate: ConsolidatedCandidate; localHash: Hash }
  | { kind: "mismatch"; number: bigint; hash: Hash; messageId: string; peer: string; raw: Uint8Array; reason: string; localHash: Hash };

