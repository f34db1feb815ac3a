// op-node's "opstack" ENR entry (op-node/p2p/discovery.go OpStackENRData: Go's binary.PutUvarint of the
// chain id then the version; ReadUvarint twice to read it) and FilterEnodes. The vectors are Go's
// encoding/binary ones and the entries of real records: Base's bootnodes (8453) and the op-node
// discovery nodes of the interop test (901, 902), whose bytes Go wrote.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";
import { parseNodeRecord } from "../../src/relay/enr.ts";
import { decodeOpStackEntry, encodeOpStackEntry, opStackEntryMatches } from "../../src/relay/opstack-enr.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"));
const U64_MAX = (1n << 64n) - 1n;

describe("opstack ENR entry", () => {
  it("encodes as Go's binary.PutUvarint, chain id then version", () => {
    expect(hex(encodeOpStackEntry({ chainId: 0n, version: 0n }))).toBe("0000");
    expect(hex(encodeOpStackEntry({ chainId: 127n, version: 0n }))).toBe("7f00");
    expect(hex(encodeOpStackEntry({ chainId: 128n, version: 0n }))).toBe("800100");
    expect(hex(encodeOpStackEntry({ chainId: 8453n, version: 0n }))).toBe("854200");
    expect(hex(encodeOpStackEntry({ chainId: 901n, version: 0n }))).toBe("850700");
    expect(hex(encodeOpStackEntry({ chainId: 11155420n, version: 1n }))).toBe("dcefa80501");
    expect(hex(encodeOpStackEntry({ chainId: U64_MAX, version: 0n }))).toBe("ffffffffffffffffff0100");
    expect(() => encodeOpStackEntry({ chainId: U64_MAX + 1n, version: 0n })).toThrow(RangeError);
    expect(() => encodeOpStackEntry({ chainId: -1n, version: 0n })).toThrow(RangeError);
  });

  it("decodes what Go wrote: Base's bootnode records and op-node's discovery records", () => {
    const base = OP_NODE_DEFAULT_BOOTNODES.filter((r) => r.startsWith("enr:")).map((r) => parseNodeRecord(r).opstack);
    expect(base).toEqual(Array(5).fill({ chainId: 8453n, version: 0n }));
    // op-node Config.Discovery records for chains 901 and 902 (written by test/interop/discv5-peer)
    const go901 = "enr:-J24QPniRlnnEwRqPZrHq8bwg4PNAlIUaXmO6yaNzS2H1GAqKs_B2aVnKq7_FsqLvqVWKfbHKbhFAenEDGJtZqxkOaGGAaI17-aHgmlkgnY0gmlwhH8AAAGHb3BzdGFja4OFBwCJc2VjcDI1NmsxoQMb24kIFJaoFhSGXL9ByFmDrImaXguqR_QeydRMLuKW_YN0Y3CCgTmDdWRwgsIO";
    const go902 = "enr:-J24QOkzQzkk1ogesHWI8fHt15iXKM6J61WGXPdCDEEywVXXU5_6Mq_a7cK30swIrshP_frOZLgpf77AFa85zpNcoSKGAaI17-aggmlkgnY0gmlwhH8AAAGHb3BzdGFja4OGBwCJc2VjcDI1NmsxoQIDIeaX5IWhc_a5pWXGEkhoqQbQUT9X3P0KrkhKhhv8iIN0Y3CCtgWDdWRwgtmj";
    expect(parseNodeRecord(go901).opstack).toEqual({ chainId: 901n, version: 0n });
    expect(parseNodeRecord(go902).opstack).toEqual({ chainId: 902n, version: 0n });
  });

  it("decodes as binary.ReadUvarint: trailing bytes allowed, truncation and overflow refused", () => {
    expect(decodeOpStackEntry(bytes("854200"))).toEqual({ chainId: 8453n, version: 0n });
    // "Future opstack entries may contain additional data": read past, not refused
    expect(decodeOpStackEntry(bytes("854200deadbeef"))).toEqual({ chainId: 8453n, version: 0n });
    // non-minimal varints are accepted by ReadUvarint
    expect(decodeOpStackEntry(bytes("ff0000"))).toEqual({ chainId: 127n, version: 0n });
    expect(decodeOpStackEntry(bytes("ffffffffffffffffff0100"))).toEqual({ chainId: U64_MAX, version: 0n });
    expect(decodeOpStackEntry(bytes(""))).toBeUndefined(); // io.EOF
    expect(decodeOpStackEntry(bytes("8542"))).toBeUndefined(); // no version
    expect(decodeOpStackEntry(bytes("85"))).toBeUndefined(); // io.ErrUnexpectedEOF
    expect(decodeOpStackEntry(bytes("ffffffffffffffffff0200"))).toBeUndefined(); // overflows a uint64
    expect(decodeOpStackEntry(bytes("ffffffffffffffffffff0100"))).toBeUndefined(); // 11 bytes
  });

  it("round-trips every uint64 pair", () => {
    const u64 = fc.bigInt({ min: 0n, max: U64_MAX });
    fc.assert(fc.property(u64, u64, (chainId, version) => {
        expect(decodeOpStackEntry(encodeOpStackEntry({ chainId, version }))).toEqual({ chainId, version });
      }));
  });

  it("filters as op-node's FilterEnodes: present, one of our chains, version 0", () => {
    expect(opStackEntryMatches({ chainId: 901n, version: 0n }, [901n])).toBe(true);
    expect(opStackEntryMatches({ chainId: 901n, version: 0n }, [10n, 901n])).toBe(true);
    expect(opStackEntryMatches({ chainId: 902n, version: 0n }, [901n])).toBe(false);
    expect(opStackEntryMatches({ chainId: 901n, version: 1n }, [901n])).toBe(false);
    expect(opStackEntryMatches(undefined, [901n])).toBe(false);
    expect(opStackEntryMatches({ chainId: 901n, version: 0n }, [])).toBe(false);
  });
});
