// Node records (EIP-778 ENRs, enode URLs) → the multiaddrs op-node dials (src/relay/enr.ts): the EIP's
// example, records refused with a reason, and agreement with @chainsafe/enr (Lodestar's, an independent
// implementation) on many random records in both directions.
import { ENR, SignableENR } from "@chainsafe/enr";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { decodeEnr, NodeRecordError, nodeRecordMultiaddrs, nodeRecordToMultiaddrs, parseEnode, parseNodeRecord } from "../../src/relay/enr.ts";
import { encodeRecord, port, recordBytes, signEnr, utf8, v4Entries, type Entry } from "../helpers/enr-sign.ts";

// EIP-778 "Test Vectors": the record, its private key and its parts.
const EIP_778_ENR =
  "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
const EIP_778_KEY = Uint8Array.from(Buffer.from("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291", "hex"));
const EIP_778_PUBKEY = "0x03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138";

const ip4 = (s: string): Uint8Array => Uint8Array.from(s.split(".").map(Number));
const key = (): Uint8Array => secp256k1.utils.randomSecretKey();
const peerIdOfKey = (k: Uint8Array): string => peerIdFromPrivateKey(privateKeyFromRaw(k)).toString();
/** The refusal reason, or "" when the text decodes and has a TCP address. */
function refusal(text: string): string {
  try {
    nodeRecordToMultiaddrs(text);
    return "";
  } catch (e) {
    expect(e).toBeInstanceOf(NodeRecordError);
    return (e as Error).message;
  }
}

describe("EIP-778 example record", () => {
  it("decodes with its signature verified, to the key, address and port the EIP lists", () => {
    const r = decodeEnr(EIP_778_ENR);
    expect(r).toMatchObject({ seq: 1n, keys: ["id", "ip", "secp256k1", "udp"], ip: "127.0.0.1", udp: 30303 });
    expect(toHex(r.publicKey)).toBe(EIP_778_PUBKEY);
    expect(r.peerId).toBe(peerIdOfKey(EIP_778_KEY));
    expect(r.peerId).toBe(ENR.decodeTxt(EIP_778_ENR).peerId.toString());
  });

  it("is refused for dialling: it has udp but no tcp", () => {
    expect(refusal(EIP_778_ENR)).toBe("no TCP address to dial: needs a valid ip or ip6 with a non-zero tcp (or tcp6) port; it has id, ip, secp256k1, udp");
  });

  it("is what the test helper builds from the EIP's key and entries (so the helper signs as geth does)", () => {
    expect(signEnr(EIP_778_KEY, [...v4Entries(EIP_778_KEY), ["ip", ip4("127.0.0.1")], ["udp", port(30303)]])).toBe(EIP_778_ENR);
  });
});

