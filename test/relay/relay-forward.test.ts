// (b) Real libp2p nodes on loopback, publishers — relay — third node (no shortcut): the relay forwards
// each message to a stub ingest server (HMAC verified), reports the verdict, and only accepted messages
// reach the third node. Invalid messages come from a second publisher, since a REJECT rightly costs its
// sender score and gets it pruned from the relay's mesh. Also /metrics and /healthz.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { patchGossipsubOutboundLimit } from "../../src/relay/gossipsub-patch.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { IngestStub, startStub, tagOf, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);

describe("publisher → relay → third node", () => {
  let stub: IngestStub;
  let relay: Relay;
  let pub: GossipNode;
  let bad: GossipNode;
  let third: GossipNode;
  const atThird: string[] = [];
  let meshMs = 0;

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    relay = await launchRelay(stub.url, { metricsAddr: "127.0.0.1:0" });
    pub = await gossipPeer([TOPIC]);
    bad = await gossipPeer([TOPIC]);
    third = await gossipPeer([TOPIC], { gossipOverrides: { asyncValidation: false } });
    third.pubsub.addEventListener("message", (e) => atThird.push(tagOf(e.detail.data)));
    const t0 = Date.now();
    await connect(pub, relay.node);
    await connect(bad, relay.node);
    await connect(third, relay.node, "ws"); // the relay also takes websocket peers
    await pub.waitForTopicPeers(TOPIC, 1, 5_000);
    await relay.node.waitForTopicPeers(TOPIC, 3, 5_000);
    meshMs = Date.now() - t0;
  });
  afterAll(() => stopAll(pub, bad, third, relay, stub));

  it("forms the mesh on loopback: every peer grafted, websocket included", () => {
    console.log(`mesh of 3 formed in ${meshMs} ms`); // a figure, not a limit (timings belong to npm run bench)
    expect(relay.node.pubsub.getMeshPeers(TOPIC).sort()).toEqual([pub.peerId, bad.peerId, third.peerId].sort());
    expect(pub.connectedPeers()).not.toContain(third.peerId);
  });

  it("accepted messages propagate; rejected and ignored ones do not", async () => {
    await bad.publishRaw(TOPIC, testMessage("reject", "bad-1"));
    await pub.publishRaw(TOPIC, testMessage("ignore", "meh-1"));
    await pub.publishRaw(TOPIC, testMessage("accept", "good-1"));
    await waitFor(() => atThird.includes("good-1") && stub.received.length === 3, 5_000, "good-1 at the third node");
    await new Promise((r) => setTimeout(r, 300));
    expect(atThird).toEqual(["good-1"]);
    expect(stub.authFailures).toEqual([]);
    const byTag = Object.fromEntries(stub.received.map((r) => [r.tag, { verdict: r.verdict, peer: r.meta.peerId }]));
    expect(byTag).toEqual({
      "bad-1": { verdict: "reject", peer: bad.peerId },
      "meh-1": { verdict: "ignore", peer: pub.peerId },
      "good-1": { verdict: "accept", peer: pub.peerId },
    });
    for (const r of stub.received) expect(r.meta).toMatchObject({ relayId: RELAY_ID, topic: TOPIC });
    // the relay computed the same id as the stub's computeMessageId (no mismatch counted)
    expect(relay.metrics.messageIdMismatch.get()).toBe(0);
    // REJECT costs the propagation source gossipsub score (P4 on the cross-safe topic; scores are
    // cached for one heartbeat); IGNORE does not
    await waitFor(() => relay.node.pubsub.getScore(bad.peerId) < 0, 2_000, "a negative score for the bad publisher");
    expect(relay.node.pubsub.getScore(pub.peerId)).toBe(0);
    expect(relay.node.pubsub.getScore(third.peerId)).toBe(0);
    // gossipsub drops negative-score peers from the mesh at the next heartbeat
    await waitFor(() => !relay.node.pubsub.getMeshPeers(TOPIC).includes(bad.peerId), 2_000, "the bad publisher pruned");
  });

  it("rejects an undecodable envelope locally, and it does not propagate", async () => {
    const before = stub.received.length;
    // out of the mesh, the bad publisher still reaches the relay as a fanout peer
    await bad.publishRaw(TOPIC, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1));
    await pub.publishRaw(TOPIC, testMessage("accept", "good-2"));
    await waitFor(() => atThird.includes("good-2"), 5_000, "good-2");
    expect(stub.received.length).toBe(before + 1);
    expect(relay.metrics.localRejects.get({ reason: "snappy-bad-length" })).toBe(1);
    expect(atThird).toEqual(["good-1", "good-2"]);
  });

  it("carries a 9 MiB message end to end (under op-node's 10 MiB cap)", async () => {
    // needs the outbound-limit workaround (gossipsub-patch.ts); fails loudly if an upgrade changes the shape
    expect(await patchGossipsubOutboundLimit()).toEqual({ patched: true });
    const big = testMessage("accept", "big", 9 * 2 ** 20, true);
    expect(big.length).toBeGreaterThan(9 * 2 ** 20);
    await pub.publishRaw(TOPIC, big);
    await waitFor(() => atThird.includes("big"), 10_000, "the big message at the third node");
    expect(stub.received.find((r) => r.tag === "big")?.body.length).toBe(big.length);
  });

  it("serves /metrics and /healthz", async () => {
    const base = `http://127.0.0.1:${relay.metricsServer!.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('op_follow_relay_messages_total{verdict="accept",source="worker"} 3');
    expect(text).toContain('op_follow_relay_messages_total{verdict="reject",source="worker"} 1');
    expect(text).toContain('op_follow_relay_messages_total{verdict="reject",source="local"} 1');
    expect(text).toContain("op_follow_relay_forward_latency_seconds_bucket");
    expect(text).toContain("op_follow_relay_queue_depth 0");
    expect(text).toContain("op_follow_relay_peers 3");
    expect(text).toContain(`op_follow_relay_mesh_peers{topic="${TOPIC}"} 2`);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, peerId: relay.node.peerId, peers: 3, queueDepth: 0 });
  });
});
