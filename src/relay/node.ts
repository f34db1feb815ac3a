// The libp2p host, built like op-node's (op-node/p2p/host.go, gossip.go): TCP with noise, yamux and
// mplex muxers, identify and ping; plus websockets. gossipsub takes every op-node parameter from
// gossip-params.ts. Shared by the relay (subscribe, async-validate) and the publisher mode (publishRaw).
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { bootstrap } from "@libp2p/bootstrap";
import { gossipsub, type GossipSub, type GossipsubOpts, type TopicValidatorResult } from "@libp2p/gossipsub";
import { identify, type Identify } from "@libp2p/identify";
import { KEEP_ALIVE, type PeerId, type PrivateKey } from "@libp2p/interface";
import { mplex } from "@libp2p/mplex";
import { peerIdFromString } from "@libp2p/peer-id";
import { ping, type Ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import { BanFileWriter, readBanFile } from "./ban-file.ts";
import { BanList, MAX_BANS } from "./ban-list.ts";
import { startDiscovery, type Discovery, type DiscoveryOptions } from "./discovery.ts";
import { BAN, GOSSIPSUB_STATIC, MESH, PEER_SCORE_THRESHOLDS, peerScoreParams } from "./gossip-params.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { patchGossipsubOutboundLimit } from "./gossipsub-patch.ts";
import { patchYamuxWindowUpdates } from "./yamux-patch.ts";
import { relayFastMsgIdFn, relayMsgIdFn } from "./msg-id.ts";

/**
 * The methods @libp2p/gossipsub 17.1 has at runtime but leaves out of its public `GossipSub` type
 * (toolchain notes). Peer ids are strings here, as the implementation takes them.
 */
export interface GossipSubApi extends GossipSub {
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: TopicValidatorResult): void;
  getMeshPeers(topic: string): string[];
  getScore(peerId: string): number;
}

export type Services = { identify: Identify; ping: Ping; pubsub: GossipSub };

export interface GossipNodeOptions {
  /** libp2p identity; an ephemeral secp256k1 key when absent */
  privateKey?: PrivateKey;
  /** listen multiaddrs (op-node: --p2p.listen.tcp 9222) */
  listen?: string[];
  /** topics allowed (op-node's subscription allow-list) and, unless `subscribe` is false, joined */
  topics: string[];
  subscribe?: boolean;
  /** multiaddrs with /p2p/<id>: dialled and kept connected (op-node --p2p.static) */
  staticPeers?: string[];
  /** multiaddrs with /p2p/<id>: dialled at start, and again while under-connected */
  bootstrap?: string[];
  /** discv5 (discovery.ts), started once libp2p listens; what it finds is dialled like bootstrap peers */
  discovery?: NodeDiscoveryOptions;
  /** gossipsub P5 (application-specific score), e.g. the Worker's peer scores */
  appSpecificScore?: (peerId: string) => number;
  /** P4 weight on the topics (gossip-params.ts); 0 = op-node's exact light params */
  invalidMessageWeight?: number;
  /** The topics that get P4 (default: all of `topics`); the others keep op-node's light params exactly. */
  invalidMessageTopics?: string[];
  blockTimeSeconds?: number;
  maxConnections?: number;
  /** peers scoring below this are disconnected and banned (op-node --p2p.ban.threshold) */
  banThreshold?: number;
  banDurationMs?: number;
  /** where bans are kept across restarts (ban-file.ts); absent: in memory only */
  banFile?: string;
  /** how often scores are checked against the ban threshold */
  scoreInspectMs?: number;
  /** how often missing static (and, when under-connected, bootstrap) peers are redialled */
  redialMs?: number;
  /** test-only knobs layered over op-node's parameters */
  gossipOverrides?: Partial<GossipsubOpts>;
  userAgent?: string;
  log?: Logger;
  metrics?: RelayMetrics;
}

/** What discovery needs besides what the node itself knows (its key, its TCP port, its peer count). */
export type NodeDiscoveryOptions = Omit<DiscoveryOptions, "privateKey" | "tcpPort" | "onPeer" | "wantsPeers" | "log">;

/** Discovered peers kept for redials; the oldest is forgotten first. */
const MAX_DISCOVERED = 256;

export interface PublishRawOptions {
  /** how long to wait for a peer to publish to (default 10 s) */
  timeoutMs?: number;
}

