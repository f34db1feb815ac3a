// `npm run bench:wan` (also part of `npm run bench`, skip with `--no-wan`): ingest→head over a modelled
// WAN. Loopback TCP proxies (delay-proxy.ts) add a fixed one-way delay: relay → Worker 20 ms each way
// (40 ms round trip) and Worker → the follower's nodes 10 ms each way (20 ms round trip); the
// publisher → relay gossip is not delayed. One relay, ordinary devnet blocks, one at a time
// (deliver.ts defines ingest→head: first relay receipt → the Worker's "advanced" answer at the relay).
// Baseline, measured in the same run through the same proxies, one before each block: one GET
// /healthz round trip to the Worker plus one JSON-RPC round trip (eth_chainId) to the chain server.
// Goal: ingest→head p50 ≤ 1.3× their sum. Where the time goes comes from the Worker's Server-Timing (check = RPC reads, settle =
// Durable Object) and the proxies' connection counts (a new connection per request would cost an
// extra round trip over a real WAN, which the proxy does not model). Printed, never asserted.
import "../src/node/keccak.ts";
import { startChainServer } from "../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../src/devnet/worker-chain.ts";
import { startWorkerDev } from "../src/devnet/worker-dev.ts";
import { benchDir, benchPublisher, goalText, pcts, type Pcts } from "./bench-env.ts";
import { deliverBlocks } from "./deliver.ts";
import { startDelayProxy, type DelayProxy } from "./delay-proxy.ts";
import { relaySecrets, startRelayGroup } from "./relay-group.ts";

export const WAN_GOAL = 1.3;
const RELAY_TO_WORKER_ONE_WAY_MS = 20;
const WORKER_TO_NODES_ONE_WAY_MS = 10;

export interface WanResult {
  goal: number;
  /** How the latency was emulated. */
  emulation: "tcp-delay-proxy";
  modelledRttMs: { relayToWorker: number; workerToNodes: number };
  blocks: number;
  relayToWorkerRtt: Pcts;
  workerToNodesRtt: Pcts;
  ingestToHead: Pcts;
  /** ingest→head p50 ÷ (relay→Worker RTT p50 + Worker→node RTT p50) */
  ratio: number;
  /** Server-Timing p50s (ms) of the answers that ran the RPC checks. */
  phasesP50Ms: Record<string, number>;
  /** The Worker's RPC reads per block and the connections it opened to the nodes' proxy per block. */
  rpcConnectionsPerBlock: number;
  relayConnectionsPerBlock: number;
  missing: number;
}

