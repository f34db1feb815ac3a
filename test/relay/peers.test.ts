// Static peers are kept connected (redialled after they restart), bootstrap peers are dialled, the
// Worker's peer lists are parsed defensively and combined across chains, bans expire.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { afterEach, describe, expect, it } from "vitest";
import { BanList } from "../../src/relay/ban-list.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { PEER_SCORE_THRESHOLDS } from "../../src/relay/gossip-params.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { parsePeerList, PeerScores } from "../../src/relay/peer-scores.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { startStub, waitFor, type IngestStub } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);
const cleanup: Array<{ stop(): Promise<void> } | undefined> = [];
afterEach(async () => {
  await stopAll(...cleanup.splice(0));
});

describe("static and bootstrap peers", () => {
  it("dials a static peer, and redials it after it restarts", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const key = await generateKeyPair("secp256k1");
    let peer: GossipNode = await gossipPeer([TOPIC], { privateKey: key });
    const addr = tcpAddr(peer);
    const relay: Relay = await launchRelay(stub.url, { peers: [addr] }, { redialMs: 200 });
    cleanup.push(stub, relay, { stop: () => peer.stop() });
    const firstMs = await waitFor(() => relay.node.connectedPeers().includes(peer.peerId), 5_000, "static peer connected");
    await relay.node.waitForTopicPeers(TOPIC, 1, 5_000);
    await peer.stop();
    await waitFor(() => !relay.node.connectedPeers().includes(peer.peerId), 5_000, "static peer gone");
    peer = await gossipPeer([TOPIC], { privateKey: key, listen: [addr.replace(/\/p2p\/.*$/, "")] });
    const againMs = await waitFor(() => relay.node.connectedPeers().includes(peer.peerId), 10_000, "static peer reconnected");
    await relay.node.waitForTopicPeers(TOPIC, 1, 5_000);
    expect(firstMs).toBeLessThan(5_000);
    expect(againMs).toBeLessThan(10_000);
  });

  it("dials bootstrap peers", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const boot = await gossipPeer([TOPIC]);
    const relay = await launchRelay(stub.url, { bootstrap: [tcpAddr(boot)] });
    cleanup.push(stub, boot, relay);
    await waitFor(() => relay.node.connectedPeers().includes(boot.peerId), 5_000, "bootstrap peer connected");
  });

  it("connects to a bootstrap peer that comes up later, while connected to more than D_lo peers of other chains", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const others = await Promise.all(Array.from({ length: 7 }, () => gossipPeer([crossSafeTopic(CHAIN_ID + 1n)])));
    cleanup.push(stub, ...others);
    const key = await generateKeyPair("secp256k1");
    const first = await gossipPeer([TOPIC], { privateKey: key });
    const bootAddr = tcpAddr(first);
    await first.stop(); // the bootnode is down when the relay starts
    const relay = await launchRelay(stub.url, { peers: others.map(tcpAddr), bootstrap: [bootAddr] }, { redialMs: 100 });
    cleanup.push(relay);
    await waitFor(() => others.every((o) => relay.node.connectedPeers().includes(o.peerId)), 5_000, "other chains' peers connected");
    const boot = await gossipPeer([TOPIC], { privateKey: key, listen: [bootAddr.replace(/\/p2p\/.*$/, "")] });
    cleanup.push(boot);
    await waitFor(() => relay.node.connectedPeers().includes(boot.peerId), 5_000, "bootstrap peer connected once it is up");
  });

  it("does not dial a banned static peer", async () => {
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const peer = await gossipPeer([TOPIC]);
    const relay = await launchRelay(stub.url, { peers: [tcpAddr(peer)] }, { redialMs: 100 });
    cleanup.push(stub, peer, relay);
    await waitFor(() => relay.node.connectedPeers().includes(peer.peerId), 5_000, "connected");
    await relay.node.ban(peer.peerId, "test", 60_000);
    await waitFor(() => !relay.node.connectedPeers().includes(peer.peerId), 5_000, "disconnected");
    await new Promise((r) => setTimeout(r, 500));
    expect(relay.node.connectedPeers()).not.toContain(peer.peerId);
    expect(peer.connectedPeers()).not.toContain(relay.node.peerId);
  });
});

describe("Worker peer list", () => {
  it("parses defensively", () => {
    expect(parsePeerList(null)).toBeNull();
    expect(parsePeerList({ peers: [] })).toBeNull();
    expect(
      parsePeerList({
        graylistThreshold: -40,
        peers: [{ peerId: "a", score: -5, graylisted: false }, { peerId: "b", score: "x" }, { peerId: "", score: 1 }, { peerId: "c", score: Infinity }, 7, { peerId: "d", score: -50, graylisted: true }],
      }),
    ).toEqual({ graylistThreshold: -40, peers: [{ peerId: "a", score: -5, graylisted: false }, { peerId: "d", score: -50, graylisted: true }] });
  });

  it("combines chains (lowest score, graylisted anywhere), keeps the last list when the Worker fails", async () => {
    const lists: Record<string, unknown> = {
      "1": { graylistThreshold: -40, peers: [{ peerId: "a", score: -5, graylisted: false }, { peerId: "b", score: 3, graylisted: false }] },
      "2": { graylistThreshold: -40, peers: [{ peerId: "a", score: -20, graylisted: false }, { peerId: "b", score: 1, graylisted: true }] },
    };
    let down = false;
    const graylisted: string[] = [];
    const fakeFetch = (async (url: string | URL) => {
      if (down) throw new TypeError("fetch failed");
      const chain = /chains\/(\d+)\/peers/.exec(String(url))![1]!;
      return new Response(JSON.stringify(lists[chain]), { status: 200 });
    }) as typeof fetch;
    const ps = new PeerScores({ workerUrl: "http://w", chainIds: [1n, 2n], fetch: fakeFetch, onGraylisted: (p) => graylisted.push(p) });
    await ps.refresh();
    expect(ps.appScore("a")).toBe(-20);
    expect(ps.appScore("b")).toBe(PEER_SCORE_THRESHOLDS.graylistThreshold - 1);
    expect(ps.appScore("unknown")).toBe(0);
    expect(graylisted).toEqual(["b"]);
    down = true;
    await ps.refresh();
    expect(ps.appScore("a")).toBe(-20);
    expect(ps.isGraylisted("b")).toBe(true);
  });
});

describe("ban list", () => {
  it("expires, extends, and never shortens a ban", () => {
    let now = 1_000;
    const b = new BanList(() => now);
    expect(b.ban("p", 100)).toBe(true);
    expect(b.ban("p", 10)).toBe(false);
    now += 50;
    expect(b.isBanned("p")).toBe(true);
    now += 60;
    expect(b.isBanned("p")).toBe(false);
    expect(b.size).toBe(0);
  });
});
