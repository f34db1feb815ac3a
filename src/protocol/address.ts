// Ethereum addresses.
import { keccak256 } from "./keccak/index.ts";
import type { Address } from "./types.ts";

/** EIP-55 checksum form of a 20-byte hex address (input case is ignored). */
export function checksumAddress(address: string): Address {
  const lower = address.slice(2).toLowerCase();
  const h = keccak256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    out += c >= "a" && ((h[i >> 1]! >> (i & 1 ? 0 : 4)) & 0xf) >= 8 ? c.toUpperCase() : c;
  }
  return out as Address;
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
