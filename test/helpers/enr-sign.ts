// Builds signed EIP-778 records for tests, from parts, so that a test can also build records that are
// wrong in one way (unsorted keys, another scheme, no key, high s). Checked against the EIP's own
// example in test/relay/enr.test.ts.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { rlpEncode, rlpUint, type RlpItem } from "../../src/protocol/rlp.ts";

export type Entry = [key: string, value: RlpItem];

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const port = (p: number): Uint8Array => rlpUint(p);

/** The v4 entries of a key: id and the compressed public key. */
export function v4Entries(privateKey: Uint8Array): Entry[] {
  return [
    ["id", utf8("v4")],
    ["secp256k1", secp256k1.getPublicKey(privateKey, true)],
  ];
}

export interface SignOptions {
  seq?: bigint;
  /** keep the entries' order (default: sorted by key, as EIP-778 requires) */
  unsorted?: boolean;
  /** replace s by n - s after signing (a valid but malleable signature, which geth refuses) */
  highS?: boolean;
}

/** "enr:" + base64url(rlp([sig, seq, k, v, ...])), sig = r ‖ s over keccak256(rlp([seq, k, v, ...])). */
export function signEnr(privateKey: Uint8Array, entries: Entry[], o: SignOptions = {}): string {
  const sorted = o.unsorted ? entries : [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const content: RlpItem[] = [rlpUint(o.seq ?? 1n), ...sorted.flatMap(([k, v]) => [utf8(k), v])];
  let sig = secp256k1.sign(keccak256(rlpEncode(content)), privateKey, { prehash: false });
  if (o.highS) {
    const s = secp256k1.Signature.fromBytes(sig);
    sig = new secp256k1.Signature(s.r, secp256k1.Point.Fn.ORDER - s.s).toBytes();
  }
  return encodeRecord([sig, ...content]);
}

/** "enr:" + base64url of an RLP list, signature or not. */
export function encodeRecord(items: RlpItem[]): string {
  return "enr:" + Buffer.from(rlpEncode(items)).toString("base64url");
}

/** The RLP bytes of a record's text. */
export function recordBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.slice(4), "base64url"));
}
