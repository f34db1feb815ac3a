// The whole Following Mode path on one machine, wired: a chain server (the sequencer's and the
// follower's nodes), the real Worker under `wrangler dev --local`, one relay forwarding to it (the
// cross-safe topic and the blocks topics) and the publisher signing as the devnet's sequencer — its
// cross-safe attestations and, as op-node's sequencer gossips them, its unsafe blocks (--unsafe) —
// connected to the relay over loopback libp2p.
//
// For a peer that is not ours (e.g. a real op-node sequencer on the blocks topics): start the stack
// with `publisher: { unsafe: false }`, let that peer dial `relayAddr` (op-node --p2p.static) and sign
// with the chain's sequencer key (server.chain.options.sequencerKey) for `chainId`; the Worker's
// GET /v1/chains/<id>/unsafe then follows what it gossips (test/helpers/unsafe-head.ts waits for it).
// Used by `op-follow devnet` and the end-to-end tests.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boundedStop } from "../process/bounded-stop.ts";
import { fromHex } from "../protocol/hex.ts";
import { crossSafeTopic, formatTopic } from "../protocol/topic.ts";
import type { PublisherEvent } from "../publisher/engine.ts";
import { startPublisher, type Publisher, type PublisherConfig } from "../publisher/publisher.ts";
import type { VerdictEvent } from "../relay/forwarder.ts";
import { silentLogger, type Logger } from "../relay/log.ts";
import { startRelay, type Relay, type RelayConfig } from "../relay/relay.ts";
import { guard } from "./reaper-client.ts";
import type { ChainServer } from "./rpc-server.ts";
import { devnetWorkerChain } from "./worker-chain.ts";
import { startWorkerDev, type WorkerDev } from "./worker-dev.ts";

export { devnetWorkerChain } from "./worker-chain.ts";

export interface StackOptions {
  server: ChainServer;
  /** Worker port (default: any free one). */
  workerPort?: number;
  /** Durable Object storage (default: fresh per run). */
  persistTo?: string;
  /** More Worker vars (worker-dev.ts `vars`). */
  workerVars?: Record<string, string>;
  onWorkerOutput?: (line: string) => void;
  relayLog?: Logger;
  publisherLog?: Logger;
  onPublisherEvent?: (e: PublisherEvent) => void;
  /** The publisher's unsafe stream (--unsafe). */
  onUnsafeEvent?: (e: PublisherEvent) => void;
  onVerdict?: (e: VerdictEvent) => void;
  relay?: Partial<RelayConfig>;
  publisher?: Partial<PublisherConfig>;
  /** After stop(): how long each part took to stop, in stop order (a part over its bound: null). */
  onStopped?: (parts: StopTiming[]) => void;
}

export interface StopTiming {
  part: "publisher" | "relay" | "Worker";
  /** null: still not stopped after STOP_BOUND_MS; the rest were stopped regardless. */
  ms: number | null;
}

/**
 * How long one part may take to stop before the next is stopped regardless: the publisher's and the
 * relay's stops take well under a second, and the Worker's ends in SIGKILL after 5 s. A part that
 * hangs must not keep wrangler and workerd running (the process exits anyway: devnet.ts).
 */
export const STOP_BOUND_MS = 5_000;

async function timedStop(part: StopTiming["part"], stop: () => Promise<void>): Promise<StopTiming> {
  const r = await boundedStop(stop, STOP_BOUND_MS);
  return { part, ms: r.kind === "late" ? null : r.ms };
}

export interface Stack {
  server: ChainServer;
  worker: WorkerDev;
  relay: Relay;
  publisher: Publisher;
  chainId: bigint;
  /** The cross-safe topic. */
  topic: string;
  /** The blocks topic the devnet's blocks go out on (blocksv4: the devnet is Isthmus from genesis). */
  blocksTopic: string;
  relayId: string;
  /** Operator token for the Worker's /admin routes. */
  adminToken: string;
  /** The relay's TCP multiaddr (for extra peers). */
  relayAddr: string;
  stop(): Promise<void>;
}

export const DEVNET_RELAY_ID = "devnet-relay";

