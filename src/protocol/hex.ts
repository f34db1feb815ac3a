// Hex <-> bytes without intermediate strings per byte; the hot path never needs these,
// they serve I/O edges (JSON, CLI, RPC).
import type { Hex } from "./types.ts";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

const DIGITS = Uint8Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const ASCII = new TextDecoder();

export function toHex(bytes: Uint8Array): Hex {
  if (bytes.length <= 64) {
    let s = "0x";
    for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
    return s as Hex;
  }
  // Large values (megabyte calldata, whole envelopes): one ASCII buffer decoded once. Appending per
  // byte builds a rope of millions of pieces that costs seconds of garbage collection at 10 MB.
  const out = new Uint8Array(2 + 2 * bytes.length);
  out[0] = 0x30;
  out[1] = 0x78;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[2 + 2 * i] = DIGITS[b >> 4]!;
    out[3 + 2 * i] = DIGITS[b & 15]!;
  }
  return ASCII.decode(out) as Hex;
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
  // No capturing group: V8 keeps backtrack state per captured iteration and overflows its regexp
  // stack ("Maximum call stack size exceeded") on values over 4 MiB; this form does not.
  return /^0x(?:[0-9a-fA-F]{2})*$/.test(s);
}
