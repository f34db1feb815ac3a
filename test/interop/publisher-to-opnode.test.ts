// (b) us → op-node. `op-follow publish` (in process, real libp2p) gossips cross-safe blocks straight
// to op-node's own p2p stack, whose blocks v4 validator (timestamp threshold raised: the cross-safe
// topic has no age limit) ACCEPTs them and forwards them to a js observer behind it; op-node's message
// id is ours. Invalid messages from a js peer (wrong signer, the blocks domain instead of the
// attestation domain, broken snappy) are REJECTed by op-node and never reach the observer.
import "../../src/node/keccak.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_ACCOUNTS } from "../../src/devnet/dev-accounts.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { encodeSignedBytes } from "../../src/protocol/envelope.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { BLOCK_SIGNING_DOMAIN } from "../../src/protocol/signature.ts";
import { bigintToBytes, bytesToBigint } from "../../src/protocol/bytes.ts";
import { snappyDecode, snappyEncode } from "../../src/protocol/snappy.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { PublisherEvent } from "../../src/publisher/engine.ts";
import { startPublisher, type Publisher } from "../../src/publisher/publisher.ts";
import { silentLogger } from "../../src/relay/log.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { Rng, validPayload, withValidBlockHash } from "../helpers/payload-gen.ts";
import { gossipPeer, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";
import { CROSS_SAFE_DOMAIN, INTEROP_SKIP, signedBytesOf, signWithDomain, startOpNodeFor, until } from "./harness/interop-env.ts";
import type { OpNodePeer } from "./harness/opnode-peer.ts";

describe.skipIf(INTEROP_SKIP)("publisher → op-node", () => {
  let server: ChainServer;
  let opnode: OpNodePeer;
  let observer: GossipNode;
  let publisher: Publisher;
  let dir: string;
  let topic: string;
  const atObserver: Array<{ id: string; data: Uint8Array }> = [];
  const published: Array<Extract<PublisherEvent, { type: "published" }>> = [];

  beforeAll(async () => {
    server = await startChainServer();
    server.advance(120);
    topic = crossSafeTopic(server.chain.options.l2ChainId);
    dir = await mkdtemp(join(tmpdir(), "op-follow-interop-"));
    opnode = await startOpNodeFor(server.chain);
    observer = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    observer.pubsub.addEventListener("message", (e) => {
      const data = e.detail.data;
      void computeMessageId(topic, data).then((id) => atObserver.push({ id: toHex(id).slice(2), data }));
    });
    await opnode.connect(tcpAddr(observer));
    // op-node forwards to its mesh only (no flood publishing): a block it forwards before the
    // observer's GRAFT would reach the observer only by gossip, if at all. Wait for the mesh first.
    await until("the observer in op-node's mesh", 15_000, () => observer.pubsub.getMeshPeers(topic).includes(opnode.peerId));
    publisher = await startPublisher(
      {
        chainId: server.chain.options.l2ChainId,
        l2Rpc: server.urls.sequencerL2,
        rollupRpc: server.urls.sequencerRollup,
        signerKey: fromHex(server.chain.options.sequencerKey),
        stateFile: join(dir, "state.json"),
        pollIntervalMs: 100,
        rpcTimeoutMs: 2_000,
        publishTimeoutMs: 10_000,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: [opnode.tcpAddr],
        bootstrap: [],
        logLevel: "error",
        maxConnections: 16,
      },
      { log: silentLogger, redialMs: 500, onEvent: (e) => void (e.type === "published" && published.push(e)) },
    );
  });

  afterAll(async () => {
    await stopAll(publisher, observer, opnode);
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("op-node's validator ACCEPTs every block our publisher sends, with our message id, and forwards it", async () => {
    await until("the first block published", 20_000, () => published.length > 0);
    for (let i = 0; i < 4; i++) server.advanceBlocks(1);
    const last = server.chain.heads().crossSafe;
    await until(`block ${last} published`, 20_000, () => published.some((p) => p.number === last));
    const seq = server.chain.view("sequencer");
    for (const p of published) {
      const b = seq.blockByNumber(p.number)!;
      const bytes = signWithDomain(signedBytesOf(server.chain, b), server.chain.options.l2ChainId, fromHex(server.chain.options.sequencerKey), CROSS_SAFE_DOMAIN);
      const ours = toHex(await computeMessageId(topic, bytes)).slice(2);
      // op-node ACCEPTed exactly that message from our publisher: same bytes (RFC 6979 signatures on
      // both sides), same id
      const m = await opnode.waitFor(`op-node's verdict on block ${p.number}`, (e) => e.event === "message" && e.msgId === ours);
      expect(m).toMatchObject({ topic, from: publisher.node.peerId, result: "ACCEPT" });
      expect(await opnode.msgId(topic, bytes)).toBe(ours);
      await until(`block ${p.number} at the observer`, 30_000, () => atObserver.some((x) => x.id === ours));
    }
    const payloads = opnode.payloads("cross-safe");
    expect(payloads.map((x) => x.hash)).toEqual(published.map((p) => p.hash));
    expect(opnode.messages({ result: "REJECT" })).toEqual([]);
  });

  it("op-node's own encoder cannot publish a v4 block whose withdrawals root is the empty-trie root (it infers v3; ours encodes v4)", async () => {
    // op-service/eth ssz.go inferVersion: BlockV4 only if WithdrawalsRoot != types.EmptyWithdrawalsHash.
    // Isthmus blocks carry the L2ToL1MessagePasser storage root, never empty in practice; recorded here
    // so a change on either side shows.
    const EMPTY_TRIE_ROOT = fromHex("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    const p = validPayload(new Rng(11), 4, { withdrawalsRoot: EMPTY_TRIE_ROOT, timestamp: BigInt(Math.floor(Date.now() / 1000) - 100), blockNumber: 7n });
    const pbbr = new Uint8Array(32).fill(7);
    const signed = encodeSignedBytes(withValidBlockHash(p, pbbr), 4, pbbr);
    await expect(opnode.publish("cross-safe", 4, signed, server.chain.options.sequencerKey)).rejects.toThrow(/validation failed/);
  });

  it("a high-s twin of a valid attestation: op-node ACCEPTs and forwards it, op-follow's cross-safe validation REJECTs it", async () => {
    // op-node recovers with geth's crypto.SigToPub, which takes high-s; op-follow's cross-safe topic
    // refuses it (protocol decisions: low-s). So an op-node that relays cross-safe gossip would forward
    // twins a relay rejects and scores it down for (README "Interop with op-node").
    const chainId = server.chain.options.l2ChainId;
    const b = server.chain.view("sequencer").blockByNumber(server.chain.heads().crossSafe - 25n)!;
    const low = snappyDecode(signWithDomain(signedBytesOf(server.chain, b), chainId, fromHex(server.chain.options.sequencerKey), CROSS_SAFE_DOMAIN));
    if (!low.ok) throw new Error("snappy");
    const twin = low.data.slice();
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    twin.set(bigintToBytes(N - bytesToBigint(twin.subarray(32, 64)), 32), 32);
    twin[64] = twin[64]! ^ 1;
    const data = snappyEncode(twin);
    const id = toHex(await computeMessageId(topic, data)).slice(2);
    const twinPeer = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    try {
      await opnode.connect(tcpAddr(twinPeer));
      await twinPeer.publishRaw(topic, data);
      const m = await opnode.waitFor("op-node's verdict on the twin", (e) => e.event === "message" && e.msgId === id);
      expect(m).toMatchObject({ from: twinPeer.peerId, result: "ACCEPT" });
      await until("the twin at the observer", 10_000, () => atObserver.some((x) => x.id === id));
      const v = await validateGossipMessage(data, { chainId, topic, kind: "cross-safe", version: 4, signer: server.chain.sequencerAddress, now: Math.floor(Date.now() / 1000) });
      // not accepted, not forwarded — and the forwarding op-node is not penalised (it did what op-node does)
      expect(v).toMatchObject({ verdict: "ignore", reason: "signature-high-s" });
    } finally {
      await twinPeer.stop();
    }
  });

  it("invalid messages from a js peer are REJECTed by op-node and not forwarded", async () => {
    const bad = await gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    try {
      await opnode.connect(tcpAddr(bad));
      await bad.waitForTopicPeers(topic, 1, 10_000, "subscribers");
      const chainId = server.chain.options.l2ChainId;
      const b = server.chain.view("sequencer").blockByNumber(server.chain.heads().crossSafe - 20n)!;
      const signed = signedBytesOf(server.chain, b);
      const seqKey = fromHex(server.chain.options.sequencerKey);
      const invalid = {
        "wrong signer": signWithDomain(signed, chainId, fromHex(DEV_ACCOUNTS[2]!.privateKey), CROSS_SAFE_DOMAIN),
        "blocks domain on the cross-safe topic": signWithDomain(signed, chainId, seqKey, BLOCK_SIGNING_DOMAIN),
        "corrupt snappy": Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1),
        "too short": snappyEncode(new Uint8Array(40)),
      };
      const before = atObserver.length;
      for (const data of Object.values(invalid)) await bad.publishRaw(topic, data);
      for (const [what, data] of Object.entries(invalid)) {
        const id = await opnode.msgId(topic, data);
        const m = await opnode.waitFor(`op-node's verdict on "${what}"`, (e) => e.event === "message" && e.msgId === id);
        expect(m, what).toMatchObject({ from: bad.peerId, result: "REJECT" });
        expect(id, `${what}: op-node's id = ours`).toBe(toHex(await computeMessageId(topic, data)).slice(2));
      }
      // a valid block sent after them arrives; none of the invalid ones did
      server.advanceBlocks(1);
      const n = server.chain.heads().crossSafe;
      await until(`block ${n} at the observer`, 20_000, () => atObserver.length > before && published.some((p) => p.number === n));
      const ids = new Set(atObserver.map((x) => x.id));
      for (const [what, data] of Object.entries(invalid)) expect(ids.has(toHex(await computeMessageId(topic, data)).slice(2)), what).toBe(false);
    } finally {
      await bad.stop();
    }
  });
});
