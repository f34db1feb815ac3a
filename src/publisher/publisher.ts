// `op-follow publish`, wired: the publish engine (engine.ts) polling the sequencer's nodes, and a
// gossip node built by the relay's factory (op-node's host and gossipsub parameters) that sends the
// signed messages on /optimism/<chainId>/0/cross-safe-blocks. With --unsafe, a second engine
// (unsafe-stream.ts) also gossips each new unsafe block on op-node's blocks topics, as op-node's
// sequencer does.
//
// The node is subscribed to its topics, as op-node's would be, so relays can put it in their mesh.
// Messages it receives from others are validated locally (inbound.ts) and the verdict is reported
// to gossipsub (async validation must always be answered).
import "../node/keccak.ts";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseChainConfigJson, type ChainConfig } from "../protocol/chain-config.ts";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { crossSafeTopic, formatTopic } from "../protocol/topic.ts";
import type { Address } from "../protocol/types.ts";
import { BLOCK_DOMAIN_RISK, type AttestationDomain } from "../protocol/signing-domain.ts";
import { createLogger, type Logger } from "../relay/log.ts";
import { Counter, Gauge, Registry } from "../relay/metrics.ts";
import { createGossipNode, type GossipNode } from "../relay/node.ts";
import { startStatusLine } from "../relay/status-line.ts";
import { nodeOptions, nodePeerKey, serveNodeMetrics, type NodeConfig, type NodeExtras } from "../relay/node-setup.ts";
import { FatalPublisherError, PublishEngine, type PublisherEvent, type SendResult } from "./engine.ts";
import { answerInbound } from "./inbound.ts";
import { startPollLoop, type PollLoop } from "./poll-loop.ts";
import { rpcClient } from "./rpc.ts";
import { rpcSequencerSource, type SequencerSource } from "./source.ts";
import { emptyState, loadState, saveState } from "./state.ts";
import type { HeadRef } from "./sync-status.ts";
import { UnsafeStream } from "./unsafe-stream.ts";

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
  /** Also gossip each new unsafe block on op-node's blocks topics, as op-node's sequencer does. */
  unsafe?: boolean;
}

export interface PublisherExtras extends NodeExtras {
  log?: Logger;
  /** Replace the RPC-backed source (tests). */
  source?: SequencerSource;
  onEvent?: (e: PublisherEvent) => void;
  /** The unsafe stream's events (--unsafe). */
  onUnsafeEvent?: (e: PublisherEvent) => void;
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
  /** --unsafe: the sequencer's unsafe head at the last poll, the last block gossiped, how many, and whether paused. */
  unsafe: { head: HeadRef | null; lastPublished: HeadRef | null; published: number; paused: boolean } | null;
}

