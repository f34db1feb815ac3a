// op-node's block references (op-service/eth/id.go L1BlockRef, L2BlockRef) and their JSON, which
// marshals uint64 fields as JSON numbers and hashes as 0x hex: optimism_syncStatus speaks it, so
// tools that read op-node read the Worker and the devnet's op-node unchanged.
import type { Hash } from "./types.ts";

export interface L1BlockRef {
  hash: Hash;
  number: bigint;
  parentHash: Hash;
  timestamp: bigint;
}

/** Numbers as bigint in memory; the Durable Object keeps its head in this shape. */
export interface L2BlockRef extends L1BlockRef {
  l1origin: { hash: Hash; number: bigint };
  sequenceNumber: bigint;
}

export interface L1BlockRefJson {
  hash: string;
  number: number;
  parentHash: string;
  timestamp: number;
}

export interface L2BlockRefJson extends L1BlockRefJson {
  l1origin: { hash: string; number: number };
  sequenceNumber: number;
}

const ZERO_HASH = "0x0000000000000000000000000000000000000000000000000000000000000000";

/** null gives op-node's zero ref, what it reports for a head it does not know. */
export function l1RefJson(r: L1BlockRef | null): L1BlockRefJson {
  if (!r) return { hash: ZERO_HASH, number: 0, parentHash: ZERO_HASH, timestamp: 0 };
  return { hash: r.hash, number: Number(r.number), parentHash: r.parentHash, timestamp: Number(r.timestamp) };
}

/** null gives op-node's zero ref, what it reports for a head it does not know. */
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
