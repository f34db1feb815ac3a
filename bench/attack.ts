// `npm run bench:attack` (also part of `npm run bench`, skip with `--no-attack`): a relay under a
// flood. One relay (its own process, relay-child.ts) forwards the publisher's valid blocks to the
// Worker (wrangler dev), first idle, then while four libp2p peers (flooder-child.ts, one process) flood
// it with 5,000 invalid messages per second in total on the cross-safe topic. Per valid block: the
// relay's receipt → the Worker's verdict at the relay (p50, p99), attack ÷ idle; goal ≤ 2×. Also the
// relay's RSS each second (max, and the slope under attack), the flood rate reached, and the bans the
// relay handed out (gossipsub score, the Worker's graylist). The flooders compete for the same 2
// cores as the relay, the Worker and this process: a busier machine, not only a busier relay.
import "../src/node/keccak.ts";
import { fileURLToPath } from "node:url";
import { spawnChild } from "../src/chaos/child.ts";
import { guard } from "../src/devnet/reaper-client.ts";
import { signedGossipMessage } from "../src/devnet/gossip.ts";
import { startChainServer } from "../src/devnet/rpc-server.ts";
import { devnetWorkerChain } from "../src/devnet/worker-chain.ts";
import { startWorkerDev } from "../src/devnet/worker-dev.ts";
import { toHex } from "../src/protocol/hex.ts";
import { benchDir, benchPublisher, goalText, pcts, sleep, type Pcts } from "./bench-env.ts";
import { deliverBlocks, type BlockTiming } from "./deliver.ts";
import { relaySecrets, startRelayGroup, type LoopDelay } from "./relay-group.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { printProfileSummary, summariseProfile, type CpuProfile } from "./cpu-profile.ts";

export const ATTACK_GOAL = 2;
/** How long the flood goes on after the attack phase in a full run, for the relay's memory (`--soak <s>`). */
export const ATTACK_SOAK_SECONDS = 180;
const FLOODERS = 4;
const RATE = 5_000;
const FLOODER = fileURLToPath(new URL("./flooder-child.ts", import.meta.url));

export interface FloodStats {
  sent: number;
  sendErrors: number;
  identities: number;
  cutOffs: number;
  decodableSent: number;
}

export interface AttackResult {
  goal: number;
  blocksPerPhase: number;
  idle: Pcts;
  attack: Pcts;
  p50Ratio: number;
  p99Ratio: number;
  /** Where the time goes. Of the valid blocks' latency: receipt → the first ingest request (the relay's forward queue) */
  queued: { idle: Pcts; attack: Pcts };
  /** the Worker's own I/O phases per valid block (Server-Timing claim + check + settle) */
  workerPhases: { idle: Pcts; attack: Pcts };
  /** the relay process's event-loop delay (ms) during each phase */
  /** the relay process's event-loop delay (ms) and GC pauses during each phase */
  relayLoopDelay: { idle: LoopDelay; attack: LoopDelay };
  flood: FloodStats & { targetPerSecond: number; achievedPerSecond: number; seconds: number };
  relay: { rssMaxMiB: number; rssSlopeMiBPerMin: number; banned: number; bansByReason: Record<string, number>; posts: Record<string, number> };
  /** The flood kept up after the measured blocks (no blocks): whether the relay's memory levels off. */
  soak: SoakResult | null;
  missing: number;
}

/** The relay's memory over the whole flood (attack phase + soak), in three equal spans of time. */
export interface SoakResult {
  seconds: number;
  /** The largest RSS sample of each third of the flood (MiB): bounded if the last is not above the middle one by much. */
  rssMaxMiBByThird: number[];
  /** Least-squares RSS slope over the flood's last half (MiB/min). */
  rssSlopeLastHalfMiBPerMin: number;
  /** At the end of the flood (MiB): the JS heap in use, memory outside it (external), of which ArrayBuffers. */
  end: { rssMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number };
  floodPerSecond: number;
}

