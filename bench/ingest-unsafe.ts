// `npm run bench:unsafe` (also the third part of `npm run bench`): what one unsafe block (blocks
// topic: validation, then one UnsafeHead call, no RPC) costs the Worker against one cross-safe block
// of the same size (validation, three RPC reads against the follower's nodes, one ChainHead call),
// through the real Worker and its Durable Objects under `wrangler dev --local`, the chain server on
// loopback. Each cross-safe sample is the next devnet block, advancing the cross-safe head; its unsafe
// twin is the same payload (same bytes, same size) with a fresh timestamp (the blocks topics take
// blocks at most 60 s old) at a new height, re-hashed and signed as the sequencer — each one a new
// unsafe head. Chunks of each kind alternate; measured per kind: the request's latency (p50, p99) and
// the Worker's CPU (its workerd's utime + stime from /proc, per ingest). Printed, never asserted;
// `--json` prints one JSON line.
import "../src/node/keccak.ts";
import { chainConfigToJson } from "../src/protocol/chain-config.ts";
import { signedGossipMessage } from "../src/devnet/gossip.ts";
import { startChainServer } from "../src/devnet/rpc-server.ts";
import { startWorkerDev } from "../src/devnet/worker-dev.ts";
import { computeBlockHash } from "../src/protocol/header.ts";
import { fromHex } from "../src/protocol/hex.ts";
import { signIngest } from "../src/protocol/ingest-auth.ts";
import { signGossipMessage } from "../src/protocol/publish.ts";
import { formatTopic } from "../src/protocol/topic.ts";
import { parseServerTiming } from "../src/relay/server-timing.ts";
import { quantile } from "./measure.ts";
import { groupCpuMs } from "./proc-cpu.ts";

const RELAY = "bench-relay";
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
const CHUNK = 25;
/** A valid libp2p peer id (the Worker refuses anything else), as bench/ingest.ts sends. */
const PEER = "12D3KooWNczqYkqRLXerJEUg9UepnDSF3qtUodM7PNQerwSZU5DS";

interface KindResult {
  p50Ms: number;
  p99Ms: number;
  /** Worker CPU per ingest (ms), null without /proc. */
  cpuMsPerIngest: number | null;
  /** Mean gossip message size (bytes, snappy). */
  bytes: number;
  phasesP50Ms: Record<string, number>;
}

export interface UnsafeBenchResult {
  samples: number;
  unsafe: KindResult;
  crossSafe: KindResult;
  /** unsafe ÷ cross-safe */
  latencyP50Ratio: number;
  latencyP99Ratio: number;
  cpuRatio: number | null;
  wranglerStartMs: number;
}

