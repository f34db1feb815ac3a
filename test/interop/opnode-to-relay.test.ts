// (a) op-node → us. op-node's own p2p stack (test/interop/opnode-peer) signs devnet blocks with
// op-node's signer and publishes them: on the cross-safe topic with the attestation domain, our relay
// forwards them to the real Worker (wrangler dev, the devnet chain server as the follower's nodes) and
// the cross-safe head advances; on the blocks topic (op-node's own SignAndPublishL2Payload, domain 0) a
// js peer receives them and op-follow's validation (what `op-follow inspect --topic blocks` runs)
// accepts them, with op-node's message id, and the relay's forward moves the Worker's unsafe head.
import "../../src/node/keccak.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../../src/devnet/stack.ts";
import { startWorkerDev, type WorkerDev } from "../../src/devnet/worker-dev.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { crossSafeTopic, formatTopic } from "../../src/protocol/topic.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import type { Relay } from "../../src/relay/relay.ts";
import { gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";
import { INTEROP_SKIP, msgIdHex, sequencerKey, signedBytesOf, startOpNodeFor, until } from "./harness/interop-env.ts";
import type { OpNodePeer } from "./harness/opnode-peer.ts";
import { untilUnsafeHead } from "../helpers/unsafe-head.ts";

describe.skipIf(INTEROP_SKIP)("op-node → relay → Worker", () => {
  let server: ChainServer;
  let worker: WorkerDev;
  let relay: Relay;
  let opnode: OpNodePeer;
  let js: GossipNode;
  const verdicts: VerdictEvent[] = [];
  let topic: string;
  let blocksTopic: string;

  beforeAll(async () => {
    // Genesis a few minutes ago, advanced to now: the newest blocks are within op-node's 60 s window
    // for the blocks topic (its own validator checks what it publishes too).
    const now = Math.floor(Date.now() / 1000);
    server = await startChainServer({ chain: { genesisTime: BigInt(now - 180) } });
    server.advance(180);
    const chainId = server.chain.options.l2ChainId;
    topic = crossSafeTopic(chainId);
    blocksTopic = formatTopic(chainId, "blocks", 4);
    [worker, opnode] = await Promise.all([
      startWorkerDev({ chains: [devnetWorkerChain(server)], relaySecrets: { [RELAY_ID]: SECRET } }),
      startOpNodeFor(server.chain),
    ]);
    relay = await launchRelay(worker.url, { chainIds: [chainId], peerListIntervalMs: 1_000 }, { onVerdict: (e) => verdicts.push(e) });
    js = await gossipPeer([blocksTopic], { gossipOverrides: { asyncValidation: false } });
    await opnode.connect(tcpAddr(relay.node));
    await opnode.connect(tcpAddr(js));
    await relay.node.waitForTopicPeers(topic, 1, 10_000, "subscribers");
    // op-node publishes to its mesh (no flood publishing): wait for the GRAFTs (mutual)
    await until("op-node in the relay's and the js peer's mesh", 15_000, () =>
      [relay.node.pubsub.getMeshPeers(topic), relay.node.pubsub.getMeshPeers(blocksTopic), js.pubsub.getMeshPeers(blocksTopic)].every((mesh) => mesh.includes(opnode.peerId)),
    );
  });

  afterAll(async () => {
    await stopAll(relay, js, opnode);
    await worker?.stop();
    await server?.close();
  });

  const head = async (): Promise<{ number: number; hash: string } | undefined> => {
    const r = await fetch(`${worker.url}/v1/chains/${server.chain.options.l2ChainId}/cross-safe`);
    return r.status === 200 ? ((await r.json()) as { number: number; hash: string }) : undefined;
  };

  it("cross-safe blocks signed by op-node's signer advance the Worker's head through the relay", async () => {
    const seq = server.chain.view("sequencer");
    const top = server.chain.heads().crossSafe;
    for (const n of [top - 3n, top - 2n, top - 1n, top]) {
      const b = seq.blockByNumber(n)!;
      // (publish resolves once op-node's own validator ACCEPTed the message: pubsub validates local messages)
      const r = await opnode.publish("cross-safe", 4, signedBytesOf(server.chain, b), sequencerKey(server.chain));
      // op-node's SSZ codec round-trips our encoding byte for byte
      expect(r).toMatchObject({ number: Number(n), hash: b.hash, reencodedEqual: true });
      const h = await until(`head ${n}`, 20_000, async () => {
        const x = await head();
        return x && BigInt(x.number) >= n ? x : undefined;
      }, () => worker.output().slice(-3000));
      expect(h).toMatchObject({ number: Number(n), hash: b.hash });
      const v = verdicts.find((e) => msgIdHex(e.job.msgId) === r.msgId);
      expect(v, `the relay's verdict for op-node's message id ${r.msgId}`).toMatchObject({ verdict: "accept", job: { source: opnode.peerId, topic } });
    }
    // the relay computed op-node's id for every message (the Worker recomputes it and would count a mismatch)
    expect(relay.metrics.messageIdMismatch.get()).toBe(0);
  });

  it("the blocks topic: op-node's SignAndPublishL2Payload (domain 0) reaches a js peer and moves op-follow's unsafe head (relay → Worker → UnsafeHead); op-follow's blocks-topic validation accepts it with op-node's id", async () => {
    const crossSafeBefore = await head();
    // the newest block, stamped now: inside op-node's 60 s window
    server.advance(Math.max(0, Math.floor(Date.now() / 1000) - Number(server.chain.view("sequencer").blockByNumber(server.chain.heads().unsafe)!.timestamp)));
    const seq = server.chain.view("sequencer");
    const b = seq.blockByNumber(server.chain.heads().unsafe)!;
    const got = new Promise<Uint8Array>((resolve) =>
      js.pubsub.addEventListener("message", (e) => {
        if (e.detail.topic === blocksTopic) resolve(e.detail.data);
      }),
    );
    const r = await opnode.publish("blocks", 4, signedBytesOf(server.chain, b), sequencerKey(server.chain));
    expect(r).toMatchObject({ hash: b.hash, reencodedEqual: true });
    const data = await got;
    const v = await validateGossipMessage(data, {
      chainId: server.chain.options.l2ChainId,
      topic: blocksTopic,
      kind: "blocks",
      version: 4,
      signer: server.chain.sequencerAddress,
      now: Math.floor(Date.now() / 1000),
    });
    expect(v).toMatchObject({ verdict: "accept", reason: "valid", blockHash: b.hash });
    const ours = toHex(await computeMessageId(blocksTopic, data)).slice(2);
    // op-node's id function on the bytes it sent is ours
    expect(await opnode.msgId(blocksTopic, data)).toBe(ours);
    // op-node's own publishing path moves op-follow's unsafe head (issue 12): the relay forwarded it
    // on the blocks topic, the Worker checked it with op-node's unsafe rules and UnsafeHead took it
    const u = await untilUnsafeHead(worker.url, server.chain.options.l2ChainId, (x) => x.hash === b.hash, 20_000);
    expect(u).toMatchObject({ number: Number(b.number), hash: b.hash, parentHash: b.parentHash });
    expect(verdicts.find((e) => msgIdHex(e.job.msgId) === ours)).toMatchObject({ verdict: "accept", job: { source: opnode.peerId, topic: blocksTopic } });
    // and never the cross-safe head: that moves only on attestations
    expect(await head()).toEqual(crossSafeBefore);
  });
});
