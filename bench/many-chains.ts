// `npm run bench:chains` (also part of `npm run bench`, skip with `--no-chains`): 25 chains in one
// deployment — one Worker (wrangler dev) serving 25 CHAINS entries, one Durable Object per chain —
// each a devnet chain server of its own in real time at 1 block/s (cross-safe = local-safe), the
// blocks signed and gossiped by multi-publisher.ts to 2 relays (own processes) that forward them.
// The Worker runs as a deployment runs it by default (`--runtime miniflare`: the deploy bundle in one
// workerd, miniflare-worker.ts); `--runtime wrangler` runs it under `wrangler dev --local`, whose
// proxy workerd in front of the Worker (dev only) is then measured apart.
// Each second every chain's head is read through the read API (GET /v1/chains/<id>/cross-safe) and
// compared with that chain's local-safe (the follower's op-node): goal, every head within 1 block.
// Worker + Durable Object CPU per block: workerd's CPU (/proc, proc-cpu.ts; locally the objects run in
// the Worker's process) over the blocks that became heads. If 25 blocks/s cannot be kept up on this
// machine, `headsPerSecond` says what was. Printed, never asserted.
import "../src/node/keccak.ts";
import { startChainServer, type ChainServer } from "../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../src/devnet/worker-chain.ts";
import { startWorkerDev } from "../src/devnet/worker-dev.ts";
import { startMiniflareWorker } from "./miniflare-worker.ts";
import { sleep, until } from "./bench-env.ts";
import { startMultiPublisher } from "./multi-publisher.ts";
import { writeFileSync } from "node:fs";
import { freePort } from "../src/chaos/relays.ts";
import { printProfileSummary, startProfiler, summariseProfile, type Profiler } from "./cpu-profile.ts";
import { groupProcessCpuMs, processCpuMs } from "./proc-cpu.ts";
import { runtimePid } from "./workerd-procs.ts";
import { relaySecrets, startRelayGroup } from "./relay-group.ts";

export const CHAINS_LAG_GOAL = 1;
const FIRST_CHAIN_ID = 9_150_001n; // private ids: no discovery defaults apply

/** How the Worker runs: the deploy bundle in Miniflare's one workerd, or under `wrangler dev` (+ its proxy workerd). */
export type ChainsRuntime = "miniflare" | "wrangler";

export interface ManyChainsResult {
  runtime: ChainsRuntime;
  chains: number;
  relays: number;
  seconds: number;
  /** Largest local-safe − head seen, any chain, any sample; goal ≤ 1. */
  maxLag: number;
  goal: number;
  /** Samples (chain × second) with lag > 1, of all. */
  samplesOverGoal: number;
  samples: number;
  /** How fast the head numbers moved, all chains, per second (a head may jump over blocks it never checked). */
  headsPerSecond: number;
  /** Blocks the Worker made the head one by one ("advanced"), all chains, per second (target: chains × 1). */
  madeHeadPerSecond: number;
  /** The relays' verdicts in the window, by "source:reason" (e.g. a relay's own deadline IGNORE). */
  verdicts: Record<string, number>;
  targetPerSecond: number;
  /** workerd CPU per block made the head (ms), all workerd processes of the runtime; null without /proc. */
  workerCpuMsPerBlock: number | null;
  /**
   * Of that, the workerd that runs the Worker and its Durable Objects (one thread: what a deployment
   * pays) and the one that runs wrangler's proxy Workers in front of it (a dev-only hop; 0 under
   * miniflare, which has none).
   */
  cpuSplitMsPerBlock: { workerAndObjects: number; wranglerProxy: number } | null;
  published: number;
  /** Head reads that failed or took over 10 s (their chain counts as head 0 in that sample). */
  failedReads: number;
  /** Whether every chain was within 1 block before the window began (false: the window ran saturated). */
  caughtUp: boolean;
}

export interface ManyChainsOptions {
  chains?: number;
  seconds?: number;
  log?: (s: string) => void;
  /** Writes a V8 CPU profile of the Worker's isolate over the window there (bench/cpu-profile.ts). */
  profilePath?: string;
  /** Default "miniflare" (closer to a deployment); `--profile` needs "wrangler" (its inspector proxy). */
  runtime?: ChainsRuntime;
}

