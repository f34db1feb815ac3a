// Building a signed gossip message (the sequencer side): encode the envelope's signed bytes, sign
// keccak256(0^32 ‖ chainId ‖ keccak256(signed bytes)), prepend the signature, snappy-compress.
// The same bytes op-node's SignAndPublishL2Payload produces (protocol notes §1.2, §3).
import { encodeSignedBytes, SIGNATURE_LENGTH } from "./envelope.ts";
import { payloadHash, signHash, signingHash } from "./signature.ts";
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
): SignedMessage {
  const signed = encodeSignedBytes(payload, version, parentBeaconBlockRoot);
  // encodeSignedBytes leaves room for the signature in front of the same buffer.
  const envelope = new Uint8Array(signed.buffer, signed.byteOffset - SIGNATURE_LENGTH, signed.length + SIGNATURE_LENGTH);
  const ph = payloadHash(signed);
  envelope.set(signHash(signingHash(chainId, ph), privateKey), 0);
  return { message: snappyEncode(envelope), envelope, payloadHash: ph };
}
