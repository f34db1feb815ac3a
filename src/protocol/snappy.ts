// Snappy *block* format (not framed), strict in exactly the ways golang/snappy's Decode is, because
// op-node REJECTs what Go fails to decode and picks the message-id domain by whether decoding
// succeeds (protocol notes §1.3–1.5). snappyjs is lenient (zero-pads short streams, drops
// overflowing copies), so decoding is done here; compression (publisher) uses snappyjs.
import snappy from "snappyjs";

/** op-node `maxGossipSize`: the cap on both the message and the decompressed length (protocol notes §1.4). */
export const MAX_GOSSIP_SIZE = 10 * (1 << 20);

export type SnappyError =
  | "snappy-bad-length" // length preamble is not a valid uvarint ≤ 2^32-1
  | "snappy-too-large" // declared length exceeds the cap
  | "snappy-corrupt"; // the stream does not decode to exactly the declared length

export type DecodedLength = { ok: true; length: number; headerBytes: number } | { ok: false; error: SnappyError };

/** Reads the uvarint length preamble like Go's `snappy.DecodedLen` (binary.Uvarint, ≤ 0xffffffff). */
export function snappyDecodedLength(src: Uint8Array): DecodedLength {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < src.length && i < 10; i++) {
    const b = src[i]!;
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      // Uvarint overflows 64 bits only on a 10th byte > 1; anything above 2^32-1 is corrupt anyway.
      if (v > 0xffffffff || (i === 9 && b > 1)) return { ok: false, error: "snappy-bad-length" };
      return { ok: true, length: v, headerBytes: i + 1 };
    }
    mul *= 128;
  }
  return { ok: false, error: "snappy-bad-length" };
}

export type SnappyResult = { ok: true; data: Uint8Array } | { ok: false; error: SnappyError };

/**
 * The declared length, checked as decoding checks it before allocating anything: against
 * `maxLength`, and against what the stream could possibly expand to (a copy op yields at most 64
 * bytes per 3 input bytes), so a tiny message claiming gigabytes costs nothing.
 */
export function snappyCheckedLength(src: Uint8Array, maxLength: number = MAX_GOSSIP_SIZE): DecodedLength {
  const h = snappyDecodedLength(src);
  if (!h.ok) return h;
  if (h.length > maxLength) return { ok: false, error: "snappy-too-large" };
  if (h.length > Math.ceil(((src.length - h.headerBytes) * 64) / 3)) return { ok: false, error: "snappy-corrupt" };
  return h;
}

/** Decodes a snappy block; the declared length is checked first (snappyCheckedLength). */
export function snappyDecode(src: Uint8Array, maxLength: number = MAX_GOSSIP_SIZE): SnappyResult {
  const h = snappyCheckedLength(src, maxLength);
  if (!h.ok) return h;
  const dst = new Uint8Array(h.length);
  return decodeBlock(dst, src, h.headerBytes) ? { ok: true, data: dst } : { ok: false, error: "snappy-corrupt" };
}

/** Port of golang/snappy decode_other.go `decode`: every bound checked, output must be filled exactly. */
function decodeBlock(dst: Uint8Array, src: Uint8Array, start: number): boolean {
  const dl = dst.length;
  const sl = src.length;
  let d = 0;
  let s = start;
  while (s < sl) {
    const tag = src[s]!;
    let length: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        let x = tag >>> 2;
        if (x < 60) {
          s += 1;
        } else {
          const n = x - 59; // 1..4 little-endian length bytes
          s += 1 + n;
          if (s > sl) return false;
          x = 0;
          for (let k = 0; k < n; k++) x += src[s - n + k]! * 2 ** (8 * k);
        }
        length = x + 1;
        if (length > dl - d || length > sl - s) return false;
        dst.set(src.subarray(s, s + length), d);
        d += length;
        s += length;
        continue;
      }
      case 1:
        s += 2;
        if (s > sl) return false;
        length = 4 + ((src[s - 2]! >>> 2) & 7);
        offset = ((src[s - 2]! & 0xe0) << 3) | src[s - 1]!;
        break;
      case 2:
        s += 3;
        if (s > sl) return false;
        length = 1 + (src[s - 3]! >>> 2);
        offset = src[s - 2]! | (src[s - 1]! << 8);
        break;
      default:
        s += 5;
        if (s > sl) return false;
        length = 1 + (src[s - 5]! >>> 2);
        offset = src[s - 4]! + src[s - 3]! * 0x100 + src[s - 2]! * 0x10000 + src[s - 1]! * 0x1000000;
        break;
    }
    if (offset <= 0 || d < offset || length > dl - d) return false;
    if (offset >= length) {
      dst.copyWithin(d, d - offset, d - offset + length);
    } else {
      for (let end = d + length; d < end; d++) dst[d] = dst[d - offset]!; // overlapping run
      continue;
    }
    d += length;
  }
  return d === dl;
}

/** Snappy block compression (for publishing). */
export function snappyEncode(data: Uint8Array): Uint8Array {
  return snappy.compress(data) as Uint8Array;
}
