// `op-follow publish`, wired: the publish engine (engine.ts) polling the sequencer's nodes, and a
// gossip node built by the relay's factory (op-node's host and gossipsub parameters) that sends the
// signed messages on /optimism/<chainId>/0/cross-safe-blocks.
//
// The node is subscribed to the topic, as op-node's would be, so relays can put it in their mesh.
// Messages it receives from others are validated locally with the protocol pipeline (op-node's
// rules, signer = our own sequencer address, op-node's per-height seen cache) and the verdict is
// reported to gossipsub (async validation must always be answered).
import "../node/keccak.ts";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { SeenBlocks } from "../protocol/seen-blocks.ts";
import { CROSS_SAFE_VERSION, crossSafeTopic } from "../protocol/topic.ts";
import type { Address } from "../protocol/types.ts";
import { BLOCK_DOMAIN_RISK, type AttestationDomain } from "../protocol/signing-domain.ts";
import { validateGossipMessage } from "../protocol/validate.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { createLogger, type Logger } from "../relay/log.ts";
import { Counter, Gauge, Registry } from "../relay/metrics.ts";
import { createGossipNode, type GossipNode } from "../relay/node.ts";
import { startStatusLine } from "../relay/status-line.ts";
import { nodeOptions, nodePeerKey, serveNodeMetrics, VALIDATION_RESULT, type NodeConfig, type NodeExtras } from "../relay/node-setup.ts";
import { FatalPublisherError, PublishEngine, type PublisherEvent, type SendResult } from "./engine.ts";
import { rpcClient } from "./rpc.ts";
import { rpcSequencerSource, type SequencerSource } from "./source.ts";
import { emptyState, loadState, saveState } from "./state.ts";
import type { HeadRef } from "./sync-status.ts";

export interface PublisherConfig extends NodeConfig {
  chainId: bigint;
  /** The sequencer's op-geth (eth_getBlockByNumber). */
  l2Rpc: string;
  /** The sequencer's op-node (optimism_syncStatus). */
  rollupRpc: string;
  /** The sequencer's block-signing key. Never logged. */
  signerKey: Uint8Array;
  /** Signing domain of attestations; absent = op-follow's own (protocol notes §8.8). */
  attestationDomain?: AttestationDomain;
  stateFile: string;
  /** First height on a fresh state (default: the cross-safe head at start). */
  from?: bigint;
  pollIntervalMs: number;
  rpcTimeoutMs: number;
  /** How long one publish waits for a subscribed peer. */
  publishTimeoutMs: number;
  /** the periodic info line with counts; 0 or absent = none */
  statusIntervalMs?: number;
}

export interface PublisherExtras extends NodeExtras {
  log?: Logger;
  /** Replace the RPC-backed source (tests). */
  source?: SequencerSource;
  onEvent?: (e: PublisherEvent) => void;
  /** Called once if the publisher stops on its own (wrong chain, unusable state file). */
  onFatal?: (e: Error) => void;
}

export interface PublisherStatus {
  signer: Address;
  peerId: string;
  crossSafeHead: HeadRef | null;
  lastPublished: HeadRef | null;
  published: number;
  peers: number;
  lastError: string | null;
}

