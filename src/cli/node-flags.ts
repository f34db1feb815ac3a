// The flags of a command that runs a gossip node (relay, publish): addresses to listen on and to dial,
// the peer key file, /metrics, the log level and the connection limit. Names, checks and help are the
// same in both commands; only the defaults and two words of help differ.
import { multiaddr } from "@multiformats/multiaddr";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "../relay/log.ts";
import { parseHostPort } from "../relay/metrics.ts";
import type { NodeConfig } from "../relay/node-setup.ts";
import { validatePeerAddr } from "../relay/node.ts";
import type { Flags, FlagSpec } from "./flags.ts";

export interface NodeFlagDefaults {
  listenPort: number;
  metricsPort: number;
  keyFile: string;
  /** what --key-file's help calls the key */
  keyNoun: string;
  /** a kind of static peer, for --peer's help */
  peerExample?: string;
}

/** --listen, --peer, --bootstrap, --key-file, --metrics-addr, --log-level, in this order. */
export function nodeFlags(d: NodeFlagDefaults): FlagSpec[] {
  return [
    { name: "listen", env: "LISTEN", multiple: true, arg: "<multiaddr>", help: "listen address; repeatable", default: `/ip4/0.0.0.0/tcp/${d.listenPort}` },
    { name: "peer", env: "PEERS", multiple: true, arg: "<multiaddr>", help: `static peer /…/p2p/<id>${d.peerExample ? ` (e.g. ${d.peerExample})` : ""}, dialled and kept connected; repeatable` },
    { name: "bootstrap", env: "BOOTSTRAP", multiple: true, arg: "<multiaddr>", help: "bootstrap peer /…/p2p/<id>; repeatable or comma-separated" },
    { name: "key-file", env: "KEY_FILE", arg: "<path>", help: `persistent ${d.keyNoun} (hex secp256k1, op-node's format), created with mode 600 on first run`, default: d.keyFile },
    { name: "metrics-addr", env: "METRICS_ADDR", arg: "<host:port|off>", help: "serve /metrics and /healthz", default: `127.0.0.1:${d.metricsPort}` },
    { name: "log-level", env: "LOG_LEVEL", arg: `<${LOG_LEVELS.join("|")}>`, help: "JSON log level (stderr)", default: "info" },
  ];
}

export const MAX_PEERS_FLAG: FlagSpec = { name: "max-peers", env: "MAX_PEERS", arg: "<n>", help: "most connections kept", default: "64" };

/** The nodeFlags() values, checked (problems go to `flags`). --max-peers is read with readMaxPeers. */
export function readNodeFlags(flags: Flags): Omit<NodeConfig, "maxConnections"> {
  const listen = flags.many("listen");
  if (listen.length === 0) flags.problem("--listen: at least one address is required");
  for (const a of listen) {
    try {
      multiaddr(a);
    } catch {
      flags.problem(`--listen: not a multiaddr: "${a}"`);
    }
  }
  const peers = flags.many("peer");
  const bootstrap = flags.many("bootstrap");
  for (const [flag, list] of [["peer", peers], ["bootstrap", bootstrap]] as const) {
    for (const a of list) {
      try {
        validatePeerAddr(a);
      } catch (e) {
        flags.problem(`--${flag}: "${a}": ${(e as Error).message.replace(/^multiaddr .* has/, "has")}`);
      }
    }
  }
  const keyFile = flags.one("key-file");
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
    ...(metricsAddr ? { metricsAddr } : {}),
    logLevel: logLevel as LogLevel,
  };
}

export function readMaxPeers(flags: Flags): number {
  return flags.int("max-peers", 1, 10_000);
}
