// Root of an ordered Merkle-Patricia trie (key = rlp(index), value = item), as geth's DeriveSha
// computes the transactions and withdrawals roots of a header (Yellow Paper appendix D).
// Built bottom-up from the sorted keys in one pass: each node is RLP-encoded once and hashed once.
import { keccak256, keccak256Parts } from "./keccak/index.ts";
import { rlpBytesSize, rlpEncode, rlpListSize, rlpUint, writeRlpBytes, writeRlpBytesHeader, writeRlpListHeader } from "./rlp.ts";

/** keccak256(rlp("")) — the root of an empty trie (geth `types.EmptyRootHash`). */
export const EMPTY_TRIE_ROOT = Uint8Array.from([
  0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e, 0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0,
  0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
]);

/** A child reference: a node shorter than 32 bytes is embedded as its raw RLP, else its hash. */
interface Ref {
  embedded: boolean;
  bytes: Uint8Array;
}

function refOf(node: Uint8Array): Ref {
  return node.length < 32 ? { embedded: true, bytes: node } : { embedded: false, bytes: keccak256(node) };
}

function refSize(r: Ref | undefined): number {
  if (!r) return 1; // empty string 0x80
  return r.embedded ? r.bytes.length : 33;
}

function writeRef(out: Uint8Array, pos: number, r: Ref | undefined): number {
  if (!r) {
    out[pos] = 0x80;
    return pos + 1;
  }
  if (r.embedded) {
    out.set(r.bytes, pos);
    return pos + r.bytes.length;
  }
  out[pos] = 0xa0;
  out.set(r.bytes, pos + 1);
  return pos + 33;
}

/** Hex-prefix (compact) encoding of a nibble path (Yellow Paper appendix C). */
function hexPrefix(nibbles: Uint8Array, leaf: boolean): Uint8Array {
  const odd = nibbles.length & 1;
  const out = new Uint8Array((nibbles.length >> 1) + 1);
  const flag = (leaf ? 2 : 0) + odd;
  let i = 0;
  if (odd) {
    out[0] = (flag << 4) | nibbles[0]!;
    i = 1;
  } else {
    out[0] = flag << 4;
  }
  for (let o = 1; i < nibbles.length; i += 2, o++) out[o] = (nibbles[i]! << 4) | nibbles[i + 1]!;
  return out;
}

function shortNode(path: Uint8Array, leaf: boolean, value: Uint8Array | Ref): Uint8Array {
  const hp = hexPrefix(path, leaf);
  const valueSize = value instanceof Uint8Array ? rlpBytesSize(value) : refSize(value);
  const payload = rlpBytesSize(hp) + valueSize;
  const out = new Uint8Array(rlpListSize(payload));
  let p = writeRlpListHeader(out, 0, payload);
  p = writeRlpBytes(out, p, hp);
  if (value instanceof Uint8Array) writeRlpBytes(out, p, value);
  else writeRef(out, p, value);
  return out;
}

/**
 * The reference to a leaf [hp(path), value] (geth hashes a node of 32 bytes or more). Only the
 * leaf's head is written; the value, a whole transaction, is hashed where it lies: copying every
 * transaction into its node would double a 10 MiB block in memory.
 */
function leafRef(path: Uint8Array, value: Uint8Array): Ref {
  const hp = hexPrefix(path, true);
  const payload = rlpBytesSize(hp) + rlpBytesSize(value);
  if (rlpListSize(payload) < 32) return refOf(shortNode(path, true, value));
  const head = new Uint8Array(rlpListSize(payload) - value.length);
  writeRlpBytesHeader(head, writeRlpBytes(head, writeRlpListHeader(head, 0, payload), hp), value.length);
  return { embedded: false, bytes: keccak256Parts([head, value]) };
}

function branchNode(children: (Ref | undefined)[], value: Uint8Array | undefined): Uint8Array {
  let payload = value ? rlpBytesSize(value) : 1;
  for (let i = 0; i < 16; i++) payload += refSize(children[i]);
  const out = new Uint8Array(rlpListSize(payload));
  let p = writeRlpListHeader(out, 0, payload);
  for (let i = 0; i < 16; i++) p = writeRef(out, p, children[i]);
  if (value) writeRlpBytes(out, p, value);
  else out[p] = 0x80;
  return out;
}

/** The reference to the node for the entries [lo, hi) below nibble `depth`. */
function buildRef(keys: Uint8Array[], vals: Uint8Array[], lo: number, hi: number, depth: number): Ref {
  return hi - lo === 1 ? leafRef(keys[lo]!.subarray(depth), vals[lo]!) : refOf(build(keys, vals, lo, hi, depth));
}

/** Encoded node for the sorted, prefix-free-or-not entries [lo, hi) (at least two) below nibble `depth`. */
function build(keys: Uint8Array[], vals: Uint8Array[], lo: number, hi: number, depth: number): Uint8Array {
  const a = keys[lo]!;
  const z = keys[hi - 1]!;
  let cp = depth;
  while (cp < a.length && cp < z.length && a[cp] === z[cp]) cp++;
  if (cp > depth) return shortNode(a.subarray(depth, cp), false, buildRef(keys, vals, lo, hi, cp));
  const children: (Ref | undefined)[] = new Array(16);
  let value: Uint8Array | undefined;
  let i = lo;
  if (keys[i]!.length === depth) value = vals[i++];
  while (i < hi) {
    const nib = keys[i]![depth]!;
    let j = i + 1;
    while (j < hi && keys[j]![depth] === nib) j++;
    children[nib] = buildRef(keys, vals, i, j, depth + 1);
    i = j;
  }
  return branchNode(children, value);
}

function nibblesOf(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    out[2 * i] = b[i]! >> 4;
    out[2 * i + 1] = b[i]! & 15;
  }
  return out;
}

/**
 * Trie root of `items` keyed by rlp(index). The keys' byte order is 1..127, 0, 128.. (rlp(0) is
 * 0x80, rlp(1..127) are single bytes, longer keys start 0x81, 0x82, …), so no sort is needed.
 * An empty item is left out: a trie cannot hold an empty value (it means "deleted"), and geth's
 * DeriveSha ignores the error StackTrie.Update returns for one, so op-node's CheckBlockHash hashes
 * a payload with a zero-length transaction as if that index were absent.
 */
export function orderedTrieRoot(items: readonly Uint8Array[]): Uint8Array {
  const n = items.length;
  const order: number[] = [];
  for (let i = 1; i < Math.min(n, 128); i++) order.push(i);
  if (n > 0) order.push(0);
  for (let i = 128; i < n; i++) order.push(i);
  const kept = order.filter((i) => items[i]!.length > 0);
  if (kept.length === 0) return EMPTY_TRIE_ROOT.slice();
  const keys = kept.map((i) => nibblesOf(rlpEncode(rlpUint(i))));
  const vals = kept.map((i) => items[i]!);
  // The root is hashed whatever its size.
  if (kept.length === 1) {
    const r = leafRef(keys[0]!, vals[0]!);
    return r.embedded ? keccak256(r.bytes) : r.bytes;
  }
  return keccak256(build(keys, vals, 0, kept.length, 0));
}
