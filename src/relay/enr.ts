// Node records as op-node takes them in --p2p.bootnodes (op-node/p2p/cli/load_config.go
// loadDiscoveryOpts: `enr:` records and `enode://` URLs), turned into the libp2p multiaddrs op-node
// dials (op-node/p2p/discovery.go enrToAddrInfo: /ip4|ip6/<ip>/tcp/<tcp>, peer id from the record's
// secp256k1 key). Bootnode flags and records found by discv5 (discovery.ts) are dialled this way.
//
// ENR (EIP-778): "enr:" + base64url (no padding) of rlp([signature, seq, k1, v1, k2, v2, ...]), keys
// sorted and unique, at most 300 bytes. Identity scheme "v4": "secp256k1" = 33-byte compressed key,
// signature = 64-byte r ‖ s over keccak256(rlp([seq, k1, v1, ...])). Checked as geth's enr/enode
// packages do (which op-node uses): canonical RLP, sorted keys, low-s signature (crypto.VerifySignature);
// address entries are read as geth's enode.Node reads them, down to the one TCP endpoint it picks.
import { publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPublicKey } from "@libp2p/peer-id";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak256 } from "../protocol/keccak/index.ts";
import { rlpDecode, rlpEncode, type RlpItem } from "../protocol/rlp.ts";
import { decodeOpStackEntry, OPSTACK_ENR_KEY, type OpStackEntry } from "./opstack-enr.ts";

/** EIP-778: "The maximum encoded size of a node record is 300 bytes." */
export const MAX_RECORD_SIZE = 300;

/** What a node record (or enode URL) says, as far as dialling it is concerned. */
export interface NodeRecord {
  /** 0 for an enode URL, which has none */
  seq: bigint;
  /** the record's keys in order (an enode URL: the ones it implies) */
  keys: string[];
  /** compressed secp256k1 public key, 33 bytes */
  publicKey: Uint8Array;
  /** libp2p peer id of that key (16Uiu2…) */
  peerId: string;
  ip?: string;
  tcp?: number;
  udp?: number;
  ip6?: string;
  /** EIP-778: "If omitted, same as tcp." Kept as written; `multiaddrs` applies the fallback. */
  tcp6?: number;
  udp6?: number;
  /** an enode URL's host when it is a DNS name (op-node resolves it; libp2p dials /dns/) */
  dns?: string;
  /** the one TCP endpoint geth's enode.Node gives op-node to dial (node.go newNodeWithID), if any */
  endpoint?: { ip: string; v6: boolean; tcp: number };
  /** op-node's "opstack" entry, when present and well-formed (opstack-enr.ts) */
  opstack?: OpStackEntry;
}

/** Why a record was refused; the message is meant for the operator. */
export class NodeRecordError extends Error {}

function fail(reason: string): never {
  throw new NodeRecordError(reason);
}

/** Is this an `enr:` record or an `enode://` URL (rather than a multiaddr)? */
export function isNodeRecordText(s: string): boolean {
  return s.startsWith("enr:") || s.startsWith("enode://");
}

/** Decodes an `enr:` record or an `enode://` URL. Throws NodeRecordError. */
export function parseNodeRecord(text: string): NodeRecord {
  const s = text.trim();
  if (s.startsWith("enr:")) return decodeEnr(s);
  if (s.startsWith("enode://")) return parseEnode(s);
  return fail('expected "enr:…" or "enode://…"');
}

/**
 * The multiaddr to dial, /p2p/<peer id> included: the record's TCP endpoint as geth chooses it (one
 * address, as op-node's enrToAddrInfo dials: r.IP() + r.TCP()), or an enode host name as /dns.
 * Throws NodeRecordError when there is none (a discv5-only record, such as one with udp but no tcp,
 * or an enode URL with TCP port 0). An array, so that a future form may give more than one.
 */
