// Minimal RLP over bytes (Ethereum Yellow Paper, appendix B). Encoding writes into one buffer
// sized up front, so header and trie-node hashing allocate once per node.
import { bigintToMinimalBytes } from "./bytes.ts";

export type RlpItem = Uint8Array | RlpItem[];

function lengthOfLength(n: number): number {
  let k = 0;
  while (n > 0) {
    k++;
    n = Math.floor(n / 256);
  }
  return k;
}

function headerSize(len: number, singleByte: boolean): number {
  if (singleByte) return 0;
  return len < 56 ? 1 : 1 + lengthOfLength(len);
}

/** Encoded size of a byte string. */
export function rlpBytesSize(b: Uint8Array): number {
  return headerSize(b.length, b.length === 1 && b[0]! < 0x80) + b.length;
}

/** Encoded size of a list whose items' encodings total `payload` bytes. */
export function rlpListSize(payload: number): number {
  return headerSize(payload, false) + payload;
}

function writeHeader(out: Uint8Array, pos: number, len: number, base: number): number {
  if (len < 56) {
    out[pos] = base + len;
    return pos + 1;
  }
  const k = lengthOfLength(len);
  out[pos] = base + 55 + k;
  for (let i = k; i >= 1; i--) {
    out[pos + i] = len & 0xff;
    len = Math.floor(len / 256);
  }
  return pos + 1 + k;
}

/** Writes an encoded byte string at `pos`; returns the position after it. */
export function writeRlpBytes(out: Uint8Array, pos: number, b: Uint8Array): number {
  if (b.length === 1 && b[0]! < 0x80) {
    out[pos] = b[0]!;
    return pos + 1;
  }
  pos = writeHeader(out, pos, b.length, 0x80);
  out.set(b, pos);
  return pos + b.length;
}

/** Writes the header of a string of `length` bytes (length ≥ 2, or one byte ≥ 0x80); the bytes follow. */
export function writeRlpBytesHeader(out: Uint8Array, pos: number, length: number): number {
  return writeHeader(out, pos, length, 0x80);
}

/** Writes a list header for a payload of `payload` bytes; items follow. */
export function writeRlpListHeader(out: Uint8Array, pos: number, payload: number): number {
  return writeHeader(out, pos, payload, 0xc0);
}

function itemSize(item: RlpItem): number {
  if (item instanceof Uint8Array) return rlpBytesSize(item);
  let p = 0;
  for (const x of item) p += itemSize(x);
  return rlpListSize(p);
}

function writeItem(out: Uint8Array, pos: number, item: RlpItem): number {
  if (item instanceof Uint8Array) return writeRlpBytes(out, pos, item);
  let p = 0;
  for (const x of item) p += itemSize(x);
  pos = writeRlpListHeader(out, pos, p);
  for (const x of item) pos = writeItem(out, pos, x);
  return pos;
}

export function rlpEncode(item: RlpItem): Uint8Array {
  const out = new Uint8Array(itemSize(item));
  writeItem(out, 0, item);
  return out;
}

/** RLP of a non-negative integer (big-endian, no leading zeros; 0 encodes as the empty string). */
export function rlpUint(v: bigint | number): Uint8Array {
  return bigintToMinimalBytes(BigInt(v));
}

export class RlpDecodeError extends Error {}

/** Strict decoder (canonical encodings only); used for transaction and deposit inspection. */
export function rlpDecode(data: Uint8Array): RlpItem {
  const [item, end] = decodeAt(data, 0, data.length);
  if (end !== data.length) throw new RlpDecodeError("rlp: trailing bytes");
  return item;
}

function readLength(data: Uint8Array, pos: number, k: number, limit: number): number {
  if (pos + k > limit) throw new RlpDecodeError("rlp: truncated length");
  if (data[pos] === 0) throw new RlpDecodeError("rlp: leading zero in length");
  let len = 0;
  for (let i = 0; i < k; i++) len = len * 256 + data[pos + i]!;
  if (len < 56) throw new RlpDecodeError("rlp: non-canonical length");
  return len;
}

function decodeAt(data: Uint8Array, pos: number, limit: number): [RlpItem, number] {
  if (pos >= limit) throw new RlpDecodeError("rlp: truncated");
  const b = data[pos]!;
  if (b < 0x80) return [data.subarray(pos, pos + 1), pos + 1];
  if (b < 0xb8) {
    const len = b - 0x80;
    const end = pos + 1 + len;
    if (end > limit) throw new RlpDecodeError("rlp: truncated string");
    if (len === 1 && data[pos + 1]! < 0x80) throw new RlpDecodeError("rlp: non-canonical single byte");
    return [data.subarray(pos + 1, end), end];
  }
  if (b < 0xc0) {
    const k = b - 0xb7;
    const len = readLength(data, pos + 1, k, limit);
    const start = pos + 1 + k;
    if (start + len > limit) throw new RlpDecodeError("rlp: truncated string");
    return [data.subarray(start, start + len), start + len];
  }
  let start: number;
  let len: number;
  if (b < 0xf8) {
    len = b - 0xc0;
    start = pos + 1;
  } else {
    const k = b - 0xf7;
    len = readLength(data, pos + 1, k, limit);
    start = pos + 1 + k;
  }
  const end = start + len;
  if (end > limit) throw new RlpDecodeError("rlp: truncated list");
  const items: RlpItem[] = [];
  let p = start;
  while (p < end) {
    const [it, next] = decodeAt(data, p, end);
    items.push(it);
    p = next;
  }
  return [items, end];
}
