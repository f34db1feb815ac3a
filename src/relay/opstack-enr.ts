// op-node's "opstack" ENR entry and its discovery filter (op-node/p2p/discovery.go, optimism v1.19.6):
// OpStackENRData.EncodeRLP writes binary.PutUvarint(chainID) ‖ binary.PutUvarint(version) as one RLP
// byte string; DecodeRLP reads the two uvarints back (trailing bytes allowed: "future entries may
// contain additional data, and will be tagged with a newer version"); FilterEnodes keeps a record only
// if the entry decodes, names the chain, and has version 0. Config.Discovery advertises version 0.

/** The key of op-node's entry in a node record. */
export const OPSTACK_ENR_KEY = "opstack";
/** The only version op-node advertises and accepts. */
export const OPSTACK_ENR_VERSION = 0n;

const U64_MAX = (1n << 64n) - 1n;

export interface OpStackEntry {
  chainId: bigint;
  version: bigint;
}

/** The entry's value (the bytes inside the RLP string): uvarint chain id ‖ uvarint version. */
export function encodeOpStackEntry(e: OpStackEntry): Uint8Array {
  return Uint8Array.from([...uvarint(e.chainId), ...uvarint(e.version)]);
}

/** Go's binary.ReadUvarint twice; undefined when malformed (op-node then ignores the record). */
export function decodeOpStackEntry(b: Uint8Array): OpStackEntry | undefined {
  let pos = 0;
  const read = (): bigint | undefined => {
    let v = 0n;
    for (let shift = 0n; pos < b.length && shift < 70n; shift += 7n) {
      const x = b[pos++]!;
      if (shift === 63n && x > 1) return undefined; // binary.ReadUvarint: overflows 64 bits
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return v;
    }
    return undefined; // EOF mid-varint (io.ErrUnexpectedEOF) or more than 10 bytes
  };
  const chainId = read();
  const version = chainId === undefined ? undefined : read();
  return chainId === undefined || version === undefined ? undefined : { chainId, version };
}

/** FilterEnodes: the entry is present and valid, names one of `chainIds`, version 0. */
export function opStackEntryMatches(entry: OpStackEntry | undefined, chainIds: readonly bigint[]): boolean {
  return entry !== undefined && entry.version === OPSTACK_ENR_VERSION && chainIds.includes(entry.chainId);
}

/** binary.PutUvarint: 7 bits a byte, low first, high bit = more. */
function uvarint(n: bigint): number[] {
  if (n < 0n || n > U64_MAX) throw new RangeError(`${n} does not fit a uint64`);
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}
