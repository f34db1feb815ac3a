// A ~9.5 MiB honest block end to end with real parts (issue 10 item 6): the chain server (gas limit
// 500M, SystemConfig's maximum) → `op-follow publish` (in process, real libp2p) → `op-follow relay`
// (gossipsub with the 10 MiB outbound patch, HMAC ingest) → the real Worker and Durable Object under
// `wrangler dev --local` → the head. Then the sequencer equivocates at that block (its deposits-only
// replacement, relayed by another peer): both envelopes, the big one included, are kept as evidence.
import "../../src/node/keccak.ts";
import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedGossipMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { startStack, type Stack } from "../../src/devnet/stack.ts";
import { equalBytes } from "../../src/protocol/bytes.ts";
import { MAX_GOSSIP_SIZE } from "../../src/protocol/snappy.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import { createGossipNode } from "../../src/relay/node.ts";

interface Head {
  number: number;
  hash: string;
}
interface Evidence {
  number: number;
  existing: { hash: string; bytes: number | null; message: string | null };
  conflicting: { hash: string; bytes: number; message: string };
}

const BIG = Math.floor(9.5 * 1024 * 1024);
let server: ChainServer;
let stack: Stack;
const workerLog: string[] = [];
const verdicts: VerdictEvent[] = [];
let big: { number: bigint; hash: string; message: Uint8Array };

beforeAll(async () => {
  server = await startChainServer({ chain: { gasLimit: 500_000_000n } });
  server.advance(120);
  stack = await startStack({
    server,
    onWorkerOutput: (l) => workerLog.push(l),
    onVerdict: (e) => verdicts.push(e),
    // A 9.5 MiB block is ≈ 20 MB of JSON with its transactions (the publisher needs their bytes).
    publisher: { pollIntervalMs: 100, rpcTimeoutMs: 30_000, publishTimeoutMs: 30_000 },
    relay: { requestTimeoutMs: 30_000 },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await server?.close();
}, 60_000);

const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const r = await fetch(`${stack.worker.url}${path}`);
  return { status: r.status, body: (await r.json()) as T };
};
const head = async (): Promise<Head | null> => {
  const r = await api<Head>(`/v1/chains/${stack.chainId}/cross-safe`);
  return r.status === 200 ? r.body : null;
};

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) {
      const st = await api(`/v1/chains/${stack.chainId}/status`).catch((e: unknown) => String(e));
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstatus: ${JSON.stringify(st).slice(0, 2000)}\nverdicts: ${JSON.stringify(verdicts.slice(-5))}\nworker: ${workerLog.slice(-30).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a 9.5 MiB honest block: publisher → relay → Worker (wrangler dev) → Durable Object", () => {
  it("becomes the cross-safe head", async () => {
    await stack.relay.node.waitForTopicPeers(stack.topic, 1, 10_000, "subscribers");
    const seq = server.chain.view("sequencer");
    await until("the first head", 30_000, async () => (await head())?.hash === seq.crossSafe().hash);
    const [h] = server.chain.bigBlocks(BIG);
    while (server.chain.heads().crossSafe < h!) server.advanceBlocks(1);
    expect(server.chain.heads().crossSafe).toBe(h);
    const b = seq.blockByNumber(h!)!;
    big = { number: h!, hash: b.hash, message: signedGossipMessage(server.chain, b).message };
    expect(big.message.length).toBeGreaterThan(BIG);
    expect(big.message.length).toBeLessThanOrEqual(MAX_GOSSIP_SIZE);
    const t0 = Date.now();
    const x = await until(`head ${h}`, 90_000, async () => {
      const hd = await head();
      return hd && BigInt(hd.number) >= h! ? hd : undefined;
    });
    console.log(`9.5 MiB block (${big.message.length} bytes on the wire) → head in ${Date.now() - t0} ms`);
    expect(x).toMatchObject({ number: Number(h), hash: b.hash });
    // the attestation's verdict (the relay also carries the same block's unsafe gossip on a blocks topic,
    // which is rightly too old there by now)
    // (the head is visible once the Durable Object commits, a moment before the answer reaches the relay)
    const v = await until("the relay's verdict", 30_000, async () => verdicts.find((e) => e.response?.blockHash === b.hash && e.job.topic === stack.topic));
    expect(v).toMatchObject({ verdict: "accept", reason: "advanced", source: "worker" });
  }, 150_000);

  it("an equivocation at it keeps both envelopes, the 9.5 MiB one included, as evidence", async () => {
    expect(big).toBeDefined();
    const eq = server.chain.equivocate(big.number);
    const second = signedGossipMessage(server.chain, eq).message;
    // Someone who saw the sequencer's second attestation relays it: an honest peer of the relay.
    const peer = await createGossipNode({ listen: ["/ip4/127.0.0.1/tcp/0"], topics: [stack.topic] });
    try {
      await peer.libp2p.dial(multiaddr(stack.relayAddr));
      await peer.waitForTopicPeers(stack.topic, 1, 10_000, "subscribers");
      await peer.pubsub.publish(stack.topic, second);
      const ev = await until("the equivocation evidence", 60_000, async () => {
        const r = await api<{ evidence: Evidence[] }>(`/v1/chains/${stack.chainId}/evidence`);
        return r.body.evidence.length ? r.body.evidence : undefined;
      });
      expect(ev).toHaveLength(1);
      expect(ev[0]).toMatchObject({ number: Number(big.number), existing: { hash: big.hash }, conflicting: { hash: eq.hash } });
      expect(ev[0]).toMatchObject({ existing: { bytes: big.message.length }, conflicting: { bytes: second.length } });
      // each message exactly as gossiped, one request each (the 9.5 MiB one reassembled from its stored chunks)
      const message = async (path: string) => new Uint8Array(await (await fetch(`${stack.worker.url}${path}`)).arrayBuffer());
      expect(equalBytes(await message(ev[0]!.existing.message!), big.message)).toBe(true);
      expect(equalBytes(await message(ev[0]!.conflicting.message), second)).toBe(true);
      const st = await api<{ alarm: { kind: string } | null }>(`/v1/chains/${stack.chainId}/status`);
      expect(st.body.alarm).toMatchObject({ kind: "equivocation" });
    } finally {
      await peer.stop();
    }
  }, 120_000);
});
