// The discovery flags of `op-follow relay` and `op-follow publish` (src/relay/discovery-flags.ts): the
// default of --discovery (on for known public chains or when --bootnodes is given, off otherwise),
// op-node's bootnodes as the default entry points, the UDP port and address, and every bad value
// reported with the others.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { CliConfigError } from "../../src/flags/flags.ts";
import { parsePublishArgs, publishUsage } from "../../src/publisher/cli.ts";
import { OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";
import { parseRelayArgs, relayUsage } from "../../src/relay/cli.ts";
import type { DiscoveryConfig } from "../../src/relay/node-setup.ts";
import { port, signEnr, v4Entries } from "../helpers/enr-sign.ts";
import { SECRET } from "../helpers/relay-nodes.ts";

const KEY = secp256k1.utils.randomSecretKey();
const BOOT = signEnr(KEY, [...v4Entries(KEY), ["ip", Uint8Array.of(127, 0, 0, 1)], ["udp", port(30301)]]);
const NO_UDP = signEnr(KEY, [...v4Entries(KEY), ["ip", Uint8Array.of(127, 0, 0, 1)], ["tcp", port(30301)]]);
const ENODE = `enode://${Buffer.from(secp256k1.getPublicKey(KEY, false).subarray(1)).toString("hex")}@127.0.0.1:30303?discport=30301`;
const ENV = { OP_FOLLOW_RELAY_SECRET: SECRET };
const relay = (chain: string, ...args: string[]) => ["--chain-id", chain, "--worker-url", "https://worker.example", "--relay-id", "r1", ...args];
const publish = (chain: string, ...args: string[]) => ["--chain-id", chain, "--l2-rpc", "http://127.0.0.1:1", "--rollup-rpc", "http://127.0.0.1:2", ...args];
const PUB_ENV = { OP_FOLLOW_PUBLISH_SIGNER_KEY: "11".repeat(32) };

async function relayDiscovery(args: string[], env: Record<string, string> = {}): Promise<DiscoveryConfig | undefined> {
  const r = await parseRelayArgs(args, { ...ENV, ...env });
  if (r.help) throw new Error("help");
  return r.config.discovery;
}

async function problems(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof CliConfigError)) throw new Error(`expected a CliConfigError, got ${String(e)}`);
  return e.problems;
}

