// The relay: a gossip node subscribed to the cross-safe topic and op-node's four blocks topics (the
// sequencer's unsafe blocks) whose async validation is the Worker's verdict (forwarder.ts), scored
// with the Worker's peer list (peer-scores.ts), observable via /metrics.
//
// Each kind of topic has its own forwarder (queue, concurrency, retries): a flood on the blocks
// topics fills the blocks queue and never delays a cross-safe message on its way to the Worker.
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { formatTopic, parseTopic, type TopicKind } from "../protocol/topic.ts";
import { Forwarder, type VerdictEvent } from "./forwarder.ts";
import { createLogger, type Logger } from "./log.ts";
import { createRelayMetrics, Gauge, type MetricsServer, type RelayMetrics } from "./metrics.ts";
import { createGossipNode, type GossipNode } from "./node.ts";
import { nodeOptions, nodePeerKey, serveNodeMetrics, VALIDATION_RESULT, type NodeConfig, type NodeExtras } from "./node-setup.ts";
import { PeerScores } from "./peer-scores.ts";
import { startStatusLine, type StatusLine } from "./status-line.ts";
import { WorkerHealth, type WorkerHealthStatus } from "./worker-health.ts";

export interface RelayConfig extends NodeConfig {
  chainIds: bigint[];
  /** Which topics to follow per chain (default both): the cross-safe one, op-node's four blocks topics. */
  topicKinds?: TopicKind[];
  workerUrl: string;
  relayId: string;
  /** HMAC secret shared with the Worker; never logged */
  secret: string;
  maxQueue: number;
  /** one peer's messages queued + in flight, per chain (default FORWARDER_DEFAULTS.maxPerPeer) */
  maxPerPeer?: number;
  maxQueueBytes: number;
  concurrency: number;
  deadlineMs: number;
  requestTimeoutMs: number;
  peerListIntervalMs: number;
  invalidMessageWeight: number;
  banThreshold: number;
  banDurationMs: number;
  /** how long requests to the Worker must keep failing before /healthz says so (worker-health.ts; default 30 s) */
  workerFailingAfterMs?: number;
  /** the periodic info line with counts; 0 or absent = none */
  statusIntervalMs?: number;
}

/** In-process hooks (tests, and the end-to-end harness). */
export interface RelayExtras extends NodeExtras {
  log?: Logger;
  onVerdict?: (e: VerdictEvent) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  /**
   * The relay's clock (ms since epoch), for tests of a skewed host clock: it stamps received messages
   * and signs ingest requests. Default Date.now.
   */
  now?: () => number;
}

export interface Relay {
  node: GossipNode;
  /** The cross-safe topic's forwarder. */
  forwarder: Forwarder;
  /** The blocks topics' forwarder (unsafe blocks): its own queue. */
  blocksForwarder: Forwarder;
  peerScores: PeerScores;
  metrics: RelayMetrics;
  metricsServer?: MetricsServer;
  topics: string[];
  log: Logger;
  /** the Worker's health as /healthz reports it */
  health(): RelayHealth;
  stop(): Promise<void>;
}

/** /healthz's verdict on the Worker: failing when either kind of request has been failing for long. */
export interface RelayHealth {
  ok: boolean;
  /** e.g. "worker-ingest-auth", "worker-peer-list-timeout"; absent when ok */
  reason?: string;
  /** what to do about it */
  message?: string;
  ingest: WorkerHealthStatus;
  peerList: WorkerHealthStatus;
}

function relayHealth(ingest: WorkerHealth, peerList: WorkerHealth): RelayHealth {
  const i = ingest.status();
  const p = peerList.status();
  const bad = i.state === "failing" ? { what: "ingest", s: i } : p.state === "failing" ? { what: "peer-list", s: p } : undefined;
  if (!bad) return { ok: true, ingest: i, peerList: p };
  return { ok: false, reason: `worker-${bad.what}-${bad.s.reason}`, message: `${bad.s.message} (${bad.s.consecutiveFailures} ${bad.what} requests failed in a row since ${new Date(bad.s.failingSinceMs!).toISOString()}; last: ${bad.s.detail})`, ingest: i, peerList: p };
}

export const TOPIC_KINDS: readonly TopicKind[] = ["cross-safe", "blocks"];

/** Per chain: /optimism/<id>/0/cross-safe-blocks and/or op-node's /optimism/<id>/{0..3}/blocks (v1–v4). */
export function relayTopics(chainIds: readonly bigint[], kinds: readonly TopicKind[]): string[] {
  return chainIds.flatMap((c) => [
    ...(kinds.includes("cross-safe") ? [formatTopic(c, "cross-safe")] : []),
    ...(kinds.includes("blocks") ? ([1, 2, 3, 4] as const).map((v) => formatTopic(c, "blocks", v)) : []),
  ]);
}