describe("records refused, with the reason", () => {
  const k = key();
  const dialable: Entry[] = [...v4Entries(k), ["ip", ip4("10.1.2.3")], ["tcp", port(9222)]];

  it("one flipped byte anywhere: refused by us and by @chainsafe/enr", () => {
    const good = signEnr(k, dialable);
    expect(refusal(good)).toBe("");
    const bytes = recordBytes(good);
    const reasons = new Set<string>();
    for (let i = 0; i < bytes.length; i++) {
      const t = bytes.slice();
      t[i]! ^= 0x01;
      const text = "enr:" + Buffer.from(t).toString("base64url");
      const why = refusal(text);
      expect(why, `byte ${i}`).not.toBe("");
      reasons.add(why.replace(/\(.*\)/, "(…)"));
      expect(() => ENR.decodeTxt(text), `byte ${i}`).toThrow();
    }
    expect(reasons).toContain("signature does not verify (…)");
  });

  it("a flipped byte in the IP: the signature does not verify", () => {
    const text = signEnr(k, dialable);
    const bytes = recordBytes(text);
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x84, 10, 1, 2, 3])) + 4;
    bytes[at]! ^= 0x01;
    expect(refusal("enr:" + Buffer.from(bytes).toString("base64url"))).toMatch(/^signature does not verify/);
  });

  it("no secp256k1 key, another scheme, no scheme, another signer, a high-s signature", () => {
    const noKey = dialable.filter(([n]) => n !== "secp256k1");
    expect(refusal(signEnr(k, noKey))).toBe('no "secp256k1" public key');
    expect(refusal(signEnr(k, [["id", utf8("v5")], ...dialable.slice(1)]))).toBe('identity scheme "v5" is not v4');
    expect(refusal(signEnr(k, dialable.slice(1)))).toBe('no identity scheme ("id" key)');
    expect(refusal(signEnr(key(), dialable))).toMatch(/^signature does not verify/);
    const highS = signEnr(k, dialable, { highS: true });
    expect(refusal(highS)).toMatch(/^signature does not verify/);
    expect(() => ENR.decodeTxt(highS)).toThrow(); // geth refuses high s too (crypto.VerifySignature)
  });

  it("malformed text, RLP or entries", () => {
    const good = signEnr(k, dialable);
    expect(refusal(good + "=")).toBe("not base64url after enr:");
    expect(refusal(good.replace("-", "+"))).toBe("not base64url after enr:");
    expect(refusal("enr:")).toBe("not base64url after enr:");
    expect(refusal(encodeRecord([utf8("x")]))).toBe("not an RLP list of signature, seq and key/value pairs");
    expect(refusal(encodeRecord([new Uint8Array(64), new Uint8Array(0), utf8("id")]))).toBe("not an RLP list of signature, seq and key/value pairs");
    expect(refusal("enr:" + Buffer.from([0xc1]).toString("base64url"))).toMatch(/^not RLP \(rlp: truncated/);
    expect(refusal(signEnr(k, [["tcp", port(1)], ...dialable.filter(([n]) => n !== "tcp")], { unsorted: true }))).toBe("keys are not sorted (EIP-778)");
    expect(refusal(signEnr(k, [...dialable, ["ip", ip4("10.1.2.4")]]))).toBe('duplicate key "ip"');
    expect(refusal(signEnr(k, [...dialable, ["x", new Uint8Array(200)]]))).toMatch(/^record is 3\d\d bytes; EIP-778 allows at most 300$/);
    // a malformed address or port entry is left out, as geth's Load leaves it (the record stays valid)
    const noTcp = /^no TCP address to dial/;
    expect(refusal(signEnr(k, [...v4Entries(k), ["ip", new Uint8Array(5)], ["tcp", port(1)]]))).toMatch(noTcp);
    expect(refusal(signEnr(k, [...v4Entries(k), ["ip", ip4("10.0.0.1")], ["tcp", Uint8Array.of(0, 80)]]))).toMatch(noTcp); // leading zero
    expect(refusal(signEnr(k, [...v4Entries(k), ["ip", ip4("10.0.0.1")], ["tcp", Uint8Array.of(1, 0, 0)]]))).toMatch(noTcp); // > 16 bits
    expect(refusal(signEnr(k, [...v4Entries(k), ["ip", ip4("10.0.0.1")], ["tcp", port(0)], ["udp", port(9000)]]))).toMatch(noTcp);
    expect(nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ["ip", new Uint8Array(5)], ["ip6", Uint8Array.from(Buffer.from("20010db8000000000000000000000001", "hex"))], ["tcp", port(9222)]]))).toEqual([
      `/ip6/2001:db8::1/tcp/9222/p2p/${peerIdOfKey(k)}`,
    ]);
  });
});

/** An IPv4 text geth would not dial: multicast (224/4) or unspecified. */
function isMulticastOrZero(ip: string | undefined): boolean {
  if (ip === undefined) return true;
  const o = ip.split(".").map(Number);
  return (o[0]! >= 224 && o[0]! <= 239) || o.every((x) => x === 0);
}

