// Relays for the benches, each a real relay in its own process (relay-child.ts), all peered with each
// other: started one after another, each with the ones before it as static peers (op-node
// --p2p.static), so no port is chosen beforehand. Every relay has its own id and HMAC secret; give
// the Worker `secrets()`. Output lines are kept (the last 200 per relay) for error reports.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { spawnChild, type ChildHandle } from "../src/chaos/child.ts";
import { guard } from "../src/devnet/reaper-client.ts";
import type { RelayProcConfig } from "../src/chaos/relay-proc.ts";
import type { RelayChildStats, VerdictRecord } from "./relay-child.ts";

const ENTRY = fileURLToPath(new URL("./relay-child.ts", import.meta.url));

export interface BenchRelay {
  readonly relayId: string;
  readonly secret: string;
  readonly pid: number;
  /** TCP multiaddr with /p2p/<id>. */
  addr: string;
  drain(): Promise<VerdictRecord[]>;
  stats(): Promise<RelayChildStats>;
  /** Server-Timing phases (ms) of its ingest answers that ran the RPC checks, since the last call. */
  timings(): Promise<Array<Record<string, number>>>;
  /** The relay process's event-loop delay (ms) since the last call. */
  loopDelay(): Promise<LoopDelay>;
  /** Starts a V8 CPU profile of the relay process (bench-only: attack.ts --relay-profile). */
  profileStart(): Promise<void>;
  /** Stops it and returns the profile (a .cpuprofile's JSON). */
  profileStop(): Promise<unknown>;
}

/** Event-loop delay (ms) and GC pauses (count, total and longest ms; of which major) over a period; the JS heap in use at its end. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  gc: { count: number; totalMs: number; maxMs: number; majorCount: number; majorMaxMs: number };
  heapUsedMiB: number;
}

export interface RelayGroup {
  relays: BenchRelay[];
  addrs(): string[];
  /** Every relay's records since the last drain. */
  drainAll(): Promise<VerdictRecord[]>;
  stop(): Promise<void>;
}

/** n relay ids and secrets (≥ 32 chars), for the Worker's RELAY_SECRETS before the relays start. */
export function relaySecrets(n: number, prefix = "bench-relay"): Array<{ relayId: string; secret: string }> {
  return Array.from({ length: n }, (_, i) => ({ relayId: `${prefix}-${i + 1}`, secret: randomBytes(24).toString("hex") }));
}

export interface RelayGroupOptions {
  secrets: Array<{ relayId: string; secret: string }>;
  workerUrl: string;
  chainIds: Array<bigint | string>;
  /** Default both; the many-chains bench follows the cross-safe topics only. */
  topicKinds?: Array<"cross-safe" | "blocks">;
  /** Overrides of the relay configuration (ban threshold, queue sizes, …). */
  config?: Partial<RelayProcConfig>;
}

export async function startRelayGroup(o: RelayGroupOptions): Promise<RelayGroup> {
  const children: ChildHandle[] = [];
  const relays: BenchRelay[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop(5_000)));
  };
  try {
    for (const s of o.secrets) {
      const lines: string[] = [];
      const child = spawnChild(s.relayId, ENTRY, (l) => {
        lines.push(l);
        if (lines.length > 200) lines.shift();
      });
      children.push(child);
      const release = guard({ group: child.pid }); // stopped by the reaper if this process is killed outright
      void child.exited.then(release);
      const config: RelayProcConfig = {
        chainIds: o.chainIds.map(String),
        ...(o.topicKinds ? { topicKinds: o.topicKinds } : {}),
        workerUrl: o.workerUrl,
        relayId: s.relayId,
        secret: s.secret,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: relays.map((r) => r.addr),
        bootstrap: [],
        logLevel: "warn",
        maxConnections: 64,
        maxQueue: 512,
        maxQueueBytes: 256 * 2 ** 20,
        concurrency: 8,
        deadlineMs: 60_000,
        requestTimeoutMs: 30_000,
        peerListIntervalMs: 1_000,
        invalidMessageWeight: -10,
        banThreshold: -100,
        banDurationMs: 10 * 60_000,
        statusIntervalMs: 0,
        ...o.config,
      };
      const st = await child.request<RelayChildStats>({ type: "start", config }, 60_000).catch((e: unknown) => {
        throw new Error(`${s.relayId} did not start: ${String(e)}\n${lines.slice(-20).join("\n")}`);
      });
      const tcp = st.addrs.find((a) => a.includes("/tcp/") && !a.includes("/ws"));
      if (!tcp) throw new Error(`${s.relayId} has no TCP address: ${st.addrs.join(" ")}`);
      relays.push({
        relayId: s.relayId,
        secret: s.secret,
        pid: child.pid,
        addr: tcp.includes("/p2p/") ? tcp : `${tcp}/p2p/${st.peerId}`,
        drain: async () => (await child.request<{ records: VerdictRecord[] }>({ type: "drain" }, 30_000)).records,
        stats: () => child.request<RelayChildStats>({ type: "stats" }, 30_000),
        timings: async () => (await child.request<{ timings: Array<Record<string, number>> }>({ type: "timings" }, 30_000)).timings,
        loopDelay: () => child.request<LoopDelay>({ type: "loopDelay" }, 30_000),
        profileStart: async () => void (await child.request({ type: "profileStart" }, 30_000)),
        profileStop: async () => (await child.request<{ profile: unknown }>({ type: "profileStop" }, 60_000)).profile,
      });
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    relays,
    addrs: () => relays.map((r) => r.addr),
    drainAll: async () => (await Promise.all(relays.map((r) => r.drain()))).flat(),
    stop,
  };
}