export function nodeRecordMultiaddrs(r: NodeRecord): string[] {
  if (r.dns !== undefined && r.tcp) return [`/dns/${r.dns}/tcp/${r.tcp}/p2p/${r.peerId}`];
  const e = r.endpoint;
  if (e) return [`/${e.v6 ? "ip6" : "ip4"}/${e.ip}/tcp/${e.tcp}/p2p/${r.peerId}`];
  const has = r.keys.length ? `; it has ${r.keys.join(", ")}` : "";
  fail(`no TCP address to dial: needs a valid ip or ip6 with a non-zero tcp (or tcp6) port${has}`);
}

/** parseNodeRecord, then nodeRecordMultiaddrs. */
export function nodeRecordToMultiaddrs(text: string): string[] {
  return nodeRecordMultiaddrs(parseNodeRecord(text));
}

/** An `enr:` record, its v4 signature verified. Throws NodeRecordError. */
export function decodeEnr(text: string): NodeRecord {
  const b64 = text.slice("enr:".length);
  // geth: base64.RawURLEncoding — URL alphabet, no padding (a length of 1 mod 4 cannot be base64)
  if (!/^[A-Za-z0-9_-]+$/.test(b64) || b64.length % 4 === 1) fail("not base64url after enr:");
  const raw = new Uint8Array(Buffer.from(b64, "base64url"));
  if (raw.length > MAX_RECORD_SIZE) fail(`record is ${raw.length} bytes; EIP-778 allows at most ${MAX_RECORD_SIZE}`);
  let items: RlpItem;
  try {
    items = rlpDecode(raw);
  } catch (e) {
    fail(`not RLP (${(e as Error).message})`);
  }
  if (!Array.isArray(items) || items.length < 2 || items.length % 2 !== 0) fail("not an RLP list of signature, seq and key/value pairs");
  const list = items;
  const signature = bytesItem(list[0]!, "signature");
  const seq = uintItem(list[1]!, "seq", 8);

  const kv = new Map<string, Uint8Array>();
  const keys: string[] = [];
  let prev: Uint8Array | undefined;
  for (let i = 2; i < list.length; i += 2) {
    const k = bytesItem(list[i]!, "key");
    if (prev && compareBytes(prev, k) >= 0) fail(compareBytes(prev, k) === 0 ? `duplicate key "${utf8(k)}"` : "keys are not sorted (EIP-778)");
    prev = k;
    const name = utf8(k);
    keys.push(name);
    // Values may be lists (e.g. "eth"); the entries read here are all byte strings.
    const v = list[i + 1]!;
    if (v instanceof Uint8Array) kv.set(name, v);
  }

  const id = kv.get("id");
  if (!keys.includes("id")) fail('no identity scheme ("id" key)');
  if (!id || utf8(id) !== "v4") fail(`identity scheme "${id ? utf8(id) : "?"}" is not v4`);
  const publicKey = kv.get("secp256k1");
  if (!publicKey) fail('no "secp256k1" public key');
  if (publicKey.length !== 33) fail(`"secp256k1" is ${publicKey.length} bytes; v4 wants a 33-byte compressed key`);
  if (signature.length !== 64) fail(`signature is ${signature.length} bytes; v4 wants 64 (r ‖ s)`);
  const content = rlpEncode(list.slice(1));
  if (!verifyV4(signature, keccak256(content), publicKey)) fail("signature does not verify (record altered, or not signed by its secp256k1 key)");

  const r: NodeRecord = { seq, keys, publicKey, peerId: peerIdOf(publicKey) };
  // geth's Load leaves a malformed entry out (the record itself stays valid), and so do we.
  const ip = ipBytes(kv.get("ip"), 4);
  const ip6 = ipBytes(kv.get("ip6"), 16);
  if (ip) r.ip = ipText(ip);
  if (ip6) r.ip6 = ipText(ip6);
  for (const p of ["tcp", "udp", "tcp6", "udp6"] as const) {
    const v = portEntry(kv.get(p));
    if (v !== undefined) r[p] = v;
  }
  const endpoint = chooseEndpoint(ip, ip6, r);
  if (endpoint) r.endpoint = endpoint;
  const opstack = kv.get(OPSTACK_ENR_KEY);
  if (opstack) {
    const o = decodeOpStackEntry(opstack);
    if (o) r.opstack = o;
  }
  return r;
}