describe("multiaddrs of a record", () => {
  const k = key();
  const id = peerIdOfKey(k);
  const v6 = Uint8Array.from(Buffer.from("20010db8000000000000000000000001", "hex"));

  it("ip + tcp → /ip4; ip6 + tcp6 → /ip6; ip6 without tcp6 uses tcp (EIP-778)", () => {
    expect(nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ["ip", ip4("10.1.2.3")], ["tcp", port(9222)]]))).toEqual([`/ip4/10.1.2.3/tcp/9222/p2p/${id}`]);
    expect(nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ["ip6", v6], ["tcp6", port(9333)]]))).toEqual([`/ip6/2001:db8::1/tcp/9333/p2p/${id}`]);
    expect(nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ["ip6", v6], ["tcp", port(9222)]]))).toEqual([`/ip6/2001:db8::1/tcp/9222/p2p/${id}`]);
  });

  it("one endpoint, chosen as geth does: the more global of ip and ip6 (ip on a tie), multicast never, an IPv4-mapped ip6 as ip", () => {
    const dial = (entries: Entry[]) => nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ...entries]));
    const global6 = Uint8Array.from(Buffer.from("2a010000000000000000000000000001", "hex"));
    // both global: ip wins the tie
    expect(dial([["ip", ip4("34.1.2.3")], ["ip6", global6], ["tcp", port(9222)], ["tcp6", port(9333)]])).toEqual([`/ip4/34.1.2.3/tcp/9222/p2p/${id}`]);
    // a private ip loses to a global ip6 (and the ip6 takes tcp6)
    expect(dial([["ip", ip4("10.1.2.3")], ["ip6", global6], ["tcp", port(9222)], ["tcp6", port(9333)]])).toEqual([`/ip6/2a01::1/tcp/9333/p2p/${id}`]);
    // a global ip beats a private (fc00::/7) or link-local ip6
    expect(dial([["ip", ip4("34.1.2.3")], ["ip6", Uint8Array.from(Buffer.from("fd000000000000000000000000000001", "hex"))], ["tcp", port(1)]])).toEqual([`/ip4/34.1.2.3/tcp/1/p2p/${id}`]);
    // multicast is not an endpoint: the other address is used, or none
    expect(dial([["ip", ip4("224.0.0.1")], ["ip6", v6], ["tcp", port(9222)]])).toEqual([`/ip6/2001:db8::1/tcp/9222/p2p/${id}`]);
    expect(() => dial([["ip", ip4("239.1.1.1")], ["tcp", port(9222)]])).toThrow(/^no TCP address to dial/);
    // unspecified: no endpoint
    expect(() => dial([["ip", ip4("0.0.0.0")], ["tcp", port(9222)]])).toThrow(/^no TCP address to dial/);
    // an IPv4-mapped ip6 is an IPv4 endpoint with "tcp"
    const mapped = Uint8Array.from([...new Uint8Array(10), 0xff, 0xff, 34, 1, 2, 3]);
    expect(dial([["ip6", mapped], ["tcp", port(9222)], ["tcp6", port(9333)]])).toEqual([`/ip4/34.1.2.3/tcp/9222/p2p/${id}`]);
    // list values (an "eth" fork id) and unknown keys are carried, not refused
    expect(nodeRecordToMultiaddrs(signEnr(k, [...v4Entries(k), ["eth", [[Uint8Array.of(1, 2, 3, 4), new Uint8Array(0)]]], ["ip", ip4("10.1.2.3")], ["tcp", port(1)], ["zzz", utf8("?")]]))).toEqual([`/ip4/10.1.2.3/tcp/1/p2p/${id}`]);
  });

  it("reads op-node's opstack entry (uvarint chain id, uvarint version)", () => {
    const r = decodeEnr(signEnr(k, [...v4Entries(k), ["opstack", Uint8Array.of(0x85, 0x42, 0x00)]]));
    expect(r.opstack).toEqual({ chainId: 8453n, version: 0n });
    expect(decodeEnr(signEnr(k, [...v4Entries(k), ["opstack", Uint8Array.of(0x85)]])).opstack).toBeUndefined(); // truncated: op-node ignores it
  });

  it("agrees with @chainsafe/enr on 300 random records, built by either side", () => {
    for (let i = 0; i < 300; i++) {
      const sk = key();
      const rnd = (n: number) => Math.floor(Math.random() * n);
      const entries: Entry[] = [...v4Entries(sk)];
      const has = (p: number) => Math.random() < p;
      if (has(0.8)) entries.push(["ip", Uint8Array.from({ length: 4 }, () => rnd(256))]);
      if (has(0.4)) entries.push(["ip6", Uint8Array.from({ length: 16 }, () => rnd(256))]);
      // ≥ 256: @chainsafe/enr writes a port as 2 bytes, which below 256 is a leading zero that geth's
      // RLP (and so ours) refuses, and it refuses the 1-byte canonical form
      for (const p of ["tcp", "udp", "tcp6", "udp6"]) if (has(0.5)) entries.push([p, port(256 + rnd(65280))]);
      if (has(0.3)) entries.push(["opstack", Uint8Array.of(0x85, 0x42, 0x00)]);
      const seq = BigInt(rnd(2 ** 31)) * BigInt(1 + rnd(2 ** 31));
      let text: string;
      if (i % 2 === 0) {
        text = signEnr(sk, entries, { seq });
      } else {
        const e = SignableENR.createV4(sk);
        for (const [n, v] of entries) if (n !== "id" && n !== "secp256k1") e.set(n, v as Uint8Array);
        text = e.encodeTxt();
      }
      const theirs = ENR.decodeTxt(text);
      const ours = parseNodeRecord(text);
      const what = `record ${i}: ${text}`;
      expect(ours.peerId, what).toBe(theirs.peerId.toString());
      expect(ours.peerId, what).toBe(peerIdOfKey(sk));
      expect(ours.seq, what).toBe(theirs.seq);
      expect({ ip: ours.ip, tcp: ours.tcp, udp: ours.udp, tcp6: ours.tcp6, udp6: ours.udp6 }, what).toEqual({ ip: theirs.ip, tcp: theirs.tcp, udp: theirs.udp, tcp6: theirs.tcp6, udp6: theirs.udp6 });
      expect(ours.ip6 === undefined, what).toBe(theirs.ip6 === undefined);

      // The endpoint we dial is one of the addresses @chainsafe/enr reads from the record, of the
      // family geth's choice picked (its rules are tested case by case above).
      const mine = (() => {
        try {
          return nodeRecordMultiaddrs(ours).map((a) => toHex(multiaddr(a.replace(/\/p2p\/.*$/, "")).bytes));
        } catch {
          return [];
        }
      })();
      const t4 = theirs.getLocationMultiaddr("tcp4");
      // EIP-778's tcp6 → tcp fallback, which @chainsafe/enr leaves out
      const t6 = theirs.getLocationMultiaddr("tcp6") ?? (theirs.ip6 !== undefined && theirs.tcp ? multiaddr(`/ip6/${theirs.ip6}/tcp/${theirs.tcp}`) : undefined);
      const expected = ours.endpoint === undefined ? undefined : ours.endpoint.v6 ? t6 : t4;
      expect(mine, what).toEqual(expected ? [toHex(expected.bytes)] : []);
      if (ours.endpoint === undefined) expect(t4 === undefined || isMulticastOrZero(theirs.ip), what).toBe(true);
    }
  });
});

