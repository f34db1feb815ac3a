// A flooding peer: an extra libp2p node (a fresh identity each time) that connects to one relay and
// publishes invalid messages on the cross-safe topic as fast as every 20 ms — undecodable bytes (the
// relay rejects them itself), attestations signed by a stranger's key and unsafe-block signatures
// offered as attestations (the Worker rejects those) — until the relay bans and drops it or the time
// is up. As in test/relay/relay-scoring.test.ts, but against the real Worker.
import { multiaddr } from "@multiformats/multiaddr";
import { randomBytes } from "node:crypto";
import type { ControlClient } from "../devnet/control-client.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { silentLogger } from "../relay/log.ts";
import { createGossipNode } from "../relay/node.ts";

export interface FloodResult {
  sent: number;
  /** The relay dropped us (ban) before the time was up. */
  cutOff: boolean;
  afterMs: number;
}

/** Validly framed, invalidly signed messages for recent heights (each distinct: gossip drops repeats). */
export async function invalidMessages(control: ControlClient, count: number): Promise<Uint8Array[]> {
  const st = await control.status();
  const top = BigInt(st.heads.crossSafe);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count && top - BigInt(i) > 0n; i++) {
    const number = top - BigInt(i);
    const stranger = toHex(randomBytes(32));
    // a stranger's attestation, or the sequencer's unsafe-block signature offered as one
    const m = await control.signedMessage(i % 2 ? { number, privateKey: stranger } : { number, domain: "block" });
    out.push(fromHex(m.message));
  }
  return out;
}

export async function flood(o: { relayAddr: string; topic: string; messages: Uint8Array[]; durationMs: number; signal?: AbortSignal }): Promise<FloodResult> {
  const node = await createGossipNode({ listen: ["/ip4/127.0.0.1/tcp/0"], topics: [o.topic], log: silentLogger, maxConnections: 4 });
  const t0 = performance.now();
  let sent = 0;
  let cutOff = false;
  try {
    await node.libp2p.dial(multiaddr(o.relayAddr), { signal: AbortSignal.timeout(5_000) });
    await node.waitForTopicPeers(o.topic, 1, 5_000, "subscribers");
    const pool = [...o.messages];
    while (performance.now() - t0 < o.durationMs && !o.signal?.aborted) {
      // every third message is undecodable bytes, never the same twice
      const data = sent % 3 === 2 || pool.length === 0 ? Uint8Array.from([0xff, ...randomBytes(40)]) : pool.shift()!;
      try {
        await node.pubsub.publish(o.topic, data);
        sent++;
      } catch {
        if (node.connectedPeers().length === 0) {
          cutOff = true;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await node.stop().catch(() => undefined);
  }
  return { sent, cutOff, afterMs: Math.round(performance.now() - t0) };
}
