// The cross-safe head out of the sequencer's op-node `optimism_syncStatus` result.
//
// Which field: op-node's SyncStatus (op-service/eth/sync_status.go) documents `safe_l2` as "the L2
// block that was derived from the L1 chain … This is considered to be cross-safe post-interop, see
// LocalSafe to ignore cross-L2 guarantees", and reports the pre-cross-check head separately as
// `local_safe_l2`. Before interop nothing can invalidate a derived block across chains, so safe_l2
// (= local-safe there) is cross-safe too. op-node has no `cross_safe_l2` field; a node that reports
// one (kona, or a future op-node) says it explicitly, so it wins when present.
import type { Hash } from "../protocol/types.ts";

export interface HeadRef {
  number: bigint;
  hash: Hash;
}

export type CrossSafeField = "cross_safe_l2" | "safe_l2";

export class SyncStatusError extends Error {
  override name = "SyncStatusError";
}

/** op-node marshals uint64 block numbers as JSON numbers (hexutil.Uint64 elsewhere): accept both. */
function blockNumber(v: unknown, field: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(v)) return BigInt(v);
  if (typeof v === "string" && /^[0-9]{1,20}$/.test(v)) return BigInt(v);
  throw new SyncStatusError(`optimism_syncStatus: ${field}.number is not a block number: ${JSON.stringify(v)}`);
}

function ref(v: unknown, field: string): HeadRef {
  if (typeof v !== "object" || v === null) throw new SyncStatusError(`optimism_syncStatus: ${field} is missing or not an object`);
  const r = v as { hash?: unknown; number?: unknown };
  if (typeof r.hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(r.hash)) throw new SyncStatusError(`optimism_syncStatus: ${field}.hash is not a 32-byte hash`);
  return { number: blockNumber(r.number, field), hash: r.hash.toLowerCase() as Hash };
}

/** The cross-safe head and the field it came from. Throws SyncStatusError on a malformed result. */
export function crossSafeOf(status: unknown): HeadRef & { field: CrossSafeField } {
  if (typeof status !== "object" || status === null) throw new SyncStatusError("optimism_syncStatus: result is not an object");
  const s = status as Record<string, unknown>;
  if (s["cross_safe_l2"] !== undefined && s["cross_safe_l2"] !== null) return { ...ref(s["cross_safe_l2"], "cross_safe_l2"), field: "cross_safe_l2" };
  return { ...ref(s["safe_l2"], "safe_l2"), field: "safe_l2" };
}

/** The unsafe head (`unsafe_l2`): the newest block the sequencer built, what op-node gossips on the blocks topics. */
export function unsafeOf(status: unknown): HeadRef {
  if (typeof status !== "object" || status === null) throw new SyncStatusError("optimism_syncStatus: result is not an object");
  return ref((status as Record<string, unknown>)["unsafe_l2"], "unsafe_l2");
}
