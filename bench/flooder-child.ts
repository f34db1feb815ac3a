// The attack bench's flooders (attack.ts) in one process of their own: `peers` real libp2p nodes on
// loopback, each dialling the relay and publishing invalid messages on the cross-safe topic at its
// share of the total rate. Cheap by construction (the machine has 2 cores and the relay under test
// shares them): no signing, no compression per message. 19 in 20 are undecodable bytes (0xff, a node
// tag and a counter: distinct, as gossip drops repeats), which the relay rejects itself; 1 in 20 is a
// real signed block from the chain with its signature bytes overwritten (they sit in the snappy
// stream's first literal), so it decodes and only the Worker can reject it (wrong signer). A node the
// relay bans and disconnects is replaced by one with a fresh identity (a Sybil flood), counted.
import { multiaddr } from "@multiformats/multiaddr";
import { serveParent } from "../src/chaos/child.ts";
import { fromHex } from "../src/protocol/hex.ts";
import { silentLogger } from "../src/relay/log.ts";
import { createGossipNode, type GossipNode } from "../src/relay/node.ts";

interface Start {
  relayAddr: string;
  topic: string;
  peers: number;
  /** Messages per second, all peers together. */
  rate: number;
  /** A real signed gossip message (hex) to forge bad-signature copies of. */
  template: string;
}

const stats = { sent: 0, sendErrors: 0, identities: 0, cutOffs: 0, decodableSent: 0 };
let running = false;
const loops: Promise<void>[] = [];
let template: Uint8Array = new Uint8Array(0);
let literalAt = 0;
let literalLen = 0;
let forged = 0;

/** Where the snappy block's first literal (the signature's bytes) starts, and its length. */
function firstLiteral(b: Uint8Array): [number, number] {
  let i = 0;
  while (b[i]! & 0x80) i++; // the uncompressed length, a varint
  i++;
  const tag = b[i]!;
  if ((tag & 3) !== 0) return [0, 0];
  const small = tag >> 2;
  if (small < 60) return [i + 1, small + 1];
  const extra = small - 59;
  let len = 0;
  for (let k = 0; k < extra; k++) len |= b[i + 1 + k]! << (8 * k);
  return [i + 1 + extra, len + 1];
}

function nextMessage(node: number, counter: number): Uint8Array {
  if (counter % 20 === 19 && literalLen > 0) {
    const m = template.slice();
    const n = ++forged;
    for (let k = 0; k < Math.min(64, literalLen); k += 4) new DataView(m.buffer).setUint32(literalAt + k, (n * 2654435761 + k * 40503) >>> 0);
    stats.decodableSent++;
    return m;
  }
  const m = new Uint8Array(14);
  m[0] = 0xff;
  m[1] = node;
  new DataView(m.buffer).setFloat64(2, counter);
  return m;
}

async function floodLoop(o: Start, index: number): Promise<void> {
  const perTick = o.rate / o.peers / 100; // 10 ms ticks
  let counter = 0;
  while (running) {
    let node: GossipNode | undefined;
    try {
      node = await createGossipNode({ listen: ["/ip4/127.0.0.1/tcp/0"], topics: [o.topic], log: silentLogger, maxConnections: 4 });
      stats.identities++;
      await node.libp2p.dial(multiaddr(o.relayAddr), { signal: AbortSignal.timeout(5_000) });
      await node.waitForTopicPeers(o.topic, 1, 5_000, "subscribers");
      let due = 0;
      const t0 = performance.now();
      while (running && node.connectedPeers().length > 0) {
        const ticks = Math.floor((performance.now() - t0) / 10) + 1;
        const batch: Promise<unknown>[] = [];
        for (; due < ticks * perTick; due++) {
          batch.push(node.pubsub.publish(o.topic, nextMessage(index, counter++)).then(() => void stats.sent++, () => void stats.sendErrors++));
        }
        await Promise.all(batch);
        await new Promise((r) => setTimeout(r, 10));
      }
      if (running) stats.cutOffs++;
    } catch {
      stats.sendErrors++;
      await new Promise((r) => setTimeout(r, 100)); // refused (banned address?) or not up: try again
    } finally {
      await node?.stop().catch(() => undefined);
    }
  }
}

serveParent(async (m) => {
  if (m["type"] === "start") {
    const o = m as unknown as Start;
    template = fromHex(o.template);
    [literalAt, literalLen] = firstLiteral(template);
    running = true;
    for (let i = 0; i < o.peers; i++) loops.push(floodLoop(o, i));
    return {};
  }
  if (m["type"] === "stop") {
    running = false;
    await Promise.all(loops);
    return { ...stats };
  }
  if (m["type"] === "stats") return { ...stats };
  throw new Error(`unknown request ${String(m["type"])}`);
}, () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