describe("enode URLs (op-node --p2p.bootnodes takes them too)", () => {
  const sk = key();
  const pubHex = Buffer.from(secp256k1.getPublicKey(sk, false).subarray(1)).toString("hex");
  const id = peerIdOfKey(sk); // libp2p's derivation, from the private key

  it("ip:port → /ip4, [ip6]:port → /ip6, host:port → /dns; the peer id is the key's", () => {
    expect(nodeRecordToMultiaddrs(`enode://${pubHex}@34.65.67.101:30305`)).toEqual([`/ip4/34.65.67.101/tcp/30305/p2p/${id}`]);
    expect(nodeRecordToMultiaddrs(`enode://${pubHex}@[2001:db8:0:0::1]:9222?discport=30301`)).toEqual([`/ip6/2001:db8::1/tcp/9222/p2p/${id}`]);
    expect(nodeRecordToMultiaddrs(`enode://${pubHex}@bootnode.example:9222`)).toEqual([`/dns/bootnode.example/tcp/9222/p2p/${id}`]);
    expect(parseEnode(`enode://${pubHex}@1.2.3.4:9222?discport=30301`)).toMatchObject({ tcp: 9222, udp: 30301 });
  });

  it("refuses TCP port 0 (discovery only), a key off the curve and malformed URLs", () => {
    expect(refusal(`enode://${pubHex}@34.65.43.171:0?discport=30305`)).toBe("no TCP address to dial: needs a valid ip or ip6 with a non-zero tcp (or tcp6) port; it has ip, secp256k1, udp");
    expect(refusal(`enode://${"00".repeat(64)}@1.2.3.4:1`)).toBe("the node id is not a secp256k1 public key");
    expect(refusal(`enode://${pubHex.slice(2)}@1.2.3.4:1`)).toMatch(/^expected enode:\/\//);
    expect(refusal(`enode://${pubHex}@1.2.3.4`)).toMatch(/^expected enode:\/\//);
    expect(refusal(`enode://${pubHex}@1.2.3.400:1`)).toBe('"1.2.3.400" is not an IPv4 address');
    expect(refusal(`enode://${pubHex}@1.2.3.4:70000`)).toBe("port out of range");
    expect(() => parseNodeRecord("/ip4/1.2.3.4/tcp/1")).toThrow(NodeRecordError);
  });
});
