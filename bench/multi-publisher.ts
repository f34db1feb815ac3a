// The many-chains bench's sequencers' side (many-chains.ts): one libp2p node gossiping every chain's
// new cross-safe blocks, signed by that chain's sequencer key as the publisher signs them
// (src/devnet/gossip.ts → src/protocol/publish.ts), on that chain's cross-safe topic. One node for all
// chains instead of one `op-follow publish` per chain: 25 publishers (25 libp2p nodes, 25 RPC polling
// loops) would take a good share of the 2 cores the Worker needs. In order per chain, each block once.
import { signedGossipMessage } from "../src/devnet/gossip.ts";
import type { ChainServer } from "../src/devnet/rpc-server.ts";
import { crossSafeTopic } from "../src/protocol/topic.ts";
import { silentLogger } from "../src/relay/log.ts";
import { createGossipNode, type GossipNode } from "../src/relay/node.ts";
import { sleep } from "./bench-env.ts";

export interface MultiPublisher {
  node: GossipNode;
  published: number;
  failed: number;
  stop(): Promise<void>;
}

export async function startMultiPublisher(servers: ChainServer[], relays: string[], pollMs = 100): Promise<MultiPublisher> {
  const topics = servers.map((s) => crossSafeTopic(s.chain.options.l2ChainId));
  const node = await createGossipNode({ listen: ["/ip4/127.0.0.1/tcp/0"], topics, staticPeers: relays, log: silentLogger, maxConnections: 16 });
  // Every topic's subscribers known first (else each chain's first publish waits for them in turn and
  // the chains build a backlog meanwhile), then from the current cross-safe head on, as a fresh
  // publisher starts.
  for (const t of topics) await node.waitForTopicPeers(t, 1, 60_000, "subscribers");
  const last = servers.map((s) => s.chain.heads().crossSafe - 1n);
  const self: MultiPublisher = { node, published: 0, failed: 0, stop: async () => undefined };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const [i, s] of servers.entries()) {
        const view = s.chain.view("sequencer");
        const top = view.crossSafe().number;
        while (running && last[i]! < top) {
          const b = view.blockByNumber(last[i]! + 1n);
          if (!b) break;
          try {
            await node.publishRaw(topics[i]!, signedGossipMessage(s.chain, b).message, { timeoutMs: 5_000 });
            self.published++;
            last[i] = b.number;
          } catch {
            self.failed++;
            break; // no subscriber yet: the next round
          }
        }
      }
      await sleep(pollMs);
    }
  })();
  self.stop = async () => {
    running = false;
    await loop;
    await node.stop();
  };
  return self;
}
