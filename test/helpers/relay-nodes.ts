// Loopback libp2p nodes and relay configs for the relay tests.
import { createGossipNode, type GossipNode, type GossipNodeOptions } from "../../src/relay/node.ts";
import { startRelay, type Relay, type RelayConfig, type RelayExtras } from "../../src/relay/relay.ts";
import { createLogger, silentLogger, type Logger } from "../../src/relay/log.ts";

export const RELAY_ID = "relay-test";
export const SECRET = "test-secret-0123456789abcdef0123456789"; // ≥ 32 chars, as the relay and the Worker require
export const CHAIN_ID = 901n;

export function testLogger(): Logger {
  return process.env.RELAY_TEST_LOG ? createLogger({ level: process.env.RELAY_TEST_LOG as "debug" }) : silentLogger;
}

export function relayConfig(workerUrl: string, over: Partial<RelayConfig> = {}): RelayConfig {
  return {
    chainIds: [CHAIN_ID],
    workerUrl,
    relayId: RELAY_ID,
    secret: SECRET,
    listen: ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"],
    peers: [],
    bootstrap: [],
    logLevel: "error",
    maxQueue: 64,
    maxQueueBytes: 64 * 2 ** 20,
    concurrency: 4,
    deadlineMs: 20_000,
    requestTimeoutMs: 2_000,
    peerListIntervalMs: 200,
    invalidMessageWeight: -10,
    banThreshold: -100,
    banDurationMs: 60_000,
    workerFailingAfterMs: 30_000,
    statusIntervalMs: 0,
    maxConnections: 64,
    ...over,
  };
}

export async function launchRelay(workerUrl: string, over: Partial<RelayConfig> = {}, extras: RelayExtras = {}): Promise<Relay> {
  return startRelay(relayConfig(workerUrl, over), { log: testLogger(), scoreInspectMs: 100, backoffBaseMs: 50, backoffMaxMs: 400, ...extras });
}

/** A plain op-node-like gossip peer on loopback (TCP). */
export async function gossipPeer(topics: string[], over: Partial<GossipNodeOptions> = {}): Promise<GossipNode> {
  return createGossipNode({ listen: ["/ip4/127.0.0.1/tcp/0"], topics, log: testLogger(), scoreInspectMs: 100, ...over });
}

export function tcpAddr(n: GossipNode): string {
  const a = n.multiaddrs().find((m) => m.includes("/tcp/") && !m.includes("/ws"));
  if (!a) throw new Error("node has no TCP address");
  return a;
}

export function wsAddr(n: GossipNode): string {
  const a = n.multiaddrs().find((m) => m.includes("/ws"));
  if (!a) throw new Error("node has no websocket address");
  return a;
}

export async function connect(from: GossipNode, to: GossipNode, via: "tcp" | "ws" = "tcp"): Promise<void> {
  const { multiaddr } = await import("@multiformats/multiaddr");
  await from.libp2p.dial(multiaddr(via === "tcp" ? tcpAddr(to) : wsAddr(to)));
}

export async function stopAll(...xs: Array<{ stop(): Promise<void> } | undefined>): Promise<void> {
  await Promise.allSettled(xs.map((x) => x?.stop()));
}
