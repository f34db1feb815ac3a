// Block signatures (OP spec "Rollup Node P2P" §Block signatures; op-service/signer
// BlockSigningMessage.ToSigningHash; protocol notes §3):
//   payloadHash = keccak256(signed bytes)           — v3/v4: parentBeaconBlockRoot ‖ SSZ payload
//   signingHash = keccak256(domain[32] ‖ uint256(chainId) ‖ payloadHash); domain: signing-domain.ts
//   signature   = r ‖ s ‖ yParity (65 bytes)
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { checksumAddress } from "./address.ts";
import { bigintToBytes } from "./bytes.ts";
import { toHex } from "./hex.ts";
import { keccak256 } from "./keccak/index.ts";
import { recoverPublicKey } from "./secp256k1/index.ts";
import { BLOCK_SIGNING_DOMAIN } from "./signing-domain.ts";
import type { Address } from "./types.ts";

export { BLOCK_SIGNING_DOMAIN, CROSS_SAFE_SIGNING_DOMAIN } from "./signing-domain.ts";

export function payloadHash(signedBytes: Uint8Array): Uint8Array {
  return keccak256(signedBytes);
}

export function signingHash(chainId: bigint, payloadHashBytes: Uint8Array, domain: Uint8Array = BLOCK_SIGNING_DOMAIN): Uint8Array {
  const msg = new Uint8Array(96);
  msg.set(domain, 0);
  msg.set(bigintToBytes(chainId, 32), 32);
  msg.set(payloadHashBytes, 64);
  return keccak256(msg);
}

/** Checksummed (EIP-55) address of an uncompressed public key. */
export function addressOfPublicKey(uncompressed: Uint8Array): Address {
  return checksumAddress(toHex(keccak256(uncompressed.subarray(1)).subarray(12)));
}

/** secp256k1 group order n, and n/2: a canonical (low-s) signature has s ≤ n/2 (EIP-2). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

/** True when the 65-byte signature's s is in the upper half (a malleated twin of a low-s one). */
export function isHighS(signature: Uint8Array): boolean {
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!);
  return s > HALF_N;
}

/**
 * Recovers the signer like geth's crypto.SigToPub: recovery id must be 0 or 1 (op-node signs with
 * 0/1; 27/28 is not accepted), high-s is not rejected here (op-node accepts it on the blocks topics;
 * the cross-safe topic refuses it in validate.ts). Returns undefined for any invalid signature.
 */
export function recoverSigner(signature: Uint8Array, hash: Uint8Array): Address | undefined {
  if (signature.length !== 65) return undefined;
  const v = signature[64]!;
  if (v > 1) return undefined;
  // WASM libsecp256k1 once an entry point installed it, else @noble/curves (secp256k1/index.ts).
  const pub = recoverPublicKey(signature.subarray(0, 64), v, hash);
  return pub === undefined ? undefined : addressOfPublicKey(pub);
}

/** Signs a signing hash: r ‖ s ‖ yParity, low-s, deterministic (RFC 6979), as op-node's local signer does. */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const rec = secp256k1.sign(hash, privateKey, { prehash: false, format: "recovered" });
  const out = new Uint8Array(65);
  out.set(rec.subarray(1), 0);
  out[64] = rec[0]!;
  return out;
}

export function addressOfPrivateKey(privateKey: Uint8Array): Address {
  return addressOfPublicKey(secp256k1.getPublicKey(privateKey, false));
}

