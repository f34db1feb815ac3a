// (c) A peer flooding invalid envelopes loses gossipsub score, is graylisted, then disconnected and
// banned, while valid messages from an honest publisher keep flowing to the Worker and the third node.
// Two paths: the relay's own P4 scoring (default), and the Worker's peer list with op-node's exact
// light parameters (no topic scoring), where only the Worker's graylist can act.
import { multiaddr } from "@multiformats/multiaddr";
import { afterEach, describe, expect, it } from "vitest";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { PEER_SCORE_THRESHOLDS } from "../../src/relay/gossip-params.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { IngestStub, startStub, tagOf, testMessage, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, connect, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);

interface Net {
  stub: IngestStub;
  relay: Relay;
  pub: GossipNode;
  flooder: GossipNode;
  third: GossipNode;
  atThird: string[];
}

let net: Net | undefined;
afterEach(async () => {
  if (net) await stopAll(net.pub, net.flooder, net.third, net.relay, net.stub);
  net = undefined;
});

async function setup(relayOver: Parameters<typeof launchRelay>[1], stubOver: { graylistAfterRejects?: number } = {}): Promise<Net> {
  const stub = await startStub({ secrets: { [RELAY_ID]: SECRET }, ...stubOver });
  const relay = await launchRelay(stub.url, relayOver);
  const pub = await gossipPeer([TOPIC]);
  const flooder = await gossipPeer([TOPIC]);
  const third = await gossipPeer([TOPIC], { gossipOverrides: { asyncValidation: false } });
  const atThird: string[] = [];
  third.pubsub.addEventListener("message", (e) => atThird.push(tagOf(e.detail.data)));
  await Promise.all([connect(pub, relay.node), connect(flooder, relay.node), connect(third, relay.node)]);
  await relay.node.waitForTopicPeers(TOPIC, 3, 5_000);
  await Promise.all([pub.waitForTopicPeers(TOPIC), flooder.waitForTopicPeers(TOPIC)]);
  net = { stub, relay, pub, flooder, third, atThird };
  return net;
}

/** Publishes until the relay is gone; returns how many went out. */
async function flood(n: GossipNode, count: number, kind: (i: number) => Uint8Array): Promise<number> {
  let sent = 0;
  for (let i = 0; i < count; i++) {
    try {
      await n.pubsub.publish(TOPIC, kind(i));
      sent++;
    } catch {
      break; // no peer left to publish to: we were disconnected
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return sent;
}

async function honest(n: GossipNode, count: number, everyMs: number): Promise<string[]> {
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const tag = `good-${i}`;
    await n.publishRaw(TOPIC, testMessage("accept", tag));
    tags.push(tag);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return tags;
}

async function expectKeptOut(relay: Relay, flooder: GossipNode): Promise<void> {
  expect(relay.node.bans.isBanned(flooder.peerId)).toBe(true);
  await flooder.libp2p.dial(multiaddr(tcpAddr(relay.node)), { signal: AbortSignal.timeout(3_000) }).then(
    () => undefined,
    () => undefined,
  );
  await new Promise((r) => setTimeout(r, 300));
  expect(relay.node.connectedPeers()).not.toContain(flooder.peerId);
}

describe("flooding peer", () => {
  it("is scored down by gossipsub (P4), graylisted, banned and disconnected; valid blocks keep flowing", async () => {
    const { stub, relay, pub, flooder, atThird } = await setup({});
    const scores: number[] = [];
    const sampler = setInterval(() => scores.push(relay.node.pubsub.getScore(flooder.peerId)), 20);
    const [sent, good] = await Promise.all([
      // alternate Worker-rejected envelopes and undecodable ones (rejected locally)
      flood(flooder, 60, (i) => (i % 2 ? testMessage("reject", `flood-${i}`) : Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, i))),
      honest(pub, 10, 100),
    ]);
    await waitFor(() => !relay.node.connectedPeers().includes(flooder.peerId), 5_000, "the flooder disconnected");
    clearInterval(sampler);
    expect(sent).toBeGreaterThan(2);
    if (process.env.RELAY_TEST_VERBOSE) console.log({ sent, minScore: Math.min(...scores), accepted: stub.tags("accept").length });
    // the score passed below the graylist threshold on its way down
    expect(Math.min(...scores)).toBeLessThan(PEER_SCORE_THRESHOLDS.graylistThreshold);
    expect(relay.metrics.bans.get({ reason: "score" })).toBe(1);
    await expectKeptOut(relay, flooder);

    // every valid message reached the Worker and the third node; no flood message reached the third node
    await waitFor(() => good.every((t) => atThird.includes(t)), 5_000, "all valid messages at the third node");
    expect(stub.tags("accept").sort()).toEqual([...good].sort());
    expect(atThird.filter((t) => !t.startsWith("good-"))).toEqual([]);
    expect(relay.node.connectedPeers()).toContain(pub.peerId);
    expect(relay.node.pubsub.getScore(pub.peerId)).toBe(0);

    // and the honest publisher still gets through afterwards
    await pub.publishRaw(TOPIC, testMessage("accept", "after"));
    await waitFor(() => atThird.includes("after"), 5_000, "a message after the ban");
  });

  it("with op-node's exact light scoring, the Worker's graylist alone gets it disconnected and banned", async () => {
    const { stub, relay, pub, flooder, atThird } = await setup({ invalidMessageWeight: 0, peerListIntervalMs: 100 }, { graylistAfterRejects: 3 });
    const [, good] = await Promise.all([flood(flooder, 200, (i) => testMessage("reject", `flood-${i}`)), honest(pub, 5, 100)]);
    await waitFor(() => !relay.node.connectedPeers().includes(flooder.peerId), 5_000, "the flooder disconnected");
    expect(relay.metrics.bans.get({ reason: "worker-graylist" })).toBe(1);
    expect(relay.metrics.bans.get({ reason: "score" })).toBe(0);
    // the Worker's graylist is fed to gossipsub as the application score, below its graylist threshold
    expect(relay.peerScores.isGraylisted(flooder.peerId)).toBe(true);
    // (gossipsub caches a peer's score for a while: the new application score shows once the cache expires)
    await waitFor(() => relay.node.pubsub.getScore(flooder.peerId) < PEER_SCORE_THRESHOLDS.graylistThreshold, 5_000, "gossipsub's score below its graylist threshold");
    // REJECTs alone did not move the honest publisher (no topic scoring in op-node's params)
    expect(relay.node.pubsub.getScore(pub.peerId)).toBe(0);
    await expectKeptOut(relay, flooder);
    await waitFor(() => good.every((t) => atThird.includes(t)), 5_000, "all valid messages at the third node");
    expect(stub.tags("accept").sort()).toEqual([...good].sort());
  });
});
