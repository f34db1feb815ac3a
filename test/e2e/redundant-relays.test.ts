// Several relays, one check per block (issue 15 item 1), with real parts: the chain server, the
// publisher (real libp2p) connected to four `op-follow relay`s (real libp2p, HMAC ingest, each its
// own relay id), and the real Worker and Durable Object under `wrangler dev --local`. Every relay
// delivers every block; the chain server's RPC counters show the follower's nodes checked each block
// once (the L1 block look-up is made by the checks only), and the object's counters show one
// envelope per block. Then the owner's check hangs (the L1 node stops answering that request): the
// owner's relay gives up on its request, the copies wait, and the block is still decided — nothing
// lost, whichever relay's copy ends up checking it.
import "../../src/node/keccak.ts";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlClient, type ControlClient } from "../../src/devnet/control-client.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../../src/devnet/worker-chain.ts";
import { startWorkerDev, type WorkerDev } from "../../src/devnet/worker-dev.ts";
import { fromHex } from "../../src/protocol/hex.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { startPublisher, type Publisher } from "../../src/publisher/publisher.ts";
import type { VerdictEvent } from "../../src/relay/forwarder.ts";
import { silentLogger } from "../../src/relay/log.ts";
import { startRelay, type Relay } from "../../src/relay/relay.ts";

const RELAYS = 4;
/** The Worker's RPC timeout, at its maximum: a look-up may hang longer than a claim's lease (capped at 20 s, claims.ts). */
const RPC_TIMEOUT_MS = 30_000;
/** How long the owner's L1 look-up hangs: past the lease, within the RPC timeout. */
const HANG_MS = 25_000;
/** The relays' per-request timeout: shorter than the hung check below, longer than the object's 4 s hold. */
const REQUEST_TIMEOUT_MS = 5_000;

let server: ChainServer;
let control: ControlClient;
let worker: WorkerDev;
let publisher: Publisher;
const relays: Relay[] = [];
let dir: string;
const verdicts: Array<{ relay: number; e: VerdictEvent }> = [];
const workerLog: string[] = [];

beforeAll(async () => {
  server = await startChainServer();
  server.advance(120);
  control = controlClient(server.urls.control);
  dir = await mkdtemp(join(tmpdir(), "op-follow-redundant-"));
  const secrets = Object.fromEntries(Array.from({ length: RELAYS }, (_, i) => [`relay-${i}`, randomBytes(24).toString("hex")]));
  worker = await startWorkerDev({ chains: [devnetWorkerChain(server)], relaySecrets: secrets, adminToken: randomBytes(24).toString("hex"), rpcTimeoutMs: RPC_TIMEOUT_MS, onOutput: (l) => workerLog.push(l) });
  const chainId = server.chain.options.l2ChainId;
  for (let i = 0; i < RELAYS; i++) {
    const relay = await startRelay(
      {
        chainIds: [chainId],
        workerUrl: worker.url,
        relayId: `relay-${i}`,
        secret: secrets[`relay-${i}`]!,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: [],
        bootstrap: [],
        logLevel: "info",
        maxQueue: 256,
        maxQueueBytes: 64 * 2 ** 20,
        concurrency: 8,
        deadlineMs: 60_000,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        peerListIntervalMs: 1_000,
        invalidMessageWeight: -10,
        banThreshold: -100,
        banDurationMs: 60_000,
        workerFailingAfterMs: 30_000,
        statusIntervalMs: 0,
        maxConnections: 32,
        topicKinds: ["cross-safe"],
      },
      { log: silentLogger, backoffBaseMs: 100, backoffMaxMs: 1_000, onVerdict: (e) => verdicts.push({ relay: i, e }) },
    );
    relays.push(relay);
  }
  const addrs = relays.map((r) => r.node.multiaddrs().find((m) => m.includes("/tcp/") && !m.includes("/ws"))!);
  publisher = await startPublisher(
    {
      chainId,
      l2Rpc: server.urls.sequencerL2,
      rollupRpc: server.urls.sequencerRollup,
      signerKey: fromHex(server.chain.options.sequencerKey),
      stateFile: join(dir, "publisher-state.json"),
      pollIntervalMs: 100,
      rpcTimeoutMs: 2_000,
      publishTimeoutMs: 5_000,
      statusIntervalMs: 0,
      unsafe: false,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      peers: addrs,
      bootstrap: [],
      logLevel: "info",
      maxConnections: 16,
    },
    { log: silentLogger, redialMs: 1_000 },
  );
  for (const r of relays) await r.node.waitForTopicPeers(crossSafeTopic(chainId), 1, 20_000, "subscribers");
}, 120_000);

afterAll(async () => {
  await publisher?.stop();
  for (const r of relays) await r.stop().catch(() => undefined);
  await worker?.stop();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const chainId = () => server.chain.options.l2ChainId;
const headNumber = async (): Promise<bigint | null> => {
  const r = await fetch(`${worker.url}/v1/chains/${chainId()}/cross-safe`);
  return r.status === 200 ? BigInt(((await r.json()) as { number: number }).number) : null;
};

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nworker: ${workerLog.slice(-30).join("\n")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The object's counters from /metrics: claims by answer, and envelope bytes sent to it. */
async function objectCounters(): Promise<{ claims: Record<string, number>; envelopeBytes: number }> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  const claims: Record<string, number> = {};
  let envelopeBytes = 0;
  for (const l of text.split("\n")) {
    const c = /^op_follow_ingest_claims_total\{[^}]*answer="([^"]+)"\} (\d+)$/.exec(l);
    if (c) claims[c[1]!] = Number(c[2]);
    const b = /^op_follow_object_envelope_bytes_total\{[^}]*\} (\d+)$/.exec(l);
    if (b) envelopeBytes = Number(b[1]);
  }
  return { claims, envelopeBytes };
}

