// (d) A 9.5 MiB block both ways, under op-node's 10 MiB limits (go-libp2p-pubsub WithMaxMessageSize on
// the whole RPC, snappy's decoded length): op-node A → our relay (inbound 10 MiB) → the Worker stand-in
// (HMAC ingest, accepts) → op-node B (our outbound cap patch, src/relay/gossipsub-patch.ts, and the
// muxer windows of yamux and mplex on both stacks); and a js publisher → op-node A, whose validator
// ACCEPTs it.
import "../../src/node/keccak.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevChain } from "../../src/devnet/chain.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { startStub, type IngestStub } from "../helpers/relay-ingest-stub.ts";
import { gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";
import { bigBlock } from "./harness/big-block.ts";
import { CROSS_SAFE_DOMAIN, INTEROP_SKIP, keyBytes, msgIdHex, sequencerKey, signWithDomain, startOpNodeFor, until } from "./harness/interop-env.ts";
import type { OpNodePeer } from "./harness/opnode-peer.ts";

const SIZE = Math.round(9.5 * 2 ** 20);

describe.skipIf(INTEROP_SKIP).each([["yamux"], ["mplex"]] as const)("a 9.5 MiB block over %s", (muxer) => {
  const chain = new DevChain();
  const chainId = chain.options.l2ChainId;
  const topic = crossSafeTopic(chainId);
  let stub: IngestStub;
  let relay: Relay;
  let a: OpNodePeer;
  let b: OpNodePeer;
  let js: GossipNode;
  const verdicts: VerdictEvent[] = [];
  const now = BigInt(Math.floor(Date.now() / 1000));

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    stub.decide = () => ({ verdict: "accept", reason: "valid" });
    [a, b] = await Promise.all([startOpNodeFor(chain, { muxers: [muxer] }), startOpNodeFor(chain, { muxers: [muxer] })]);
    relay = await launchRelay(stub.url, { chainIds: [chainId], requestTimeoutMs: 20_000 }, { onVerdict: (e) => verdicts.push(e) });
    js = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    // A — relay — B, and js — A; A and B are not connected, so B can only get A's block through the relay
    await a.connect(tcpAddr(relay.node));
    await b.connect(tcpAddr(relay.node));
    await a.connect(tcpAddr(js));
    await relay.node.waitForTopicPeers(topic, 2, 10_000, "subscribers");
    // op-node publishes to its mesh (no flood publishing): wait for the GRAFTs (mutual)
    await until("the mesh", 15_000, () => [a.peerId, b.peerId].every((p) => relay.node.pubsub.getMeshPeers(topic).includes(p)) && js.pubsub.getMeshPeers(topic).includes(a.peerId));
  });
  afterAll(() => stopAll(js, relay, a, b, stub));

  it("op-node → relay → op-node", async () => {
    const big = bigBlock(SIZE, 1_000n, now - 30n);
    const r = await a.publish("cross-safe", 4, big.signedBytes, sequencerKey(chain));
    expect(r.reencodedEqual).toBe(true);
    const data = Buffer.from(r.data!.slice(2), "hex");
    expect(data.length).toBeGreaterThan(SIZE);
    const atB = await b.waitFor("the block at op-node B", (e) => e.event === "message" && e.msgId === r.msgId, 60_000);
    expect(atB).toMatchObject({ from: relay.node.peerId, result: "ACCEPT", bytes: data.length });
    const v = verdicts.find((e) => msgIdHex(e.job.msgId) === r.msgId);
    expect(v).toMatchObject({ verdict: "accept", job: { source: a.peerId } });
    expect(Buffer.from(stub.received.find((x) => x.messageId === r.msgId)?.body ?? []).equals(data)).toBe(true);
  });

  it("js → op-node", async () => {
    const big = bigBlock(SIZE, 1_001n, now - 20n);
    const data = signWithDomain(big.signedBytes, chainId, keyBytes(chain), CROSS_SAFE_DOMAIN);
    expect(data.length).toBeGreaterThan(SIZE);
    const id = await a.msgId(topic, data);
    await js.publishRaw(topic, data);
    const m = await a.waitFor("op-node A's verdict", (e) => e.event === "message" && e.msgId === id, 60_000);
    expect(m).toMatchObject({ from: js.peerId, result: "ACCEPT", bytes: data.length });
  });
});