export async function startRelay(config: RelayConfig, extras: RelayExtras = {}): Promise<Relay> {
  const log = extras.log ?? createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}), fields: { component: "relay", relayId: config.relayId } });
  const metrics = createRelayMetrics();
  const topics = relayTopics(config.chainIds, config.topicKinds ?? TOPIC_KINDS);
  const ingestHealth = new WorkerHealth({ windowMs: config.workerFailingAfterMs });
  const peerListHealth = new WorkerHealth({ windowMs: config.workerFailingAfterMs });
  const health = (): RelayHealth => relayHealth(ingestHealth, peerListHealth);

  const privateKey = await nodePeerKey(config, extras, log);

  let node: GossipNode | undefined;
  const peerScores = new PeerScores({
    workerUrl: config.workerUrl,
    chainIds: config.chainIds,
    intervalMs: config.peerListIntervalMs,
    log,
    metrics,
    ...(extras.fetch ? { fetch: extras.fetch } : {}),
    onGraylisted: (peerId) => void node?.ban(peerId, "worker-graylist", config.banDurationMs),
  });

  node = await createGossipNode({
    ...nodeOptions(config, extras, privateKey, config.chainIds),
    topics,
    appSpecificScore: peerScores.appScore,
    invalidMessageWeight: config.invalidMessageWeight,
    // P4 on the cross-safe topic only: op-node's blocks topics keep its light params exactly (no
    // topic scores), as every op-node peer on them runs — a REJECT there costs no score.
    invalidMessageTopics: topics.filter((t) => parseTopic(t)?.kind === "cross-safe"),
    banThreshold: config.banThreshold,
    banDurationMs: config.banDurationMs,
    userAgent: "op-follow-relay",
    log,
    metrics,
  });
  const gossip = node;

  const makeForwarder = (kind: TopicKind): Forwarder =>
    new Forwarder({
      workerUrl: config.workerUrl,
      relayId: config.relayId,
      secret: config.secret,
      maxQueue: config.maxQueue,
      maxQueueBytes: config.maxQueueBytes,
      // one live topic per chain on either kind (the blocks topics' four versions are one per fork)
      chains: config.chainIds.length,
      ...(config.maxPerPeer !== undefined ? { maxPerPeer: config.maxPerPeer } : {}),
      peerScore: (peer) => gossip.pubsub.getScore(peer),
      concurrency: config.concurrency,
      deadlineMs: config.deadlineMs,
      requestTimeoutMs: config.requestTimeoutMs,
      ...(extras.backoffBaseMs !== undefined ? { backoffBaseMs: extras.backoffBaseMs } : {}),
      ...(extras.backoffMaxMs !== undefined ? { backoffMaxMs: extras.backoffMaxMs } : {}),
      ...(extras.fetch ? { fetch: extras.fetch } : {}),
      ...(extras.now ? { now: extras.now } : {}),
      ...(extras.onVerdict ? { onVerdict: extras.onVerdict } : {}),
      metrics,
      log: log.child({ topics: kind }),
      health: ingestHealth,
      report: (msgId, source, verdict) => {
        if (gossip.libp2p.status === "started") gossip.pubsub.reportMessageValidationResult(msgId, source, VALIDATION_RESULT[verdict]);
      },
    });
  const forwarders: Record<TopicKind, Forwarder> = { "cross-safe": makeForwarder("cross-safe"), blocks: makeForwarder("blocks") };
  const forwarder = forwarders["cross-safe"];
  const all = Object.values(forwarders);
  const sum = (f: (x: Forwarder) => number): number => all.reduce((a, x) => a + f(x), 0);

  const now = extras.now ?? Date.now;
  const topicSet = new Set(topics);
  gossip.pubsub.addEventListener("gossipsub:message", (e) => {
    const { msgId, propagationSource, msg } = e.detail;
    const kind = topicSet.has(msg.topic) ? parseTopic(msg.topic)?.kind : undefined;
    if (!kind) {
      gossip.pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), TopicValidatorResult.Ignore);
      return;
    }
    forwarders[kind].submit({ msgId, topic: msg.topic, data: msg.data, source: propagationSource.toString(), receivedMs: now() });
  });

  metrics.addGauge(new Gauge("op_follow_relay_queue_depth", "Messages waiting for a Worker request slot.", () => sum((f) => f.queueDepth)));
  metrics.addGauge(new Gauge("op_follow_relay_queue_bytes", "Bytes of messages waiting for a Worker request slot.", () => sum((f) => f.queueBytes)));
  metrics.addGauge(new Gauge("op_follow_relay_in_flight", "Messages being forwarded to the Worker (including backoff).", () => sum((f) => f.inFlightCount)));
  metrics.addGauge(
    new Gauge("op_follow_relay_topic_queue_depth", "Messages waiting for a Worker request slot, by kind of topic (each kind has its own queue).", () => TOPIC_KINDS.map((k) => ({ labels: { kind: k }, value: forwarders[k].queueDepth })), ["kind"]),
  );
  metrics.addGauge(new Gauge("op_follow_relay_peers", "Connected libp2p peers.", () => gossip.connectedPeers().length));
  metrics.addGauge(
    new Gauge("op_follow_relay_mesh_peers", "gossipsub mesh peers per topic.", () => topics.map((t) => ({ labels: { topic: t }, value: gossip.pubsub.getMeshPeers(t).length })), ["topic"]),
  );
  const discovery = gossip.discovery;
  if (discovery) {
    const results = ["matched", "otherChain", "noOpstack", "noTcp", "invalid"] as const;
    metrics.addGauge(
      new Gauge("op_follow_relay_discovered_records", "Node records found by discv5 since start, by verdict (matched = the chain's, dialled).", () => results.map((r) => ({ labels: { result: r }, value: discovery.stats()[r] })), ["result"]),
    );
  }
  metrics.addGauge(new Gauge("op_follow_relay_banned_peers", "Peers currently banned.", () => gossip.bans.size));
  metrics.addGauge(new Gauge("op_follow_relay_worker_scored_peers", "Peers in the Worker's peer lists.", () => peerScores.size));
  metrics.addGauge(
    new Gauge("op_follow_relay_worker_up", "0 while requests to the Worker have been failing for --worker-failing-after (at least 3 in a row, none succeeding), else 1.", () => (health().ok ? 1 : 0)),
  );
  metrics.addGauge(
    new Gauge(
      "op_follow_relay_worker_consecutive_failures",
      "Requests to the Worker failed in a row, by request kind.",
      () => [
        { labels: { request: "ingest" }, value: ingestHealth.status().consecutiveFailures },
        { labels: { request: "peer-list" }, value: peerListHealth.status().consecutiveFailures },
      ],
      ["request"],
    ),
  );

  const metricsServer = await serveNodeMetrics(config, gossip, metrics.registry, () => {
    const started = gossip.libp2p.status === "started";
    const h = health();
    const ok = started && h.ok;
    return {
      ok,
      body: {
        ok,
        ...(!started ? { reason: "node-not-started", message: "the libp2p node is not running" } : h.ok ? {} : { reason: h.reason, message: h.message }),
        peerId: gossip.peerId,
        peers: gossip.connectedPeers().length,
        mesh: Object.fromEntries(topics.map((t) => [t, gossip.pubsub.getMeshPeers(t).length])),
        queueDepth: sum((f) => f.queueDepth),
        queueDepthByKind: Object.fromEntries(TOPIC_KINDS.map((k) => [k, forwarders[k].queueDepth])),
        inFlight: sum((f) => f.inFlightCount),
        workerFailing: !h.ok,
        worker: { ingest: h.ingest, peerList: h.peerList },
        lastWorkerOkMs: h.ingest.lastOkMs,
        lastPeerListOkMs: peerScores.lastRefreshOkMs || null,
        ...(discovery ? { discovery: { enr: discovery.enr(), udpPort: discovery.udpPort, ...discovery.stats() } } : {}),
      },
    };
  });
  peerScores.start();

  // op-node-style progress at info level: what happened since the last line.
  const count = (verdict: string): number => metrics.messages.sum({ verdict });
  const statusLine: StatusLine | undefined = startStatusLine(log, "relay status", config.statusIntervalMs ?? 0, {
    counters: { accepted: () => count("accept"), rejected: () => count("reject"), ignored: () => count("ignore"), retries: () => metrics.retries.sum({}) },
    gauges: () => ({
      peers: gossip.connectedPeers().length,
      mesh: topics.reduce((n, t) => n + gossip.pubsub.getMeshPeers(t).length, 0),
      queue: sum((f) => f.queueDepth),
      banned: gossip.bans.size,
      worker: ingestHealth.status().state,
    }),
  });

  log.info("relay started", {
    peerId: gossip.peerId,
    listen: gossip.multiaddrs(),
    topics,
    worker: new URL(config.workerUrl).origin,
    staticPeers: config.peers.length,
    bootstrap: config.bootstrap.length,
    discovery: discovery ? discovery.enr() : "off",
    ...(metricsServer ? { metrics: `${metricsServer.host}:${metricsServer.port}` } : {}),
  });

  let stopping: Promise<void> | undefined;
  return {
    node: gossip,
    forwarder,
    blocksForwarder: forwarders.blocks,
    peerScores,
    metrics,
    ...(metricsServer ? { metricsServer } : {}),
    topics,
    log,
    health,
    stop() {
      stopping ??= (async () => {
        log.info("relay stopping");
        statusLine?.stop();
        await peerScores.stop();
        await Promise.all(all.map((f) => f.stop()));
        await gossip.stop();
        await metricsServer?.close();
        log.info("relay stopped");
      })();
      return stopping;
    },
  };
}
