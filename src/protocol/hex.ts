// Hex <-> bytes without intermediate strings per byte; the hot path never needs these,
// they serve I/O edges (JSON, CLI, RPC).
import type { Hex } from "./types.ts";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): Hex {
  let s = "0x";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s as Hex;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses hex with or without 0x. Throws on odd length or a non-hex character. */
export function fromHex(hex: string): Uint8Array {
  const start = hex.startsWith("0x") || hex.startsWith("0X") ? 2 : 0;
  const len = hex.length - start;
  if (len % 2 !== 0) throw new Error("hex: odd length");
  const out = new Uint8Array(len / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(start + 2 * i));
    const lo = nibble(hex.charCodeAt(start + 2 * i + 1));
    if (hi < 0 || lo < 0) throw new Error("hex: invalid character");
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** A JSON-RPC quantity (geth hexutil): 0x-prefixed, no leading zeros, "0x0" for zero. */
export function toQuantity(v: bigint | number): Hex {
  return `0x${BigInt(v).toString(16)}`;
}

export function isHex(s: string): s is Hex {
  return /^0x([0-9a-fA-F]{2})*$/.test(s);
}
