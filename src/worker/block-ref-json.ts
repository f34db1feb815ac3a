// op-node's JSON for block refs (op-service/eth/id.go: L2BlockRef/L1BlockRef marshal numbers as
// JSON numbers and hashes as 0x hex), so tools that read op-node read us unchanged.
import type { L2BlockRef } from "../durable/types.ts";

const ZERO_HASH = "0x0000000000000000000000000000000000000000000000000000000000000000";

export interface L2BlockRefJson {
  hash: string;
  number: number;
  parentHash: string;
  timestamp: number;
  l1origin: { hash: string; number: number };
  sequenceNumber: number;
}

export function l2RefJson(r: L2BlockRef | null): L2BlockRefJson {
  if (!r) return { hash: ZERO_HASH, number: 0, parentHash: ZERO_HASH, timestamp: 0, l1origin: { hash: ZERO_HASH, number: 0 }, sequenceNumber: 0 };
  return {
    hash: r.hash,
    number: Number(r.number),
    parentHash: r.parentHash,
    timestamp: Number(r.timestamp),
    l1origin: { hash: r.l1origin.hash, number: Number(r.l1origin.number) },
    sequenceNumber: Number(r.sequenceNumber),
  };
}

/** op-node's zero L1BlockRef, for sync-status fields a follower cannot know. */
export function zeroL1RefJson() {
  return { hash: ZERO_HASH, number: 0, parentHash: ZERO_HASH, timestamp: 0 };
}