export async function runUnsafeIngestBench(opts: { samples?: number; log?: (s: string) => void } = {}): Promise<UnsafeBenchResult> {
  const n = Math.max(CHUNK, Math.round((opts.samples ?? 200) / CHUNK) * CHUNK);
  const log = opts.log ?? (() => {});
  const warm = 2 * CHUNK;
  const server = await startChainServer();
  server.advance(2 * (n + warm + 20) + 60);
  const chain = server.chain;
  const { unsafeBlockSigner: _signer, ...cfg } = chainConfigToJson(chain.chainConfig);
  const worker = await startWorkerDev({
    chains: [{ chain: cfg, l1Rpc: server.urls.l1, l2Rpc: server.urls.l2, rollupRpc: server.urls.rollup }],
    relaySecrets: { [RELAY]: SECRET },
  });
  log(`wrangler dev ready in ${worker.startMs} ms at ${worker.url}`);
  try {
    const chainId = chain.options.l2ChainId;
    const key = fromHex(chain.options.sequencerKey);
    const follower = chain.view("follower");
    const top = follower.localSafe().number;
    const blocks = Array.from({ length: n + warm }, (_, i) => follower.blockByNumber(top - BigInt(n + warm) + 1n + BigInt(i))!);
    const crossTopic = formatTopic(chainId, "cross-safe");
    const blocksTopic = formatTopic(chainId, "blocks", 4);

    /**
     * The block's unsafe twin: the same payload bytes but a fresh timestamp, its own height and the
     * previous twin as parent (a chain of new heads), re-hashed, signed now.
     */
    let height = 10_000_000n;
    let parent: Uint8Array = new Uint8Array(32);
    const twin = (i: number): Uint8Array => {
      const env = chain.payloadOf(blocks[i]!);
      const payload = { ...env.payload, parentHash: parent, timestamp: BigInt(Math.floor(Date.now() / 1000)), blockNumber: height++ };
      payload.blockHash = computeBlockHash(payload, env.parentBeaconBlockRoot);
      parent = payload.blockHash;
      return signGossipMessage(payload, 4, env.parentBeaconBlockRoot, chainId, key).message;
    };

    const phases = { unsafe: new Map<string, number[]>(), crossSafe: new Map<string, number[]>() };
    const ingestOnce = async (message: Uint8Array, topic: string, want: string, ph: Map<string, number[]>): Promise<number> => {
      const headers = await signIngest(SECRET, { relayId: RELAY, topic, peerId: PEER, receivedMs: Date.now() }, message);
      const t = performance.now();
      const res = await fetch(`${worker.url}/v1/ingest`, { method: "POST", headers: { ...headers, "content-type": "application/octet-stream" }, body: message as Uint8Array<ArrayBuffer> });
      const body = (await res.json()) as { verdict?: string; reason?: string };
      const dt = performance.now() - t;
      if (body.reason !== want) throw new Error(`ingest on ${topic}: ${res.status} ${JSON.stringify(body)}`);
      for (const [phase, ms] of parseServerTiming(res.headers.get("server-timing"))) ph.set(phase, [...(ph.get(phase) ?? []), ms]);
      return dt;
    };

    const lat = { unsafe: [] as number[], crossSafe: [] as number[] };
    const cpu = { unsafe: 0, crossSafe: 0 };
    const bytes = { unsafe: 0, crossSafe: 0 };
    const cpuNow = () => groupCpuMs(worker.pid, "workerd");
    const haveCpu = cpuNow() !== null;
    const chunk = async (kind: "unsafe" | "crossSafe", from: number, record: boolean): Promise<void> => {
      // messages first (signing is not the Worker's work), then the timed requests
      const msgs = Array.from({ length: CHUNK }, (_, k) => (kind === "unsafe" ? twin(from + k) : signedGossipMessage(chain, blocks[from + k]!).message));
      const c0 = cpuNow();
      for (const m of msgs) {
        const dt = await ingestOnce(m, kind === "unsafe" ? blocksTopic : crossTopic, kind === "unsafe" ? "unsafe-head" : "advanced", record ? phases[kind] : new Map());
        if (record) {
          lat[kind].push(dt);
          bytes[kind] += m.length;
        }
      }
      const c1 = cpuNow();
      if (record && c0 !== null && c1 !== null) cpu[kind] += c1 - c0;
    };

    // Warm-up (isolate start, signer read from L1, chain-id checks, JIT, both objects' first load), then
    // alternating chunks so a change of load on the machine hits both kinds alike.
    await chunk("crossSafe", 0, false);
    await chunk("unsafe", CHUNK, false);
    for (let i = warm; i < warm + n; i += CHUNK) {
      await chunk("unsafe", i, true);
      await chunk("crossSafe", i, true);
    }
    const kind = (k: "unsafe" | "crossSafe"): KindResult => {
      const s = [...lat[k]].sort((a, b) => a - b);
      return {
        p50Ms: quantile(s, 0.5),
        p99Ms: quantile(s, 0.99),
        cpuMsPerIngest: haveCpu ? cpu[k] / s.length : null,
        bytes: Math.round(bytes[k] / s.length),
        phasesP50Ms: Object.fromEntries([...phases[k]].map(([p, xs]) => [p, quantile([...xs].sort((a, b) => a - b), 0.5)])),
      };
    };
    const unsafe = kind("unsafe");
    const crossSafe = kind("crossSafe");
    return {
      samples: n,
      unsafe,
      crossSafe,
      latencyP50Ratio: unsafe.p50Ms / crossSafe.p50Ms,
      latencyP99Ratio: unsafe.p99Ms / crossSafe.p99Ms,
      cpuRatio: unsafe.cpuMsPerIngest !== null && crossSafe.cpuMsPerIngest ? unsafe.cpuMsPerIngest / crossSafe.cpuMsPerIngest : null,
      wranglerStartMs: worker.startMs,
    };
  } finally {
    await worker.stop();
    await server.close();
  }
}

export function printUnsafe(r: UnsafeBenchResult): void {
  const f = (x: number | null, d = 2) => (x === null ? "n/a" : x.toFixed(d));
  console.log(`\nunsafe block vs cross-safe block of the same size (${r.unsafe.bytes} vs ${r.crossSafe.bytes} bytes), ${r.samples} of each through wrangler dev (Worker + Durable Objects)`);
  console.log(`                         p50 ms    p99 ms   Worker CPU ms/ingest   inside the Worker (Server-Timing p50)`);
  for (const [name, k] of [["unsafe (blocks topic)", r.unsafe], ["cross-safe", r.crossSafe]] as const) {
    const ph = Object.entries(k.phasesP50Ms).map(([p, v]) => `${p} ${v} ms`).join(", ");
    console.log(`${name.padEnd(22)} ${f(k.p50Ms).padStart(7)}  ${f(k.p99Ms).padStart(8)}  ${f(k.cpuMsPerIngest).padStart(20)}   ${ph}`);
  }
  console.log(`unsafe ÷ cross-safe: latency p50 ${f(r.latencyP50Ratio)}×, p99 ${f(r.latencyP99Ratio)}×, Worker CPU ${r.cpuRatio === null ? "n/a" : `${f(r.cpuRatio)}×`}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const r = await runUnsafeIngestBench({ log: asJson ? undefined : (s) => console.log(s) });
  if (asJson) console.log(JSON.stringify(r));
  else printUnsafe(r);
}
