// (c) A mixed mesh for two minutes of traffic: two op-node peers (A: op-node's exact light scoring;
// B: the same plus op-follow's P4 on the cross-safe topic, src/relay/gossip-params.ts), our relay
// (real Worker under wrangler dev, devnet chain server) and our publisher. Each cross-safe block is
// published by our publisher and, byte-identical (RFC 6979 signatures on both sides), by op-node A.
//   - every block reaches every node exactly once (op-node: one delivery and one payload per block;
//     relay: one forward per message id) and the Worker's head follows;
//   - op-node's score of our relay and publisher never drops below 0 (sampled every 15 s, the rate
//     op-node refreshes it, for ≥ 2 minutes);
//   - an invalid-flooding js peer is REJECTed by both, its messages go nowhere, and its score falls
//     where P4 is configured (B). With op-node's own light params (A) a REJECT costs nothing: they have
//     no topic scores (op-node/p2p/peer_params.go, Topics: nil) — asserted, so a change in op-node shows.
import "../../src/node/keccak.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_ACCOUNTS } from "../../src/devnet/dev-accounts.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../../src/devnet/stack.ts";
import { startWorkerDev, type WorkerDev } from "../../src/devnet/worker-dev.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { PublisherEvent } from "../../src/publisher/engine.ts";
import { startPublisher, type Publisher } from "../../src/publisher/publisher.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import { DEFAULT_INVALID_MESSAGE_WEIGHT } from "../../src/relay/gossip-params.ts";
import { silentLogger } from "../../src/relay/log.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";
import { CROSS_SAFE_DOMAIN, INTEROP_SKIP, keyBytes, msgIdHex, sequencerKey, signedBytesOf, signWithDomain, startOpNodeFor, until } from "./harness/interop-env.ts";
import type { OpNodePeer } from "./harness/opnode-peer.ts";

const TRAFFIC_MS = 125_000; // ≥ 2 minutes, and past an op-node score refresh (every 15 s)
const SCORE_EVERY_MS = 15_000;