describe("discovery flags", () => {
  it("a known public chain: on by default, from op-node's whole bootnode list, on the --listen address and port", async () => {
    expect(await relayDiscovery(relay("10", "--data-dir", "/srv/relay"))).toEqual({
      bootnodes: [...new Set(OP_NODE_DEFAULT_BOOTNODES)],
      bindHost: "0.0.0.0",
      udpPort: 9224,
      dbFile: "/srv/relay/discovery.json", // in the data directory, as the peer key and the bans
    });
    const r = await parsePublishArgs(publish("8453", "--data-dir", "/srv/publish"), PUB_ENV);
    expect(!r.help && r.config.discovery).toMatchObject({ bindHost: "0.0.0.0", udpPort: 9223, dbFile: "/srv/publish/discovery.json" });
  });

  it("a devnet or private chain: off, unless --bootnodes is given or --discovery on", async () => {
    expect(await relayDiscovery(relay("901"))).toBeUndefined();
    expect(await relayDiscovery(relay("10", "--discovery", "off"))).toBeUndefined();
    expect(await relayDiscovery(relay("901", "--bootnodes", BOOT))).toMatchObject({ bootnodes: [BOOT] });
    expect(await relayDiscovery(relay("901", "--discovery", "on"))).toMatchObject({ bootnodes: [...new Set(OP_NODE_DEFAULT_BOOTNODES)] });
    const r = await parsePublishArgs(publish("901"), { ...PUB_ENV, OP_FOLLOW_PUBLISH_BOOTNODES: BOOT });
    expect(!r.help && r.config.discovery).toMatchObject({ bootnodes: [BOOT] });
  });

  it("takes every flag from the environment too (OP_FOLLOW_RELAY_*), flags winning", async () => {
    const env = {
      OP_FOLLOW_RELAY_DISCOVERY: "on",
      OP_FOLLOW_RELAY_BOOTNODES: `${BOOT},${ENODE}`,
      OP_FOLLOW_RELAY_DISCOVERY_PORT: "0",
      OP_FOLLOW_RELAY_ADVERTISE_IP: "203.0.113.7",
      OP_FOLLOW_RELAY_DISCOVERY_DB: "off",
      OP_FOLLOW_RELAY_LISTEN: "/ip4/127.0.0.1/tcp/0",
    };
    expect(await relayDiscovery(relay("901"), env)).toEqual({ bootnodes: [BOOT, ENODE], bindHost: "127.0.0.1", udpPort: 0, advertiseIp: "203.0.113.7" });
    expect(await relayDiscovery(relay("901", "--discovery-port", "30999", "--discovery", "off"), env)).toBeUndefined();
    expect(await relayDiscovery(relay("901", "--discovery-port", "30999"), env)).toMatchObject({ udpPort: 30999 });
  });

  it("reports every bad value at once", async () => {
    const p = await problems(
      parseRelayArgs(
        relay("10", "--discovery", "maybe", "--discovery-port", "70000", "--advertise-ip", "1.2.3", "--bootnodes", `nonsense,${NO_UDP},enr:-AAAA`),
        ENV,
      ),
    );
    const text = p.join("\n");
    expect(text).toContain('--discovery: expected on or off, got "maybe"');
    expect(text).toContain('--discovery-port: expected a port in [0, 65535], got "70000"');
    expect(text).toContain('--advertise-ip: "1.2.3": not an IPv4 address');
    expect(text).toContain('--bootnodes: "nonsense": expected enr:…, enode://… or "default"');
    expect(text).toMatch(/--bootnodes: "enr:[^"]*": no UDP port, so not a discovery entry point/);
    expect(text).toMatch(/--bootnodes: "enr:-AAAA": refused: /);
    expect(await problems(parseRelayArgs(relay("10", "--advertise-ip", "0.0.0.0"), ENV))).toEqual(['--advertise-ip: "0.0.0.0": unspecified']);
    expect(await problems(parseRelayArgs(relay("10", "--advertise-ip", "239.1.1.1"), ENV))).toEqual(['--advertise-ip: "239.1.1.1": multicast or reserved']);
  });

  it("needs an IPv4 TCP --listen address and a bootnode when on", async () => {
    expect(await problems(parseRelayArgs(relay("10", "--listen", "/ip6/::/tcp/9222"), ENV))).toEqual([
      "--discovery on: needs an /ip4/<ip>/tcp/<port> --listen address (discovery here is IPv4, as op-node's)",
    ]);
    expect(await problems(parseRelayArgs(relay("10", "--bootnodes", ","), ENV))).toEqual(["--discovery on: needs at least one --bootnodes entry"]);
    // off: the listen address does not matter
    expect(await relayDiscovery(relay("10", "--discovery", "off", "--listen", "/ip6/::/tcp/9222"))).toBeUndefined();
  });

  it("--help lists the discovery flags with their environment variables", () => {
    for (const [usage, prefix] of [
      [relayUsage(), "OP_FOLLOW_RELAY_"],
      [publishUsage(), "OP_FOLLOW_PUBLISH_"],
    ] as const) {
      for (const [flag, env] of [
        ["--discovery <on|off>", "DISCOVERY"],
        ["--bootnodes <enr|enode|default>", "BOOTNODES"],
        ["--discovery-port <port>", "DISCOVERY_PORT"],
        ["--advertise-ip <ipv4>", "ADVERTISE_IP"],
        ["--discovery-db <path|off>", "DISCOVERY_DB"],
      ]) {
        expect(usage).toContain(flag);
        expect(usage).toContain(`env: ${prefix}${env}`);
      }
    }
  });
});