const latencies = (t: BlockTiming[]): number[] => t.flatMap((b) => b.copies.filter((c) => c.reason === "advanced").map((c) => c.latencyMs));
const queueWaits = (t: BlockTiming[]): number[] => t.flatMap((b) => b.copies.filter((c) => c.reason === "advanced" && c.queuedMs !== undefined).map((c) => c.queuedMs!));

/** Least-squares slope of (ms, bytes) samples, in MiB per minute. */
function slopeMiBPerMin(s: Array<[number, number]>): number {
  if (s.length < 2) return 0;
  const mx = s.reduce((a, [x]) => a + x, 0) / s.length;
  const my = s.reduce((a, [, y]) => a + y, 0) / s.length;
  const num = s.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = s.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? ((num / den) * 60_000) / 2 ** 20 : 0;
}

/** `relayProfile`: write a V8 CPU profile of the relay process over the attack phase to this file. */
/** `soakSeconds`: keep the flood up that long after the attack phase's blocks, to see the relay's memory level off (default 0). */
export async function runAttackBench(opts: { blocks?: number; log?: (s: string) => void; relayProfile?: string; soakSeconds?: number } = {}): Promise<AttackResult> {
  const log = opts.log ?? (() => {});
  const n = opts.blocks ?? 150;
  const soakSeconds = opts.soakSeconds ?? 0;
  const dir = await benchDir("bench-attack");
  const closers: Array<() => Promise<void>> = [];
  try {
    const server = await startChainServer({ chain: { lags: { localSafe: 0, crossSafe: 0, finalized: 10 } } });
    closers.push(() => server.close());
    server.advance(60);
    const secrets = relaySecrets(1, "bench-attack-relay");
    const worker = await startWorkerDev({ chains: [devnetWorkerChain(server)], relaySecrets: { [secrets[0]!.relayId]: secrets[0]!.secret }, rpcTimeoutMs: 10_000 });
    closers.push(() => worker.stop());
    // The publisher listens on 127.0.0.2 and the relay dials it: the relay then sees it at another IP
    // than the flooders (all 127.0.0.1). On one IP, gossipsub's IP-colocation penalty (P6, op-node's
    // threshold 10 peers) that the Sybil identities run up would land on the publisher too, and the
    // relay would ban it — a loopback artefact here (README), a real risk for peers sharing a NAT.
    const publisher = await benchPublisher(server, [], `${dir.path}/publisher.json`, undefined, "127.0.0.2");
    closers.push(() => publisher.stop());
    const publisherAddr = publisher.node.multiaddrs().find((a) => a.startsWith("/ip4/127.0.0.2/tcp/"))!;
    const group = await startRelayGroup({ secrets, workerUrl: worker.url, chainIds: [server.chain.options.l2ChainId], topicKinds: ["cross-safe"], config: { peers: [publisherAddr.includes("/p2p/") ? publisherAddr : `${publisherAddr}/p2p/${publisher.node.peerId}`] } });
    closers.push(() => group.stop());
    const relay = group.relays[0]!;
    log(`attack: wrangler dev ready in ${worker.startMs} ms; ${n} valid blocks idle, then ${n} under ${RATE}/s invalid messages from ${FLOODERS} peers`);
    await publisher.node.waitForTopicPeers(publisher.topic, 1, 30_000, "subscribers");
    await deliverBlocks({ server, group, sizes: [0, 0, 0, 0, 0], timeoutMs: 60_000 }); // warm-up

    const rss: Array<[number, number]> = [];
    let lastStats: Awaited<ReturnType<typeof relay.stats>> | null = null;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const st = await relay.stats().catch(() => null);
        if (st) {
          rss.push([performance.now(), st.rssBytes]);
          lastStats = st;
        }
        await sleep(1_000);
      }
    })();
    closers.push(async () => {
      sampling = false;
      await sampler;
    });
    const pace = () => sleep(50); // ≈ 10 blocks/s with the Worker's answer
    const phaseSums = (ts: Array<Record<string, number>>): number[] => ts.map((t) => (t["claim"] ?? 0) + (t["check"] ?? 0) + (t["settle"] ?? 0));
    await relay.timings();
    await relay.loopDelay();
    const idle = await deliverBlocks({ server, group, sizes: new Array<number>(n).fill(0), before: pace, timeoutMs: 60_000 });

    const idleWorker = pcts(phaseSums(await relay.timings()));
    const idleLoop = await relay.loopDelay();
    const flooder = spawnChild("flooders", FLOODER, () => undefined);
    const release = guard({ group: flooder.pid });
    closers.push(async () => {
      await flooder.stop(3_000);
      release();
    });
    const template = toHex(signedGossipMessage(server.chain, server.chain.view("sequencer").crossSafe()).message);
    await flooder.request({ type: "start", relayAddr: relay.addr, topic: publisher.topic, peers: FLOODERS, rate: RATE, template }, 30_000);
    const tFlood = performance.now();
    const rssFrom = rss.length;
    await sleep(2_000); // the flood under way
    if (opts.relayProfile) await relay.profileStart();
    const attack = await deliverBlocks({ server, group, sizes: new Array<number>(n).fill(0), before: pace, timeoutMs: 60_000 });
    const attackWorker = pcts(phaseSums(await relay.timings()));
    const attackLoop = await relay.loopDelay();
    if (opts.relayProfile) writeFileSync(opts.relayProfile, JSON.stringify(await relay.profileStop()));
    if (soakSeconds > 0) {
      log(`attack: blocks done; the flood goes on ${soakSeconds} s more (soak: the relay's memory)`);
      await sleep(soakSeconds * 1000);
    }
    const flood = await flooder.request<FloodStats>({ type: "stop" }, 30_000);
    const seconds = (performance.now() - tFlood) / 1000;
    const st = await relay.stats();
    sampling = false;
    await sampler;
    const idleP = pcts(latencies(idle));
    const attackP = pcts(latencies(attack));
    return {
      goal: ATTACK_GOAL,
      blocksPerPhase: n,
      idle: idleP,
      attack: attackP,
      p50Ratio: attackP.p50Ms / idleP.p50Ms,
      p99Ratio: attackP.p99Ms / idleP.p99Ms,
      queued: { idle: pcts(queueWaits(idle)), attack: pcts(queueWaits(attack)) },
      workerPhases: { idle: idleWorker, attack: attackWorker },
      relayLoopDelay: { idle: idleLoop, attack: attackLoop },
      flood: { sent: flood.sent, sendErrors: flood.sendErrors, identities: flood.identities, cutOffs: flood.cutOffs, decodableSent: flood.decodableSent, targetPerSecond: RATE, achievedPerSecond: flood.sent / seconds, seconds },
      relay: {
        rssMaxMiB: Math.max(...rss.map(([, b]) => b)) / 2 ** 20,
        rssSlopeMiBPerMin: slopeMiBPerMin(rss.slice(rssFrom)),
        banned: st.banned,
        bansByReason: st.bansByReason,
        posts: st.posts,
      },
      soak: soakSeconds > 0 ? soakOf(rss.slice(rssFrom), lastStats, seconds, flood.sent / seconds) : null,
      missing: [...idle, ...attack].filter((b) => b.ingestToHeadMs === null).length,
    };
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    dir.remove();
  }
}

