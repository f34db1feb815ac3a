// The flags of a command that runs a gossip node (relay, publish): addresses to listen on and to dial,
// the data directory and the files in it, /metrics, logging and the connection limit. Names, checks
// and help are the same in both commands; only the defaults and two words of help differ.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { discoveryFlags, readDiscoveryFlags } from "./discovery-flags.ts";
import { isLogFormat, isLogLevel, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from "./log.ts";
import { parseHostPort } from "./metrics.ts";
import type { NodeConfig } from "./node-setup.ts";
import { DEFAULT_BOOTNODES_KEYWORD, defaultBootnodeChains, defaultBootstrapAddrs } from "./bootnodes.ts";
import { isNodeRecordText, NodeRecordError, nodeRecordToMultiaddrs } from "./enr.ts";
import { validatePeerAddr } from "./node.ts";
import type { Flags, FlagSpec } from "../flags/flags.ts";

export interface NodeFlagDefaults {
  /** the command: the data directory's default is ~/.op-follow/<command> */
  command: string;
  listenPort: number;
  metricsPort: number;
  /** what --key-file's help calls the key */
  keyNoun: string;
  /** a kind of static peer, for --peer's help */
  peerExample?: string;
}

/** The files a node keeps in its data directory (overridable one by one). */
export const DATA_FILES = { keyFile: "p2p_priv.txt", banFile: "bans.json", discoveryDb: "discovery.json" } as const;

/** `~/.op-follow/<command>` */
export function defaultDataDir(command: string, home = homedir()): string {
  return join(home, ".op-follow", command);
}

/** --data-dir, --listen, --peer, --bootstrap, the discovery flags, --key-file, --ban-file, --metrics-addr, --log-level, --log-format, in this order. */
export function nodeFlags(d: NodeFlagDefaults): FlagSpec[] {
  return [
    { name: "data-dir", arg: "<dir>", help: "where the state files live (created mode 700 when first needed); --key-file, --ban-file… override single files", default: `~/.op-follow/${d.command}` },
    { name: "listen", multiple: true, arg: "<multiaddr>", help: "listen address; repeatable", default: `/ip4/0.0.0.0/tcp/${d.listenPort}` },
    { name: "peer", deprecatedEnv: "PEERS", multiple: true, arg: "<multiaddr|enr>", help: `static peer /…/p2p/<id> or enr:…/enode://…${d.peerExample ? ` (e.g. ${d.peerExample})` : ""}, dialled and kept connected; repeatable` },
    {
      name: "bootstrap",
      multiple: true,
      arg: "<multiaddr|enr|default>",
      help:
        "bootstrap peer: /…/p2p/<id>, or enr:…/enode://… as op-node's --p2p.bootnodes takes them (its TCP address is dialled directly; for discv5 entry points see --bootnodes), " +
        `or "${DEFAULT_BOOTNODES_KEYWORD}" for op-node's built-in bootnodes that name the chain(s) given (today only Base's); repeatable or comma-separated`,
    },
    ...discoveryFlags(),
    { name: "key-file", arg: "<path>", help: `persistent ${d.keyNoun} (hex secp256k1, op-node's format), created with mode 600 on first run; off = a new identity each run (default: <data-dir>/${DATA_FILES.keyFile})` },
    { name: "ban-file", arg: "<path|off>", help: `peer bans kept across restarts (as op-node keeps them in its peerstore); off = in memory only (default: <data-dir>/${DATA_FILES.banFile})` },
    { name: "metrics-addr", arg: "<host:port|off>", help: "serve /metrics and /healthz", default: `127.0.0.1:${d.metricsPort}` },
    { name: "log-level", arg: `<${LOG_LEVELS.join("|")}>`, help: "log level (stderr)", default: "info" },
    { name: "log-format", arg: `<${LOG_FORMATS.join("|")}>`, help: "json: one object per line; text: op-node's terminal format", default: "json" },
    { name: "status-interval", arg: "<duration|off>", help: "how often a progress line with counts is logged at info level", default: "1m" },
  ];
}

export const MAX_PEERS_FLAG: FlagSpec = { name: "max-peers", arg: "<n>", help: "most connections kept", default: "64" };

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

/** --data-dir, absolute (`~` is the user's home); a problem if there is no home to default to. */
export function readDataDir(flags: Flags, command: string): string {
  const given = flags.given("data-dir") ? flags.one("data-dir") : undefined;
  let home = "";
  try {
    home = homedir();
  } catch {
    // no home directory (a system user without one): --data-dir must be given
  }
  if (given === undefined || given === "") {
    if (!home) flags.problem("--data-dir is required: this user has no home directory for the default ~/.op-follow/" + command);
    return defaultDataDir(command, home || "/");
  }
  return resolve(given.replace(/^~(?=$|\/)/, home || "~"));
}

/** A file in the data directory unless its own flag names one ("off" is returned as undefined). */
export function dataFile(flags: Flags, flag: string, dataDir: string, file: string): string | undefined {
  const v = flags.one(flag);
  if (v === "off") return undefined;
  return v ? resolve(v) : join(dataDir, file);
}

/** --status-interval in ms; 0 for off. */
export function readStatusInterval(flags: Flags): number {
  const v = flags.one("status-interval");
  return v === "off" || v === "0" ? 0 : flags.duration("status-interval", 1_000);
}

/**
 * The nodeFlags() values, checked (problems go to `flags`). --max-peers is read with readMaxPeers.
 * `chainIds`: the chains followed, for `--bootstrap default`.
 */
export function readNodeFlags(flags: Flags, command: string, chainIds: readonly bigint[] = []): Omit<NodeConfig, "maxConnections"> {
  const dataDir = readDataDir(flags, command);
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
  const keyFile = dataFile(flags, "key-file", dataDir, DATA_FILES.keyFile);
  const banFile = dataFile(flags, "ban-file", dataDir, DATA_FILES.banFile);
  const discovery = readDiscoveryFlags(flags, chainIds, listen, dataFile(flags, "discovery-db", dataDir, DATA_FILES.discoveryDb));
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
  const logFormat = flags.one("log-format") ?? "json";
  if (!isLogFormat(logFormat)) flags.problem(`--log-format: expected one of ${LOG_FORMATS.join(", ")}, got "${logFormat}"`);
  return {
    dataDir,
    listen,
    peers,
    bootstrap,
    ...(keyFile ? { keyFile } : {}),
    ...(banFile ? { banFile } : {}),
    ...(discovery ? { discovery } : {}),
    ...(metricsAddr ? { metricsAddr } : {}),
    logLevel: logLevel as LogLevel,
    logFormat: logFormat as LogFormat,
  };
}

export function readMaxPeers(flags: Flags): number {
  return flags.int("max-peers", 1, 10_000);
}
