// (d) The Worker unreachable for a while, then back: no valid message lost, the queue stays bounded,
// overflow is IGNOREd and counted. Real libp2p nodes (publisher — relay — third node) and a real HTTP
// stub that goes down (connection refused) or answers 503 as during a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { MCACHE_WINDOW_MS } from "../../src/relay/gossip-params.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { IngestStub, startStub, tagOf, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);
const MAX_QUEUE = 6;
const CONCURRENCY = 2;

describe("Worker outage", () => {
  let stub: IngestStub;
  let relay: Relay;
  let pub: GossipNode;
  let third: GossipNode;
  const atThird: string[] = [];
  let maxDepth = 0;
  let sampler: ReturnType<typeof setInterval>;

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    relay = await launchRelay(stub.url, { maxQueue: MAX_QUEUE, concurrency: CONCURRENCY, deadlineMs: 20_000, requestTimeoutMs: 1_000 });
    pub = await gossipPeer([TOPIC]);
    third = await gossipPeer([TOPIC], { gossipOverrides: { asyncValidation: false } });
    third.pubsub.addEventListener("message", (e) => atThird.push(tagOf(e.detail.data)));
    await connect(pub, relay.node);
    await connect(third, relay.node);
    await relay.node.waitForTopicPeers(TOPIC, 2, 5_000);
    sampler = setInterval(() => {
      maxDepth = Math.max(maxDepth, relay.forwarder.queueDepth);
    }, 5);
  });
  afterAll(async () => {
    clearInterval(sampler);
    await stopAll(pub, third, relay, stub);
  });

  async function publishAll(prefix: string, n: number, everyMs: number): Promise<string[]> {
    const tags: string[] = [];
    for (let i = 0; i < n; i++) {
      tags.push(`${prefix}-${i}`);
      await pub.publishRaw(TOPIC, testMessage("accept", `${prefix}-${i}`));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return tags;
  }

  it("connection refused for 2.5 s: every message delivered once it is back, and propagated", async () => {
    await stub.stop();
    const tags = await publishAll("down", 6, 150);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(stub.received.length).toBe(0);
    expect(relay.forwarder.pendingCount).toBe(6);
    await stub.start();
    await relay.forwarder.idle();
    expect(stub.tags("accept").sort()).toEqual([...tags].sort());
    // verdicts came within gossipsub's mcache window, so the relay still forwarded them
    await waitFor(() => tags.every((t) => atThird.includes(t)), 5_000, "propagation after the outage");
    expect(relay.metrics.retries.get({ cause: "network" })).toBeGreaterThan(0);
    expect(relay.metrics.messages.get({ verdict: "ignore", source: "deadline" })).toBe(0);
  });

  it("503 while the Worker restarts: retried, nothing lost", async () => {
    stub.failWith = 503;
    const tags = await publishAll("restart", 4, 100);
    await waitFor(() => stub.requests.filter((r) => r.status === 503).length >= 4, 5_000, "503s");
    stub.failWith = undefined;
    await relay.forwarder.idle();
    for (const t of tags) expect(stub.tags("accept")).toContain(t);
    expect(relay.metrics.retries.get({ cause: "5xx" })).toBeGreaterThan(0);
  });

  it("a long outage: the queue stays bounded, overflow is IGNOREd and counted, the rest delivered", async () => {
    const overflowBefore = relay.metrics.queueOverflow.get();
    const acceptedBefore = stub.received.length;
    await stub.stop();
    const tags = await publishAll("flood", 14, 20);
    await waitFor(() => relay.forwarder.pendingCount === MAX_QUEUE + CONCURRENCY, 3_000, "a full queue");
    // the last messages may still be on their way through gossipsub when the queue fills (seen under load)
    await waitFor(() => relay.metrics.queueOverflow.get() - overflowBefore === 14 - MAX_QUEUE - CONCURRENCY, 5_000, "every overflow counted");
    expect(maxDepth).toBeLessThanOrEqual(MAX_QUEUE);
    expect(relay.forwarder.queueBytes).toBeLessThan(MAX_QUEUE * 200);
    expect(relay.metrics.queueOverflow.get() - overflowBefore).toBe(14 - MAX_QUEUE - CONCURRENCY);
    await stub.start();
    await relay.forwarder.idle();
    const delivered = stub.received.slice(acceptedBefore).map((r) => r.tag);
    expect(delivered.length).toBe(MAX_QUEUE + CONCURRENCY);
    // FIFO: the first messages were kept, the overflow came last
    expect(delivered.sort()).toEqual(tags.slice(0, MAX_QUEUE + CONCURRENCY).sort());
    const text = relay.metrics.registry.render();
    expect(text).toContain(`op_follow_relay_queue_overflow_total ${14 - MAX_QUEUE - CONCURRENCY}`);
  });

  it(`an outage longer than gossipsub's ${MCACHE_WINDOW_MS} ms window: still delivered to the Worker, counted late, not propagated`, async () => {
    await stub.stop();
    const [tag] = await publishAll("late", 1, 0);
    await new Promise((r) => setTimeout(r, MCACHE_WINDOW_MS + 600));
    await stub.start();
    await relay.forwarder.idle();
    expect(stub.tags("accept")).toContain(tag);
    expect(relay.metrics.lateVerdicts.get()).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(atThird).not.toContain(tag);
  }, 20_000);
});
