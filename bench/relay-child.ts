// A real relay (src/relay) in its own process for the benches that need several relays or the relay's
// own memory (redundancy.ts, wan.ts, attack.ts, many-chains.ts). Started by a `start` request carrying
// its configuration (never on the command line: it holds the relay's secret); it records every
// cross-safe verdict (receipt time, receipt → verdict latency, the Worker's reason) and the envelope
// bytes the Worker says it sent to the Durable Object (Server-Timing `do-envelope;desc=<bytes>`,
// src/worker/routes/ingest.ts). `drain` returns the records since the last drain, `timings` the
// Server-Timing phases of the answers that ran the RPC checks; `stats` the
// process's RSS and the relay's bans. The chaos run's child machinery (src/chaos/child.ts) runs it.
import { createLogger } from "../src/relay/log.ts";
import { startRelay, type Relay, type RelayConfig } from "../src/relay/relay.ts";
import { parseServerTiming } from "../src/relay/server-timing.ts";
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { Session } from "node:inspector/promises";
import { serveParent } from "../src/chaos/child.ts";
import type { RelayProcConfig } from "../src/chaos/relay-proc.ts";

export interface VerdictRecord {
  topic: string;
  number: string | null;
  hash: string | null;
  verdict: string;
  reason: string;
  source: string;
  receivedMs: number;
  latencyMs: number;
  /** receipt → the first ingest request (time in the relay's forward queue) */
  queuedMs?: number;
}

export interface RelayChildStats {
  peerId: string;
  addrs: string[];
  peers: string[];
  /** Peers banned (op-node's ban list, fed by the gossipsub score and the Worker's graylist). */
  banned: number;
  /** Bans so far by reason ("score" = gossipsub score, "worker-graylist" = the Worker's peer list, …). */
  bansByReason: Record<string, number>;
  rssBytes: number;
  /** process.memoryUsage(): the JS heap in use, and the memory outside it (external, of which ArrayBuffers). */
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Ingest POSTs answered, by HTTP status. */
  posts: Record<string, number>;
  /** Envelope bytes the Worker reported sending to the Durable Object, summed over all answers. */
  doEnvelopeBytes: number;
  /** Answers whose request validated the message itself (Server-Timing `validated;desc=1`; 0 = a copy's result reused). */
  validations: number;
}

let relay: Relay | undefined;
/** The relay process's event-loop delay since the last `loopDelay` request (attack.ts: where the time goes). */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** GC pauses since the last `loopDelay` request (count, total and longest, ms): are the stalls GC? */
const noGc = () => ({ count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 });
let gc = noGc();
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    // NODE_PERFORMANCE_GC_MAJOR = 4 (mark-sweep-compact; 1 = a scavenge of the young generation)
    if (((e as unknown as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.majorCount++;
      gc.majorMaxMs = Math.max(gc.majorMaxMs, e.duration);
    }
  }
}).observe({ entryTypes: ["gc"] });
/** A V8 CPU profile of this process between `profileStart` and `profileStop` (attack.ts --relay-profile). */
let profiler: Session | undefined;
let records: VerdictRecord[] = [];
const posts: Record<string, number> = {};
let doEnvelopeBytes = 0;
let validations = 0;
/** Each cross-safe ingest answer's Server-Timing phases (ms), since the last `timings` request. */
let timings: Array<Record<string, number>> = [];
const bansByReason: Record<string, number> = {};

/** `do-envelope;desc=123` (bytes; the relay's own parser skips entries without dur), `validated;desc=1`. */
function described(name: string, header: string | null): number {
  const m = new RegExp(`(?:^|,)\\s*${name};desc="?(\\d+)"?`).exec(header ?? "");
  return m ? Number(m[1]) : 0;
}

const countingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (String(input).includes("/v1/ingest")) {
    posts[String(res.status)] = (posts[String(res.status)] ?? 0) + 1;
    const st = res.headers.get("server-timing");
    doEnvelopeBytes += described("do-envelope", st);
    validations += described("validated", st);
    if (st?.includes("check;") && timings.length < 100_000) timings.push(Object.fromEntries(parseServerTiming(st)));
  }
  return res;
};

function stats(r: Relay): RelayChildStats {
  return {
    peerId: r.node.peerId,
    addrs: r.node.multiaddrs(),
    peers: r.node.connectedPeers(),
    banned: r.node.bans.size,
    bansByReason: { ...bansByReason },
    ...memory(),
    posts: { ...posts },
    doEnvelopeBytes,
    validations,
  };
}

async function start(config: RelayProcConfig): Promise<Record<string, unknown>> {
  if (relay) throw new Error("already started");
  const c: RelayConfig = { ...config, chainIds: config.chainIds.map((x) => BigInt(x)) };
  const sink = (l: string): void => {
    // bans by reason, from the relay's own "peer banned" line (node.ts ban())
    if (l.includes('"peer banned"')) {
      const reason = String((JSON.parse(l) as { reason?: string }).reason ?? "?");
      bansByReason[reason] = (bansByReason[reason] ?? 0) + 1;
    }
    process.stdout.write(l + "\n");
  };
  const log = createLogger({ level: c.logLevel, format: "json", sink, fields: { component: "relay", relayId: c.relayId } });
  relay = await startRelay(c, {
    log,
    scoreInspectMs: 250,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    redialMs: 1_000,
    fetch: countingFetch,
    onVerdict: (e) => {
      if (!e.job.topic.endsWith("/cross-safe-blocks")) return;
      records.push({
        topic: e.job.topic,
        number: e.response?.number !== undefined ? String(e.response.number) : null,
        hash: e.response?.blockHash ?? null,
        verdict: e.verdict,
        reason: e.reason,
        source: e.source,
        receivedMs: e.job.receivedMs,
        latencyMs: e.latencyMs,
        ...(e.queuedMs !== undefined ? { queuedMs: e.queuedMs } : {}),
      });
    },
  });
  return stats(relay) as unknown as Record<string, unknown>;
}

let stopping = false;
async function stopAndExit(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const t = setTimeout(() => process.exit(0), 5_000);
  await relay?.stop().catch(() => undefined);
  clearTimeout(t);
  process.exit(0);
}

serveParent(async (m) => {
  if (m["type"] === "start") return start(m["config"] as RelayProcConfig);
  if (!relay) throw new Error("not started");
  if (m["type"] === "stats") return stats(relay) as unknown as Record<string, unknown>;
  if (m["type"] === "drain") {
    const out = records;
    records = [];
    return { records: out };
  }
  if (m["type"] === "loopDelay") {
    const out = { p50Ms: loopDelay.percentile(50) / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6, gc, heapUsedMiB: process.memoryUsage().heapUsed / 2 ** 20 };
    loopDelay.reset();
    gc = noGc();
    return out;
  }
  if (m["type"] === "profileStart") {
    profiler = new Session();
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 500 });
    await profiler.post("Profiler.start");
    return {};
  }
  if (m["type"] === "profileStop") {
    if (!profiler) throw new Error("no profile started");
    const { profile } = await profiler.post("Profiler.stop");
    profiler.disconnect();
    profiler = undefined;
    return { profile: profile as unknown as Record<string, unknown> };
  }
  if (m["type"] === "timings") {
    const out = timings;
    timings = [];
    return { timings: out };
  }
  throw new Error(`unknown request ${String(m["type"])}`);
}, () => void stopAndExit());
process.on("SIGTERM", () => void stopAndExit());
process.on("SIGINT", () => void stopAndExit());

function memory(): Pick<RelayChildStats, "rssBytes" | "heapUsedBytes" | "externalBytes" | "arrayBuffersBytes"> {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers };
}