export interface Publisher {
  node: GossipNode;
  topic: string;
  signer: Address;
  engine: PublishEngine;
  /** --unsafe */
  unsafe: UnsafeStream | undefined;
  status(): PublisherStatus;
  /** Stops (true) or resumes gossiping unsafe blocks (the devnet's silent-sequencer scenario). */
  setUnsafePaused(paused: boolean): void;
  /** Resolves when the loop has stopped (stop() or a fatal error). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The sequencer's op-node rollup config (optimism_rollupConfig): op-node's rollup.json. */
async function rollupConfigOf(rollupRpc: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const cfg = await rpcClient("rollup", rollupRpc, timeoutMs).call<Record<string, unknown>>("optimism_rollupConfig");
  if (typeof cfg !== "object" || cfg === null) throw new Error("optimism_rollupConfig: not an object");
  return cfg;
}

/** `jovian_time` from the rollup config, for the blob-gas rule of received messages. */
async function jovianTimeOf(rollupRpc: string, timeoutMs: number): Promise<bigint | undefined> {
  try {
    const t = (await rollupConfigOf(rollupRpc, timeoutMs))["jovian_time"];
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
  const mUnsafePublished = registry.register(new Counter("op_follow_publisher_unsafe_published_total", "Unsafe blocks gossiped on the blocks topics (--unsafe)."));

  let engine: PublishEngine;
  try {
    engine = new PublishEngine({
      source: extras.source ?? rpcSequencerSource(rpcClient("l2", config.l2Rpc, config.rpcTimeoutMs), rpcClient("rollup", config.rollupRpc, config.rpcTimeoutMs)),
      chainId: config.chainId,
      signerKey: config.signerKey,
      ...(config.attestationDomain ? { attestationDomain: config.attestationDomain } : {}),
      state,
      persist: (s) => saveState(config.stateFile, s),
      send: (message) => publish(topic, message),
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

  const blocksTopics = config.unsafe ? ([1, 2, 3, 4] as const).map((v) => formatTopic(config.chainId, "blocks", v)) : [];
  const node: GossipNode = await createGossipNode({
    ...nodeOptions(config, extras, privateKey, [config.chainId]),
    topics: [topic, ...blocksTopics],
    userAgent: "op-follow-publisher",
    log,
  });
  async function publish(t: string, message: Uint8Array): Promise<SendResult> {
    try {
      const r = await node.publishRaw(t, message, { timeoutMs: config.publishTimeoutMs });
      return { kind: "sent", recipients: r.recipients };
    } catch (e) {
      return sendError(e);
    }
  }

  let unsafePublished = 0;
  let unsafePaused = false;
  let chainConfig: ChainConfig | undefined;
  const unsafe = config.unsafe
    ? new UnsafeStream({
        source: extras.source ?? rpcSequencerSource(rpcClient("l2", config.l2Rpc, config.rpcTimeoutMs), rpcClient("rollup", config.rollupRpc, config.rpcTimeoutMs)),
        chainId: config.chainId,
        signerKey: config.signerKey,
        chainConfig: async () => (chainConfig ??= parseChainConfigJson(await rollupConfigOf(config.rollupRpc, config.rpcTimeoutMs))),
        send: publish,
        log: log.child({ stream: "unsafe" }),
        onEvent: (e) => {
          if (e.type === "published") mUnsafePublished.inc();
          extras.onUnsafeEvent?.(e);
        },
      })
    : undefined;

  // Answer async validation for what peers send us: op-node's rules with our own address as signer.
  let jovianTime: bigint | undefined;
  const jovianLookup = jovianTimeOf(config.rollupRpc, config.rpcTimeoutMs).then((t) => (jovianTime = t));
  answerInbound(node, {
    chainId: config.chainId,
    signer,
    topics: new Set([topic, ...blocksTopics]),
    ...(config.attestationDomain ? { attestationDomain: config.attestationDomain } : {}),
    ready: jovianLookup,
    jovianTime: () => jovianTime,
    log,
    onVerdict: (v) => mReceived.inc({ verdict: v }),
  });

  registry.register(new Gauge("op_follow_publisher_cross_safe_head", "The sequencer's cross-safe head at the last poll.", () => Number(engine.head?.number ?? -1n)));
  registry.register(new Gauge("op_follow_publisher_last_published", "Height of the last block published.", () => Number(state.cursor?.number ?? -1n)));
  registry.register(new Gauge("op_follow_publisher_peers", "Connected libp2p peers.", () => node.libp2p.getPeers().length));
  registry.register(new Gauge("op_follow_publisher_topic_peers", "Peers subscribed to the cross-safe topic.", () => node.pubsub.getSubscribers(topic).length));
  if (unsafe) {
    registry.register(new Gauge("op_follow_publisher_unsafe_head", "The sequencer's unsafe head at the last poll (--unsafe).", () => Number(unsafe.engine?.head?.number ?? -1n)));
    registry.register(new Gauge("op_follow_publisher_unsafe_last_published", "Height of the last unsafe block gossiped (--unsafe).", () => Number(unsafe.engine?.state.cursor?.number ?? -1n)));
  }

  let published = 0;
  let lastError: string | null = null;
  let unsafeError: string | null = null;
  const status = (): PublisherStatus => ({
    signer,
    peerId: node.peerId,
    crossSafeHead: engine.head ?? null,
    lastPublished: state.cursor,
    published,
    peers: node.libp2p.getPeers().length,
    lastError: lastError ?? unsafeError,
    unsafe: unsafe ? { head: unsafe.engine?.head ?? null, lastPublished: unsafe.engine?.state.cursor ?? null, published: unsafePublished, paused: unsafePaused } : null,
  });

  const metricsServer = await serveNodeMetrics(config, node, registry, () => {
    const s = status();
    return { ok: !s.lastError, body: s };
  });

  log.info("publisher started", {
    chainId: config.chainId,
    topic,
    ...(unsafe ? { blocksTopics } : {}),
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
      ...(unsafe ? { unsafeLastPublished: unsafe.engine?.state.cursor?.number ?? null } : {}),
      peers: node.libp2p.getPeers().length,
      topicPeers: node.pubsub.getSubscribers(topic).length,
      ...(lastError ? { lastError } : {}),
    }),
  });

  // The poll loops: cross-safe, and with --unsafe the unsafe stream beside it.
  const fatal = (e: Error): void => {
    for (const l of loops) l.stop();
    extras.onFatal?.(e);
  };
  const loops: PollLoop[] = [
    startPollLoop({
      step: () => engine.step(),
      intervalMs: config.pollIntervalMs,
      log,
      onStep: (r) => (published += r.published),
      onError: (m) => (lastError = m),
      onPollError: () => mPollErrors.inc(),
      onFatal: fatal,
    }),
  ];
  if (unsafe) {
    loops.push(
      startPollLoop({
        step: () => unsafe.step(),
        intervalMs: config.pollIntervalMs,
        log: log.child({ stream: "unsafe" }),
        paused: () => unsafePaused,
        onStep: (r) => (unsafePublished += r.published),
        onError: (m) => (unsafeError = m),
        onPollError: () => mPollErrors.inc(),
        onFatal: fatal,
      }),
    );
  }
  const done = Promise.all(loops.map((l) => l.done)).then(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    node,
    topic,
    signer,
    engine,
    unsafe,
    status,
    setUnsafePaused(p: boolean) {
      if (p !== unsafePaused) log.info(p ? "unsafe gossip paused" : "unsafe gossip resumed");
      unsafePaused = p;
    },
    done,
    stop() {
      stopping ??= (async () => {
        log.info("publisher stopping");
        statusLine?.stop();
        engine.stop();
        unsafe?.stop();
        for (const l of loops) l.stop();
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
