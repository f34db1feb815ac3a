// Building a signed gossip message (the sequencer side): encode the envelope's signed bytes, sign
// keccak256(domain ‖ chainId ‖ keccak256(signed bytes)), prepend the signature, snappy-compress.
// With the block domain (the default), the same bytes op-node's SignAndPublishL2Payload produces
// (protocol notes §1.2, §3); cross-safe attestations pass CROSS_SAFE_SIGNING_DOMAIN (§8.8).
import { encodeSignedBytes, SIGNATURE_LENGTH } from "./envelope.ts";
import { payloadHash, signHash, signingHash } from "./signature.ts";
import { BLOCK_SIGNING_DOMAIN } from "./signing-domain.ts";
import { snappyEncode } from "./snappy.ts";
import type { BlockVersion, ExecutionPayload } from "./types.ts";

export interface SignedMessage {
  /** snappy(signature ‖ signed bytes): the gossip message data. */
  message: Uint8Array;
  /** signature ‖ signed bytes, uncompressed. */
  envelope: Uint8Array;
  payloadHash: Uint8Array;
}

export function signGossipMessage(
  payload: ExecutionPayload,
  version: BlockVersion,
  parentBeaconBlockRoot: Uint8Array | undefined,
  chainId: bigint,
  privateKey: Uint8Array,
  domain: Uint8Array = BLOCK_SIGNING_DOMAIN,
): SignedMessage {
  const signed = encodeSignedBytes(payload, version, parentBeaconBlockRoot);
  // encodeSignedBytes leaves room for the signature in front of the same buffer.
  const envelope = new Uint8Array(signed.buffer, signed.byteOffset - SIGNATURE_LENGTH, signed.length + SIGNATURE_LENGTH);
  const ph = payloadHash(signed);
  envelope.set(signHash(signingHash(chainId, ph, domain), privateKey), 0);
  return { message: snappyEncode(envelope), envelope, payloadHash: ph };
}
