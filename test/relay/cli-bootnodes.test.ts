// --bootstrap and --peer (src/relay/node-flags.ts, relay and publisher) take op-node's bootnode formats
// as well as multiaddrs: `enr:` records and `enode://` URLs become /ip4|ip6/…/tcp/…/p2p/<id>,
// `--bootstrap default` stands for op-node's default bootnodes, and bad records are reported with
// every other problem, naming the flag and the reason.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { privateKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import { CliConfigError } from "../../src/flags/flags.ts";
import { parsePublishArgs } from "../../src/publisher/cli.ts";
import { defaultBootstrapAddrs, OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";
import { parseRelayArgs, relayUsage } from "../../src/relay/cli.ts";
import { port, recordBytes, signEnr, v4Entries } from "../helpers/enr-sign.ts";
import { SECRET } from "../helpers/relay-nodes.ts";

const EIP_778_ENR =
  "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
const KEY = secp256k1.utils.randomSecretKey();
const ID = peerIdFromPrivateKey(privateKeyFromRaw(KEY)).toString();
const ENR_TEXT = signEnr(KEY, [...v4Entries(KEY), ["ip", Uint8Array.of(10, 0, 0, 2)], ["tcp", port(9222)], ["udp", port(9222)]]);
const ENODE = `enode://${Buffer.from(secp256k1.getPublicKey(KEY, false).subarray(1)).toString("hex")}@10.0.0.3:9333`;
const MULTIADDR = `/ip4/10.0.0.4/tcp/9222/p2p/${ID}`;

const ENV = { OP_FOLLOW_RELAY_SECRET: SECRET };
const relay = (...args: string[]) => ["--chain-id", "10", "--worker-url", "https://worker.example", "--relay-id", "r1", ...args];

async function problems(p: Promise<unknown>): Promise<string[]> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!(e instanceof CliConfigError)) throw new Error(`expected a CliConfigError, got ${String(e)}`);
  return e.problems;
}

function tampered(text: string): string {
  const b = recordBytes(text);
  b[b.length - 1]! ^= 0x01; // the last byte: the udp port
  return "enr:" + Buffer.from(b).toString("base64url");
}

describe("relay --bootstrap / --peer with op-node bootnode records", () => {
  it("an ENR, an enode URL and a multiaddr, from flags or the environment, become multiaddrs", async () => {
    const r = await parseRelayArgs(relay("--bootstrap", ENR_TEXT, "--bootstrap", ENODE, "--peer", ENR_TEXT, "--peer", MULTIADDR), ENV);
    if (r.help) throw new Error("help");
    expect(r.config.bootstrap).toEqual([`/ip4/10.0.0.2/tcp/9222/p2p/${ID}`, `/ip4/10.0.0.3/tcp/9333/p2p/${ID}`]);
    expect(r.config.peers).toEqual([`/ip4/10.0.0.2/tcp/9222/p2p/${ID}`, MULTIADDR]);

    const e = await parseRelayArgs(relay(), { ...ENV, OP_FOLLOW_RELAY_BOOTSTRAP: `${ENR_TEXT}, ${MULTIADDR}` });
    if (e.help) throw new Error("help");
    expect(e.config.bootstrap).toEqual([`/ip4/10.0.0.2/tcp/9222/p2p/${ID}`, MULTIADDR]);
  });

  it("--bootstrap default: op-node's default bootnodes for the followed chains, alongside others", async () => {
    const base = await parseRelayArgs(["--chain-id", "8453", "--worker-url", "https://w.example", "--relay-id", "r", "--bootstrap", `default,${ENR_TEXT}`], ENV);
    if (base.help) throw new Error("help");
    expect(base.config.bootstrap).toEqual([...defaultBootstrapAddrs([8453n]), `/ip4/10.0.0.2/tcp/9222/p2p/${ID}`]);
    expect(base.config.bootstrap).toHaveLength(6);
    // for a chain no default record names, `default` is a configuration problem, not a silent no-op
    expect(await problems(parseRelayArgs(relay(), { ...ENV, OP_FOLLOW_RELAY_BOOTSTRAP: "default" }))).toEqual([
      expect.stringMatching(/^--bootstrap default: op-node's default bootnodes name no peer of chain 10 .*only chain 8453's records do/),
    ]);
  });

  it("refuses the EIP-778 example (no tcp), a tampered record and a discovery-only enode, with every other problem at once", async () => {
    const p = await problems(
      parseRelayArgs(
        relay("--bootstrap", EIP_778_ENR, "--bootstrap", tampered(ENR_TEXT), "--bootstrap", OP_NODE_DEFAULT_BOOTNODES[7]!, "--peer", "enr:!!", "--peer", "default", "--deadline", "soon"),
        ENV,
      ),
    );
    expect(p).toEqual([
      '--peer: "enr:!!": refused: not base64url after enr:',
      '--peer: "default" is for --bootstrap only (op-node\'s bootnodes are not static peers)',
      '--bootstrap: "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZX…": refused: no TCP address to dial: needs a valid ip or ip6 with a non-zero tcp (or tcp6) port; it has id, ip, secp256k1, udp',
      `--bootstrap: "${ENR_TEXT.slice(0, 32)}…": refused: signature does not verify (record altered, or not signed by its secp256k1 key)`,
      '--bootstrap: "enode://d25ce99435982b04d60c4b41…": refused: no TCP address to dial: needs a valid ip or ip6 with a non-zero tcp (or tcp6) port; it has dns, secp256k1, udp',
      expect.stringMatching(/^--deadline: /),
    ]);
  });

  it("--help says so", () => {
    const help = relayUsage();
    expect(help).toContain("--bootstrap <multiaddr|enr|default>");
    expect(help).toContain("enr:…/enode://… as op-node's --p2p.bootnodes takes them");
    expect(help).toContain('"default" for op-node\'s built-in bootnodes');
  });
});

describe("publish --bootstrap (the same flags)", () => {
  const publish = (...args: string[]) => ["--chain-id", "8453", "--l2-rpc", "http://127.0.0.1:1", "--rollup-rpc", "http://127.0.0.1:2", ...args];
  const env = { OP_FOLLOW_PUBLISH_SIGNER_KEY: "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba" };

  it("takes an ENR and `default` for its chain, and refuses a bad record", async () => {
    const r = await parsePublishArgs(publish("--bootstrap", ENR_TEXT, "--bootstrap", "default"), env);
    if (r.help) throw new Error("help");
    expect(r.config.bootstrap).toEqual([`/ip4/10.0.0.2/tcp/9222/p2p/${ID}`, ...defaultBootstrapAddrs([8453n])]);
    expect(await problems(parsePublishArgs(publish("--bootstrap", EIP_778_ENR), env))).toEqual([expect.stringMatching(/^--bootstrap: "enr:-IS4Q.*": refused: no TCP address/)]);
  });
});
