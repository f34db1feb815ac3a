// Gossip envelope layout (OP spec "Rollup Node P2P" §Block encoding; protocol notes §1.2):
//   v1/v2: signature[65] ‖ SSZ(ExecutionPayload)
//   v3/v4: signature[65] ‖ parentBeaconBlockRoot[32] ‖ SSZ(ExecutionPayload)
// The signed bytes are everything after the signature.
import { decodePayload, encodedPayloadSize, encodePayload } from "./ssz.ts";
import type { BlockVersion, ExecutionPayload, SignedEnvelope } from "./types.ts";

export const SIGNATURE_LENGTH = 65;
/** op-node `minGossipSize`: signature plus at least one byte. */
export const MIN_ENVELOPE_SIZE = 66;

export type EnvelopeResult = { ok: true; envelope: SignedEnvelope } | { ok: false; error: string };

export function hasBeaconRoot(version: BlockVersion): boolean {
  return version >= 3;
}

export function decodeEnvelope(data: Uint8Array, version: BlockVersion): EnvelopeResult {
  const head = SIGNATURE_LENGTH + (hasBeaconRoot(version) ? 32 : 0);
  if (data.length < head) return { ok: false, error: `envelope shorter than ${head} bytes` };
  const r = decodePayload(data.subarray(head), version);
  if (!r.ok) return r;
  const envelope: SignedEnvelope = {
    version,
    signature: data.subarray(0, SIGNATURE_LENGTH),
    payload: r.payload,
    signedBytes: data.subarray(SIGNATURE_LENGTH),
  };
  if (hasBeaconRoot(version)) envelope.parentBeaconBlockRoot = data.subarray(SIGNATURE_LENGTH, head);
  return { ok: true, envelope };
}

/** Guesses the version of a decompressed envelope: the newest layout that decodes. */
export function detectVersion(data: Uint8Array): BlockVersion | undefined {
  for (const v of [4, 3, 2, 1] as const) if (decodeEnvelope(data, v).ok) return v;
  return undefined;
}

/**
 * The signed bytes of an envelope: (v3+: parentBeaconBlockRoot ‖) SSZ payload. Written with room
 * for the signature in front so `encodeEnvelope` needs no second copy.
 */
export function encodeSignedBytes(payload: ExecutionPayload, version: BlockVersion, parentBeaconBlockRoot?: Uint8Array): Uint8Array {
  return encodeEnvelopeBody(payload, version, parentBeaconBlockRoot).subarray(SIGNATURE_LENGTH);
}

function encodeEnvelopeBody(payload: ExecutionPayload, version: BlockVersion, pbr?: Uint8Array): Uint8Array {
  const head = SIGNATURE_LENGTH + (hasBeaconRoot(version) ? 32 : 0);
  const out = new Uint8Array(head + encodedPayloadSize(payload, version));
  if (hasBeaconRoot(version)) {
    if (!pbr || pbr.length !== 32) throw new RangeError(`v${version} envelope needs a 32-byte parentBeaconBlockRoot`);
    out.set(pbr, SIGNATURE_LENGTH);
  } else if (pbr) {
    throw new RangeError(`v${version} envelope cannot carry a parentBeaconBlockRoot`);
  }
  encodePayload(payload, version, out, head);
  return out;
}

/** Encodes signature ‖ signed bytes (uncompressed). */
export function encodeEnvelope(env: Omit<SignedEnvelope, "signedBytes">): Uint8Array {
  if (env.signature.length !== SIGNATURE_LENGTH) throw new RangeError("signature must be 65 bytes");
  const out = encodeEnvelopeBody(env.payload, env.version, env.parentBeaconBlockRoot);
  out.set(env.signature, 0);
  return out;
}
