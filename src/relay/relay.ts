// The relay: a gossip node subscribed to the cross-safe topics whose async validation is the Worker's
// verdict (forwarder.ts), scored with the Worker's peer list (peer-scores.ts), observable via /metrics.
import { TopicValidatorResult } from "@libp2p/gossipsub";
import { crossSafeTopic } from "../protocol/topic.ts";
import { Forwarder, type VerdictEvent } from "./forwarder.ts";
import { createLogger, type Logger } from "./log.ts";
import { createRelayMetrics, Gauge, type MetricsServer, type RelayMetrics } from "./metrics.ts";
import { createGossipNode, type GossipNode } from "./node.ts";
import { nodeOptions, nodePeerKey, serveNodeMetrics, VALIDATION_RESULT, type NodeConfig, type NodeExtras } from "./node-setup.ts";
import { PeerScores } from "./peer-scores.ts";

export interface RelayConfig extends NodeConfig {
  chainIds: bigint[];
  workerUrl: string;
  relayId: string;
  /** HMAC secret shared with the Worker; never logged */
  secret: string;
  maxQueue: number;
  maxQueueBytes: number;
  concurrency: number;
  deadlineMs: number;
  requestTimeoutMs: number;
  peerListIntervalMs: number;
  invalidMessageWeight: number;
  banThreshold: number;
  banDurationMs: number;
}

/** In-process hooks (tests, and the end-to-end harness). */
export interface RelayExtras extends NodeExtras {
  log?: Logger;
  onVerdict?: (e: VerdictEvent) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
}

export interface Relay {
  node: GossipNode;
  forwarder: Forwarder;
  peerScores: PeerScores;
  metrics: RelayMetrics;
  metricsServer?: MetricsServer;
  topics: string[];
  log: Logger;
  stop(): Promise<void>;
}

export async function startRelay(config: RelayConfig, extras: RelayExtras = {}): Promise<Relay> {
  const log = extras.log ?? createLogger({ level: config.logLevel, fields: { component: "relay", relayId: config.relayId } });
  const metrics = createRelayMetrics();
  const topics = config.chainIds.map((c) => crossSafeTopic(c));

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
    banThreshold: config.banThreshold,
    banDurationMs: config.banDurationMs,
    userAgent: "op-follow-relay",
    log,
    metrics,
  });
  const gossip = node;

  const forwarder = new Forwarder({
    workerUrl: config.workerUrl,
    relayId: config.relayId,
    secret: config.secret,
    maxQueue: config.maxQueue,
    maxQueueBytes: config.maxQueueBytes,
    concurrency: config.concurrency,
    deadlineMs: config.deadlineMs,
    requestTimeoutMs: config.requestTimeoutMs,
    ...(extras.backoffBaseMs !== undefined ? { backoffBaseMs: extras.backoffBaseMs } : {}),
    ...(extras.backoffMaxMs !== undefined ? { backoffMaxMs: extras.backoffMaxMs } : {}),
    ...(extras.fetch ? { fetch: extras.fetch } : {}),
    ...(extras.onVerdict ? { onVerdict: extras.onVerdict } : {}),
    metrics,
    log,
    report: (msgId, source, verdict) => {
      if (gossip.libp2p.status === "started") gossip.pubsub.reportMessageValidationResult(msgId, source, VALIDATION_RESULT[verdict]);
    },
  });

  const topicSet = new Set(topics);
  gossip.pubsub.addEventListener("gossipsub:message", (e) => {
    const { msgId, propagationSource, msg } = e.detail;
    if (!topicSet.has(msg.topic)) {
      gossip.pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), TopicValidatorResult.Ignore);
      return;
    }
    forwarder.submit({ msgId, topic: msg.topic, data: msg.data, source: propagationSource.toString(), receivedMs: Date.now() });
  });

  metrics.addGauge(new Gauge("op_follow_relay_queue_depth", "Messages waiting for a Worker request slot.", () => forwarder.queueDepth));
  metrics.addGauge(new Gauge("op_follow_relay_queue_bytes", "Bytes of messages waiting for a Worker request slot.", () => forwarder.queueBytes));
  metrics.addGauge(new Gauge("op_follow_relay_in_flight", "Messages being forwarded to the Worker (including backoff).", () => forwarder.inFlightCount));
  metrics.addGauge(new Gauge("op_follow_relay_peers", "Connected libp2p peers.", () => gossip.libp2p.getPeers().length));
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
  metrics.addGauge(new Gauge("op_follow_relay_worker_up", "1 unless the last ingest request failed in transport.", () => (forwarder.workerStatus.failing ? 0 : 1)));

  const metricsServer = await serveNodeMetrics(config, gossip, metrics.registry, () => {
    const ok = gossip.libp2p.status === "started";
    return {
      ok,
      body: {
        ok,
        peerId: gossip.peerId,
        peers: gossip.libp2p.getPeers().length,
        mesh: Object.fromEntries(topics.map((t) => [t, gossip.pubsub.getMeshPeers(t).length])),
        queueDepth: forwarder.queueDepth,
        inFlight: forwarder.inFlightCount,
        workerFailing: forwarder.workerStatus.failing,
        lastWorkerOkMs: forwarder.workerStatus.lastOkMs || null,
        lastPeerListOkMs: peerScores.lastRefreshOkMs || null,
        ...(discovery ? { discovery: { enr: discovery.enr(), udpPort: discovery.udpPort, ...discovery.stats() } } : {}),
      },
    };
  });
  peerScores.start();

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
    peerScores,
    metrics,
    ...(metricsServer ? { metricsServer } : {}),
    topics,
    log,
    stop() {
      stopping ??= (async () => {
        log.info("relay stopping");
        await peerScores.stop();
        await forwarder.stop();
        await gossip.stop();
        await metricsServer?.close();
        log.info("relay stopped");
      })();
      return stopping;
    },
  };
}