describe.skipIf(INTEROP_SKIP)("mixed mesh: 2 op-node peers, our relay and our publisher", () => {
  let server: ChainServer;
  let worker: WorkerDev;
  let relay: Relay;
  let publisher: Publisher;
  let a: OpNodePeer;
  let b: OpNodePeer;
  let flooder: GossipNode;
  let dir: string;
  let topic: string;
  const verdicts: VerdictEvent[] = [];
  const published: Array<Extract<PublisherEvent, { type: "published" }>> = [];

  beforeAll(async () => {
    server = await startChainServer();
    server.advance(120);
    const chainId = server.chain.options.l2ChainId;
    topic = crossSafeTopic(chainId);
    dir = await mkdtemp(join(tmpdir(), "op-follow-interop-"));
    [worker, a, b] = await Promise.all([
      startWorkerDev({ chains: [devnetWorkerChain(server)], relaySecrets: { [RELAY_ID]: SECRET } }),
      startOpNodeFor(server.chain),
      startOpNodeFor(server.chain, { crossSafeInvalidMessageWeight: DEFAULT_INVALID_MESSAGE_WEIGHT }),
    ]);
    relay = await launchRelay(worker.url, { chainIds: [chainId], peerListIntervalMs: 1_000 }, { onVerdict: (e) => verdicts.push(e) });
    await a.connect(tcpAddr(relay.node));
    await b.connect(tcpAddr(relay.node));
    await b.connect(a.tcpAddr);
    publisher = await startPublisher(
      {
        chainId,
        l2Rpc: server.urls.sequencerL2,
        rollupRpc: server.urls.sequencerRollup,
        signerKey: fromHex(server.chain.options.sequencerKey),
        stateFile: join(dir, "state.json"),
        pollIntervalMs: 100,
        rpcTimeoutMs: 2_000,
        publishTimeoutMs: 10_000,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: [tcpAddr(relay.node), a.tcpAddr],
        bootstrap: [],
        logLevel: "error",
        maxConnections: 16,
      },
      { log: silentLogger, redialMs: 500, onEvent: (e) => void (e.type === "published" && published.push(e)) },
    );
    flooder = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    await a.connect(tcpAddr(flooder));
    await b.connect(tcpAddr(flooder));
    await until("the mesh", 15_000, async () => {
      const [ta, tb] = [(await a.topicPeers())[topic] ?? [], (await b.topicPeers())[topic] ?? []];
      return [relay.node.peerId, publisher.node.peerId, flooder.peerId].every((p) => ta.includes(p)) && [relay.node.peerId, a.peerId, flooder.peerId].every((p) => tb.includes(p));
    });
  });

  afterAll(async () => {
    await stopAll(publisher, flooder, relay, a, b);
    await worker?.stop();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("two minutes of blocks: each reaches every node exactly once; op-node never scores our relay or publisher below 0; the flooder is rejected", { timeout: TRAFFIC_MS + 120_000 }, async () => {
    const chainId = server.chain.options.l2ChainId;
    const seq = server.chain.view("sequencer");
    const ours = [relay.node.peerId, publisher.node.peerId];
    const samples: Array<{ at: number; node: string; peer: string; score: number }> = [];
    const flood: string[] = [];
    const expected = new Map<bigint, string>(); // height → the message id of its block
    const start = Date.now();
    const sample = async (): Promise<void> => {
      for (const [name, p] of [["A", a], ["B", b]] as const) for (const s of await p.scores()) samples.push({ at: Date.now() - start, node: name, peer: s.peerId, score: s.score ?? 0 });
    };
    await sample();
    let nextScore = start + SCORE_EVERY_MS;
    const first = server.chain.heads().crossSafe;
    for (let i = 0; Date.now() - start < TRAFFIC_MS; i++) {
      server.advanceBlocks(1);
      const n = server.chain.heads().crossSafe;
      // op-node A publishes the same block as our publisher, with op-node's signer and encoder: the same
      // bytes, so whichever copy a node gets first, the other is a duplicate. (If our publisher's copy is
      // still in A's validator, A's own publish is IGNOREd as already seen: that is fine too.)
      const signed = signedBytesOf(server.chain, seq.blockByNumber(n)!);
      expected.set(n, toHex(await computeMessageId(topic, signWithDomain(signed, chainId, keyBytes(server.chain), CROSS_SAFE_DOMAIN))).slice(2));
      await a.publish("cross-safe", 4, signed, sequencerKey(server.chain)).catch((e: Error) => {
        if (!/validation ignored/.test(e.message)) throw e;
      });
      // the flooder: a real block signed by the wrong key, every other step
      if (i % 2 === 0) {
        const data = signWithDomain(signedBytesOf(server.chain, seq.blockByNumber(n - 1n)!), chainId, fromHex(DEV_ACCOUNTS[2]!.privateKey), CROSS_SAFE_DOMAIN);
        flood.push(await a.msgId(topic, data));
        await flooder.publishRaw(topic, data).catch(() => undefined);
      }
      if (Date.now() >= nextScore) {
        nextScore += SCORE_EVERY_MS;
        await sample();
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
    await new Promise((r) => setTimeout(r, Math.max(0, nextScore - Date.now())));
    await sample(); // op-node's refresh after the last block
    const last = server.chain.heads().crossSafe;
    const heights: bigint[] = [];
    for (let n = first + 1n; n <= last; n++) heights.push(n);
    const hashes = heights.map((n) => seq.blockByNumber(n)!.hash);

    // the Worker's head reaches the last block
    await until(`head ${last}`, 30_000, async () => {
      const r = await fetch(`${worker.url}/v1/chains/${chainId}/cross-safe`);
      return r.status === 200 && BigInt(((await r.json()) as { number: number }).number) === last;
    });
    await until("every block at both op-node peers", 20_000, () => [a, b].every((p) => hashes.every((h) => p.payloads("cross-safe").some((x) => x.hash === h))));
    await new Promise((r) => setTimeout(r, 2_000)); // late duplicates would show now

    // exactly once: one delivery (ACCEPT) and one payload per block at each op-node; duplicates are dropped by pubsub
    for (const [name, p] of [["A", a], ["B", b]] as const) {
      const byHash = new Map<string, number>();
      for (const x of p.payloads("cross-safe")) byHash.set(x.hash, (byHash.get(x.hash) ?? 0) + 1);
      for (const h of hashes) expect(byHash.get(h), `${name}: deliveries of ${h}`).toBe(1);
      // nothing from our relay or publisher was ever rejected or ignored
      expect(p.messages().filter((m) => m.event === "message" && ours.includes(m.from) && m.result !== "ACCEPT"), name).toEqual([]);
    }
    // the relay forwarded each block's one message exactly once: A's copy and our publisher's are the
    // same message (a differing copy would be a second id, forwarded and ACCEPTed or IGNOREd on its own)
    const forwarded = new Map<string, number>();
    for (const v of verdicts) forwarded.set(msgIdHex(v.job.msgId), (forwarded.get(msgIdHex(v.job.msgId)) ?? 0) + 1);
    expect(heights.length).toBeGreaterThanOrEqual(50);
    for (const n of heights) expect(forwarded.get(expected.get(n)!), `relay forwards of block ${n}`).toBe(1);
    expect([...forwarded.values()].every((c) => c === 1)).toBe(true);
    // (the block at the head when the publisher started may come before the Worker's first head: IGNOREd)
    expect(verdicts.filter((v) => v.verdict !== "accept" && BigInt(v.response?.number ?? -1) > first).map((v) => v.reason)).toEqual([]);
    // both op-node peers delivered exactly those ids
    for (const p of [a, b]) for (const n of heights) expect(p.messages({ msgId: expected.get(n)!, event: "message" }).length, `block ${n}`).toBeLessThanOrEqual(1);
    expect(published.map((p) => p.number)).toEqual(expect.arrayContaining(heights));

    // scores: ≥ 2 minutes of samples; op-node never scored our relay or publisher below 0
    expect(samples.at(-1)!.at - samples[0]!.at).toBeGreaterThanOrEqual(TRAFFIC_MS);
    // per sample: A scores the relay and the publisher, B the relay (the publisher is not B's peer)
    const mine = samples.filter((s) => ours.includes(s.peer));
    expect(mine.length).toBeGreaterThanOrEqual(3 * Math.floor(TRAFFIC_MS / SCORE_EVERY_MS));
    console.log(`op-node scores of our relay and publisher over ${((samples.at(-1)!.at - samples[0]!.at) / 1000).toFixed(0)} s: min ${Math.min(...mine.map((s) => s.score))}, max ${Math.max(...mine.map((s) => s.score))} (${mine.length} samples)`);
    expect(mine.filter((s) => s.score < 0)).toEqual([]);

    // the flooder: every message REJECTed by both op-node peers (B only sees what the flooder sent it
    // directly: A never forwards a rejected message), none reached the relay
    // (B graylists, then bans the flooder once P4 takes its score below -40, then -100: later floods never reach its validator)
    for (const id of flood) expect(a.messages({ msgId: id, event: "message" }).map((m) => [m.from, m.result]), id).toEqual([[flooder.peerId, "REJECT"]]);
    for (const id of flood) expect(b.messages({ msgId: id, event: "message" }).filter((m) => m.from !== flooder.peerId || m.result !== "REJECT"), id).toEqual([]);
    expect(b.messages({ from: flooder.peerId, result: "REJECT" }).length).toBeGreaterThan(0);
    expect(verdicts.filter((v) => flood.includes(msgIdHex(v.job.msgId)))).toEqual([]);
    const floodScore = (node: string) => samples.filter((s) => s.node === node && s.peer === flooder.peerId).map((s) => s.score);
    console.log(`op-node scores of the flooder: A (light) ${floodScore("A").join(", ")}; B (light + P4) ${floodScore("B").join(", ")}`);
    expect(Math.min(...floodScore("B"))).toBeLessThan(0);
    expect(floodScore("A").every((s) => s === 0)).toBe(true);
  });
});
