// The discv5 flags of a gossip node (relay, publish), after op-node's: --discovery (op-node
// --p2p.no-discovery), --bootnodes (--p2p.bootnodes), --discovery-port (--p2p.listen.udp),
// --advertise-ip (--p2p.advertise.ip), --discovery-db (--p2p.discovery.path).
//
// Default of --discovery: on when there is somewhere to start from, that is --bootnodes was given, or
// a --chain-id is a public chain op-follow knows (src/protocol/presets.ts), whose op-nodes are found
// through op-node's built-in bootnodes; off otherwise (a devnet or a private chain: op-node's
// bootnodes know none of its nodes, and discovery would only send packets to the internet).
import { OP_NODE_DEFAULT_BOOTNODES, DEFAULT_BOOTNODES_KEYWORD } from "./bootnodes.ts";
import { isNodeRecordText, NodeRecordError, parseNodeRecord } from "./enr.ts";
import type { DiscoveryConfig } from "./node-setup.ts";
import { findPreset } from "../protocol/presets.ts";
import type { Flags, FlagSpec } from "../flags/flags.ts";

export function discoveryFlags(): FlagSpec[] {
  return [
    {
      name: "discovery",
      arg: "<on|off>",
      help:
        "discv5 peer discovery, as op-node's: find the chain's peers from --bootnodes (records whose opstack entry names the chain), dial them, " +
        "and advertise our own record (default: on if --bootnodes is given or a --chain-id is a known public chain, off otherwise)",
    },
    {
      name: "bootnodes",
      multiple: true,
      arg: "<enr|enode|default>",
      help: `discv5 entry points: enr:… records or enode://… URLs (op-node's --p2p.bootnodes); "${DEFAULT_BOOTNODES_KEYWORD}" = op-node's built-in list, which op-node uses for every chain; repeatable or comma-separated`,
      default: DEFAULT_BOOTNODES_KEYWORD,
    },
    { name: "discovery-port", arg: "<port>", help: "UDP port for discv5 (op-node --p2p.listen.udp); 0 = any free port (default: the TCP port of the first /ip4 --listen address)" },
    { name: "advertise-ip", arg: "<ipv4>", help: "IP put in our node record (op-node --p2p.advertise.ip) (default: the first /ip4 --listen address unless 0.0.0.0; else learnt from peers)" },
    { name: "discovery-db", arg: "<path|off>", help: "discovery node database, kept across restarts as the peer key is (op-node --p2p.discovery.path); off = in memory only (default: <data-dir>/discovery.json)" },
  ];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4Problem(s: string): string | undefined {
  const m = IPV4.exec(s);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return "not an IPv4 address";
  const first = Number(m[1]);
  if (first === 0) return "unspecified";
  if (first >= 224) return "multicast or reserved";
  return undefined;
}

/** The first /ip4/<ip>/tcp/<port> of the --listen addresses. */
function firstIp4Listen(listen: readonly string[]): { ip: string; port: number } | undefined {
  for (const a of listen) {
    const m = /^\/ip4\/([^/]+)\/tcp\/(\d+)(?:\/|$)/.exec(a);
    if (m && IPV4.test(m[1]!)) return { ip: m[1]!, port: Number(m[2]) };
  }
  return undefined;
}

/** --bootnodes: each an enr:/enode:// that discv5 can contact over IPv4 UDP, "default" expanded. */
function readBootnodes(flags: Flags): string[] {
  const out = new Set<string>();
  for (const v of flags.many("bootnodes")) {
    if (v === DEFAULT_BOOTNODES_KEYWORD) {
      for (const b of OP_NODE_DEFAULT_BOOTNODES) out.add(b);
      continue;
    }
    const shown = v.length > 40 ? `${v.slice(0, 32)}…` : v;
    try {
      const r = parseNodeRecord(v);
      if (!r.udp) flags.problem(`--bootnodes: "${shown}": no UDP port, so not a discovery entry point`);
      else if (!r.ip && !r.dns) flags.problem(`--bootnodes: "${shown}": no IPv4 address (discovery here is IPv4, as op-node's)`);
      else out.add(v.trim());
    } catch (e) {
      if (!(e instanceof NodeRecordError)) throw e;
      flags.problem(`--bootnodes: "${shown}": ${isNodeRecordText(v) ? `refused: ${e.message}` : `expected enr:…, enode://… or "${DEFAULT_BOOTNODES_KEYWORD}"`}`);
    }
  }
  return [...out];
}

/** The discovery configuration, or undefined when discovery is off. Problems go to `flags`. */
/** `dbFile`: the node database's path (--discovery-db, default in the data directory), undefined for "off". */
export function readDiscoveryFlags(flags: Flags, chainIds: readonly bigint[], listen: readonly string[], dbFile: string | undefined): DiscoveryConfig | undefined {
  const mode = flags.one("discovery");
  if (mode !== undefined && mode !== "on" && mode !== "off") flags.problem(`--discovery: expected on or off, got "${mode}"`);
  const bootnodes = readBootnodes(flags);
  const portText = flags.one("discovery-port");
  let udpPort: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) flags.problem(`--discovery-port: expected a port in [0, 65535], got "${portText}"`);
    else udpPort = Number(portText);
  }
  const advertiseIp = flags.one("advertise-ip");
  const ipProblem = advertiseIp !== undefined ? ipv4Problem(advertiseIp) : undefined;
  if (ipProblem) flags.problem(`--advertise-ip: "${advertiseIp}": ${ipProblem}`);

  const on = mode === "on" || (mode === undefined && (flags.given("bootnodes") || chainIds.some((c) => findPreset(c) !== undefined)));
  if (!on) return undefined;
  const l = firstIp4Listen(listen);
  if (!l) {
    flags.problem("--discovery on: needs an /ip4/<ip>/tcp/<port> --listen address (discovery here is IPv4, as op-node's)");
    return undefined;
  }
  if (bootnodes.length === 0) flags.problem("--discovery on: needs at least one --bootnodes entry");
  return {
    bootnodes,
    bindHost: l.ip,
    udpPort: udpPort ?? l.port,
    ...(advertiseIp !== undefined ? { advertiseIp } : {}),
    ...(dbFile ? { dbFile } : {}),
  };
}