export interface Publisher {
  node: GossipNode;
  topic: string;
  signer: Address;
  engine: PublishEngine;
  status(): PublisherStatus;
  /** Resolves when the loop has stopped (stop() or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** `jovian_time` from the sequencer's rollup config, for the blob-gas rule of received messages. */
async function jovianTimeOf(rollupRpc: string, timeoutMs: number): Promise<bigint | undefined> {
  try {
    const cfg = await rpcClient("rollup", rollupRpc, timeoutMs).call<Record<string, unknown>>("optimism_rollupConfig");
    const t = cfg?.["jovian_time"];
    return typeof t === "number" || (typeof t === "string" && /^\d+$/.test(t)) ? BigInt(t) : undefined;
  } catch {
    return undefined;
  }
}

function sendError(e: unknown): SendResult {
  const msg = (e as Error).message ?? String(e);
  // gossipsub: the message id is in its seen cache, so it went out before.
  if (msg.includes("PublishError.Duplicate")) return { kind: "duplicate" };
  // Every other publish error is raised before anything is sent (no peer, not started, stopped).
  return { kind: "not-sent", reason: msg };
}

export async function startPublisher(config: PublisherConfig, extras: PublisherExtras = {}): Promise<Publisher> {
  const log = extras.log ?? createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}), fields: { component: "publisher" } });
  const topic = crossSafeTopic(config.chainId);
  const signer = addressOfPrivateKey(config.signerKey);
  if (config.attestationDomain === "block") log.warn("compatibility mode: attestations are signed in the block domain", { risk: BLOCK_DOMAIN_RISK });

  const loaded = await loadState(config.stateFile);
  const state = loaded ?? emptyState(config.chainId);
  if (loaded && config.from !== undefined) log.info("--from is ignored: the state file says where to resume", { stateFile: config.stateFile, cursor: loaded.cursor?.number ?? null });

  const privateKey = await nodePeerKey(config, extras, log);

  const registry = new Registry();
  const mPublished = registry.register(new Counter("op_follow_publisher_published_total", "Blocks signed and published."));
  const mHeld = registry.register(new Counter("op_follow_publisher_held_total", "Publications postponed, by reason.", ["reason"]));
  const mReorgs = registry.register(new Counter("op_follow_publisher_reorgs_total", "L2 reorgs below the last published block."));
  const mPollErrors = registry.register(new Counter("op_follow_publisher_poll_errors_total", "Polls that failed (RPC trouble)."));
  const mReceived = registry.register(new Counter("op_follow_publisher_received_total", "Messages received from peers, by local verdict.", ["verdict"]));

  let engine: PublishEngine;
  try {
    engine = new PublishEngine({
      source: extras.source ?? rpcSequencerSource(rpcClient("l2", config.l2Rpc, config.rpcTimeoutMs), rpcClient("rollup", config.rollupRpc, config.rpcTimeoutMs)),
      chainId: config.chainId,
      signerKey: config.signerKey,
      ...(config.attestationDomain ? { attestationDomain: config.attestationDomain } : {}),
      state,
      persist: (s) => saveState(config.stateFile, s),
      send: async (message) => {
        try {
          const r = await node.publishRaw(topic, message, { timeoutMs: config.publishTimeoutMs });
          return { kind: "sent", recipients: r.recipients };
        } catch (e) {
          return sendError(e);
        }
      },
      ...(config.from !== undefined ? { from: config.from } : {}),
      log,
      onEvent: (e) => {
        if (e.type === "published") mPublished.inc();
        else if (e.type === "held") mHeld.inc({ reason: e.reason });
        else if (e.type === "reorg") mReorgs.inc();
        extras.onEvent?.(e);
      },
    });
  } catch (e) {
    throw e instanceof FatalPublisherError ? new Error(`${config.stateFile}: ${e.message}`) : e;
  }
  await engine.recover();

  const node: GossipNode = await createGossipNode({
    ...nodeOptions(config, extras, privateKey, [config.chainId]),
    topics: [topic],
    userAgent: "op-follow-publisher",
    log,
  });

  // Answer async validation for what peers send us: op-node's rules with our own address as signer.
  const seen = new SeenBlocks();
  let jovianTime: bigint | undefined;
  const jovianLookup = jovianTimeOf(config.rollupRpc, config.rpcTimeoutMs).then((t) => (jovianTime = t));
  node.pubsub.addEventListener("gossipsub:message", (e) => {
    const { msgId, propagationSource, msg } = e.detail;
    const report = (v: Verdict): void => {
      mReceived.inc({ verdict: v });
      if (node.libp2p.status === "started") node.pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), VALIDATION_RESULT[v]);
    };
    if (msg.topic !== topic) return report("ignore");
    void jovianLookup
      .then(() =>
        validateGossipMessage(msg.data, {
          chainId: config.chainId,
          topic,
          kind: "cross-safe",
          version: CROSS_SAFE_VERSION,
          signer,
          ...(config.attestationDomain ? { attestationDomain: config.attestationDomain } : {}),
          now: Math.floor(Date.now() / 1000),
          // Unknown Jovian time: accept a non-zero blobGasUsed rather than reject blocks we cannot judge.
          jovianTime: jovianTime ?? 0n,
          seen,
        }),
      )
      .then(
        (r) => {
          if (r.verdict !== "accept") log.debug("received message not accepted", { peer: propagationSource.toString(), verdict: r.verdict, reason: r.reason });
          report(r.verdict);
        },
        () => report("ignore"),
      );
  });

  registry.register(new Gauge("op_follow_publisher_cross_safe_head", "The sequencer's cross-safe head at the last poll.", () => Number(engine.head?.number ?? -1n)));
  registry.register(new Gauge("op_follow_publisher_last_published", "Height of the last block published.", () => Number(state.cursor?.number ?? -1n)));
  registry.register(new Gauge("op_follow_publisher_peers", "Connected libp2p peers.", () => node.libp2p.getPeers().length));
  registry.register(new Gauge("op_follow_publisher_topic_peers", "Peers subscribed to the cross-safe topic.", () => node.pubsub.getSubscribers(topic).length));

  let published = 0;
  let lastError: string | null = null;
  const status = (): PublisherStatus => ({
    signer,
    peerId: node.peerId,
    crossSafeHead: engine.head ?? null,
    lastPublished: state.cursor,
    published,
    peers: node.libp2p.getPeers().length,
    lastError,
  });

  const metricsServer = await serveNodeMetrics(config, node, registry, () => {
    const s = status();
    return { ok: !s.lastError, body: s };
  });

  log.info("publisher started", {
    chainId: config.chainId,
    topic,
    signer,
    peerId: node.peerId,
    listen: node.multiaddrs(),
    staticPeers: config.peers.length,
    discovery: node.discovery ? node.discovery.enr() : "off",
    stateFile: config.stateFile,
    resumeAfter: state.cursor?.number ?? null,
    ...(metricsServer ? { metrics: boundAddr(metricsServer.server) } : {}),
  });

  const statusLine = startStatusLine(log, "publisher status", config.statusIntervalMs ?? 0, {
    counters: { published: () => mPublished.get(), held: () => mHeld.sum({}), pollErrors: () => mPollErrors.get(), received: () => mReceived.sum({}) },
    gauges: () => ({
      crossSafe: engine.head?.number ?? null,
      lastPublished: state.cursor?.number ?? null,
      peers: node.libp2p.getPeers().length,
      topicPeers: node.pubsub.getSubscribers(topic).length,
      ...(lastError ? { lastError } : {}),
    }),
  });

  // The poll loop.
  let stopped = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(r, ms);
      wake = () => {
        clearTimeout(t);
        r();
      };
    });
  let failures = 0;
  let lastLogged = "";
  const done = (async () => {
    while (!stopped) {
      let delay = config.pollIntervalMs;
      try {
        const r = await engine.step();
        published += r.published;
        failures = 0;
        lastError = null;
        if (r.more) delay = 0;
        if (r.stoppedAt && r.stoppedAt.reason !== "stopped") {
          const line = `${r.stoppedAt.reason}@${r.stoppedAt.number}`;
          if (line !== lastLogged) log.info("publication held", { number: r.stoppedAt.number, reason: r.stoppedAt.reason, ...(r.stoppedAt.detail ? { detail: r.stoppedAt.detail } : {}) });
          lastLogged = line;
        } else lastLogged = "";
      } catch (e) {
        if (e instanceof FatalPublisherError) {
          log.error("publisher stopping", { err: e });
          lastError = e.message;
          stopped = true;
          extras.onFatal?.(e);
          break;
        }
        failures++;
        mPollErrors.inc();
        lastError = (e as Error).message;
        // Log the first failure and then every 30th, so an outage does not flood the log.
        if (failures === 1 || failures % 30 === 0) log.warn("poll failed", { err: e, failures });
        delay = Math.min(config.pollIntervalMs * 2 ** Math.min(failures, 4), 15_000);
      }
      if (!stopped) await sleep(delay);
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    node,
    topic,
    signer,
    engine,
    status,
    done,
    stop() {
      stopping ??= (async () => {
        log.info("publisher stopping");
        statusLine?.stop();
        stopped = true;
        engine.stop();
        wake?.();
        // Stopping the node first ends a publication waiting for peers at once (it counts as not sent).
        await node.stop();
        await done;
        await metricsServer?.close();
        log.info("publisher stopped", { lastPublished: state.cursor?.number ?? null });
      })();
      return stopping;
    },
  };
}

function boundAddr(s: Server): string {
  const a = s.address() as AddressInfo;
  return `${a.address.includes(":") ? `[${a.address}]` : a.address}:${a.port}`;
}
