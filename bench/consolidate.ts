// `npm run bench` part 3 (also `node bench/consolidate.ts [--json]`): what one check and one ingest
// of a big block cost inside workerd (issue 15 items 3-4), for 1 MiB and 9.5 MiB devnet blocks
// (incompressible calldata, chain gas limit 500M).
//
// - Checks, before and after consolidation on hashes: bench/consolidate-worker (a bench-only Worker
//   under wrangler dev) validates the message and runs the RPC check, either the Worker's own
//   (`hashes`: header + transaction hashes) or the one it replaced (`bodies`: every transaction).
// - Ingests: the real Worker and Durable Object under wrangler dev, POST /v1/ingest, twice: in one
//   wrangler dev (one workerd process, as `npm start` runs them), and split as production runs them,
//   each in its own isolate with its own 128 MB: bench/split-isolates, the objects in one wrangler dev
//   and the Worker in another, bound by script_name through a private dev registry. The memory goal
//   is judged per isolate (split). wrangler reaches the other process's object through a proxy object
//   in the Worker's process, which makes every call again: its share is in the Worker's figure.
//
// How it is measured (workerd gives a Worker no memory or CPU figures of its own):
// - RPC bytes: the chain server counts the bytes of every reply (control op rpcStats).
// - Memory: each workerd process that runs our code (the one with an inspector port); its peak RSS
//   (VmHWM, reset through /proc/<pid>/clear_refs before each request) minus its RSS before the
//   request. One fresh wrangler dev per case, warmed up with small blocks, the first big request
//   counted: later ones partly reuse heap the first one grew. RSS counts what Cloudflare's 128 MB
//   isolate limit counts (JS heap and ArrayBuffers) plus whatever workerd itself allocated.
// - CPU: that process's on-CPU time, all threads (/proc/<pid>/task/*/schedstat, ns), over the
//   request: the Worker, its Durable Object call (ingest), GC and workerd's own I/O. An upper bound
//   for the Worker's CPU time as Cloudflare bills it.
// Printed, never asserted.
import { join } from "node:path";
import "../src/node/keccak.ts";
import { signedGossipMessage } from "../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../src/devnet/stack.ts";
import { PROJECT_ROOT, startWorkerDev } from "../src/devnet/worker-dev.ts";
import { costOf, costsOf, runtimePid, startLayout, type Cost } from "./workerd-procs.ts";
import { signIngest } from "../src/protocol/ingest-auth.ts";
import { parseServerTiming } from "../src/relay/server-timing.ts";

const MiB = 1024 * 1024;
const SIZES = [{ name: "1 MiB", bytes: MiB }, { name: "9.5 MiB", bytes: Math.floor(9.5 * MiB) }];
const RELAY = "bench-relay";
const SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
/** A valid libp2p peer id (the Worker refuses anything else), as in ingest.ts. */
const PEER = "12D3KooWNczqYkqRLXerJEUg9UepnDSF3qtUodM7PNQerwSZU5DS";
export const CONSOLIDATE_GOALS = { rpcBytesPerBlockByteMax: 0.05, peakMemoryPerEnvelopeByteMax: 3 };
/** Cloudflare Workers CPU time per request: Free plan 10 ms; Paid 30 s by default (up to 5 min). */
const FREE_PLAN_CPU_MS = 10;
const PAID_PLAN_CPU_MS = 30_000;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------------- the chain

interface Blocks {
  small: Uint8Array[];
  bySize: Map<string, Uint8Array[]>;
}

/** Three big blocks per size (consecutive heights, sizes in order), small ones before them, all local-safe. */
function buildBlocks(server: ChainServer, perSize: number): Blocks {
  const chain = server.chain;
  const seq = chain.view("sequencer");
  const msg = (n: bigint): Uint8Array => signedGossipMessage(chain, seq.blockByNumber(n)!).message;
  const small = [1n, 2n, 3n, 4n, 5n, 6n].map((i) => chain.heads().localSafe - 6n + i).map(msg);
  const heights = new Map<string, bigint[]>();
  for (const s of SIZES) {
    heights.set(s.name, chain.bigBlocks(s.bytes, perSize));
    chain.advanceBlocks(perSize);
  }
  chain.advanceBlocks(10); // local-safe past them all
  return { small, bySize: new Map([...heights].map(([k, hs]) => [k, hs.map(msg)])) };
}

