// Real libp2p nodes on loopback: a flooding peer's backlog in the relay's forward queue does not delay
// another peer's message (fair-queue.ts), and the flooder's excess over its share is IGNOREd
// (overflow:peer-queue-full), which costs it no score. Order and counts, not wall-clock time: the
// Worker stub answers slowly and the relay sends one request at a time, so the queue's order is the
// order the stub sees.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { IngestStub, startStub, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);
const FLOOD = 30;
const PER_PEER = 12;

describe("relay forward queue under one peer's flood", () => {
  let stub: IngestStub;
  let relay: Relay;
  let honest: GossipNode;
  let flooder: GossipNode;
  const events: VerdictEvent[] = [];

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    stub.delayMs = 250;
    relay = await launchRelay(stub.url, { concurrency: 1, maxPerPeer: PER_PEER }, { onVerdict: (e) => events.push(e) });
    honest = await gossipPeer([TOPIC]);
    flooder = await gossipPeer([TOPIC]);
    await connect(honest, relay.node);
    await connect(flooder, relay.node);
    await relay.node.waitForTopicPeers(TOPIC, 2, 5_000);
    await honest.waitForTopicPeers(TOPIC, 1, 5_000);
    await flooder.waitForTopicPeers(TOPIC, 1, 5_000);
  });
  afterAll(() => stopAll(honest, flooder, relay, stub));

  it("serves the honest peer's block next, not behind the flooder's backlog; the flooder's excess is IGNOREd without penalty", async () => {
    // IGNORE-kind messages: the flood costs no score through verdicts, so only the queue is under test
    for (let i = 0; i < FLOOD; i++) await flooder.publishRaw(TOPIC, testMessage("ignore", `flood-${i}`));
    await waitFor(() => events.length + relay.forwarder.pendingCount >= FLOOD, 5_000, "the flood at the relay");
    const refused = events.filter((e) => e.reason === "peer-queue-full");
    expect(relay.forwarder.pendingCount).toBeLessThanOrEqual(PER_PEER);
    expect(refused.length).toBeGreaterThanOrEqual(FLOOD - PER_PEER - 2); // a request or two may finish meanwhile
    expect(refused.every((e) => e.verdict === "ignore" && e.source === "overflow" && e.job.source === flooder.peerId)).toBe(true);
    expect(relay.forwarder.queueDepth).toBeGreaterThanOrEqual(8);

    const sentBefore = stub.received.length;
    await honest.publishRaw(TOPIC, testMessage("accept", "valid"));
    await relay.forwarder.idle();
    const order = stub.received.map((r) => r.tag);
    const at = order.indexOf("valid");
    // at most: the request in flight, then one turn of the flooder's queue (plus one that may have
    // finished while the block was on its way), then the block — not the ≥ 8 queued before it
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(sentBefore + 3);
    expect(order.slice(at + 1).filter((t) => t.startsWith("flood-")).length).toBeGreaterThanOrEqual(5);
    expect(events.find((e) => e.job.source === honest.peerId)).toMatchObject({ verdict: "accept", source: "worker" });
    // every flood message answered exactly once: forwarded or refused
    expect(new Set(order.filter((t) => t.startsWith("flood-"))).size + refused.length).toBe(FLOOD);
    // IGNORE never penalises: the flooder is still in good standing with gossipsub
    expect(relay.node.pubsub.getScore(flooder.peerId)).toBeGreaterThanOrEqual(0);
  });
});
