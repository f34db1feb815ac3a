// The relay on both kinds of topic (--topics cross-safe,blocks, the default): it joins the
// cross-safe topic and op-node's four blocks topics, forwards messages from each to the Worker with
// their topic, and reports the verdicts. Each kind has its own forward queue: with the Worker slow on
// the blocks topics and a flood queued there, a cross-safe message still gets its verdict at once
// (asserted structurally: while the flood is still queued, not by a clock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crossSafeTopic, formatTopic } from "../../src/protocol/topic.ts";
import { parseRelayArgs } from "../../src/relay/cli.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { relayTopics, type Relay } from "../../src/relay/relay.ts";
import { IngestStub, startStub, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll } from "../helpers/relay-nodes.ts";

const CROSS = crossSafeTopic(CHAIN_ID);
const BLOCKS = ([1, 2, 3, 4] as const).map((v) => formatTopic(CHAIN_ID, "blocks", v));

describe("--topics", () => {
  const base = ["--chain-id", "10", "--worker-url", "https://w.example", "--relay-id", "r1"];
  const env = { OP_FOLLOW_RELAY_SECRET: SECRET };
  it("defaults to both kinds; takes one; refuses anything else", async () => {
    const all = await parseRelayArgs(base, env);
    expect(!all.help && all.config.topicKinds).toEqual(["cross-safe", "blocks"]);
    const one = await parseRelayArgs([...base, "--topics", "blocks"], env);
    expect(!one.help && one.config.topicKinds).toEqual(["blocks"]);
    const viaEnv = await parseRelayArgs(base, { ...env, OP_FOLLOW_RELAY_TOPICS: "cross-safe" });
    expect(!viaEnv.help && viaEnv.config.topicKinds).toEqual(["cross-safe"]);
    await expect(parseRelayArgs([...base, "--topics", "blocks,unsafe"], env)).rejects.toThrow(/--topics: "unsafe" is not one of cross-safe, blocks/);
    await expect(parseRelayArgs([...base, "--topics", ","], env)).rejects.toThrow(/--topics: at least one/);
  });

  it("names op-node's topics", () => {
    expect(relayTopics([10n], ["cross-safe", "blocks"])).toEqual(["/optimism/10/0/cross-safe-blocks", "/optimism/10/0/blocks", "/optimism/10/1/blocks", "/optimism/10/2/blocks", "/optimism/10/3/blocks"]);
    expect(relayTopics([10n, 8453n], ["blocks"])).toHaveLength(8);
  });
});

describe("relay on the cross-safe and the blocks topics", () => {
  let stub: IngestStub;
  let relay: Relay;
  let pub: GossipNode;
  const verdicts: VerdictEvent[] = [];

  beforeAll(async () => {
    stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    relay = await launchRelay(stub.url, { concurrency: 2, maxQueue: 256 }, { onVerdict: (e) => verdicts.push(e) });
    pub = await gossipPeer([CROSS, ...BLOCKS]);
    await connect(pub, relay.node);
    for (const t of [CROSS, ...BLOCKS]) await pub.waitForTopicPeers(t, 1, 5_000, "subscribers");
  });
  afterAll(() => stopAll(pub, relay, stub));

  it("subscribes to all five topics and forwards each message with its topic", async () => {
    expect([...relay.topics].sort()).toEqual([CROSS, ...BLOCKS].sort());
    for (const [i, t] of [CROSS, ...BLOCKS].entries()) await pub.publishRaw(t, testMessage("accept", `t${i}`));
    await waitFor(() => stub.received.length === 5, 5_000, "five forwarded messages");
    expect(Object.fromEntries(stub.received.map((r) => [r.tag, r.meta.topic]))).toEqual(Object.fromEntries([CROSS, ...BLOCKS].map((t, i) => [`t${i}`, t])));
    await waitFor(() => verdicts.length === 5, 5_000, "five verdicts");
    expect(verdicts.every((v) => v.verdict === "accept" && v.source === "worker")).toBe(true);
  });

  it("scores REJECTs on the cross-safe topic only: the blocks topics keep op-node's light params (no topic scores)", async () => {
    verdicts.length = 0;
    await pub.publishRaw(BLOCKS[3]!, testMessage("reject", "bad-unsafe"));
    await waitFor(() => verdicts.length === 1, 5_000, "the REJECT");
    await new Promise((r) => setTimeout(r, 600)); // scores are recomputed at the heartbeat
    expect(relay.node.pubsub.getScore(pub.peerId)).toBe(0);
    expect(relay.node.pubsub.getMeshPeers(BLOCKS[3]!)).toContain(pub.peerId);
  });

  it("a flood on a blocks topic does not hold back a cross-safe message", async () => {
    verdicts.length = 0;
    // The Worker is slow on the blocks topics only (an overloaded unsafe path, say).
    stub.delayByTopic = (t) => (BLOCKS.includes(t) ? 250 : 0);
    const FLOOD = 60;
    for (let i = 0; i < FLOOD; i++) await pub.publishRaw(BLOCKS[3]!, testMessage("accept", `flood-${i}`));
    await waitFor(() => relay.blocksForwarder.queueDepth > 20, 5_000, "a queued flood");
    await pub.publishRaw(CROSS, testMessage("accept", "cross-1"));
    await waitFor(() => verdicts.some((v) => v.job.topic === CROSS), 10_000, "the cross-safe verdict");
    // When the cross-safe verdict came back, most of the flood was still waiting in its own queue.
    const at = verdicts.findIndex((v) => v.job.topic === CROSS);
    const floodLeft = FLOOD - verdicts.slice(0, at).length;
    const cross = verdicts[at]!;
    console.log(`cross-safe verdict after ${cross.latencyMs} ms, with ${floodLeft} of ${FLOOD} flood messages not yet answered (blocks path: 250 ms per request, 2 at a time)`);
    expect(floodLeft).toBeGreaterThan(FLOOD / 2);
    expect(relay.forwarder.queueDepth).toBe(0);
    stub.delayByTopic = undefined;
    await waitFor(() => verdicts.length === FLOOD + 1, 20_000, "the whole flood answered");
  });
});
