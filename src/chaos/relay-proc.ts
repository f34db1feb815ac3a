// A relay in its own process for the chaos run (child.ts): started by a `start` request carrying its
// configuration (never on the command line: it holds the relay's secret) and a clock offset, then
// answers `stats`. SIGTERM stops it cleanly; SIGKILL is the crash the run also injects.
import { createLogger } from "../relay/log.ts";
import { startRelay, type Relay, type RelayConfig } from "../relay/relay.ts";
import { serveParent } from "./child.ts";

/** RelayConfig as JSON (chain ids as strings). */
export type RelayProcConfig = Omit<RelayConfig, "chainIds"> & { chainIds: string[] };

export interface RelayProcStart {
  type: "start";
  config: RelayProcConfig;
  /** Added to the relay's clock (ms): a host clock that is off. */
  clockOffsetMs: number;
}

export interface RelayStats {
  peerId: string;
  addrs: string[];
  peers: string[];
  banned: number;
  /** Ingest requests by HTTP status ("401", "200", "network", …). */
  workerRequests: Record<string, number>;
  /** Verdicts reported to gossipsub, by "verdict/source". */
  verdicts: Record<string, number>;
  queueDepth: number;
  inFlight: number;
}

let relay: Relay | undefined;
const verdicts: Record<string, number> = {};
const workerRequests: Record<string, number> = {};

function stats(r: Relay): RelayStats {
  return {
    peerId: r.node.peerId,
    addrs: r.node.multiaddrs(),
    peers: r.node.connectedPeers(),
    banned: r.node.bans.size,
    workerRequests: { ...workerRequests },
    verdicts: { ...verdicts },
    queueDepth: r.forwarder.queueDepth,
    inFlight: r.forwarder.inFlightCount,
  };
}

async function start(m: RelayProcStart): Promise<Record<string, unknown>> {
  if (relay) throw new Error("already started");
  const config: RelayConfig = { ...m.config, chainIds: m.config.chainIds.map((c) => BigInt(c)) };
  const log = createLogger({ level: config.logLevel, sink: (l) => process.stdout.write(l + "\n"), fields: { component: "relay", relayId: config.relayId } });
  const offset = m.clockOffsetMs;
  const fetchCounting: typeof fetch = async (input, init) => {
    try {
      const res = await fetch(input, init);
      if (String(input).includes("/v1/ingest")) workerRequests[String(res.status)] = (workerRequests[String(res.status)] ?? 0) + 1;
      return res;
    } catch (e) {
      if (String(input).includes("/v1/ingest")) workerRequests["failed"] = (workerRequests["failed"] ?? 0) + 1;
      throw e;
    }
  };
  relay = await startRelay(config, {
    log,
    scoreInspectMs: 250,
    backoffBaseMs: 100,
    backoffMaxMs: 1_000,
    redialMs: 1_000,
    fetch: fetchCounting,
    ...(offset ? { now: () => Date.now() + offset } : {}),
    onVerdict: (e) => {
      const k = `${e.verdict}/${e.source}`;
      verdicts[k] = (verdicts[k] ?? 0) + 1;
    },
  });
  return stats(relay) as unknown as Record<string, unknown>;
}

let stopping = false;
async function stopAndExit(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const t = setTimeout(() => process.exit(code), 5_000);
  await relay?.stop().catch(() => undefined);
  clearTimeout(t);
  process.exit(code);
}

serveParent(
  async (m) => {
    if (m["type"] === "start") return start(m as unknown as RelayProcStart);
    if (m["type"] === "stats") {
      if (!relay) throw new Error("not started");
      return stats(relay) as unknown as Record<string, unknown>;
    }
    throw new Error(`unknown request ${String(m["type"])}`);
  },
  () => void stopAndExit(0),
);
process.on("SIGTERM", () => void stopAndExit(0));
process.on("SIGINT", () => void stopAndExit(0));
