// `op-follow publish --unsafe` over real libp2p on loopback: besides the cross-safe attestations it
// gossips every new unsafe block as op-node's sequencer does — op-node's exact bytes on the blocks
// topic of the block's version, valid under op-node's unsafe rules — follows an unsafe reorg from its
// fork point, skips blocks too old to gossip, pauses and resumes; and answers async validation on the
// blocks topics with op-node's rules.
import "../../src/node/keccak.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEV_ACCOUNTS } from "../../src/devnet/dev-accounts.ts";
import { signedUnsafeMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { parsePublishArgs } from "../../src/publisher/cli.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { formatTopic } from "../../src/protocol/topic.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import type { PublisherEvent } from "../../src/publisher/engine.ts";
import { startPublisher, type PublisherConfig } from "../../src/publisher/publisher.ts";
import { waitFor } from "../helpers/relay-ingest-stub.ts";
import { connect, gossipPeer, stopAll, tcpAddr, testLogger } from "../helpers/relay-nodes.ts";

let server: ChainServer;
let dir: string;
beforeAll(async () => {
  // Recent blocks: the blocks topics refuse blocks over 60 s old.
  server = await startChainServer({ chain: { l2BlockTime: 1, genesisTime: BigInt(Math.floor(Date.now() / 1000) - 30) } });
  server.advance(30);
  dir = await mkdtemp(join(tmpdir(), "publisher-unsafe-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const chainId = () => server.chain.options.l2ChainId;
const V4 = () => formatTopic(chainId(), "blocks", 4);
const ALL = () => [`/optimism/${chainId()}/0/cross-safe-blocks`, ...([1, 2, 3, 4] as const).map((v) => formatTopic(chainId(), "blocks", v))];

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
    unsafe: true,
    ...over,
  };
}

let cleanup: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await stopAll(...cleanup);
  cleanup = [];
});

describe("publish --unsafe", () => {
  it("parses --unsafe (flag or environment; off by default)", async () => {
    const base = ["--chain-id", "901", "--l2-rpc", "http://127.0.0.1:1/", "--rollup-rpc", "http://127.0.0.1:1/"];
    const env = { OP_FOLLOW_PUBLISH_SIGNER_KEY: server.chain.options.sequencerKey };
    const off = await parsePublishArgs(base, env);
    expect(!off.help && off.config.unsafe).toBe(false);
    const on = await parsePublishArgs([...base, "--unsafe"], env);
    expect(!on.help && on.config.unsafe).toBe(true);
    const viaEnv = await parsePublishArgs(base, { ...env, OP_FOLLOW_PUBLISH_UNSAFE: "true" });
    expect(!viaEnv.help && viaEnv.config.unsafe).toBe(true);
    await expect(parsePublishArgs(base, { ...env, OP_FOLLOW_PUBLISH_UNSAFE: "maybe" })).rejects.toThrow(/OP_FOLLOW_PUBLISH_UNSAFE: expected true or false/);
  });

  it("gossips each new unsafe block as op-node's sequencer does, follows a reorg, pauses and resumes", async () => {
    const listener = await gossipPeer(ALL(), { gossipOverrides: { asyncValidation: false } });
    cleanup.push(listener);
    const got: { topic: string; data: Uint8Array }[] = [];
    listener.pubsub.addEventListener("message", (e) => got.push({ topic: e.detail.topic, data: e.detail.data }));
    const events: PublisherEvent[] = [];
    const pub = await startPublisher(config({ peers: [tcpAddr(listener)] }), { log: testLogger(), onUnsafeEvent: (e) => events.push(e) });
    cleanup.push(pub);
    const unsafeGot = () => got.filter((g) => g.topic === V4());
    await waitFor(() => unsafeGot().length >= 1, 10_000, "the first unsafe block");
    const first = server.chain.heads().unsafe;
    server.advanceBlocks(3);
    await waitFor(() => unsafeGot().length >= 4, 10_000, "three more unsafe blocks");
    const seq = server.chain.view("sequencer");
    const want = [0n, 1n, 2n, 3n].map((i) => toHex(signedUnsafeMessage(server.chain, seq.blockByNumber(first + i)!).message));
    expect(unsafeGot().slice(0, 4).map((g) => toHex(g.data))).toEqual(want);
    // valid under op-node's unsafe rules, as a follower checks them
    for (const g of unsafeGot()) {
      const v = await validateGossipMessage(g.data, { chainId: chainId(), topic: g.topic, kind: "blocks", version: 4, signer: server.chain.sequencerAddress, now: Math.floor(Date.now() / 1000) });
      expect(v.reason).toBe("valid");
    }
    // the cross-safe stream goes on beside it, on its own topic
    expect(got.some((g) => g.topic.endsWith("/cross-safe-blocks"))).toBe(true);

    // An unsafe reorg (above local-safe): the new blocks at those heights are gossiped from the fork point.
    const tip = server.chain.heads().unsafe;
    await waitFor(() => pub.status().unsafe?.lastPublished?.number === tip, 5_000, "caught up");
    server.chain.reorgL2(tip - 1n);
    await waitFor(() => events.some((e) => e.type === "reorg"), 5_000, "the reorg noticed");
    await waitFor(() => unsafeGot().some((g) => toHex(g.data) === toHex(signedUnsafeMessage(server.chain, seq.blockByNumber(tip)!).message)), 5_000, "the new tip gossiped");
    expect(unsafeGot().some((g) => toHex(g.data) === toHex(signedUnsafeMessage(server.chain, seq.blockByNumber(tip - 1n)!).message))).toBe(true);

    // Silence, then resume: the blocks built meanwhile go out.
    pub.setUnsafePaused(true);
    expect(pub.status().unsafe?.paused).toBe(true);
    const before = unsafeGot().length;
    server.advanceBlocks(2);
    await new Promise((r) => setTimeout(r, 400));
    expect(unsafeGot().length).toBe(before);
    pub.setUnsafePaused(false);
    await waitFor(() => unsafeGot().length === before + 2, 5_000, "the two blocks after the silence");
  });

  it("skips blocks too old for the blocks topics after falling behind", async () => {
    const listener = await gossipPeer(ALL(), { gossipOverrides: { asyncValidation: false } });
    cleanup.push(listener);
    const heights: bigint[] = [];
    const pub = await startPublisher(config({ peers: [tcpAddr(listener)] }), { log: testLogger(), onUnsafeEvent: (e) => e.type === "published" && heights.push(e.number) });
    cleanup.push(pub);
    await waitFor(() => heights.length >= 1, 10_000, "the first unsafe block");
    pub.setUnsafePaused(true);
    await new Promise((r) => setTimeout(r, 200));
    const from = heights.at(-1)!;
    server.advanceBlocks(60); // 60 s of 1 s blocks
    pub.setUnsafePaused(false);
    const tip = server.chain.heads().unsafe;
    await waitFor(() => heights.at(-1) === tip, 10_000, "caught up with the tip");
    const after = heights.filter((h) => h > from);
    expect(after[0]).toBe(tip - 44n); // 45 s of 1 s blocks, the rest skipped
    expect(after).toHaveLength(45);
  });

  it("answers async validation on the blocks topics with op-node's rules", async () => {
    const pub = await startPublisher(config(), { log: testLogger() });
    cleanup.push(pub);
    const bad = await gossipPeer([V4()], { gossipOverrides: { asyncValidation: false } });
    cleanup.push(bad);
    await connect(bad, pub.node);
    await bad.waitForTopicPeers(V4(), 1, 5_000, "subscribers");
    const tip = server.chain.view("sequencer").blockByNumber(server.chain.heads().unsafe)!;
    await bad.publishRaw(V4(), signedUnsafeMessage(server.chain, tip, DEV_ACCOUNTS[1]!.privateKey).message);
    await waitFor(() => pub.node.pubsub.getScore(bad.peerId) < 0, 5_000, "the forger's score to drop at the publisher");
  });
});
