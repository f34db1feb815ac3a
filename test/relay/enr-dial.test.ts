// A relay configured through its CLI with another node's ENR (or enode URL) actually connects to that
// node over loopback and meshes with it on the topic. The node has a secp256k1 identity, as op-node's
// do: an ENR can only name a secp256k1 peer. The ENR is built by @chainsafe/enr (Lodestar's), so the
// record did not come from the code that reads it.
import { SignableENR } from "@chainsafe/enr";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { afterEach, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { parseRelayArgs } from "../../src/relay/cli.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { startStub, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);
const cleanup: Array<{ stop(): Promise<void> } | undefined> = [];
afterEach(async () => {
  await stopAll(...cleanup.splice(0));
});

/** A loopback gossip node with a secp256k1 key, and its TCP port. */
async function secpPeer(): Promise<{ node: GossipNode; key: Uint8Array; port: number }> {
  const privateKey = await generateKeyPair("secp256k1");
  const node = await gossipPeer([TOPIC], { privateKey });
  const port = Number(multiaddr(tcpAddr(node)).getComponents().find((c) => c.name === "tcp")!.value);
  return { node, key: privateKey.raw, port };
}

/** The relay's node config as `op-follow relay` would read it from these flags. */
async function nodeFlags(...args: string[]) {
  const r = await parseRelayArgs(["--chain-id", String(CHAIN_ID), "--worker-url", "http://127.0.0.1:1", "--relay-id", RELAY_ID, "--metrics-addr", "off", ...args], { OP_FOLLOW_RELAY_SECRET: SECRET });
  if (r.help) throw new Error("help");
  return { peers: r.config.peers, bootstrap: r.config.bootstrap };
}

describe("a relay given a node's ENR", () => {
  it("as --bootstrap: dials the record's TCP address and meshes with the node", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const peer = await secpPeer();
    cleanup.push(stub, peer.node);
    const enr = SignableENR.createV4(peer.key);
    enr.ip = "127.0.0.1";
    enr.tcp = peer.port;
    enr.udp = peer.port;
    const flags = await nodeFlags("--bootstrap", enr.encodeTxt());
    expect(flags.bootstrap).toEqual([`/ip4/127.0.0.1/tcp/${peer.port}/p2p/${peer.node.peerId}`]);

    const relay = await launchRelay(stub.url, flags);
    cleanup.push(relay);
    await waitFor(() => relay.node.connectedPeers().includes(peer.node.peerId), 5_000, "ENR bootstrap peer connected");
    await relay.node.waitForTopicPeers(TOPIC, 1, 5_000);
  });

  it("as --peer, an enode URL: kept connected like any static peer", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const peer = await secpPeer();
    cleanup.push(stub, peer.node);
    const pub = Buffer.from(secp256k1.getPublicKey(peer.key, false).subarray(1)).toString("hex");
    const flags = await nodeFlags("--peer", `enode://${pub}@127.0.0.1:${peer.port}`);
    expect(flags.peers).toEqual([`/ip4/127.0.0.1/tcp/${peer.port}/p2p/${peer.node.peerId}`]);

    const relay = await launchRelay(stub.url, flags);
    cleanup.push(relay);
    await waitFor(() => relay.node.connectedPeers().includes(peer.node.peerId), 5_000, "enode static peer connected");
    await relay.node.waitForTopicPeers(TOPIC, 1, 5_000);
  });
});