const l1Lookups = async (): Promise<number> => (await control.rpcStats())["l1 eth_getBlockByNumber"]?.calls ?? 0;

/** Every relay's verdict for block n, once each has one. */
function verdictsFor(n: bigint): Array<{ relay: number; e: VerdictEvent }> {
  return verdicts.filter((v) => v.e.response?.number === Number(n));
}

describe(`${RELAYS} relays deliver every block (wrangler dev)`, () => {
  it("each block is checked once and its envelope sent to the object once; every relay gets the owner's verdict", { timeout: 120_000 }, async () => {
    await until("the first head", 30_000, headNumber);
    const start = server.chain.heads().crossSafe;
    await until(`head ${start}`, 20_000, async () => ((await headNumber()) ?? -1n) >= start);
    await until("every relay's verdict for the start block", 20_000, async () => new Set(verdictsFor(start).map((v) => v.relay)).size === RELAYS);
    await control.rpcStats(true);
    const before = await objectCounters();
    const BLOCKS = 6;
    const sizes: number[] = [];
    for (let i = 0; i < BLOCKS; i++) {
      server.advanceBlocks(1);
      const n = server.chain.heads().crossSafe;
      await until(`head ${n}`, 20_000, async () => ((await headNumber()) ?? -1n) >= n);
      const all = await until(`${RELAYS} verdicts for ${n}`, 20_000, async () => {
        const vs = verdictsFor(n);
        return new Set(vs.map((v) => v.relay)).size === RELAYS && vs;
      });
      // one relay's copy advanced the head; the others heard "duplicate" (op-node: seen → IGNORE)
      expect(all.map((v) => `${v.e.verdict} ${v.e.reason}`).sort()).toEqual(["accept advanced", ...Array(RELAYS - 1).fill("ignore duplicate")]);
      sizes.push(all[0]!.e.job.data.length);
    }
    const after = await objectCounters();
    const checks = await l1Lookups();
    const owners = (after.claims["owner"] ?? 0) - (before.claims["owner"] ?? 0);
    const bytes = after.envelopeBytes - before.envelopeBytes;
    const envelope = sizes.reduce((a, b) => a + b, 0);
    console.log(
      `${RELAYS} relays × ${BLOCKS} blocks: ${checks / BLOCKS} L1 look-ups (checks) per block, ${owners / BLOCKS} claim owners per block, ` +
        `${(bytes / envelope).toFixed(2)} envelopes to the object per block (${bytes} bytes for ${envelope} bytes of envelopes); claim answers ${JSON.stringify(after.claims)}`,
    );
    expect(checks).toBe(BLOCKS);
    expect(owners).toBe(BLOCKS);
    expect(bytes).toBe(envelope);
  });

  it("the owner's check hangs: its relay gives up on the request, the copies wait, and the block is decided", { timeout: 120_000 }, async () => {
    // The next check's L1 look-up hangs past the claim's 20 s lease: the owner's relay abandons its
    // request after 5 s and sends it again (a copy now); the copies are held by the object, told to
    // retry, held again; the lease lapses and one of them takes over the check (the fault is spent:
    // its look-up answers) and the block is decided. The slow owner settles last and hears "duplicate".
    const id = await control.addFault({ endpoint: "l1", method: "eth_getBlockByNumber", fault: { kind: "none" }, delayMs: HANG_MS, times: 1 });
    await control.rpcStats(true);
    const before = await objectCounters();
    server.advanceBlocks(1);
    const n = server.chain.heads().crossSafe;
    const t = Date.now();
    await until(`head ${n} despite the hung check`, 50_000, async () => ((await headNumber()) ?? -1n) >= n);
    const all = await until(`${RELAYS} verdicts for ${n}`, 50_000, async () => {
      const vs = verdictsFor(n);
      return new Set(vs.map((v) => v.relay)).size === RELAYS && vs;
    });
    await control.removeFault(id);
    const after = await objectCounters();
    const delta = Object.fromEntries(Object.entries(after.claims).map(([k, v]) => [k, v - (before.claims[k] ?? 0)]));
    console.log(`hung owner: head ${n} after ${Date.now() - t} ms; verdicts ${JSON.stringify(all.map((v) => `${v.relay}:${v.e.verdict} ${v.e.reason}`))}; claim answers ${JSON.stringify(delta)}; L1 look-ups ${await l1Lookups()}`);
    // nothing lost: decided by the copy that took over; every other relay heard "duplicate"
    expect(all.map((v) => `${v.e.source} ${v.e.verdict} ${v.e.reason}`).sort()).toEqual(["worker accept advanced", ...Array(RELAYS - 1).fill("worker ignore duplicate")]);
    expect(delta["held"] ?? 0).toBeGreaterThanOrEqual(RELAYS - 1); // copies waited for the owner
    expect(delta["takeover"]).toBe(1);
    expect(Date.now() - t).toBeGreaterThanOrEqual(19_000); // not before the lease lapsed
    // the taker's look-up (the chain server counts replies: the hung owner's may still be pending)
    const lookups = await l1Lookups();
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(2);
  });
});
