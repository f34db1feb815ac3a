// The flags of a command that runs a gossip node (relay, publish): addresses to listen on and to dial,
// the peer key file, /metrics, the log level and the connection limit. Names, checks and help are the
// same in both commands; only the defaults and two words of help differ.
import { multiaddr } from "@multiformats/multiaddr";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "../relay/log.ts";
import { parseHostPort } from "../relay/metrics.ts";
import type { NodeConfig } from "../relay/node-setup.ts";
import { DEFAULT_BOOTNODES_KEYWORD, defaultBootnodeChains, defaultBootstrapAddrs } from "../relay/bootnodes.ts";
import { isNodeRecordText, NodeRecordError, nodeRecordToMultiaddrs } from "../relay/enr.ts";
import { discoveryFlags, readDiscoveryFlags } from "./discovery-flags.ts";
import { validatePeerAddr } from "../relay/node.ts";
import type { Flags, FlagSpec } from "./flags.ts";

export interface NodeFlagDefaults {
  listenPort: number;
  metricsPort: number;
  keyFile: string;
  /** --ban-file's default */
  banFile: string;
  /** --discovery-db's default */
  discoveryDb: string;
  /** what --key-file's help calls the key */
  keyNoun: string;
  /** a kind of static peer, for --peer's help */
  peerExample?: string;
}

/** --listen, --peer, --bootstrap, the discovery flags, --key-file, --ban-file, --metrics-addr, --log-level, in this order. */
export function nodeFlags(d: NodeFlagDefaults): FlagSpec[] {
  return [
    { name: "listen", env: "LISTEN", multiple: true, arg: "<multiaddr>", help: "listen address; repeatable", default: `/ip4/0.0.0.0/tcp/${d.listenPort}` },
    { name: "peer", env: "PEERS", multiple: true, arg: "<multiaddr|enr>", help: `static peer /…/p2p/<id> or enr:…/enode://…${d.peerExample ? ` (e.g. ${d.peerExample})` : ""}, dialled and kept connected; repeatable` },
    {
      name: "bootstrap",
      env: "BOOTSTRAP",
      multiple: true,
      arg: "<multiaddr|enr|default>",
      help:
        "bootstrap peer: /…/p2p/<id>, or enr:…/enode://… as op-node's --p2p.bootnodes takes them (its TCP address is dialled directly; for discv5 entry points see --bootnodes), " +
        `or "${DEFAULT_BOOTNODES_KEYWORD}" for op-node's built-in bootnodes that name the chain(s) given (today only Base's); repeatable or comma-separated`,
    },
    ...discoveryFlags(d),
    { name: "key-file", env: "KEY_FILE", arg: "<path>", help: `persistent ${d.keyNoun} (hex secp256k1, op-node's format), created with mode 600 on first run`, default: d.keyFile },
    { name: "ban-file", env: "BAN_FILE", arg: "<path|off>", help: "peer bans kept across restarts (as op-node keeps them in its peerstore); off = in memory only", default: d.banFile },
    { name: "metrics-addr", env: "METRICS_ADDR", arg: "<host:port|off>", help: "serve /metrics and /healthz", default: `127.0.0.1:${d.metricsPort}` },
    { name: "log-level", env: "LOG_LEVEL", arg: `<${LOG_LEVELS.join("|")}>`, help: "JSON log level (stderr)", default: "info" },
  ];
}

export const MAX_PEERS_FLAG: FlagSpec = { name: "max-peers", env: "MAX_PEERS", arg: "<n>", help: "most connections kept", default: "64" };

/** A node record in a message: long enough to recognise, short enough to read. */
function shown(a: string): string {
  return isNodeRecordText(a) && a.length > 40 ? `${a.slice(0, 32)}…` : a;
}

/**
 * --peer/--bootstrap values as multiaddrs with /p2p/<id>: a multiaddr as given, an `enr:` record or
 * `enode://` URL converted (enr.ts; one value may give an /ip4 and an /ip6 address), and for
 * --bootstrap, "default": op-node's default bootnodes for `chainIds` (bootnodes.ts).
 */
function readPeerAddrs(flags: Flags, flag: "peer" | "bootstrap", chainIds: readonly bigint[]): string[] {
  const out: string[] = [];
  for (const a of flags.many(flag)) {
    if (a === DEFAULT_BOOTNODES_KEYWORD) {
      if (flag === "bootstrap") {
        const addrs = defaultBootstrapAddrs(chainIds);
        if (addrs.length === 0) {
          flags.problem(
            `--${flag} default: op-node's default bootnodes name no peer of chain ${chainIds.join(", ") || "(none given)"} that can be dialled without discv5 ` +
              `(only chain ${defaultBootnodeChains().join(", ")}'s records do); give your chain's bootnodes as enr:…, enode://… or multiaddrs`,
          );
        }
        out.push(...addrs);
      } else flags.problem(`--${flag}: "${a}" is for --bootstrap only (op-node's bootnodes are not static peers)`);
      continue;
    }
    try {
      if (!isNodeRecordText(a)) {
        validatePeerAddr(a);
        out.push(a);
        continue;
      }
      const addrs = nodeRecordToMultiaddrs(a);
      for (const m of addrs) validatePeerAddr(m);
      out.push(...addrs);
    } catch (e) {
      const msg = (e as Error).message.replace(/^multiaddr .* has/, "has");
      flags.problem(`--${flag}: "${shown(a)}": ${e instanceof NodeRecordError ? `refused: ${msg}` : msg}`);
    }
  }
  return out;
}

/**
 * The nodeFlags() values, checked (problems go to `flags`). --max-peers is read with readMaxPeers.
 * `chainIds`: the chains followed, for `--bootstrap default`.
 */
export function readNodeFlags(flags: Flags, chainIds: readonly bigint[] = []): Omit<NodeConfig, "maxConnections"> {
  const listen = flags.many("listen");
  if (listen.length === 0) flags.problem("--listen: at least one address is required");
  for (const a of listen) {
    try {
      multiaddr(a);
    } catch {
      flags.problem(`--listen: not a multiaddr: "${a}"`);
    }
  }
  const peers = readPeerAddrs(flags, "peer", chainIds);
  const bootstrap = readPeerAddrs(flags, "bootstrap", chainIds);
  const discovery = readDiscoveryFlags(flags, chainIds, listen);
  const keyFile = flags.one("key-file");
  const banFile = flags.one("ban-file");
  let metricsAddr = flags.one("metrics-addr");
  if (metricsAddr === "off" || metricsAddr === "") metricsAddr = undefined;
  else if (metricsAddr) {
    try {
      parseHostPort(metricsAddr);
    } catch (e) {
      flags.problem(`--metrics-addr: ${(e as Error).message}`);
    }
  }
  const logLevel = flags.one("log-level") ?? "info";
  if (!isLogLevel(logLevel)) flags.problem(`--log-level: expected one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  return {
    listen,
    peers,
    bootstrap,
    ...(keyFile ? { keyFile } : {}),
    ...(banFile && banFile !== "off" ? { banFile } : {}),
    ...(metricsAddr ? { metricsAddr } : {}),
    ...(discovery ? { discovery } : {}),
    logLevel: logLevel as LogLevel,
  };
}

export function readMaxPeers(flags: Flags): number {
  return flags.int("max-peers", 1, 10_000);
}
