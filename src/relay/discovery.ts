// Peer discovery as op-node does it (op-node/p2p/discovery.go, optimism v1.19.6), on @chainsafe/discv5
// (Lodestar's discv5): our record carries ip/tcp/udp and op-node's "opstack" entry (Config.Discovery);
// the table is refreshed as geth's is (p2p/discover/table.go doRefresh: a lookup of our own id, then
// three random ones; at start and every 30 minutes), and the DHT is walked with random lookups, every
// 5 s while short of peers and every 20 s otherwise (DiscoveryProcess, discoverIntervalFast/Slow,
// which op-node runs over geth's RandomNodes); every record found, in a lookup or in the table, is
// kept only if its opstack entry names a followed chain at version 0 (FilterEnodes) and has a TCP
// address (enrToAddrInfo), and is then handed to the gossip node to dial. The node database
// (discovery-db.ts) keeps our sequence number and the table across restarts.
import { lookup } from "node:dns/promises";
import type { EventEmitter } from "node:events";
import { Discv5 } from "@chainsafe/discv5";
import { ENR, getV4Crypto, SignableENR } from "@chainsafe/enr";
import type { PrivateKey } from "@libp2p/interface";
import { CoalescedWriter } from "../node/coalesced-writer.ts";
import "./discv5-patch.ts";
import { readDiscoveryDb, startSeq, writeDiscoveryDb } from "./discovery-db.ts";
import { bindDiscv5Transport } from "./discv5-transport.ts";
import { nodeRecordMultiaddrs, NodeRecordError, parseNodeRecord, type NodeRecord } from "./enr.ts";
import type { Logger } from "./log.ts";
import { encodeOpStackEntry, OPSTACK_ENR_KEY, OPSTACK_ENR_VERSION, opStackEntryMatches } from "./opstack-enr.ts";

/** op-node's discoverIntervalFast / discoverIntervalSlow. */
export const LOOKUP_INTERVAL = { fastMs: 5_000, slowMs: 20_000 } as const;
/** geth's table refresh interval (p2p/discover/common.go RefreshInterval default). */
const REFRESH_INTERVAL_MS = 30 * 60_000;
/** How many records' verdicts are remembered, so that one seen again is not judged again. */
const SEEN_RECORDS = 4096;
const DB_WRITE_DELAY_MS = 30_000;

export interface DiscoveryOptions {
  /** the node's secp256k1 key: discv5's "v4" identity is the libp2p identity, as in op-node */
  privateKey: PrivateKey;
  /** records must name one of these (FilterEnodes); the first is advertised (one opstack entry a record) */
  chainIds: readonly bigint[];
  /** IPv4 address the UDP socket binds (op-node --p2p.listen.ip) */
  bindHost: string;
  /** UDP port; 0 = any free port */
  udpPort: number;
  /** the IP put in our record; absent: none until peers agree on one (op-node --p2p.advertise.ip) */
  advertiseIp?: string;
  /** the TCP port libp2p listens on, for our record */
  tcpPort: number;
  /** `enr:` records and `enode://` URLs to start from (op-node --p2p.bootnodes) */
  bootnodes: readonly string[];
  /** node database file (discovery-db.ts); absent: in memory only */
  dbFile?: string;
  /** a record that passed the filter: its dial address (with /p2p/) and what it says */
  onPeer: (addr: string, record: NodeRecord) => void;
  /** true while the node is short of peers: lookups then run at the fast interval */
  wantsPeers: () => boolean;
  lookupInterval?: { fastMs: number; slowMs: number };
  log: Logger;
}

export interface DiscoveryStats {
  /** records judged (each node id and sequence number once) */
  seen: number;
  /** passed the filter and had a TCP address: handed to the node */
  matched: number;
  noOpstack: number;
  otherChain: number;
  /** the chain's, but no TCP address to dial (a discovery-only node) */
  noTcp: number;
  invalid: number;
}

export interface Discovery {
  /** our record, "enr:…" */
  enr(): string;
  udpPort: number;
  stats(): DiscoveryStats;
  stop(): Promise<void>;
}