export async function runWanBench(opts: { blocks?: number; log?: (s: string) => void } = {}): Promise<WanResult> {
  const log = opts.log ?? (() => {});
  const n = opts.blocks ?? 100;
  const dir = await benchDir("bench-wan");
  const closers: Array<() => Promise<void>> = [];
  try {
    const server = await startChainServer({ chain: { lags: { localSafe: 0, crossSafe: 0, finalized: 10 } } });
    closers.push(() => server.close());
    server.advance(60);
    const nodes = await startDelayProxy(server.port, WORKER_TO_NODES_ONE_WAY_MS);
    closers.push(() => nodes.close());
    const viaProxy = (u: string): string => u.replace(`:${server.port}/`, `:${nodes.port}/`);
    const entry = devnetWorkerChain(server);
    const secrets = relaySecrets(1, "bench-wan-relay");
    const worker = await startWorkerDev({
      chains: [{ ...entry, l1Rpc: viaProxy(entry.l1Rpc), l2Rpc: viaProxy(entry.l2Rpc), rollupRpc: viaProxy(entry.rollupRpc) }],
      relaySecrets: { [secrets[0]!.relayId]: secrets[0]!.secret },
      rpcTimeoutMs: 10_000,
    });
    closers.push(() => worker.stop());
    const front: DelayProxy = await startDelayProxy(Number(new URL(worker.url).port), RELAY_TO_WORKER_ONE_WAY_MS);
    closers.push(() => front.close());
    const group = await startRelayGroup({ secrets, workerUrl: `http://127.0.0.1:${front.port}`, chainIds: [server.chain.options.l2ChainId], topicKinds: ["cross-safe"] });
    closers.push(() => group.stop());
    const publisher = await benchPublisher(server, group.addrs(), `${dir.path}/publisher.json`);
    closers.push(() => publisher.stop());
    log(`wan: wrangler dev ready in ${worker.startMs} ms; relay → Worker +${RELAY_TO_WORKER_ONE_WAY_MS} ms each way, Worker → nodes +${WORKER_TO_NODES_ONE_WAY_MS} ms each way (TCP delay proxies); ${n} blocks`);
    await publisher.node.waitForTopicPeers(publisher.topic, 1, 30_000, "subscribers");
    await deliverBlocks({ server, group, sizes: [0, 0, 0, 0, 0], timeoutMs: 60_000 }); // warm-up
    await group.relays[0]!.timings();

    // The baseline round trips, one of each before every block (interleaved: load changes hit both alike).
    const rttW: number[] = [];
    const rttN: number[] = [];
    const time = async (xs: number[], f: () => Promise<Response>): Promise<void> => {
      const t0 = performance.now();
      await (await f()).arrayBuffer();
      xs.push(performance.now() - t0);
    };
    const baseline = async (): Promise<void> => {
      await time(rttW, () => fetch(`http://127.0.0.1:${front.port}/healthz`));
      await time(rttN, () => fetch(viaProxy(server.urls.l2), { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' }));
    };
    for (let i = 0; i < 3; i++) await baseline(); // connections up
    rttW.length = rttN.length = 0;
    const c0 = { nodes: nodes.connections, front: front.connections };
    const t = await deliverBlocks({ server, group, sizes: new Array<number>(n).fill(0), timeoutMs: 60_000, before: baseline });
    const relayToWorkerRtt = pcts(rttW);
    const workerToNodesRtt = pcts(rttN);
    const timings = await group.relays[0]!.timings();
    const phases = new Map<string, number[]>();
    for (const tm of timings) for (const [k, v] of Object.entries(tm)) phases.set(k, [...(phases.get(k) ?? []), v]);
    const ingestToHead = pcts(t.flatMap((b) => (b.ingestToHeadMs === null ? [] : [b.ingestToHeadMs])));
    return {
      goal: WAN_GOAL,
      emulation: "tcp-delay-proxy",
      modelledRttMs: { relayToWorker: 2 * RELAY_TO_WORKER_ONE_WAY_MS, workerToNodes: 2 * WORKER_TO_NODES_ONE_WAY_MS },
      blocks: t.length,
      relayToWorkerRtt,
      workerToNodesRtt,
      ingestToHead,
      ratio: ingestToHead.p50Ms / (relayToWorkerRtt.p50Ms + workerToNodesRtt.p50Ms),
      phasesP50Ms: Object.fromEntries([...phases].map(([k, xs]) => [k, pcts(xs).p50Ms])),
      rpcConnectionsPerBlock: (nodes.connections - c0.nodes) / t.length,
      relayConnectionsPerBlock: (front.connections - c0.front) / t.length,
      missing: t.filter((b) => b.ingestToHeadMs === null).length,
    };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    dir.remove();
  }
}

export function printWan(r: WanResult): void {
  const ph = Object.entries(r.phasesP50Ms).map(([k, v]) => `${k} ${v} ms`).join(", ");
  console.log(`\nmodelled WAN (${r.emulation}): relay → Worker ${r.modelledRttMs.relayToWorker} ms RTT, Worker → nodes ${r.modelledRttMs.workerToNodes} ms RTT; ${r.blocks} blocks, one relay`);
  console.log(`  measured RTTs p50: relay → Worker ${r.relayToWorkerRtt.p50Ms.toFixed(1)} ms (GET /healthz), Worker → node ${r.workerToNodesRtt.p50Ms.toFixed(1)} ms (eth_chainId)`);
  console.log(`  ingest→head p50 ${r.ingestToHead.p50Ms.toFixed(1)} ms, p99 ${r.ingestToHead.p99Ms.toFixed(1)} ms${r.missing ? `; ${r.missing} never reached the head` : ""}`);
  console.log(`  inside the Worker (Server-Timing p50): ${ph}; new connections per block: to the nodes ${r.rpcConnectionsPerBlock.toFixed(2)}, from the relay ${r.relayConnectionsPerBlock.toFixed(2)}`);
  console.log(`  ingest→head ÷ (one relay→Worker RTT + one Worker→node RTT): ${goalText(r.ratio, r.goal)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const quick = process.argv.includes("--quick");
  const r = await runWanBench({ blocks: quick ? 30 : 100, log: asJson ? undefined : (s) => console.log(s) });
  if (asJson) console.log(JSON.stringify(r));
  else printWan(r);
}
