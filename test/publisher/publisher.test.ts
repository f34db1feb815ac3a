// The publisher over real libp2p on loopback: a plain gossip peer (op-node-like, no validation)
// receives every cross-safe block in order as op-node's exact bytes; the publisher answers async
// validation for what peers send it (a wrongly signed envelope is REJECTed and costs its sender score,
// a valid one is accepted); and the state file survives a restart without a duplicate.
import "../../src/node/keccak.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEV_ACCOUNTS } from "../../src/devnet/dev-accounts.ts";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { PublisherEvent } from "../../src/publisher/engine.ts";
import { startPublisher, type Publisher, type PublisherConfig } from "../../src/publisher/publisher.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { waitFor } from "../helpers/relay-ingest-stub.ts";
import { connect, gossipPeer, stopAll, tcpAddr, testLogger } from "../helpers/relay-nodes.ts";

let server: ChainServer;
let dir: string;
beforeAll(async () => {
  server = await startChainServer({ chain: { l2BlockTime: 1 } });
  server.advance(60);
  dir = await mkdtemp(join(tmpdir(), "publisher-gossip-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const chainId = () => server.chain.options.l2ChainId;
const topic = () => crossSafeTopic(chainId());

function config(over: Partial<PublisherConfig> = {}): PublisherConfig {
  return {
    chainId: chainId(),
    l2Rpc: server.urls.sequencerL2,
    rollupRpc: server.urls.sequencerRollup,
    signerKey: fromHex(server.chain.options.sequencerKey),
    stateFile: join(dir, `state-${Math.random().toString(36).slice(2)}.json`),
    pollIntervalMs: 100,
    rpcTimeoutMs: 2_000,
    publishTimeoutMs: 2_000,
    listen: ["/ip4/127.0.0.1/tcp/0"],
    peers: [],
    bootstrap: [],
    logLevel: "error",
    maxConnections: 16,
    ...over,
  };
}

let cleanup: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(...cleanup);
  cleanup = [];
});

describe("publisher → gossip peer", () => {
  it("delivers every newly cross-safe block, in order, as op-node's bytes", async () => {
    const listener: GossipNode = await gossipPeer([topic()], { gossipOverrides: { asyncValidation: false } });
    cleanup.push(listener);
    const got: Uint8Array[] = [];
    listener.pubsub.addEventListener("message", (e) => got.push(e.detail.data));
    const events: PublisherEvent[] = [];
    const pub: Publisher = await startPublisher(config({ peers: [tcpAddr(listener)] }), { log: testLogger(), onEvent: (e) => events.push(e) });
    cleanup.push(pub);
    expect(pub.signer).toBe(server.chain.sequencerAddress);

    await waitFor(() => got.length >= 1, 10_000, "the first block");
    const first = server.chain.heads().crossSafe;
    server.advanceBlocks(4);
    await waitFor(() => got.length >= 5, 10_000, "four more blocks");
    const seq = server.chain.view("sequencer");
    const expected = [0n, 1n, 2n, 3n, 4n].map((i) => toHex(signedGossipMessage(server.chain, seq.blockByNumber(first + i)!).message));
    expect(got.slice(0, 5).map(toHex)).toEqual(expected);
    // a peer can receive a block before publish() returns to the publisher: wait for its bookkeeping
    await waitFor(() => events.filter((e) => e.type === "published").length >= 5, 5_000, "five published events");
    expect(pub.status()).toMatchObject({ lastPublished: { number: first + 4n }, lastError: null });
    expect(events.filter((e) => e.type === "published").map((e) => (e as { number: bigint }).number)).toEqual([0n, 1n, 2n, 3n, 4n].map((i) => first + i));
  });

  it("resumes after a restart from its state file without a duplicate", async () => {
    const listener = await gossipPeer([topic()], { gossipOverrides: { asyncValidation: false } });
    cleanup.push(listener);
    const got: string[] = [];
    listener.pubsub.addEventListener("message", (e) => got.push(toHex(e.detail.data)));
    const cfg = config({ peers: [tcpAddr(listener)] });
    const a = await startPublisher(cfg, { log: testLogger() });
    await waitFor(() => got.length >= 1, 10_000, "the first block");
    await a.stop();
    const last = a.status().lastPublished!.number;
    server.advanceBlocks(2);
    const b = await startPublisher(cfg, { log: testLogger() });
    cleanup.push(b);
    await waitFor(() => b.status().lastPublished?.number === last + 2n, 10_000, "two more blocks");
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(got).size).toBe(got.length);
    expect(got).toHaveLength(3);
  });

  it("answers async validation for what peers send it: REJECT for a wrong signer, ACCEPT for a valid block", async () => {
    const pub = await startPublisher(config(), { log: testLogger() });
    cleanup.push(pub);
    const bad = await gossipPeer([topic()], { gossipOverrides: { asyncValidation: false } });
    const good = await gossipPeer([topic()]);
    cleanup.push(bad, good);
    await connect(bad, pub.node);
    await connect(good, pub.node);
    await pub.node.waitForTopicPeers(topic(), 2, 5_000, "subscribers");
    await bad.waitForTopicPeers(topic(), 1, 5_000, "subscribers");
    await good.waitForTopicPeers(topic(), 1, 5_000, "subscribers");
    const seq = server.chain.view("sequencer");
    // A block the publisher would publish itself soon, signed by someone else.
    const tip = seq.blockByNumber(server.chain.heads().unsafe)!;
    const forged = signedGossipMessage(server.chain, tip, DEV_ACCOUNTS[1]!.privateKey).message;
    await bad.publishRaw(topic(), forged);
    await waitFor(() => pub.node.pubsub.getScore(bad.peerId) < 0, 5_000, "the forger's score to drop at the publisher");
    // A valid one from the good peer is accepted (propagated: the forger, still subscribed, receives it).
    const atBad: string[] = [];
    bad.pubsub.addEventListener("message", (e) => atBad.push(toHex(e.detail.data)));
    const valid = signedGossipMessage(server.chain, seq.blockByNumber(server.chain.heads().localSafe)!).message;
    await good.publishRaw(topic(), valid);
    await waitFor(() => atBad.includes(toHex(valid)), 5_000, "the valid block propagated by the publisher");
    expect(pub.node.pubsub.getScore(good.peerId)).toBeGreaterThanOrEqual(0);
  });
});
