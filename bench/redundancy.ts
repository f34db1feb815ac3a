// `npm run bench:redundancy` (also part of `npm run bench`, skip with `--no-redundancy`): what
// redundant relays cost the follower. The same sequence of blocks (calldata 5 KB … 5 MiB, log-spread,
// seeded order) goes through the publisher → 1 relay → the Worker, then → 5 relays (all peered) → the
// same Worker, under `wrangler dev --local` (`--runtime miniflare`: the deploy bundle in Miniflare's one
// workerd), the devnet chain server on loopback in this process, the publisher in its own
// (publisher-proc.ts: the sequencer's node apart from the follower's). Per block: RPC reads
// the Worker made (the chain server's `rpcStats`, the follower's l1/l2/rollup endpoints), envelope bytes
// the Worker sent to the Durable Object (Server-Timing `do-envelope`, summed by each relay) and
// ingest→head (deliver.ts). Goal: each ≤ 1.2× the single relay's. Printed, never asserted.
import "../src/node/keccak.ts";
import { controlClient } from "../src/devnet/control-client.ts";
import { startChainServer } from "../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../src/devnet/worker-chain.ts";
import { startWorkerDev } from "../src/devnet/worker-dev.ts";
import { startMiniflareWorker } from "./miniflare-worker.ts";
import { startPublisherProc } from "./publisher-proc.ts";
import { cpuSampler, cpuSplit, cpuSplitText, type CpuSplit } from "./cpu-split.ts";
import { benchDir, goalText, pcts, round, type Pcts } from "./bench-env.ts";
import { deliverBlocks, logSpreadSizes, type BlockTiming } from "./deliver.ts";
import { relaySecrets, startRelayGroup } from "./relay-group.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { printProfileSummary, summariseProfile, type CpuProfile } from "./cpu-profile.ts";

export const REDUNDANCY_GOAL = 1.2;
const MIN = 5_000;
const MAX = 5 * 2 ** 20;

export interface RelaySetResult {
  relays: number;
  blocks: number;
  rpcReadsPerBlock: number;
  rpcReadsByMethod: Record<string, number>;
  doEnvelopeBytesPerBlock: number;
  ingestToHead: Pcts;
  /** From the earliest receipt to the head's write in the Durable Object (deliver.ts), without the answer's way back. */
  ingestToHeadWritten: Pcts;
  /** Blocks no relay saw reach the head in time. */
  missing: number;
  /** Copies by the Worker's answer ("advanced", "duplicate", …). */
  copiesByReason: Record<string, number>;
  /** Ingest requests per block that validated the message themselves (the others reused a copy's result). */
  validationsPerBlock: number;
  /**
   * Where ingest→head goes, p50 over blocks: the owner's receipt after the earliest relay's, its
   * receipt → verdict, and the Worker's Server-Timing phases of the answers that ran the checks.
   */
  owner: { receiptAfterFirstMs: number; receiptToVerdictMs: number; phasesMs: Record<string, number> };
  /** CPU per block of each process group while the blocks went through (cpu-split.ts). */
  cpu: CpuSplit;
}

export interface RedundancyResult {
  goal: number;
  single: RelaySetResult;
  redundant: RelaySetResult;
  rpcReadsRatio: number;
  doEnvelopeBytesRatio: number;
  ingestToHeadP50Ratio: number;
  /** The same ratio to the head's write (its `updatedAtMs`) rather than to the relay's receipt of the answer. */
  ingestToHeadWrittenP50Ratio: number;
  /** Not a goal of the issue: how many copies still validated (1 = the memo saved every copy's). */
  validationsRatio: number;
  wranglerStartMs: number;
  /** How the Worker ran (see runRedundancyBench). */
  runtime: "wrangler" | "miniflare";
}

/**
 * `relayProfile`: write a V8 CPU profile of the first relay over the 5-relay blocks to this file.
 * `runtime`: the Worker under `wrangler dev` (default, as the issue asks), or the deploy bundle in
 * Miniflare's one workerd (many-chains.ts's default), without wrangler's dev-only proxy workerd that
 * every request of `wrangler dev` passes through first — with 5 relays, every copy's whole body.
 */