const rpcBytes = async (server: ChainServer): Promise<number> => {
  const r = await fetch(server.urls.control, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ op: "rpcStats", reset: true }) });
  const { stats } = (await r.json()) as { stats: Record<string, { bytes: number }> };
  return Object.values(stats).reduce((n, s) => n + s.bytes, 0);
};

// ---------------------------------------------------------------------------------- checks

export interface CheckCase {
  mode: "bodies" | "hashes";
  size: string;
  blockBytes: number;
  rpcBytesPerCheck: number;
  rpcBytesPerBlockByte: number;
  cpuMsMedian: number;
  peakGrowthMb: number;
  result: string;
}

async function runChecks(server: ChainServer, blocks: Blocks, log: (s: string) => void): Promise<CheckCase[]> {
  const out: CheckCase[] = [];
  for (const mode of ["bodies", "hashes"] as const) {
    for (const size of SIZES) {
      const w = await startWorkerDev({ chains: [devnetWorkerChain(server)], relaySecrets: { [RELAY]: SECRET }, rpcTimeoutMs: 30_000, cwd: join(PROJECT_ROOT, "bench", "consolidate-worker") });
      try {
        const pid = runtimePid(w.pid);
        let result = "";
        const check = async (m: Uint8Array): Promise<void> => {
          const r = await fetch(`${w.url}/check?mode=${mode}`, { method: "POST", body: m as Uint8Array<ArrayBuffer> });
          const body = (await r.json()) as { result?: string; error?: string };
          if (!body.result) throw new Error(`check (${mode}, ${size.name}): ${r.status} ${JSON.stringify(body)}`);
          result = body.result;
        };
        for (const m of blocks.small) await check(m); // warm-up: isolate, JIT, signer and chain-id reads
        if (mode === "hashes" && size === SIZES[0]) {
          // a small block (a devnet transfer block, ≈ 1 kB), for the CPU a Worker needs per ordinary check
          const small: Cost[] = [];
          for (const m of blocks.small) small.push(await costOf(pid, () => check(m)));
          const n = blocks.small[0]!.length;
          out.push({ mode, size: "small", blockBytes: n, rpcBytesPerCheck: NaN, rpcBytesPerBlockByte: NaN, cpuMsMedian: median(small.map((x) => x.cpuMs)), peakGrowthMb: small[0]!.peakGrowthMb, result });
          log(`check ${mode.padEnd(6)} small  : CPU ${out.at(-1)!.cpuMsMedian.toFixed(1)} ms`);
        }
        const costs: Cost[] = [];
        const bytes: number[] = [];
        for (const m of blocks.bySize.get(size.name)!) {
          await rpcBytes(server);
          costs.push(await costOf(pid, () => check(m)));
          bytes.push(await rpcBytes(server));
        }
        const c: CheckCase = {
          mode,
          size: size.name,
          blockBytes: size.bytes,
          rpcBytesPerCheck: median(bytes),
          rpcBytesPerBlockByte: median(bytes) / size.bytes,
          cpuMsMedian: median(costs.map((x) => x.cpuMs)),
          peakGrowthMb: costs[0]!.peakGrowthMb,
          result,
        };
        log(`check ${mode.padEnd(6)} ${size.name.padEnd(7)}: ${(c.rpcBytesPerCheck / 1e6).toFixed(3)} MB read, CPU ${c.cpuMsMedian.toFixed(0)} ms, peak +${c.peakGrowthMb.toFixed(1)} MB (${result})`);
        out.push(c);
      } finally {
        await w.stop();
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------- ingests

/** One process's share of an ingest (split layout: the Worker's workerd, or the Durable Object's). */
export interface IsolateCost {
  cpuMsMedian: number;
  /** The first big request's (the goal's figure: it also grows the isolate's heap once). */
  peakGrowthMb: number;
  peakMemoryPerEnvelopeByte: number;
  /** Every request's, in order: the later ones show what an isolate that served such a block before pays. */
  peakGrowthMbEach: number[];
}

export interface IngestCase {
  size: string;
  envelopeBytes: number;
  /** one wrangler dev: the Worker and its Durable Object in one workerd process, as `npm start` runs them */
  cpuMsMedian: number;
  /** the same process's CPU for a GET /healthz: workerd's fixed cost of a request, included above */
  healthzCpuMs: number;
  peakGrowthMb: number;
  peakMemoryPerEnvelopeByte: number;
  wallMsMedian: number;
  phasesMs: Record<string, number>;
  plan: "free" | "paid" | "over";
  /**
   * Split (bench/split-isolates): the Worker and the Durable Objects in two wrangler devs, two
   * workerd processes, as production runs them in two isolates with 128 MB each.
   */
  isolates: { worker: IsolateCost; object: IsolateCost };
}

interface Measured {
  costs: Cost[][]; // per message, per process
  healthzCpuMs: number;
  phasesMs: Record<string, number>;
}

async function measureIngests(server: ChainServer, blocks: Blocks, messages: Uint8Array[], split: boolean, what: string): Promise<Measured> {
  const topic = `/optimism/${server.chain.options.l2ChainId}/0/cross-safe-blocks`;
  const l = await startLayout({ chains: [devnetWorkerChain(server)], relaySecrets: { [RELAY]: SECRET }, rpcTimeoutMs: 30_000 }, split);
  try {
    const phases = new Map<string, number[]>();
    const ingest = async (m: Uint8Array): Promise<void> => {
      const headers = await signIngest(SECRET, { relayId: RELAY, topic, peerId: PEER, receivedMs: Date.now() }, m);
      const r = await fetch(`${l.url}/v1/ingest`, { method: "POST", headers: { ...headers, "content-type": "application/octet-stream" }, body: m as Uint8Array<ArrayBuffer> });
      const body = (await r.json()) as { verdict?: string; reason?: string };
      if (body.verdict !== "accept") throw new Error(`ingest (${what}): ${r.status} ${JSON.stringify(body)}`);
      for (const [k, v] of parseServerTiming(r.headers.get("server-timing"))) phases.set(k, [...(phases.get(k) ?? []), v]);
    };
    for (const m of blocks.small.slice(0, 3)) await ingest(m); // warm-up
    phases.clear();
    const healthz: number[] = [];
    for (let i = 0; i < 5; i++) healthz.push((await costOf(l.pids[0]!, async () => void (await fetch(`${l.url}/healthz`)).arrayBuffer())).cpuMs);
    const costs: Cost[][] = [];
    for (const m of messages) costs.push(await costsOf(l.pids, () => ingest(m)));
    return { costs, healthzCpuMs: median(healthz), phasesMs: Object.fromEntries([...phases].map(([k, xs]) => [k, median(xs)])) };
  } finally {
    await l.stop();
  }
}

async function runIngests(server: ChainServer, blocks: Blocks, log: (s: string) => void): Promise<IngestCase[]> {
  const out: IngestCase[] = [];
  const cases = [{ name: "small", messages: blocks.small.slice(3) }, ...SIZES.map((s) => ({ name: s.name, messages: blocks.bySize.get(s.name)! }))];
  for (const cs of cases) {
    const one = await measureIngests(server, blocks, cs.messages, false, cs.name);
    const two = await measureIngests(server, blocks, cs.messages, true, `${cs.name}, split`);
    const envelopeBytes = cs.messages[0]!.length;
    const costs = one.costs.map((x) => x[0]!);
    const cpu = median(costs.map((c) => c.cpuMs));
    // the first big request counted (see the top of this file), the median CPU
    const isolate = (i: number): IsolateCost => ({
      cpuMsMedian: median(two.costs.map((x) => x[i]!.cpuMs)),
      peakGrowthMb: two.costs[0]![i]!.peakGrowthMb,
      peakMemoryPerEnvelopeByte: (two.costs[0]![i]!.peakGrowthMb * 1e6) / envelopeBytes,
      peakGrowthMbEach: two.costs.map((x) => round(x[i]!.peakGrowthMb)),
    });
    const c: IngestCase = {
      size: cs.name,
      envelopeBytes,
      cpuMsMedian: cpu,
      healthzCpuMs: one.healthzCpuMs,
      peakGrowthMb: costs[0]!.peakGrowthMb,
      peakMemoryPerEnvelopeByte: (costs[0]!.peakGrowthMb * 1e6) / envelopeBytes,
      wallMsMedian: median(costs.map((x) => x.wallMs)),
      phasesMs: one.phasesMs,
      plan: cpu <= FREE_PLAN_CPU_MS ? "free" : cpu <= PAID_PLAN_CPU_MS ? "paid" : "over",
      isolates: { worker: isolate(0), object: isolate(1) },
    };
    const { worker: w, object: o } = c.isolates;
    log(
      `ingest ${cs.name.padEnd(7)} (${(envelopeBytes / 1e6).toFixed(3)} MB): one process: CPU ${cpu.toFixed(0)} ms (GET /healthz ${c.healthzCpuMs.toFixed(1)} ms), peak +${c.peakGrowthMb.toFixed(1)} MB (${c.peakMemoryPerEnvelopeByte.toFixed(2)}×), wall ${c.wallMsMedian.toFixed(0)} ms; ` +
        `split: Worker CPU ${w.cpuMsMedian.toFixed(0)} ms, peak +${w.peakGrowthMb.toFixed(1)} MB (${w.peakMemoryPerEnvelopeByte.toFixed(2)}×; each request ${w.peakGrowthMbEach.join(", ")} MB); Durable Object CPU ${o.cpuMsMedian.toFixed(0)} ms, peak +${o.peakGrowthMb.toFixed(1)} MB (${o.peakMemoryPerEnvelopeByte.toFixed(2)}×; each ${o.peakGrowthMbEach.join(", ")} MB)`,
    );
    out.push(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------- the bench

export interface ConsolidateBenchResult {
  checks: CheckCase[];
  ingests: IngestCase[];
  goals: typeof CONSOLIDATE_GOALS;
  /** after (hashes) / before (bodies), per size */
  rpcBytesAfterOverBefore: Record<string, number>;
  peakMemoryAfterOverBefore: Record<string, number>;
  /**
   * The goal's figure, per big size: peak memory per ingest ÷ the envelope in each isolate (split
   * layout), the larger of the two judged against `goals.peakMemoryPerEnvelopeByteMax`: production
   * limits each isolate to 128 MB on its own. `oneProcess` is both in one workerd (not judged).
   */
  peakMemoryPerEnvelopeByte: Record<string, { worker: number; object: number; oneProcess: number }>;
  goalsMet: boolean;
}

export async function runConsolidateBench(opts: { log?: (s: string) => void; perSize?: number } = {}): Promise<ConsolidateBenchResult> {
  const log = opts.log ?? (() => {});
  const server = await startChainServer({ chain: { gasLimit: 500_000_000n } });
  try {
    server.advance(120);
    const t0 = performance.now();
    const blocks = buildBlocks(server, opts.perSize ?? 3);
    log(`built ${SIZES.map((s) => `${opts.perSize ?? 3} × ${s.name}`).join(" and ")} devnet blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const checks = await runChecks(server, blocks, log);
    const ingests = await runIngests(server, blocks, log);
    const ratio = (k: "rpcBytesPerCheck" | "peakGrowthMb") =>
      Object.fromEntries(SIZES.map((s) => [s.name, round(checks.find((c) => c.mode === "hashes" && c.size === s.name)![k] / checks.find((c) => c.mode === "bodies" && c.size === s.name)![k], 4)]));
    const big = ingests.filter((c) => c.size !== "small");
    const peakMemoryPerEnvelopeByte = Object.fromEntries(
      big.map((c) => [c.size, { worker: round(c.isolates.worker.peakMemoryPerEnvelopeByte), object: round(c.isolates.object.peakMemoryPerEnvelopeByte), oneProcess: round(c.peakMemoryPerEnvelopeByte) }]),
    );
    const goalsMet =
      checks.filter((c) => c.mode === "hashes" && c.size !== "small").every((c) => c.rpcBytesPerBlockByte <= CONSOLIDATE_GOALS.rpcBytesPerBlockByteMax) &&
      big.every((c) => Math.max(c.isolates.worker.peakMemoryPerEnvelopeByte, c.isolates.object.peakMemoryPerEnvelopeByte) <= CONSOLIDATE_GOALS.peakMemoryPerEnvelopeByteMax);
    return { checks, ingests, goals: CONSOLIDATE_GOALS, rpcBytesAfterOverBefore: ratio("rpcBytesPerCheck"), peakMemoryAfterOverBefore: ratio("peakGrowthMb"), peakMemoryPerEnvelopeByte, goalsMet };
  } finally {
    await server.close();
  }
}

export function printConsolidate(r: ConsolidateBenchResult): void {
  console.log("\nbig blocks inside workerd (wrangler dev): one RPC check, before (every transaction body) and after (header + hashes)");
  console.log("mode     block    RPC bytes/check   /block size   CPU ms   peak RSS growth");
  for (const c of r.checks.filter((x) => x.size !== "small"))
    console.log(
      `${c.mode.padEnd(8)} ${c.size.padEnd(8)} ${String(c.rpcBytesPerCheck).padStart(15)}   ${(100 * c.rpcBytesPerBlockByte).toFixed(2).padStart(10)}%   ${c.cpuMsMedian.toFixed(0).padStart(6)}   ${c.peakGrowthMb.toFixed(1).padStart(8)} MB`,
    );
  const small = r.checks.find((c) => c.size === "small");
  if (small) console.log(`(a small block's check: CPU ${small.cpuMsMedian.toFixed(1)} ms: validation and the RPC check, no Durable Object)`);
  console.log(`after/before: RPC bytes ${JSON.stringify(r.rpcBytesAfterOverBefore)}, peak memory ${JSON.stringify(r.peakMemoryAfterOverBefore)}; goal: RPC bytes ≤ ${100 * r.goals.rpcBytesPerBlockByteMax}% of the block`);
  console.log("\none ingest through the real Worker and Durable Object (wrangler dev), both in one workerd process");
  console.log("block     envelope B   CPU ms (healthz)   peak RSS growth   ×envelope   wall ms   plan (CPU per request: Free 10 ms, Paid 30 s)");
  for (const c of r.ingests)
    console.log(
      `${c.size.padEnd(8)} ${String(c.envelopeBytes).padStart(11)}   ${c.cpuMsMedian.toFixed(0).padStart(6)} (${c.healthzCpuMs.toFixed(1).padStart(5)})   ${c.peakGrowthMb.toFixed(1).padStart(12)} MB   ${c.peakMemoryPerEnvelopeByte.toFixed(2).padStart(8)}×   ${c.wallMsMedian.toFixed(0).padStart(7)}   ${c.plan}`,
    );
  console.log("\nthe same, split as production runs it: the Worker and the Durable Object each in its own workerd (bench/split-isolates)");
  console.log("block     Worker: CPU ms   peak RSS growth   ×envelope   Durable Object: CPU ms   peak RSS growth   ×envelope");
  for (const c of r.ingests) {
    const { worker: w, object: o } = c.isolates;
    console.log(
      `${c.size.padEnd(8)} ${w.cpuMsMedian.toFixed(0).padStart(15)}   ${w.peakGrowthMb.toFixed(1).padStart(12)} MB   ${w.peakMemoryPerEnvelopeByte.toFixed(2).padStart(8)}×   ${o.cpuMsMedian.toFixed(0).padStart(22)}   ${o.peakGrowthMb.toFixed(1).padStart(12)} MB   ${o.peakMemoryPerEnvelopeByte.toFixed(2).padStart(8)}×`,
    );
  }
  console.log(`goal: peak memory per ingest ≤ ${r.goals.peakMemoryPerEnvelopeByteMax}× the envelope in each isolate (split); ${r.goalsMet ? "all goals met" : "a goal is MISSED"}`);
  console.log("(memory: peak RSS of a workerd process over the request; CPU: that process's on-CPU time, all threads; see bench/consolidate.ts)");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const r = await runConsolidateBench({ log: asJson ? undefined : (s) => console.log(s) });
  if (asJson) console.log(JSON.stringify(r));
  else printConsolidate(r);
}