export interface GossipNode {
  libp2p: Libp2p<Services>;
  pubsub: GossipSubApi;
  peerId: string;
  bans: BanList;
  /** discv5, when enabled */
  discovery?: Discovery;
  multiaddrs(): string[];
  connectedPeers(): string[];
  /** Disconnects and bans a peer; dials and inbound connections from it are refused until the ban ends. */
  ban(peerId: string, reason: string, durationMs?: number): Promise<void>;
  /** Waits until the topic mesh (or the topic's subscribers above the publish threshold) has `n` peers. */
  waitForTopicPeers(topic: string, n?: number, timeoutMs?: number, kind?: "mesh" | "subscribers"): Promise<void>;
  /**
   * Publishes raw gossip bytes (already snappy-compressed: the publisher mode's signed envelope) once
   * a subscribed peer can take them. Throws gossipsub's PublishError on a duplicate.
   */
  publishRaw(topic: string, data: Uint8Array, opts?: PublishRawOptions): Promise<{ recipients: string[] }>;
  stop(): Promise<void>;
}

function peerIdOf(addr: string): string {
  const id = multiaddr(addr).getComponents().findLast((c) => c.name === "p2p")?.value;
  if (!id) throw new Error(`multiaddr ${addr} has no /p2p/<peer id>`);
  try {
    return peerIdFromString(id).toString();
  } catch {
    throw new Error(`multiaddr ${addr} has an invalid peer id`);
  }
}

/** Throws on a multiaddr that does not parse or lacks a peer id. */
/**
 * libp2p's error for a listen address it cannot bind talks about its own `transportManager.faultTolerance`
 * setting, which no flag exposes: say which address failed and which flag to change instead.
 */
export function explainListenError(e: unknown): unknown {
  const msg = (e as Error)?.message ?? "";
  if ((e as Error)?.name !== "UnsupportedListenAddressesError") return e;
  const failed = [...msg.matchAll(/^\s*(\/\S+): Error: (?:listen )?(\w+)[^\n]*/gm)].map((m) => `${m[1]} (${m[2] === "EADDRINUSE" ? "address already in use" : m[2]})`);
  return new Error(`cannot listen on ${failed.join(", ") || "the --listen address"}: choose another with --listen (op-node's p2p port is 9222)`);
}

export function validatePeerAddr(addr: string): string {
  return peerIdOf(addr);
}