/**
 * An `enode://<128 hex: uncompressed key without 04>@<host>:<tcp port>[?discport=<udp port>]` URL
 * (geth p2p/enode/urlv4.go). No signature: the URL is the operator's word. A host name is kept for
 * /dns/ (op-node resolves it with net.LookupIP before geth parses the URL).
 */
export function parseEnode(text: string): NodeRecord {
  const m = /^enode:\/\/([0-9a-fA-F]{128})@(\[[0-9a-fA-F:.]+\]|[^:/?#@[\]]+):(\d{1,5})(?:\?discport=(\d{1,5}))?$/.exec(text);
  if (!m) fail("expected enode://<128 hex digits>@<host>:<port>[?discport=<port>]");
  const [, hex = "", host = "", port = "", discport] = m;
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.Point.fromBytes(Uint8Array.from(Buffer.from("04" + hex, "hex"))).toBytes(true);
  } catch {
    fail("the node id is not a secp256k1 public key");
  }
  const tcp = Number(port);
  const udp = discport === undefined ? tcp : Number(discport);
  if (tcp > 0xffff || udp > 0xffff) fail("port out of range");
  const r: NodeRecord = { seq: 0n, keys: [], publicKey, peerId: peerIdOf(publicKey), tcp, udp };
  const keys = ["secp256k1"];
  if (host.startsWith("[")) {
    r.ip6 = canonicalIpv6(host.slice(1, -1));
    keys.push("ip6");
  } else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    if (host.split(".").some((o) => Number(o) > 255)) fail(`"${host}" is not an IPv4 address`);
    r.ip = host;
    keys.push("ip");
  } else {
    r.dns = host;
    keys.push("dns");
  }
  if (tcp) keys.push("tcp");
  if (udp) keys.push("udp");
  r.keys = keys.sort();
  // geth's NewV4 writes the host as "ip" (IPv4, IPv4-mapped included) or "ip6"
  const endpoint = chooseEndpoint(r.ip ? ipBytesOfText(r.ip) : undefined, r.ip6 ? ipBytesOfText(r.ip6) : undefined, r);
  if (endpoint) r.endpoint = endpoint;
  return r;
}

/** geth's crypto.VerifySignature: 64-byte r ‖ s, compressed key, high s refused. */
function verifyV4(signature: Uint8Array, hash: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return secp256k1.verify(signature, hash, publicKey, { prehash: false, lowS: true, format: "compact" });
  } catch {
    return false;
  }
}

function peerIdOf(compressed: Uint8Array): string {
  try {
    return peerIdFromPublicKey(publicKeyFromRaw(compressed)).toString();
  } catch {
    fail('"secp256k1" is not a valid public key');
  }
}

function bytesItem(item: RlpItem, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) fail(`${what} is a list, expected bytes`);
  return item;
}