export async function runManyChainsBench(opts: ManyChainsOptions = {}): Promise<ManyChainsResult> {
  const log = opts.log ?? (() => {});
  const count = opts.chains ?? 25;
  const seconds = opts.seconds ?? 300;
  const runtime = opts.runtime ?? "miniflare";
  if (opts.profilePath && runtime !== "wrangler") throw new Error("--profile needs --runtime wrangler (the profiler attaches through wrangler's inspector proxy)");
  const closers: Array<() => Promise<void>> = [];
  try {
    const servers: ChainServer[] = [];
    const genesisTime = BigInt(Math.floor(Date.now() / 1000) - 20);
    for (let i = 0; i < count; i++) {
      const s = await startChainServer({
        realtime: { intervalMs: 250 },
        chain: { seed: `many-chains ${i}`, l2ChainId: FIRST_CHAIN_ID + BigInt(i), l2BlockTime: 1, genesisTime, lags: { crossSafe: 0 } },
      });
      servers.push(s);
      closers.push(() => s.close());
    }
    const secrets = relaySecrets(2, "bench-chains-relay");
    const inspectorPort = opts.profilePath ? await freePort() : undefined;
    const base = { chains: servers.map(devnetWorkerChain), relaySecrets: Object.fromEntries(secrets.map((s) => [s.relayId, s.secret])), rpcTimeoutMs: 10_000 };
    const worker = runtime === "wrangler" ? wranglerCpu(await startWorkerDev({ ...base, startTimeoutMs: 120_000, ...(inspectorPort ? { inspectorPort } : {}) })) : miniflareCpu(await startMiniflareWorker(base));
    closers.push(() => worker.stop());
    const ids = servers.map((s) => s.chain.options.l2ChainId);
    let failedReads = 0;
    const group = await startRelayGroup({ secrets, workerUrl: worker.url, chainIds: ids, topicKinds: ["cross-safe"] });
    closers.push(() => group.stop());
    // Every relay's verdicts, drained often (the children's records stay bounded); counted in the window.
    let counting = false;
    const reasons: Record<string, number> = {};
    const draining = setInterval(
      () =>
        void group.drainAll().then((rs) => {
          if (counting) for (const r of rs) reasons[`${r.source}:${r.reason}`] = (reasons[`${r.source}:${r.reason}`] ?? 0) + 1;
        }, () => undefined),
      1_000,
    );
    closers.push(async () => clearInterval(draining));
    const pub = await startMultiPublisher(servers, group.addrs());
    closers.push(() => pub.stop());
    log(`chains: ${runtime} with ${count} chains ready in ${worker.startMs} ms; 2 relays; waiting for every chain's first head`);

    /** The head's number; null when there is none or the read failed (slow Worker: counted as no head). */
    const headOf = async (id: bigint): Promise<number | null> => {
      try {
        const r = await fetch(`${worker.url}/v1/chains/${id}/cross-safe`, { signal: AbortSignal.timeout(10_000) });
        if (r.status !== 200) {
          await r.arrayBuffer();
          return null;
        }
        return ((await r.json()) as { number: number }).number;
      } catch {
        failedReads++;
        return null;
      }
    };
    const heads = async (): Promise<Array<number | null>> => Promise.all(ids.map(headOf));
    await until("a head on every chain", 180_000, async () => (await heads()).every((h) => h !== null), 1_000);
    log(`chains: every chain has a head`);

    // Caught up first (start-up leaves a backlog: the chains tick from before the Worker was up), so
    // the window measures the steady state; if the backlog never drains, the window measures the rate
    // the deployment keeps up under saturation, which is then what `headsPerSecond` reports.
    const lagNow = async (): Promise<number> => Math.max(...(await heads()).map((h, i) => Number(servers[i]!.chain.heads().localSafe) - (h ?? 0)));
    const caughtUp = await until("every chain caught up", 90_000, async () => (await lagNow()) <= 1, 1_000).then(() => true, () => false);
    log(`chains: ${caughtUp ? "caught up" : "still behind after 90 s (saturated)"}; measuring ${seconds} s`);
    const start = await heads();
    const profiler: Profiler | undefined = inspectorPort ? await startProfiler(inspectorPort) : undefined;
    const cpu0 = worker.cpu();
    counting = true;
    const t0 = performance.now();
    let maxLag = 0;
    let over = 0;
    let samples = 0;
    let last = start;
    for (let k = 1; performance.now() - t0 < seconds * 1000; k++) {
      await sleep(Math.max(0, t0 + k * 1000 - performance.now()));
      last = await heads();
      last.forEach((h, i) => {
        const lag = Number(servers[i]!.chain.heads().localSafe) - (h ?? 0);
        samples++;
        if (lag > 1) over++;
        maxLag = Math.max(maxLag, lag);
      });
      if (k % 15 === 0) log(`chains: ${k} s, max lag so far ${maxLag}, failed reads ${failedReads}`);
    }
    const ran = (performance.now() - t0) / 1000;
    counting = false;
    const madeHead = reasons["worker:advanced"] ?? 0;
    const cpu1 = worker.cpu();
    if (profiler && opts.profilePath) {
      const profile = await profiler.stop();
      writeFileSync(opts.profilePath, JSON.stringify(profile));
      // stderr: --json keeps stdout to the one result line
      console.error(`chains: CPU profile of the Worker's isolate over the window in ${opts.profilePath}`);
      printProfileSummary(summariseProfile(profile, 25), { count: reasons["worker:advanced"] ?? 0, unit: "block" }, (l) => console.error(l));
    }
    const advanced = last.reduce<number>((a, h, i) => a + ((h ?? 0) - (start[i] ?? 0)), 0);
    return {
      runtime,
      chains: count,
      relays: 2,
      seconds: ran,
      maxLag,
      goal: CHAINS_LAG_GOAL,
      samplesOverGoal: over,
      samples,
      headsPerSecond: advanced / ran,
      madeHeadPerSecond: madeHead / ran,
      verdicts: reasons,
      targetPerSecond: count,
      ...cpuPerBlock(cpu0, cpu1, madeHead, worker.runtimePid),
      published: pub.published,
      failedReads,
      caughtUp,
    };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}

type ProcCpu = Array<{ pid: number; ms: number }> | null;

/** The running Worker as the bench sees it: its URL, its workerd processes' CPU, and the one that runs the Worker. */
interface BenchWorker {
  url: string;
  startMs: number;
  cpu(): ProcCpu;
  /** The workerd running the Worker and its objects (the rest is wrangler's proxy); undefined if not found. */
  runtimePid: number | undefined;
  stop(): Promise<void>;
}

function wranglerCpu(w: { url: string; pid: number; startMs: number; stop(): Promise<void> }): BenchWorker {
  let pid: number | undefined;
  try {
    pid = runtimePid(w.pid);
  } catch {
    pid = undefined; // no split, the total stands
  }
  return { url: w.url, startMs: w.startMs, cpu: () => groupProcessCpuMs(w.pid, "workerd"), runtimePid: pid, stop: () => w.stop() };
}

function miniflareCpu(w: { url: string; runtimePid: number; startMs: number; stop(): Promise<void> }): BenchWorker {
  const cpu = (): ProcCpu => {
    const ms = processCpuMs(w.runtimePid);
    return ms === null ? null : [{ pid: w.runtimePid, ms }];
  };
  return { url: w.url, startMs: w.startMs, cpu, runtimePid: w.runtimePid, stop: () => w.stop() };
}

/** workerd's CPU over the window per block made the head: in all, and split by process. */
function cpuPerBlock(before: ProcCpu, after: ProcCpu, blocks: number, runtime: number | undefined): Pick<ManyChainsResult, "workerCpuMsPerBlock" | "cpuSplitMsPerBlock"> {
  if (!before || !after || blocks === 0) return { workerCpuMsPerBlock: null, cpuSplitMsPerBlock: null };
  let own = 0;
  let proxy = 0;
  for (const p of after) {
    const used = p.ms - (before.find((b) => b.pid === p.pid)?.ms ?? 0);
    if (p.pid === runtime) own += used;
    else proxy += used;
  }
  return { workerCpuMsPerBlock: (own + proxy) / blocks, cpuSplitMsPerBlock: runtime === undefined ? null : { workerAndObjects: own / blocks, wranglerProxy: proxy / blocks } };
}

export function printManyChains(r: ManyChainsResult): void {
  console.log(`\nmany chains: ${r.chains} chains × 1 block/s in one Worker (one Durable Object each; ${r.runtime}), ${r.relays} relays, ${r.seconds.toFixed(0)} s`);
  if (!r.caughtUp) console.log("  (the start-up backlog never drained: the deployment ran saturated, so the rate below is what it sustained)");
  console.log(`  blocks made the head ${r.madeHeadPerSecond.toFixed(2)}/s of ${r.targetPerSecond} offered (head numbers moved ${r.headsPerSecond.toFixed(2)}/s); verdicts ${JSON.stringify(r.verdicts)}`);
  const split = r.cpuSplitMsPerBlock ? ` (the Worker and its objects' workerd ${r.cpuSplitMsPerBlock.workerAndObjects.toFixed(2)} ms, wrangler's proxy ${r.cpuSplitMsPerBlock.wranglerProxy.toFixed(2)} ms)` : "";
  console.log(`  Worker + Durable Object CPU ${r.workerCpuMsPerBlock === null ? "n/a" : `${r.workerCpuMsPerBlock.toFixed(2)} ms`} per block${split}`);
  console.log(`  max lag behind local-safe (sampled each second per chain): ${r.maxLag} block(s) (goal ≤ ${r.goal}: ${r.maxLag <= r.goal ? "met" : "MISSED"}); ${r.samplesOverGoal} of ${r.samples} samples over`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const quick = process.argv.includes("--quick");
  const at = process.argv.indexOf("--profile");
  const profilePath = at > 0 ? process.argv[at + 1] : undefined;
  const c = process.argv.indexOf("--chains");
  const chains = c > 0 ? Number(process.argv[c + 1]) : undefined;
  const rt = process.argv.indexOf("--runtime");
  const runtime = rt > 0 ? process.argv[rt + 1] : undefined;
  if (runtime !== undefined && runtime !== "miniflare" && runtime !== "wrangler") throw new Error(`--runtime: miniflare or wrangler, not ${runtime}`);
  const r = await runManyChainsBench({ ...(runtime ? { runtime } : {}), seconds: quick ? 60 : 300, ...(chains ? { chains } : {}), log: asJson ? undefined : (s) => console.log(s), ...(profilePath ? { profilePath } : {}) });
  if (asJson) console.log(JSON.stringify(r));
  else printManyChains(r);
}