export async function runRedundancyBench(opts: { blocks?: number; log?: (s: string) => void; relayProfile?: string; runtime?: "wrangler" | "miniflare" } = {}): Promise<RedundancyResult> {
  const runtime = opts.runtime ?? "wrangler";
  const log = opts.log ?? (() => {});
  const n = opts.blocks ?? 300;
  const sizes = logSpreadSizes(n, MIN, MAX, 15);
  const dir = await benchDir("bench-redundancy");
  const server = await startChainServer({ chain: { gasLimit: 500_000_000n, lags: { localSafe: 0, crossSafe: 0, finalized: 10 } } });
  server.advance(60);
  const control = controlClient(server.urls.control);
  const secrets = relaySecrets(6);
  const base = { chains: [devnetWorkerChain(server)], relaySecrets: Object.fromEntries(secrets.map((s) => [s.relayId, s.secret])), rpcTimeoutMs: 10_000 };
  const worker = await (runtime === "wrangler"
    ? startWorkerDev(base).then((w) => ({ ...w, cpuOf: { group: w.pid } as const }))
    : startMiniflareWorker(base).then((w) => ({ ...w, cpuOf: { workerd: w.runtimePid } as const }))
  ).catch(async (e: unknown) => {
    await server.close();
    dir.remove();
    throw e;
  });
  log(`redundancy: ${runtime === "wrangler" ? "wrangler dev" : "the deploy bundle under Miniflare"} ready in ${worker.startMs} ms; ${n} blocks of ${MIN / 1000} KB … ${MAX / 2 ** 20} MiB calldata, through 1 relay, then 5`);
  try {
    const run = async (count: number, set: typeof secrets): Promise<RelaySetResult> => {
      const group = await startRelayGroup({ secrets: set, workerUrl: worker.url, chainIds: [server.chain.options.l2ChainId], topicKinds: ["cross-safe"] });
      // its own process: the sequencer's node must not share an event loop with the follower's nodes (the chain server)
      const publisher = await startPublisherProc(server, group.addrs(), `${dir.path}/publisher-${count}.json`).catch(async (e: unknown) => {
        await group.stop();
        throw e;
      });
      try {
        await publisher.waitForTopicPeers(count, 30_000, "subscribers");
        // warm-up: isolate, signer lookup, JIT, the object's first load, the mesh
        await deliverBlocks({ server, group, sizes: [0, 0, 0, 50_000, 0], timeoutMs: 60_000 });
        await control.rpcStats(true);
        const before = await Promise.all(group.relays.map((r) => r.stats()));
        await Promise.all(group.relays.map((r) => r.timings()));
        const sample = cpuSampler(group.relays.map((r) => r.pid), worker.cpuOf, { publisher: publisher.pid }, "bench (chain server)");
        const cpu0 = sample();
        const profiling = opts.relayProfile !== undefined && count > 1;
        if (profiling) await group.relays[0]!.profileStart();
        const t = await deliverBlocks({ server, group, sizes, headUrl: `${worker.url}/v1/chains/${server.chain.options.l2ChainId}/cross-safe` });
        const cpu = cpuSplit(cpu0, sample(), t.length);
        if (profiling) writeFileSync(opts.relayProfile!, JSON.stringify(await group.relays[0]!.profileStop()));
        const rpc = await control.rpcStats(false);
        const after = await Promise.all(group.relays.map((r) => r.stats()));
        const phases = (await Promise.all(group.relays.map((r) => r.timings()))).flat();
        const delta = (k: "doEnvelopeBytes" | "validations"): number => after.reduce((a, s, i) => a + s[k] - before[i]![k], 0);
        return { ...summarize(count, t, rpc, delta("doEnvelopeBytes"), delta("validations"), phases), cpu };
      } finally {
        await publisher.stop().catch(() => undefined);
        await group.stop();
      }
    };
    const single = await run(1, secrets.slice(0, 1));
    log(`redundancy: 1 relay done (ingest→head p50 ${single.ingestToHead.p50Ms.toFixed(1)} ms)`);
    const redundant = await run(5, secrets.slice(1));
    return {
      goal: REDUNDANCY_GOAL,
      single,
      redundant,
      rpcReadsRatio: redundant.rpcReadsPerBlock / single.rpcReadsPerBlock,
      doEnvelopeBytesRatio: redundant.doEnvelopeBytesPerBlock / single.doEnvelopeBytesPerBlock,
      ingestToHeadP50Ratio: redundant.ingestToHead.p50Ms / single.ingestToHead.p50Ms,
      ingestToHeadWrittenP50Ratio: redundant.ingestToHeadWritten.p50Ms / single.ingestToHeadWritten.p50Ms,
      validationsRatio: redundant.validationsPerBlock / single.validationsPerBlock,
      wranglerStartMs: worker.startMs,
      runtime,
    };
  } finally {
    await worker.stop();
    await server.close();
    dir.remove();
  }
}