function soakOf(samples: Array<[number, number]>, end: { rssBytes: number; heapUsedBytes: number; externalBytes: number; arrayBuffersBytes: number } | null, seconds: number, floodPerSecond: number): SoakResult {
  const MiB = 2 ** 20;
  const t0 = samples[0]?.[0] ?? 0;
  const span = (samples.at(-1)?.[0] ?? t0) - t0;
  const thirds = [0, 1, 2].map((k) => samples.filter(([t]) => t - t0 >= (k * span) / 3 && t - t0 <= ((k + 1) * span) / 3));
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    seconds,
    rssMaxMiBByThird: thirds.map((s) => r1(Math.max(0, ...s.map(([, b]) => b)) / MiB)),
    rssSlopeLastHalfMiBPerMin: r1(slopeMiBPerMin(samples.filter(([t]) => t - t0 >= span / 2))),
    end: end ? { rssMiB: r1(end.rssBytes / MiB), heapUsedMiB: r1(end.heapUsedBytes / MiB), externalMiB: r1(end.externalBytes / MiB), arrayBuffersMiB: r1(end.arrayBuffersBytes / MiB) } : { rssMiB: NaN, heapUsedMiB: NaN, externalMiB: NaN, arrayBuffersMiB: NaN },
    floodPerSecond: Math.round(floodPerSecond),
  };
}

