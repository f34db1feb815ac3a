// Signing as the sequencer would, under a chosen domain (src/protocol/signature.ts), for messages the
// tests and the bench send from js peers.
import * as signature from "../../../src/protocol/signature.ts";
import { snappyEncode } from "../../../src/protocol/snappy.ts";

/** The cross-safe attestation domain (0x00…01). */
export function crossSafeDomain(): Uint8Array {
  return signature.CROSS_SAFE_SIGNING_DOMAIN;
}

/** snappy(signature ‖ signed bytes), signed under `domain`. */
export function signWithDomain(signedBytes: Uint8Array, chainId: bigint, key: Uint8Array, domain: Uint8Array): Uint8Array {
  const sig = signature.signHash(signature.signingHash(chainId, signature.payloadHash(signedBytes), domain), key);
  const out = new Uint8Array(65 + signedBytes.length);
  out.set(sig, 0);
  out.set(signedBytes, 65);
  return snappyEncode(out);
}
