// What the relay and the publisher do alike to run their gossip node from a command's configuration:
// the peer key, the node options that come from the flags, gossipsub's answer for a verdict, and
// /metrics + /healthz on --metrics-addr.
import { TopicValidatorResult, type GossipsubOpts } from "@libp2p/gossipsub";
import { generateKeyPair } from "@libp2p/crypto/keys";
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
  /** discv5 peer discovery; absent: off */
  discovery?: DiscoveryConfig;
  logLevel: LogLevel;
  /** default json */
  logFormat?: LogFormat;
  maxConnections: number;
}

/** --discovery on: where to start from and what to advertise (discovery.ts). */
export interface DiscoveryConfig {
  /** `enr:` records and `enode://` URLs (op-node --p2p.bootnodes) */
  bootnodes: string[];
  /** the IPv4 address the UDP socket binds: the first /ip4 --listen address's */
  bindHost: string;
  /** 0 = any free port */
  udpPort: number;
  /** our record's IP; absent: bindHost unless it is 0.0.0.0, else learnt from peers */
  advertiseIp?: string;
  /** node database (discovery-db.ts); absent: in memory only */
  dbFile?: string;
}

/** In-process hooks for the node (tests, the devnet). */
export interface NodeExtras {
  privateKey?: PrivateKey;
  gossipOverrides?: Partial<GossipsubOpts>;
  scoreInspectMs?: number;
  redialMs?: number;
  /** discovery's lookup intervals (op-node: 5 s short of peers, 20 s otherwise) */
  lookupInterval?: { fastMs: number; slowMs: number };
}

/** What async validation reports to gossipsub for a verdict. */
export const VALIDATION_RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

/**
 * The key given in-process, else --key-file's (created on first run), else an ephemeral one. Always
 * secp256k1, as op-node's: the libp2p identity is also the discv5 (ENR "v4") identity.
 */
export async function nodePeerKey(config: NodeConfig, extras: NodeExtras, log: Logger): Promise<PrivateKey> {
  if (extras.privateKey) return extras.privateKey;
  if (!config.keyFile) {
    log.warn("no --key-file: using an ephemeral peer identity");
    return generateKeyPair("secp256k1");
  }
  const k = await loadOrCreatePeerKey(config.keyFile);
  if (k.created) log.info("created a new peer key", { keyFile: config.keyFile });
  if (k.permissionWarning) log.warn(k.permissionWarning);
  return k.key;
}

/** createGossipNode's options that come from the configuration and the hooks; `chainIds` for discovery. */
export function nodeOptions(config: NodeConfig, extras: NodeExtras, privateKey: PrivateKey | undefined, chainIds: readonly bigint[]): Omit<GossipNodeOptions, "topics"> {
  const d = config.discovery;
  return {
    ...(privateKey ? { privateKey } : {}),
    ...(d
      ? {
          discovery: {
            chainIds,
            bootnodes: d.bootnodes,
            bindHost: d.bindHost,
            udpPort: d.udpPort,
            ...(d.advertiseIp !== undefined ? { advertiseIp: d.advertiseIp } : d.bindHost !== "0.0.0.0" ? { advertiseIp: d.bindHost } : {}),
            ...(d.dbFile ? { dbFile: d.dbFile } : {}),
            ...(extras.lookupInterval ? { lookupInterval: extras.lookupInterval } : {}),
          },
        }
      : {}),
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
