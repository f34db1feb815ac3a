// One block read over JSON-RPC → the signed gossip message op-node's SignAndPublishL2Payload would
// send for it (v4 envelope: signature ‖ parentBeaconBlockRoot ‖ SSZ payload, snappy-compressed),
// after proving the payload loses nothing: the block hash recomputed from the payload must be the
// node's hash (op-node's own CheckBlockHash, which every receiver runs too).
import { equalBytes } from "../protocol/bytes.ts";
import { computeBlockHash } from "../protocol/header.ts";
import { toHex } from "../protocol/hex.ts";
import { payloadFromRpcBlock } from "../protocol/payload-from-rpc.ts";
import { signGossipMessage } from "../protocol/publish.ts";
import type { RpcBlock } from "../protocol/rpc-block.ts";
import { signingDomainFor, type AttestationDomain } from "../protocol/signing-domain.ts";
import { CROSS_SAFE_VERSION } from "../protocol/topic.ts";
import type { BlockVersion, ExecutionPayload, Hash } from "../protocol/types.ts";


export type PreparedBlock =
  | { ok: true; version: BlockVersion; payload: ExecutionPayload; parentBeaconBlockRoot?: Uint8Array; hash: Hash }
  | { ok: false; error: string };

/**
 * Builds the payload of a block (v4 for the cross-safe topic; the blocks topics take the version of
 * the block's fork) and checks that its recomputed hash is the node's.
 */
export function prepareBlock(b: RpcBlock, version: BlockVersion = CROSS_SAFE_VERSION): PreparedBlock {
  const r = payloadFromRpcBlock(b, version);
  if (!r.ok) return { ok: false, error: `block ${b.number} cannot be a v${version} payload: ${r.error}` };
  if (version >= 3 && !r.parentBeaconBlockRoot) return { ok: false, error: `block ${b.number} has no parentBeaconBlockRoot` };
  const recomputed = computeBlockHash(r.payload, r.parentBeaconBlockRoot);
  if (!equalBytes(recomputed, r.payload.blockHash)) {
    return { ok: false, error: `block ${b.number}: the payload hashes to ${toHex(recomputed)}, the node says ${b.hash}` };
  }
  return { ok: true, version, payload: r.payload, ...(r.parentBeaconBlockRoot ? { parentBeaconBlockRoot: r.parentBeaconBlockRoot } : {}), hash: b.hash.toLowerCase() as Hash };
}

/**
 * snappy(signature ‖ parentBeaconBlockRoot ‖ SSZ payload), signed by `key` for `chainId` in the
 * cross-safe attestation domain (protocol notes §8.8), or the block domain in compatibility mode.
 */
export function signPrepared(p: Extract<PreparedBlock, { ok: true }>, chainId: bigint, key: Uint8Array, attestation: AttestationDomain = "attestation"): Uint8Array {
  return signGossipMessage(p.payload, CROSS_SAFE_VERSION, p.parentBeaconBlockRoot, chainId, key, signingDomainFor("cross-safe", attestation)).message;
}