export async function startDiscovery(o: DiscoveryOptions): Promise<Discovery> {
  if (o.privateKey.type !== "secp256k1") throw new Error("discovery needs a secp256k1 peer key (an ENR's v4 identity)");
  const { log } = o;
  const db = o.dbFile ? await readDiscoveryDb(o.dbFile) : { nodes: [] as string[] };
  if ("warning" in db && db.warning) log.warn(db.warning);

  const nodeId = getV4Crypto().nodeId(o.privateKey.publicKey.raw);
  const bound = await bindDiscv5Transport(o.bindHost, o.udpPort, nodeId, log);
  const enr = localRecord(o, bound.port, startSeq(db.seq));
  const discv5 = Discv5.create({
    enr,
    privateKey: o.privateKey as Parameters<typeof Discv5.create>[0]["privateKey"],
    bindAddrs: { ip4: bound.transport.bindAddrs[0]! },
    transport: bound.transport,
    // learn our IP from peers' PONGs only when none was given (op-node: geth's LocalNode predictions)
    config: { enrUpdate: o.advertiseIp === undefined },
  });

  const stats: DiscoveryStats = { seen: 0, matched: 0, noOpstack: 0, otherChain: 0, noTcp: 0, invalid: 0 };
  const judged = new Map<string, bigint>(); // node id → seq judged
  const placeholders = new Set<string>(); // node ids of enode:// bootnodes, whose seq-0 stand-ins are not judged
  const judge = (r: ENR): void => {
    if (judged.get(r.nodeId) === r.seq || (r.seq === 0n && placeholders.has(r.nodeId))) return;
    judged.delete(r.nodeId);
    judged.set(r.nodeId, r.seq);
    if (judged.size > SEEN_RECORDS) judged.delete(judged.keys().next().value!);
    stats.seen++;
    let rec: NodeRecord;
    try {
      rec = parseNodeRecord(r.encodeTxt()); // geth's reading of the record, as op-node gets it
    } catch (e) {
      stats.invalid++;
      log.debug("discovered record refused", { nodeId: r.nodeId, err: e });
      return;
    }
    if (!opStackEntryMatches(rec.opstack, o.chainIds)) {
      if (rec.opstack) stats.otherChain++;
      else stats.noOpstack++;
      log.debug("discovered record of another network", { peer: rec.peerId, opstack: rec.opstack ? `${rec.opstack.chainId}/${rec.opstack.version}` : null });
      return;
    }
    let addrs: string[];
    try {
      addrs = nodeRecordMultiaddrs(rec);
    } catch (e) {
      if (!(e instanceof NodeRecordError)) throw e;
      stats.noTcp++;
      return;
    }
    stats.matched++;
    log.debug("discovered peer", { peer: rec.peerId, addr: addrs[0], chainId: String(rec.opstack!.chainId) });
    for (const a of addrs) o.onPeer(a, rec);
  };
  // Called from the library's packet handlers: whatever goes wrong is logged, never thrown out of them.
  const consider = (r: ENR): void => {
    try {
      judge(r);
    } catch (e) {
      log.warn("discovered record not handled", { nodeId: r.nodeId, err: e });
    }
  };

  const writer = o.dbFile
    ? new CoalescedWriter(
        () => writeDiscoveryDb(o.dbFile!, { seq: discv5.enr.seq, nodes: discv5.kadValues().filter((e) => !(e.seq === 0n && placeholders.has(e.nodeId))).map((e) => e.encodeTxt()) }),
        (e) => log.warn("cannot write the discovery database", { file: o.dbFile, err: e }),
        DB_WRITE_DELAY_MS,
      )
    : undefined;
  // Discv5's typed emitter does not resolve under nodenext (strict-event-emitter-types is CJS): the
  // events are those of its IDiscv5Events.
  const events = discv5 as unknown as EventEmitter;
  events.on("discovered", consider);
  events.on("enrAdded", (r: ENR) => {
    consider(r);
    writer?.changed();
  });
  events.on("multiaddrUpdated", (a: { toString(): string }) => {
    log.info("discovery: our address, as peers see it, is now in our record", { addr: a.toString(), enr: discv5.enr.encodeTxt() });
    writer?.changed();
  });
  try {
    await discv5.start();
    for (const text of db.nodes) discv5.addEnr(text); // refused silently by the library if invalid
    await addBootnodes(discv5, o.bootnodes, placeholders, log);
  } catch (e) {
    await discv5.stop().catch(() => {});
    await bound.transport.stop();
    throw e;
  }
  writer?.changed(); // the new sequence number

  const interval = o.lookupInterval ?? LOOKUP_INTERVAL;
  let stopped = false;
  let walkTimer: ReturnType<typeof setTimeout> | undefined;
  const lookup = async (target?: string): Promise<void> => {
    if (stopped) return;
    try {
      const found = await (target ? discv5.findNode(target) : discv5.findRandomNode());
      for (const r of found) consider(r);
    } catch (e) {
      log.debug("discovery lookup failed", { err: e });
    }
  };
  const refresh = async (): Promise<void> => {
    await lookup(discv5.enr.nodeId);
    for (let i = 0; i < 3; i++) await lookup();
  };
  const walk = async (): Promise<void> => {
    await lookup();
    if (stopped) return;
    walkTimer = setTimeout(() => void walk(), o.wantsPeers() ? interval.fastMs : interval.slowMs);
    walkTimer.unref();
  };
  void refresh().then(walk);
  const refreshTimer = setInterval(() => void refresh(), REFRESH_INTERVAL_MS);
  refreshTimer.unref();
  log.info("discovery started", { enr: discv5.enr.encodeTxt(), udp: `${o.bindHost}:${bound.port}`, bootnodes: o.bootnodes.length, restored: db.nodes.length });

  return {
    enr: () => discv5.enr.encodeTxt(),
    udpPort: bound.port,
    stats: () => ({ ...stats }),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(walkTimer);
      clearInterval(refreshTimer);
      await writer?.flush();
      await discv5.stop();
    },
  };
}