function summarize(relays: number, t: BlockTiming[], rpc: Record<string, { calls: number }>, envelopeBytes: number, validations: number, phases: Array<Record<string, number>>): Omit<RelaySetResult, "cpu"> {
  // the Worker's reads only: the follower's nodes, not the sequencer's (the publisher's)
  const reads = Object.entries(rpc).filter(([k]) => !k.startsWith("sequencer"));
  const copiesByReason: Record<string, number> = {};
  for (const c of t.flatMap((b) => b.copies)) copiesByReason[c.reason] = (copiesByReason[c.reason] ?? 0) + 1;
  return {
    relays,
    blocks: t.length,
    rpcReadsPerBlock: reads.reduce((a, [, v]) => a + v.calls, 0) / t.length,
    rpcReadsByMethod: Object.fromEntries(reads.map(([k, v]) => [k, round(v.calls / t.length)])),
    doEnvelopeBytesPerBlock: envelopeBytes / t.length,
    ingestToHead: pcts(t.flatMap((b) => (b.ingestToHeadMs === null ? [] : [b.ingestToHeadMs]))),
    ingestToHeadWritten: pcts(t.flatMap((b) => (b.ingestToHeadWrittenMs === null ? [] : [b.ingestToHeadWrittenMs]))),
    missing: t.filter((b) => b.ingestToHeadMs === null).length,
    copiesByReason,
    validationsPerBlock: validations / t.length,
    owner: ownerBreakdown(t, phases),
  };
}

function ownerBreakdown(t: BlockTiming[], phases: Array<Record<string, number>>): RelaySetResult["owner"] {
  const owners = t.flatMap((b) => b.copies.filter((c) => c.reason === "advanced"));
  const p50 = (xs: number[]): number => round(pcts(xs).p50Ms, 1);
  const names = [...new Set(phases.flatMap((p) => Object.keys(p)))];
  return {
    receiptAfterFirstMs: p50(owners.map((c) => c.afterFirstMs)),
    receiptToVerdictMs: p50(owners.map((c) => c.latencyMs)),
    phasesMs: Object.fromEntries(names.map((n) => [n, p50(phases.map((p) => p[n] ?? 0))])),
  };
}

export function printRedundancy(r: RedundancyResult): void {
  console.log(`\nredundant relays: the same ${r.single.blocks} blocks (5 KB … 5 MiB) through 1 relay, then 5, to one Worker (${r.runtime === "wrangler" ? "wrangler dev" : "the deploy bundle under Miniflare"})`);
  console.log(`            RPC reads/block   DO envelope bytes/block   ingest→head p50 / p99 ms   answers`);
  for (const s of [r.single, r.redundant]) {
    const ans = Object.entries(s.copiesByReason).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(`${`${s.relays} relay${s.relays > 1 ? "s" : ""}`.padEnd(10)}  ${s.rpcReadsPerBlock.toFixed(2).padStart(15)}   ${Math.round(s.doEnvelopeBytesPerBlock).toString().padStart(23)}   ${`${s.ingestToHead.p50Ms.toFixed(1)} / ${s.ingestToHead.p99Ms.toFixed(1)}`.padStart(24)}   ${ans}${s.missing ? `; ${s.missing} never reached the head` : ""}`);
  }
  console.log(`5 ÷ 1: RPC reads ${goalText(r.rpcReadsRatio, r.goal)}, DO envelope bytes ${goalText(r.doEnvelopeBytesRatio, r.goal)}, ingest→head p50 ${goalText(r.ingestToHeadP50Ratio, r.goal)}`);
  console.log(`ingest→head written (the object's updatedAtMs, without the answer's way back) p50: ${r.single.ingestToHeadWritten.p50Ms.toFixed(1)} → ${r.redundant.ingestToHeadWritten.p50Ms.toFixed(1)} ms, ${r.ingestToHeadWrittenP50Ratio.toFixed(2)}×`);
  for (const s of [r.single, r.redundant]) {
    const ph = Object.entries(s.owner.phasesMs).map(([k, v]) => `${k} ${v}`).join(", ");
    console.log(`${s.relays} relay(s), p50: owner's receipt ${s.owner.receiptAfterFirstMs} ms after the first relay's, receipt → verdict ${s.owner.receiptToVerdictMs} ms (Worker phases: ${ph}); validations/block ${s.validationsPerBlock.toFixed(2)}`);
  }
  for (const s of [r.single, r.redundant]) console.log(`${s.relays} relay(s), ${cpuSplitText(s.cpu)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const quick = process.argv.includes("--quick");
  const pi = process.argv.indexOf("--relay-profile");
  const relayProfile = pi > 0 ? process.argv[pi + 1] : undefined;
  const ri = process.argv.indexOf("--runtime");
  const runtime = ri > 0 ? process.argv[ri + 1] : "wrangler";
  if (runtime !== "wrangler" && runtime !== "miniflare") throw new Error(`--runtime: wrangler or miniflare, not ${runtime}`);
  const r = await runRedundancyBench({ blocks: quick ? 40 : 300, runtime, log: asJson ? undefined : (s) => console.log(s), ...(relayProfile ? { relayProfile } : {}) });
  if (asJson) console.log(JSON.stringify(r));
  else printRedundancy(r);
  if (relayProfile) printProfileSummary(summariseProfile(JSON.parse(readFileSync(relayProfile, "utf8")) as CpuProfile, 40), { count: r.redundant.blocks, unit: "block" }, (l) => console.error(l));
}
