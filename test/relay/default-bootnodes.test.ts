// op-node's default bootnodes (src/relay/bootnodes.ts): every record decodes, to the peer id an
// independent implementation derives (@chainsafe/enr for ENRs, libp2p from the raw key for enode URLs),
// and `--bootstrap default` keeps the ones op-node itself would dial for the followed chains.
import { ENR } from "@chainsafe/enr";
import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPublicKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { defaultBootnodeChains, defaultBootstrapAddrs, OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";
import { NodeRecordError, nodeRecordMultiaddrs, parseNodeRecord } from "../../src/relay/enr.ts";
import { port, signEnr, v4Entries, type Entry } from "../helpers/enr-sign.ts";

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

  it("`default` for Base: Base's five records, each address once (what op-node's FilterEnodes lets it dial)", () => {
    const addrs = defaultBootstrapAddrs([8453n]);
    expect(addrs).toEqual(BASE_RECORDS.map((r) => nodeRecordMultiaddrs(parseNodeRecord(r))[0]));
    expect(new Set(addrs).size).toBe(5);
    expect(defaultBootnodeChains()).toEqual([8453n]);
  });

  it("`default` for another chain is empty: enode URLs name no chain and op-node only discovers through them", () => {
    for (const chains of [[10n], [], [10n, 130n]]) expect(defaultBootstrapAddrs(chains)).toEqual([]);
    expect(defaultBootstrapAddrs([10n, 8453n])).toHaveLength(5);
  });

  it("keeps an ENR only with a well-formed opstack entry for a followed chain, version 0 (FilterEnodes)", () => {
    const k = secp256k1.utils.randomSecretKey();
    const rec = (opstack?: Uint8Array) => signEnr(k, [...v4Entries(k), ["ip", Uint8Array.of(10, 0, 0, 7)], ["tcp", port(9222)], ...(opstack ? [["opstack", opstack] as Entry] : [])]);
    const chain901 = Uint8Array.of(0x85, 0x07, 0x00); // uvarint 901, uvarint 0
    expect(defaultBootstrapAddrs([901n], [rec(chain901)])).toHaveLength(1);
    expect(defaultBootstrapAddrs([902n], [rec(chain901)])).toEqual([]);
    expect(defaultBootstrapAddrs([901n], [rec(Uint8Array.of(0x85, 0x07, 0x01))])).toEqual([]); // version 1
    expect(defaultBootstrapAddrs([901n], [rec()])).toEqual([]); // no entry
    expect(defaultBootstrapAddrs([901n], [rec(Uint8Array.of(0x85))])).toEqual([]); // truncated uvarint
  });
});