/** A canonical RLP unsigned integer (no leading zero byte) of at most `maxBytes` bytes. */
function uintItem(item: RlpItem, what: string, maxBytes: number): bigint {
  const b = bytesItem(item, what);
  if (b.length > maxBytes) fail(`${what} does not fit ${maxBytes * 8} bits`);
  if (b.length > 0 && b[0] === 0) fail(`${what} has a leading zero byte (non-canonical RLP integer)`);
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** An "ip" (4 bytes) or "ip6" (16 bytes) entry; anything else is left out, as geth's Load does. */
function ipBytes(v: Uint8Array | undefined, size: 4 | 16): Uint8Array | undefined {
  return v && v.length === size ? v : undefined;
}

/** A "tcp"/"udp"/"tcp6"/"udp6" entry: a canonical RLP uint16 (geth decodes into uint16), else left out. */
function portEntry(v: Uint8Array | undefined): number | undefined {
  if (!v || v.length > 2 || (v.length > 0 && v[0] === 0)) return undefined;
  return v.length === 0 ? 0 : v.length === 1 ? v[0]! : (v[0]! << 8) | v[1]!;
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return canonicalIpv6(groups.join(":"));
}

/** The bytes of a dotted IPv4 or an IPv6 address text (an enode URL's host). */
function ipBytesOfText(s: string): Uint8Array {
  if (!s.includes(":")) return Uint8Array.from(s.split(".").map(Number));
  // WHATWG's canonical form is hex groups only (an embedded IPv4 tail is rewritten), "::" at most once
  const canonical = canonicalIpv6(s);
  const [head = "", tail] = canonical.split("::");
  const groups = (x: string) => (x ? x.split(":") : []);
  const hs = groups(head);
  const all = tail === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - groups(tail).length).fill("0"), ...groups(tail)];
  return Uint8Array.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

const is4In6 = (b: Uint8Array) => b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
const unmap = (b: Uint8Array) => (is4In6(b) ? b.subarray(12) : b);

/** Go's netip: IsMulticast (on the unmapped address). */
function isMulticast(b: Uint8Array): boolean {
  const u = unmap(b);
  return u.length === 4 ? u[0]! >= 224 && u[0]! <= 239 : u[0] === 0xff;
}

/** geth's localityScore: unspecified 0, loopback 1, link-local 2, private 3, global 4 (Go's netip tests). */
function localityScore(b: Uint8Array): number {
  if (b.every((x) => x === 0)) return 0;
  const u = unmap(b);
  if (u.length === 4) {
    if (u[0] === 127) return 1;
    if (u[0] === 169 && u[1] === 254) return 2;
    if (u[0] === 10 || (u[0] === 172 && (u[1]! & 0xf0) === 16) || (u[0] === 192 && u[1] === 168)) return 3;
    return 4;
  }
  if (u.subarray(0, 15).every((x) => x === 0) && u[15] === 1) return 1;
  if (u[0] === 0xfe && (u[1]! & 0xc0) === 0x80) return 2;
  if ((u[0]! & 0xfe) === 0xfc) return 3;
  return 4;
}

/**
 * geth p2p/enode/node.go newNodeWithID + TCPEndpoint: of a valid (present, not multicast) ip and ip6
 * the more global one (ip on a tie); ip takes "tcp", ip6 "tcp6" falling back to "tcp", an IPv4-mapped
 * ip6 counts as ip; no endpoint if the address is unspecified or the port 0.
 */
function chooseEndpoint(ip: Uint8Array | undefined, ip6: Uint8Array | undefined, r: Pick<NodeRecord, "tcp" | "tcp6">): NodeRecord["endpoint"] {
  const valid4 = ip !== undefined && !isMulticast(ip);
  const valid6 = ip6 !== undefined && !isMulticast(ip6);
  let chosen: Uint8Array | undefined;
  if (valid4 && valid6) chosen = localityScore(ip) >= localityScore(ip6) ? ip : ip6;
  else if (valid4) chosen = ip;
  else if (valid6) chosen = ip6;
  if (!chosen) return undefined;
  const asV4 = chosen.length === 4 || is4In6(chosen);
  const addr = asV4 ? unmap(chosen) : chosen;
  const tcp = asV4 ? r.tcp : (r.tcp6 ?? r.tcp);
  if (!tcp || chosen.every((x) => x === 0)) return undefined;
  return { ip: ipText(addr), v6: !asV4, tcp };
}

/** RFC 5952 text (the WHATWG URL parser writes IPv6 hosts that way); throws NodeRecordError if invalid. */
function canonicalIpv6(s: string): string {
  const u = URL.parse(`http://[${s}]/`);
  if (!u) fail(`"${s}" is not an IPv6 address`);
  return u.hostname.slice(1, -1);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function utf8(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