/** Our record: v4 identity, ip (if known), tcp, udp, opstack for the first chain (op-node's Config.Discovery). */
function localRecord(o: DiscoveryOptions, udpPort: number, seq: bigint): SignableENR {
  const raw = o.privateKey.raw;
  const pub = o.privateKey.publicKey.raw; // compressed, 33 bytes
  const kvs: Record<string, Uint8Array> = {
    id: new TextEncoder().encode("v4"),
    secp256k1: pub,
    tcp: portBytes(o.tcpPort),
    udp: portBytes(udpPort),
    [OPSTACK_ENR_KEY]: encodeOpStackEntry({ chainId: o.chainIds[0]!, version: OPSTACK_ENR_VERSION }),
  };
  if (o.advertiseIp !== undefined) kvs["ip"] = ip4Bytes(o.advertiseIp);
  return new SignableENR(kvs, seq, raw);
}

/** A port as geth writes it: a canonical RLP uint16, no leading zero byte (enr.TCP / enr.UDP). */
function portBytes(port: number): Uint8Array {
  return port === 0 ? new Uint8Array(0) : port < 0x100 ? Uint8Array.of(port) : Uint8Array.of(port >> 8, port & 0xff);
}

/**
 * `enr:` bootnodes go into the table as they are. An `enode://` URL has no signed record: as geth
 * stands for one with an unsigned "v4compat" record, it goes in as a placeholder (its key, ip and udp,
 * sequence number 0, no signature) and is pinged at once; its PONG carries the real sequence number,
 * so discv5 fetches the signed record (FINDNODE distance 0), which replaces the placeholder. A host name
 * is resolved first, as op-node resolves one (load_config.go resolveURLIP). (Pinging a bare
 * /ip4/…/udp/…/p2p/… multiaddr instead does not work in @chainsafe/discv5 11.0.4: the WHOAREYOU reply
 * is refused as coming from "a non-expected source", the /p2p/ part included in the comparison.)
 */
async function addBootnodes(discv5: Discv5, bootnodes: readonly string[], placeholders: Set<string>, log: Logger): Promise<void> {
  for (const text of bootnodes) {
    if (text.startsWith("enr:")) {
      discv5.addEnr(text);
      continue;
    }
    let r: NodeRecord;
    try {
      r = parseNodeRecord(text);
      if (!r.udp) throw new NodeRecordError("no UDP port");
    } catch (e) {
      log.warn("bootnode not used for discovery", { bootnode: text.slice(0, 40), err: e });
      continue;
    }
    const ip = r.ip ?? (r.dns ? await lookup(r.dns, { family: 4 }).then((a) => a.address).catch(() => undefined) : undefined);
    if (!ip) {
      log.warn("bootnode not used for discovery: no IPv4 address", { bootnode: text.slice(0, 40) });
      continue;
    }
    const kvs = { id: new TextEncoder().encode("v4"), secp256k1: r.publicKey, ip: ip4Bytes(ip), udp: portBytes(r.udp) };
    const placeholder = new ENR(kvs, 0n, new Uint8Array(64));
    placeholders.add(placeholder.nodeId);
    discv5.addEnr(placeholder);
    discv5.sendPing(placeholder).catch((e: unknown) => log.debug("bootnode ping failed", { bootnode: text.slice(0, 40), err: e }));
  }
}

function ip4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split(".").map(Number));
}