export function printAttack(r: AttackResult): void {
  const f = r.flood;
  console.log(`\nrelay under attack: ${r.blocksPerPhase} valid blocks idle, then ${r.blocksPerPhase} while ${FLOODERS} peers flood invalid messages (target ${f.targetPerSecond}/s)`);
  console.log(`  valid block, relay receipt → Worker verdict: idle p50 ${r.idle.p50Ms.toFixed(1)} / p99 ${r.idle.p99Ms.toFixed(1)} ms; under attack p50 ${r.attack.p50Ms.toFixed(1)} / p99 ${r.attack.p99Ms.toFixed(1)} ms${r.missing ? `; ${r.missing} never reached the head` : ""}`);
  console.log(`  attack ÷ idle: p50 ${goalText(r.p50Ratio, r.goal)}, p99 ${goalText(r.p99Ratio, r.goal)}`);
  const pp = (x: { p50Ms: number; p99Ms: number }): string => `p50 ${x.p50Ms.toFixed(1)} / p99 ${x.p99Ms.toFixed(1)} ms`;
  console.log(`  where the time goes — in the relay's forward queue: idle ${pp(r.queued.idle)}, under attack ${pp(r.queued.attack)}; the Worker's I/O phases: idle ${pp(r.workerPhases.idle)}, under attack ${pp(r.workerPhases.attack)}; the relay's event-loop delay: idle ${pp(r.relayLoopDelay.idle)}, under attack ${pp(r.relayLoopDelay.attack)} (max ${r.relayLoopDelay.attack.maxMs.toFixed(0)} ms; GC pauses ${r.relayLoopDelay.attack.gc.count}, ${r.relayLoopDelay.attack.gc.totalMs.toFixed(0)} ms in all, longest ${r.relayLoopDelay.attack.gc.maxMs.toFixed(1)} ms)`);
  console.log(`  flood: ${f.sent} sent in ${f.seconds.toFixed(1)} s (${Math.round(f.achievedPerSecond)}/s achieved; ${f.decodableSent} decodable with a forged signature), ${f.identities} identities used, ${f.cutOffs} cut off by the relay`);
  const bans = Object.entries(r.relay.bansByReason).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  console.log(`  relay: RSS max ${r.relay.rssMaxMiB.toFixed(1)} MiB, slope under attack ${r.relay.rssSlopeMiBPerMin.toFixed(2)} MiB/min; bans: ${bans}; ingest POSTs ${JSON.stringify(r.relay.posts)}`);
  const s = r.soak;
  if (s) console.log(`  soak: ${s.seconds.toFixed(0)} s of flood in all (${s.floodPerSecond}/s); RSS max by third ${s.rssMaxMiBByThird.join(" → ")} MiB, slope over the last half ${s.rssSlopeLastHalfMiBPerMin} MiB/min; at the end RSS ${s.end.rssMiB} MiB = JS heap ${s.end.heapUsedMiB} + external ${s.end.externalMiB} (ArrayBuffers ${s.end.arrayBuffersMiB}) + the rest`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes("--json");
  const quick = process.argv.includes("--quick");
  const pi = process.argv.indexOf("--relay-profile");
  const relayProfile = pi > 0 ? process.argv[pi + 1] : undefined;
  const si = process.argv.indexOf("--soak");
  const soakSeconds = si > 0 ? Number(process.argv[si + 1]) : quick ? 30 : ATTACK_SOAK_SECONDS;
  const r = await runAttackBench({ blocks: quick ? 40 : 150, soakSeconds, log: asJson ? undefined : (s) => console.log(s), ...(relayProfile ? { relayProfile } : {}) });
  if (asJson) console.log(JSON.stringify(r));
  else printAttack(r);
  if (relayProfile) printProfileSummary(summariseProfile(JSON.parse(readFileSync(relayProfile, "utf8")) as CpuProfile), undefined, (l) => console.error(l));
}
