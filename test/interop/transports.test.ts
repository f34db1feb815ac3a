// (e) Transports with op-node's own host (op-node/p2p/host.go Config.Host: TCP, noise, the muxers of
// --p2p.mux): yamux, and mplex alone. Dialled both ways, each connection must negotiate noise and that
// muxer; identify must tell each side the other's agent and protocols; ping must answer both ways;
// gossip must flow over it.
import "../../src/node/keccak.ts";
import { multiaddr } from "@multiformats/multiaddr";
import { peerIdFromString } from "@libp2p/peer-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevChain } from "../../src/devnet/chain.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import type { GossipNode } from "../../src/relay/node.ts";
import { gossipPeer, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";
import { INTEROP_SKIP, sequencerKey, signedBytesOf, startOpNodeFor, until } from "./harness/interop-env.ts";
import type { OpNodePeer } from "./harness/opnode-peer.ts";

const MUXER_ID = { yamux: "/yamux/1.0.0", mplex: "/mplex/6.7.0" } as const;

describe.skipIf(INTEROP_SKIP).each([["yamux"], ["mplex"]] as const)("TCP + noise + %s with op-node's host", (muxer) => {
  const chain = new DevChain();
  chain.advance(60);
  const topic = crossSafeTopic(chain.options.l2ChainId);
  let opnode: OpNodePeer;
  let dialled: GossipNode; // op-node dials it
  let dialler: GossipNode; // it dials op-node
  const received = new Map<GossipNode, number>();

  beforeAll(async () => {
    opnode = await startOpNodeFor(chain, { muxers: [muxer] });
    const peer = () => gossipPeer([topic], { gossipOverrides: { asyncValidation: false } });
    [dialled, dialler] = await Promise.all([peer(), peer()]);
    for (const n of [dialled, dialler]) {
      received.set(n, 0);
      n.pubsub.addEventListener("message", () => received.set(n, received.get(n)! + 1));
    }
    await opnode.connect(tcpAddr(dialled));
    await dialler.libp2p.dial(multiaddr(opnode.tcpAddr));
  });
  afterAll(() => stopAll(dialled, dialler, opnode));

  it("negotiates noise and the muxer in both directions (op-node's view and ours)", async () => {
    const conns = await opnode.conns();
    for (const [n, dir] of [[dialled, "Outbound"], [dialler, "Inbound"]] as const) {
      const c = conns.find((x) => x.peerId === n.peerId);
      expect(c, `op-node's connection to ${dir} peer`).toMatchObject({ direction: dir, security: "/noise", muxer: MUXER_ID[muxer] });
      const ours = n.libp2p.getConnections(peerIdFromString(opnode.peerId));
      expect(ours.map((x) => [x.encryption, x.multiplexer])).toEqual([["/noise", MUXER_ID[muxer]]]);
    }
  });

  it("identify works both ways", async () => {
    const conns = await until("op-node's identify of both peers", 10_000, async () => {
      const cs = await opnode.conns();
      return cs.length === 2 && cs.every((c) => c.agent === "op-follow" && c.protocols.includes("/meshsub/1.1.0")) ? cs : undefined;
    });
    for (const c of conns) expect(c.protocols).toEqual(expect.arrayContaining(["/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.1.0"]));
    for (const n of [dialled, dialler]) {
      const p = await n.libp2p.peerStore.get(peerIdFromString(opnode.peerId));
      expect(new TextDecoder().decode(p.metadata.get("AgentVersion"))).toBe("optimism");
      expect(p.protocols).toEqual(expect.arrayContaining(["/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.1.0"]));
    }
  });

  it("ping works both ways", async () => {
    for (const n of [dialled, dialler]) {
      expect(await opnode.ping(n.peerId)).toBeGreaterThanOrEqual(0);
      expect(await n.libp2p.services.ping.ping(peerIdFromString(opnode.peerId))).toBeGreaterThanOrEqual(0);
    }
  });

  it("gossip flows over it: a block op-node publishes reaches both peers", async () => {
    // op-node publishes to its mesh (flood publishing is off by default): wait until both peers have
    // grafted it (a GRAFT is mutual)
    await until("op-node in both peers' mesh", 15_000, () => [dialled, dialler].every((n) => n.pubsub.getMeshPeers(topic).includes(opnode.peerId)));
    const b = chain.view("sequencer").blockByNumber(chain.heads().crossSafe)!;
    await opnode.publish("cross-safe", 4, signedBytesOf(chain, b), sequencerKey(chain));
    await until("the block at both js peers", 20_000, () => received.get(dialled) === 1 && received.get(dialler) === 1, () => JSON.stringify([...received.values()]));
  });
});