export async function createGossipNode(opts: GossipNodeOptions): Promise<GossipNode> {
  const log = opts.log ?? silentLogger;
  const bans = new BanList();
  let banWriter: BanFileWriter | undefined;
  if (opts.banFile) {
    const file = opts.banFile;
    const saved = await readBanFile(file);
    if (saved.warning) log.warn(saved.warning);
    const now = Date.now();
    // the longest-lasting first, at most as many as the list keeps (no eviction scans while restoring)
    for (const [peer, until] of [...saved.bans].sort((a, b) => b[1] - a[1]).slice(0, MAX_BANS)) bans.ban(peer, until - now);
    if (saved.bans.length) log.info("bans restored", { banFile: file, count: saved.bans.length });
    banWriter = new BanFileWriter(file, () => bans.entries(), (e) => log.warn("cannot write the ban file", { banFile: file, err: e }));
  }
  const topics = [...new Set(opts.topics)];
  const banThreshold = opts.banThreshold ?? BAN.threshold;
  const banDurationMs = opts.banDurationMs ?? BAN.durationMs;
  const staticPeers = (opts.staticPeers ?? []).map((a) => ({ addr: multiaddr(a), id: peerIdOf(a) }));
  const bootstrapPeers = (opts.bootstrap ?? []).map((a) => ({ addr: multiaddr(a), id: peerIdOf(a) }));
  const patch = await patchGossipsubOutboundLimit();
  if (!patch.patched) log.warn("could not lift @libp2p/gossipsub's 4 MiB outbound limit; larger messages will not be forwarded", { reason: patch.reason });
  const yamuxPatch = patchYamuxWindowUpdates();
  if (!yamuxPatch.patched) log.warn("could not batch yamux window updates; every frame received is answered with one", { reason: yamuxPatch.reason });

  const libp2p = await createLibp2p<Services>({
    ...(opts.privateKey ? { privateKey: opts.privateKey } : {}),
    addresses: { listen: opts.listen ?? ["/ip4/127.0.0.1/tcp/0"] }, // callers pass --listen; never op-node's 9222 by accident
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    // op-node's --p2p.mux default: yamux first, then mplex
    streamMuxers: [yamux(), mplex()],
    connectionGater: bans.gater(),
    // Inbound connections are refused before any handshake above 5 per second from one IP and above
    // 10 handshakes under way (js-libp2p's defaults, pinned): a banned Sybil that returns with a fresh
    // identity costs at most that many noise handshakes. No per-IP ban: peers behind one NAT (and every
    // node on loopback) share an IP; op-node bans IPs only when told to (its gating/expiry.go).
    connectionManager: { maxConnections: opts.maxConnections ?? 64, inboundConnectionThreshold: 5, maxIncomingPendingConnections: 10 },
    nodeInfo: { userAgent: opts.userAgent ?? "op-follow" },
    peerDiscovery: bootstrapPeers.length ? [bootstrap({ list: bootstrapPeers.map((p) => p.addr.toString()) })] : [],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        ...GOSSIPSUB_STATIC,
        msgIdFn: relayMsgIdFn,
        fastMsgIdFn: relayFastMsgIdFn,
        allowedTopics: topics,
        scoreParams: peerScoreParams({
          topics: opts.invalidMessageTopics ?? topics,
          appSpecificScore: opts.appSpecificScore ?? (() => 0),
          ...(opts.blockTimeSeconds !== undefined ? { blockTimeSeconds: opts.blockTimeSeconds } : {}),
          ...(opts.invalidMessageWeight !== undefined ? { invalidMessageWeight: opts.invalidMessageWeight } : {}),
        }),
        scoreThresholds: PEER_SCORE_THRESHOLDS,
        ...opts.gossipOverrides,
      }),
    },
  }).catch((e: unknown) => {
    throw explainListenError(e);
  });
  // The one narrowing cast: these methods exist on the GossipSub class (gossipsub.d.ts) but not on
  // the interface the package's factory returns.
  const pubsub = libp2p.services.pubsub as GossipSubApi;
  const self = libp2p.peerId.toString();

  for (const p of staticPeers) {
    // KEEP_ALIVE: never pruned, and libp2p's reconnect queue redials it right after a disconnect.
    await libp2p.peerStore.merge(peerIdFromString(p.id), { multiaddrs: [p.addr], tags: { [KEEP_ALIVE]: { value: 1 } } });
  }
  if (opts.subscribe !== false) for (const t of topics) pubsub.subscribe(t);

  const ban = async (peerId: string, reason: string, durationMs = banDurationMs): Promise<void> => {
    if (peerId === self) return;
    const fresh = bans.ban(peerId, durationMs);
    banWriter?.changed();
    if (fresh) {
      opts.metrics?.bans.inc({ reason });
      log.warn("peer banned", { peer: peerId, reason, durationMs });
    }
    try {
      await libp2p.hangUp(peerIdFromString(peerId));
    } catch (e) {
      log.debug("hangUp failed", { peer: peerId, err: e });
    }
  };

  const dialing = new Set<string>();
  // A discovered peer that cannot be dialled is forgotten (op-node lets its address expire); finding
  // it again brings it back. Static and bootstrap peers are the operator's: retried and warned about.
  const discovered = new Map<string, { addr: Multiaddr; id: string }>();
  const dial = (p: { addr: Multiaddr; id: string }, kind: "static" | "bootstrap" | "discovered"): void => {
    if (dialing.has(p.id) || bans.isBanned(p.id) || libp2p.getConnections(peerIdFromString(p.id)).length > 0) return;
    dialing.add(p.id);
    libp2p
      .dial(p.addr, { signal: AbortSignal.timeout(10_000) })
      .then(() => log.info("connected", { peer: p.id, kind }))
      .catch((e: unknown) => {
        if (kind !== "discovered") log.warn("dial failed", { peer: p.id, kind, addr: p.addr.toString(), err: e });
        else if (discovered.delete(p.id)) log.debug("dial failed", { peer: p.id, kind, addr: p.addr.toString(), err: e });
      })
      .finally(() => dialing.delete(p.id));
  };
  // Under-connected = fewer than D_lo peers on our topics: peers of other chains (a bootnode's
  // neighbours) do not count, or they would stop the redials that find ours.
  const underConnected = (): boolean => {
    const onTopics = new Set(topics.flatMap((t) => pubsub.getSubscribers(t).map((p) => p.toString())));
    return onTopics.size < MESH.Dlo;
  };
  const roomFor = (): boolean => libp2p.getConnections().length < (opts.maxConnections ?? 64);
  const maintain = (): void => {
    if (libp2p.status !== "started") return;
    for (const p of staticPeers) dial(p, "static");
    if (!underConnected()) return;
    for (const p of bootstrapPeers) dial(p, "bootstrap");
    for (const p of discovered.values()) if (roomFor()) dial(p, "discovered");
  };
  const addDiscovered = (addr: string): void => {
    const p = { addr: multiaddr(addr), id: peerIdOf(addr) };
    if (p.id === self) return;
    discovered.delete(p.id); // re-inserted as the newest
    discovered.set(p.id, p);
    if (discovered.size > MAX_DISCOVERED) discovered.delete(discovered.keys().next().value!);
    if (libp2p.status === "started" && underConnected() && roomFor()) dial(p, "discovered");
  };
  /**
   * The connected peers' ids, from the connections' own PeerIds. libp2p.getPeers() rebuilds every id
   * from its string, and for a secp256k1 id (op-node's) that decompresses and validates its public
   * key: ≈ 1–2 ms a peer, which the once-a-second ban check paid for every connected peer.
   */
  const connectedPeerIds = (): string[] => [...new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))];
  const inspect = (): void => {
    if (libp2p.status !== "started") return;
    for (const id of connectedPeerIds()) {
      const score = pubsub.getScore(id);
      if (score < banThreshold) void ban(id, "score");
    }
  };
  maintain();
  let discovery: Discovery | undefined;
  if (opts.discovery) {
    const tcpPort = listenTcpPort(libp2p.getMultiaddrs().map((m) => m.toString()));
    try {
      if (tcpPort === undefined) throw new Error("discovery needs libp2p to listen on an /ip4/…/tcp/… address (its port goes in our record)");
      if (!opts.privateKey) throw new Error("discovery needs the node's secp256k1 key");
      discovery = await startDiscovery({ ...opts.discovery, privateKey: opts.privateKey, tcpPort, onPeer: addDiscovered, wantsPeers: () => underConnected() && roomFor(), log });
    } catch (e) {
      await libp2p.stop();
      throw e;
    }
  }
  const timers = [setInterval(maintain, opts.redialMs ?? 10_000), setInterval(inspect, opts.scoreInspectMs ?? 1_000)];
  for (const t of timers) t.unref();

  libp2p.addEventListener("peer:connect", (e) => log.debug("peer connected", { peer: e.detail.toString() }));
  libp2p.addEventListener("peer:disconnect", (e) => log.debug("peer disconnected", { peer: e.detail.toString() }));

  const waitForTopicPeers = async (topic: string, n = 1, timeoutMs = 10_000, kind: "mesh" | "subscribers" = "mesh"): Promise<void> => {
    const count = (): number =>
      kind === "mesh"
        ? pubsub.getMeshPeers(topic).length
        : pubsub.getSubscribers(topic).filter((p) => pubsub.getScore(p.toString()) >= PEER_SCORE_THRESHOLDS.publishThreshold).length;
    const end = Date.now() + timeoutMs;
    while (count() < n) {
      if (Date.now() >= end) throw new Error(`no ${kind === "mesh" ? "mesh peers" : "subscribed peers"} on ${topic} after ${timeoutMs} ms (have ${count()}, want ${n})`);
      if (libp2p.status !== "started") throw new Error("node stopped");
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  let stopped = false;
  return {
    libp2p,
    pubsub,
    peerId: self,
    bans,
    ...(discovery ? { discovery } : {}),
    multiaddrs: () => libp2p.getMultiaddrs().map((m) => m.toString()),
    connectedPeers: connectedPeerIds,
    ban,
    waitForTopicPeers,
    async publishRaw(topic, data, o = {}) {
      // gossipsub sends to mesh peers, or to fanout peers (topic subscribers above the publish
      // threshold with an outbound stream open) when the mesh is empty. Until it has one it throws
      // NoPeersSubscribedToTopic before marking the message seen, so asking it again is the wait: a
      // count of subscribers alone would pass before the stream to a new one is open.
      const timeoutMs = o.timeoutMs ?? 10_000;
      const end = Date.now() + timeoutMs;
      for (;;) {
        try {
          const r = await pubsub.publish(topic, data);
          return { recipients: r.recipients.map((p) => p.toString()) };
        } catch (e) {
          if ((e as Error)?.message !== "PublishError.NoPeersSubscribedToTopic") throw e;
          if (libp2p.status !== "started") throw new Error("node stopped");
          if (Date.now() >= end) throw new Error(`no subscribed peers on ${topic} after ${timeoutMs} ms (have ${pubsub.getSubscribers(topic).length}, want 1)`);
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearInterval(t);
      try {
        await discovery?.stop().catch((e: unknown) => log.warn("discovery did not stop cleanly", { err: e }));
        await libp2p.stop();
      } finally {
        await banWriter?.flush();
      }
    },
  };
}

/** The TCP port of the first /ip4/<ip>/tcp/<port> address libp2p listens on (what op-node puts in its record). */
function listenTcpPort(addrs: string[]): number | undefined {
  for (const a of addrs) {
    const m = /^\/ip4\/[^/]+\/tcp\/(\d+)(\/p2p\/[^/]+)?$/.exec(a);
    if (m && Number(m[1]) > 0) return Number(m[1]);
  }
  return undefined;
}
