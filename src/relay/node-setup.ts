// What the relay and the publisher do alike to run their gossip node from a command's configuration:
// the peer key, the node options that come from the flags, gossipsub's answer for a verdict, and
// /metrics + /healthz on --metrics-addr.
import { TopicValidatorResult, type GossipsubOpts } from "@libp2p/gossipsub";
import type { PrivateKey } from "@libp2p/interface";
import type { Verdict } from "../protocol/verdict.ts";
import type { Logger, LogFormat, LogLevel } from "./log.ts";
import { startMetricsServer, type Health, type MetricsServer, type Registry } from "./metrics.ts";
import type { GossipNode, GossipNodeOptions } from "./node.ts";
import { loadOrCreatePeerKey } from "./peer-key.ts";

/** The node's part of a command's configuration. */
export interface NodeConfig {
  /** --data-dir: the default home of the state files below (each created, with its folder, when first written) */
  dataDir?: string;
  listen: string[];
  peers: string[];
  bootstrap: string[];
  /** persistent identity; created on first run. Absent: an ephemeral key. */
  keyFile?: string;
  /** bans kept across restarts (ban-file.ts); absent: in memory only */
  banFile?: string;
  /** host:port for /metrics and /healthz; absent: no server */
  metricsAddr?: string;
  logLevel: LogLevel;
  /** default json */
  logFormat?: LogFormat;
  maxConnections: number;
}

/** In-process hooks for the node (tests, the devnet). */
export interface NodeExtras {
  privateKey?: PrivateKey;
  gossipOverrides?: Partial<GossipsubOpts>;
  scoreInspectMs?: number;
  redialMs?: number;
}

/** What async validation reports to gossipsub for a verdict. */
export const VALIDATION_RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

/** The key given in-process, else --key-file's (created on first run), else none: an ephemeral identity. */
export async function nodePeerKey(config: NodeConfig, extras: NodeExtras, log: Logger): Promise<PrivateKey | undefined> {
  if (extras.privateKey || !config.keyFile) return extras.privateKey;
  const k = await loadOrCreatePeerKey(config.keyFile);
  if (k.created) log.info("created a new peer key", { keyFile: config.keyFile });
  if (k.permissionWarning) log.warn(k.permissionWarning);
  return k.key;
}

/** createGossipNode's options that come from the configuration and the hooks. */
export function nodeOptions(config: NodeConfig, extras: NodeExtras, privateKey: PrivateKey | undefined): Omit<GossipNodeOptions, "topics"> {
  return {
    ...(privateKey ? { privateKey } : {}),
    listen: config.listen,
    staticPeers: config.peers,
    bootstrap: config.bootstrap,
    maxConnections: config.maxConnections,
    ...(config.banFile ? { banFile: config.banFile } : {}),
    ...(extras.scoreInspectMs !== undefined ? { scoreInspectMs: extras.scoreInspectMs } : {}),
    ...(extras.redialMs !== undefined ? { redialMs: extras.redialMs } : {}),
    ...(extras.gossipOverrides ? { gossipOverrides: extras.gossipOverrides } : {}),
  };
}

/** The metrics server on --metrics-addr, if set. If the address cannot be bound, the node is stopped. */
export async function serveNodeMetrics(config: NodeConfig, node: GossipNode, registry: Registry, health: () => Health): Promise<MetricsServer | undefined> {
  if (!config.metricsAddr) return undefined;
  try {
    return await startMetricsServer(config.metricsAddr, registry, health);
  } catch (e) {
    await node.stop();
    throw new Error(`cannot listen on --metrics-addr ${config.metricsAddr}: ${(e as Error).message}`);
  }
}
