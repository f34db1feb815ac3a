// op-node's default bootnodes (src/relay/bootnodes.ts): every record decodes, to the peer id an
// independent implementation derives (@chainsafe/enr for ENRs, libp2p from the raw key for enode URLs),
// and `--bootstrap default` keeps the dialable ones meant for the followed chains.
import { ENR } from "@chainsafe/enr";
import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPublicKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { defaultBootstrapAddrs, OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";
import { NodeRecordError, nodeRecordMultiaddrs, parseNodeRecord } from "../../src/relay/enr.ts";

const BASE_RECORDS = OP_NODE_DEFAULT_BOOTNODES.filter((r) => r.startsWith("enr:"));
const strip = (a: string) => a.replace(/\/p2p\/.*$/, "");

describe("op-node's default bootnodes", () => {
  it("are op-node's 13 records: 5 Base ENRs and 8 enode URLs", () => {
    expect(OP_NODE_DEFAULT_BOOTNODES).toHaveLength(13);
    expect(BASE_RECORDS).toHaveLength(5);
  });

  it("every ENR decodes (signature verified) to the peer id and TCP address @chainsafe/enr derives", () => {
    for (const text of BASE_RECORDS) {
      const ours = parseNodeRecord(text);
      const theirs = ENR.decodeTxt(text);
      expect(ours.peerId, text).toBe(theirs.peerId.toString());
      const [addr, ...rest] = nodeRecordMultiaddrs(ours);
      expect(rest).toEqual([]);
      expect(addr!.endsWith(`/p2p/${theirs.peerId.toString()}`)).toBe(true);
      expect(multiaddr(strip(addr!)).equals(multiaddr(theirs.getLocationMultiaddr("tcp")!.toString()))).toBe(true);
      expect(addr).toMatch(/^\/ip4\/[\d.]+\/tcp\/9222\/p2p\/16Uiu2/);
      expect(ours.opstack).toEqual({ chainId: 8453n, version: 0n }); // Base mainnet, op-node's opstack entry
    }
  });

  it("every enode URL decodes to the peer id libp2p derives from its key (compressed by @libp2p/crypto's own path)", () => {
    for (const text of OP_NODE_DEFAULT_BOOTNODES.filter((r) => r.startsWith("enode://"))) {
      const hex = /^enode:\/\/([0-9a-f]{128})@/.exec(text)![1]!;
      const point = secp256k1.Point.fromHex("04" + hex);
      const expected = peerIdFromPublicKey(publicKeyFromRaw(point.toBytes(true))).toString();
      expect(parseNodeRecord(text).peerId, text).toBe(expected);
    }
  });

  it("the three with TCP port 0 are discovery-only and refused for dialling; the rest give one TCP address each", () => {
    const refused: string[] = [];
    for (const text of OP_NODE_DEFAULT_BOOTNODES) {
      try {
        expect(nodeRecordMultiaddrs(parseNodeRecord(text))).toHaveLength(1);
      } catch (e) {
        expect(e).toBeInstanceOf(NodeRecordError);
        refused.push(text);
      }
    }
    expect(refused).toHaveLength(3);
    for (const r of refused) expect(r).toMatch(/:0\?discport=\d+$/);
  });

  it("`default` for Base: OP Labs, Base and Uniswap Labs, each address once", () => {
    const addrs = defaultBootstrapAddrs([8453n]);
    expect(addrs).toHaveLength(10); // 2 OP Labs (tcp 30305) + 5 Base + 3 Uniswap Labs; Conduit's are discovery-only
    expect(new Set(addrs).size).toBe(addrs.length);
    expect(addrs).toContain(nodeRecordMultiaddrs(parseNodeRecord(BASE_RECORDS[0]!))[0]);
    expect(addrs).toContain(`/ip4/34.65.67.101/tcp/30305/p2p/${parseNodeRecord(OP_NODE_DEFAULT_BOOTNODES[0]!).peerId}`);
  });

  it("`default` for another chain leaves out the records tagged for Base (op-node's FilterEnodes check)", () => {
    for (const chains of [[10n], [], [10n, 130n]]) {
      const addrs = defaultBootstrapAddrs(chains);
      expect(addrs).toHaveLength(5);
      for (const r of BASE_RECORDS) expect(addrs).not.toContain(nodeRecordMultiaddrs(parseNodeRecord(r))[0]);
    }
    expect(defaultBootstrapAddrs([10n, 8453n])).toHaveLength(10);
  });
});