function tcpAddrOf(addrs: string[]): string {
  const a = addrs.find((m) => m.includes("/tcp/") && !m.includes("/ws"));
  if (!a) throw new Error("the relay has no TCP address");
  return a;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const { server } = o;
  const chainId = server.chain.options.l2ChainId;
  const topic = crossSafeTopic(chainId);
  const secret = randomBytes(24).toString("hex");
  const adminToken = randomBytes(24).toString("hex");
  const dir = await mkdtemp(join(tmpdir(), "op-follow-stack-"));
  const releaseDir = guard({ dir }); // removed even if this process is killed

  const started: Array<{ part: StopTiming["part"]; stop(): Promise<void> }> = [];
  const stopAll = async (): Promise<void> => {
    const timings: StopTiming[] = [];
    for (const s of started.reverse()) timings.push(await timedStop(s.part, () => s.stop()));
    started.length = 0;
    o.onStopped?.(timings);
    await rm(dir, { recursive: true, force: true });
    releaseDir();
  };
  try {
    const worker = await startWorkerDev({
      chains: [devnetWorkerChain(server)],
      relaySecrets: { [DEVNET_RELAY_ID]: secret },
      adminToken,
      rpcTimeoutMs: 2_000,
      ...(o.workerPort !== undefined ? { port: o.workerPort } : {}),
      ...(o.persistTo ? { persistTo: o.persistTo } : {}),
      ...(o.workerVars ? { vars: o.workerVars } : {}),
      ...(o.onWorkerOutput ? { onOutput: o.onWorkerOutput } : {}),
    });
    started.push({ part: "Worker", stop: () => worker.stop() });

    const relayConfig: RelayConfig = {
      chainIds: [chainId],
      workerUrl: worker.url,
      relayId: DEVNET_RELAY_ID,
      secret,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      peers: [],
      bootstrap: [],
      logLevel: "info",
      maxQueue: 256,
      maxQueueBytes: 64 * 2 ** 20,
      concurrency: 8,
      deadlineMs: 30_000,
      requestTimeoutMs: 10_000,
      peerListIntervalMs: 1_000,
      invalidMessageWeight: -10,
      banThreshold: -100,
      banDurationMs: 60_000,
      workerFailingAfterMs: 10_000,
      statusIntervalMs: 0,
      maxConnections: 32,
      ...o.relay,
    };
    const relay = await startRelay(relayConfig, {
      log: o.relayLog ?? silentLogger,
      scoreInspectMs: 250,
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      ...(o.onVerdict ? { onVerdict: o.onVerdict } : {}),
    });
    started.push({ part: "relay", stop: () => relay.stop() });
    const relayAddr = tcpAddrOf(relay.node.multiaddrs());

    const publisherConfig: PublisherConfig = {
      chainId,
      l2Rpc: server.urls.sequencerL2,
      rollupRpc: server.urls.sequencerRollup,
      signerKey: fromHex(server.chain.options.sequencerKey),
      stateFile: join(dir, "publisher-state.json"),
      pollIntervalMs: 200,
      rpcTimeoutMs: 2_000,
      publishTimeoutMs: 5_000,
      statusIntervalMs: 0,
      unsafe: true,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      peers: [relayAddr],
      bootstrap: [],
      logLevel: "info",
      maxConnections: 16,
      ...o.publisher,
    };
    const publisher = await startPublisher(publisherConfig, {
      log: o.publisherLog ?? silentLogger,
      redialMs: 1_000,
      ...(o.onPublisherEvent ? { onEvent: o.onPublisherEvent } : {}),
      ...(o.onUnsafeEvent ? { onUnsafeEvent: o.onUnsafeEvent } : {}),
    });
    started.push({ part: "publisher", stop: () => publisher.stop() });

    let stopping: Promise<void> | undefined;
    return {
      server,
      worker,
      relay,
      publisher,
      chainId,
      topic,
      blocksTopic: formatTopic(chainId, "blocks", 4),
      relayId: DEVNET_RELAY_ID,
      adminToken,
      relayAddr,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
