// libp2p peer ids as a relay reports them (the gossip propagation source, `PeerId.toString()`): the
// base58btc text of a multihash, as @libp2p/peer-id's peerIdFromString reads it —
//  - identity multihash of a protobuf PublicKey (libp2p crypto keys.proto: Type = 1, Data = 2) for
//    Ed25519 (32-byte key, "12D3KooW…") and secp256k1 (33-byte compressed point on the curve,
//    "16Uiu2…", what op-node's peers use);
//  - sha2-256 multihash of an RSA key ("Qm…").
// Nothing else (CIDs, URL peer ids, other key types) is a relay's peer id. The Worker keys peer scores
// and events by this string, so its format and length are checked before any state changes.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { equalBytes } from "./bytes.ts";

/** The longest valid form (secp256k1, 39 bytes) is 53 characters; longer text is not even decoded. */
export const MAX_PEER_ID_LENGTH = 60;

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGIT = new Map([...ALPHABET].map((c, i) => [c, i]));

/** base58btc (Bitcoin alphabet, leading '1' = zero byte); undefined for any other character. */
function base58Decode(s: string): Uint8Array | undefined {
  let zeros = 0;
  while (zeros < s.length && s[zeros] === "1") zeros++;
  const out: number[] = []; // little-endian base-256 digits
  for (const c of s) {
    let carry = DIGIT.get(c);
    if (carry === undefined) return undefined;
    for (let i = 0; i < out.length; i++) {
      carry += out[i]! * 58;
      out[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      out.push(carry & 0xff);
      carry >>= 8;
    }
  }
  // the leading '1's were counted as zeros by the loop too (they add no digit): emit them once
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...out.reverse()]);
}

const ED25519_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20); // identity, 36 bytes: Type=Ed25519, Data 32 bytes
const SECP256K1_PREFIX = Uint8Array.of(0x00, 0x25, 0x08, 0x02, 0x12, 0x21); // identity, 37 bytes: Type=secp256k1, Data 33 bytes
const SHA256_PREFIX = Uint8Array.of(0x12, 0x20);

function hasPrefix(b: Uint8Array, p: Uint8Array, total: number): boolean {
  return b.length === total && equalBytes(b.subarray(0, p.length), p);
}

/** Peer ids found valid (the curve check costs a square root): a few relays see a few hundred peers. */
const known = new Set<string>();
const KNOWN_MAX = 4096;

/** Whether `s` is a libp2p peer id in its canonical text form (what `PeerId.toString()` gives). */
export function isPeerId(s: string): boolean {
  if (known.has(s)) return true;
  if (s.length === 0 || s.length > MAX_PEER_ID_LENGTH) return false;
  const b = base58Decode(s);
  if (!b) return false;
  let ok = hasPrefix(b, ED25519_PREFIX, 38) || hasPrefix(b, SHA256_PREFIX, 34);
  if (!ok && hasPrefix(b, SECP256K1_PREFIX, 39)) {
    try {
      secp256k1.Point.fromBytes(b.subarray(6)); // libp2p refuses a key that is not a point
      ok = true;
    } catch {
      ok = false;
    }
  }
  if (ok) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.add(s);
  }
  return ok;
}
