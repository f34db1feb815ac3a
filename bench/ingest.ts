// `npm run bench:ingest` (also the second part of `npm run bench`): ingest → head advanced, through
// the real Worker and its Durable Object under `wrangler dev --local`, with the chain server on
// loopback. Each sample is one authenticated POST /v1/ingest of the next cross-safe block, timed
// until its response (which comes after the Durable Object advanced the head). Baseline, measured
// in the same run against the same Worker: a bare GET /livez round trip (/healthz asks every chain's
// Durable Object since issue 14; the `healthz` field keeps its name). Goal (issue #3):
// p50 and p99 within 3× of the baseline's. Printed, never asserted; `--json` prints one JSON line.
import "../src/node/keccak.ts";
import { chainConfigToJson } from "../src/protocol/chain-config.ts";
import { signIngest } from "../src/protocol/ingest-auth.ts";
import { startChainServer } from "../src/devnet/rpc-server.ts";
import { signedGossipMessage } from "../src/devnet/gossip.ts";
import { startWorkerDev, wranglerEnv } from "../src/devnet/worker-dev.ts";
import { parseServerTiming } from "../src/relay/server-timing.ts";
import { quantile } from "./measure.ts";

export interface IngestBenchResult {
  samples: number;
  healthz: { p50Ms: number; p99Ms: number };
  ingest: { p50Ms: number; p99Ms: number };
  p50Ratio: number;
  p99Ratio: number;
  wranglerStartMs: number;
  /** Whether wrangler dev's local observability store was on (src/devnet/worker-dev.ts wranglerEnv). */
  wranglerObservability: boolean;
  /** p50 of each Server-Timing phase the Worker reported (ms; workerd's clock, 1 ms steps). */
  phasesP50Ms: Record<string, number>;
}

const RELAY = "bench-relay";
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
/** A valid libp2p peer id (the Worker refuses anything else): an Ed25519 one, as a relay would report. */
const PEER = "12D3KooWNczqYkqRLXerJEUg9UepnDSF3qtUodM7PNQerwSZU5DS";

function summary(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: quantile(s, 0.5), p99Ms: quantile(s, 0.99) };
}

export async function runIngestBench(opts: { samples?: number; log?: (s: string) => void } = {}): Promise<IngestBenchResult> {
  const n = opts.samples ?? 300;
  const log = opts.log ?? (() => {});
  // Enough blocks below local-safe for every sample, plus warm-up.
  const server = await startChainServer();
  server.advance(2 * (n + 80) + 60);
  const chain = server.chain;
  const { unsafeBlockSigner: _signer, ...cfg } = chainConfigToJson(chain.chainConfig);
  const worker = await startWorkerDev({
    chains: [{ chain: cfg, l1Rpc: server.urls.l1, l2Rpc: server.urls.l2, rollupRpc: server.urls.rollup }],
    relaySecrets: { [RELAY]: SECRET },
  });
  log(`wrangler dev ready in ${worker.startMs} ms at ${worker.url}`);
  try {
    const follower = chain.view("follower");
    const top = follower.localSafe().number;
    const first = top - BigInt(n + 40);
    const topic = `/optimism/${chain.options.l2ChainId}/0/cross-safe-blocks`;
    const messages: Uint8Array[] = [];
    for (let h = first; h <= top; h++) messages.push(signedGossipMessage(chain, follower.blockByNumber(h)!).message);

    const phases = new Map<string, number[]>();
    const ingestOnce = async (message: Uint8Array): Promise<number> => {
      const headers = await signIngest(SECRET, { relayId: RELAY, topic, peerId: PEER, receivedMs: Date.now() }, message);
      const t = performance.now();
      const res = await fetch(`${worker.url}/v1/ingest`, { method: "POST", headers: { ...headers, "content-type": "application/octet-stream" }, body: message as Uint8Array<ArrayBuffer> });
      const body = (await res.json()) as { verdict?: string; reason?: string };
      const dt = performance.now() - t;
      if (body.verdict !== "accept") throw new Error(`ingest: ${res.status} ${JSON.stringify(body)}`);
      for (const [phase, ms] of parseServerTiming(res.headers.get("server-timing"))) {
        const xs = phases.get(phase) ?? [];
        xs.push(ms);
        phases.set(phase, xs);
      }
      return dt;
    };
    const healthzOnce = async (): Promise<number> => {
      const t = performance.now();
      const res = await fetch(`${worker.url}/livez`);
      await res.arrayBuffer();
      return performance.now() - t;
    };

    // Warm-up: isolate start, signer read from L1, chain-id checks, JIT, the Durable Object's first load.
    for (let i = 0; i < 40; i++) {
      await ingestOnce(messages[i]!);
      await healthzOnce();
    }
    // Interleave the two so a load change on the machine hits both alike.
    phases.clear(); // warm-up excluded
    const ingestMs: number[] = [];
    const healthMs: number[] = [];
    for (let i = 40; i < messages.length; i++) {
      healthMs.push(await healthzOnce());
      ingestMs.push(await ingestOnce(messages[i]!));
    }
    const healthz = summary(healthMs);
    const ingest = summary(ingestMs);
    return { samples: ingestMs.length, healthz, ingest, p50Ratio: ingest.p50Ms / healthz.p50Ms, p99Ratio: ingest.p99Ms / healthz.p99Ms, wranglerStartMs: worker.startMs, wranglerObservability: wranglerEnv()["X_LOCAL_OBSERVABILITY"] === "true",
      phasesP50Ms: Object.fromEntries([...phases].map(([k, xs]) => [k, quantile([...xs].sort((a, b) => a - b), 0.5)])),
    };
  } finally {
    await worker.stop();
    await server.close();
  }
}

export function printIngest(r: IngestBenchResult): void {
  console.log(`\ningest → head advanced, ${r.samples} sequential blocks through wrangler dev (Worker + Durable Object), chain server on loopback`);
  console.log(`               p50 ms    p99 ms`);
  console.log(`GET /healthz  ${r.healthz.p50Ms.toFixed(2).padStart(7)}  ${r.healthz.p99Ms.toFixed(2).padStart(8)}`);
  console.log(`POST ingest   ${r.ingest.p50Ms.toFixed(2).padStart(7)}  ${r.ingest.p99Ms.toFixed(2).padStart(8)}`);
  console.log(`ratio         ${r.p50Ratio.toFixed(2).padStart(6)}×  ${r.p99Ratio.toFixed(2).padStart(7)}×   (goal ≤ 3×)`);
  const ph = Object.entries(r.phasesP50Ms).map(([k, v]) => `${k} ${v} ms`).join(", ");
  if (ph) console.log(`inside the Worker (Server-Timing p50): ${ph}`);
  console.log(`(wrangler dev's local observability store ${r.wranglerObservability ? "on" : "off"}: X_LOCAL_OBSERVABILITY, see README "Tests and benchmarks")`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const r = await runIngestBench({ log: asJson ? undefined : (s) => console.log(s) });
  if (asJson) console.log(JSON.stringify(r));
  else printIngest(r);
}
