// Everything the chaos run drives, started and stopped together: the chain server (own process), the
// Worker under wrangler dev (restartable, storage kept), three relays (own processes) and the publisher
// (in this process, signing as the devnet's sequencer and gossiping to all three relays).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { controlClient, type ControlClient } from "../devnet/control-client.ts";
import type { ChainServerUrls } from "../devnet/endpoints.ts";
import type { WorkerChainEntry } from "../devnet/worker-dev.ts";
import { boundedStop } from "../process/bounded-stop.ts";
import { fromHex } from "../protocol/hex.ts";
import { crossSafeTopic } from "../protocol/topic.ts";
import type { PublisherEvent } from "../publisher/engine.ts";
import { startPublisher, type Publisher } from "../publisher/publisher.ts";
import { createLogger } from "../relay/log.ts";
import { spawnChild, type ChildHandle } from "./child.ts";
import type { StatusObs } from "./checker.ts";
import type { ProcRef } from "./memory.ts";
import { RELAY_COUNT } from "./plan.ts";
import { freePort, RelayFleet } from "./relays.ts";
import { WorkerHost } from "./worker-host.ts";

const CHAIN_ENTRY = fileURLToPath(new URL("./chain-proc.ts", import.meta.url));
/** The Worker's per-call RPC timeout: a hanging node costs an ingest at most this. */
export const RPC_TIMEOUT_MS = 2_000;
const CONTROL_TIMEOUT_MS = 10_000;
const STOP_BOUND_MS = 30_000;

export interface ChaosSystem {
  chain: ChildHandle;
  urls: ChainServerUrls;
  chainId: string;
  topic: string;
  control: ControlClient;
  worker: WorkerHost;
  relays: RelayFleet;
  publisher: Publisher;
  /** The Worker's status (throws when it cannot be read). */
  status(timeoutMs?: number): Promise<StatusObs>;
  /** POST to an admin route: the response status and JSON body. */
  admin(path: string): Promise<{ status: number; body: Record<string, unknown> | null }>;
  /** The follower's block hash at a height (through the control API, so RPC faults do not apply). */
  followerHash(n: number | bigint): Promise<string | null>;
  procRefs(): ProcRef[];
  stop(): Promise<void>;
}

export interface SystemOptions {
  seed: string;
  /** The run's: aborting it abandons a start in progress and lets no process start again. */
  signal?: AbortSignal;
  /** Private working directory (keys, ban files, Durable Object storage, publisher state). */
  root: string;
  onLine: (line: string) => void;
  onPublisherEvent: (e: PublisherEvent) => void;
}

export async function startSystem(o: SystemOptions): Promise<ChaosSystem> {
  const stops: Array<[string, () => Promise<void>]> = [];
  const stopAll = async (): Promise<void> => {
    for (const [what, stop] of stops.reverse()) {
      // Each part's stop ends in SIGKILL within seconds; the bound is for an in-process stop (the
      // publisher's libp2p) that never settles, so the rest are still stopped and the run reports.
      const r = await boundedStop(stop, STOP_BOUND_MS);
      const said = r.kind === "stopped" ? `stopped in ${r.ms} ms` : r.kind === "failed" ? `error while stopping: ${String(r.error)}` : `not stopped after ${r.boundMs} ms, left`;
      o.onLine(`chaos: ${what}: ${said}`);
    }
    stops.length = 0;
  };
  try {
    const chain = spawnChild("chain", CHAIN_ENTRY, (l) => o.onLine(`chain: ${l}`));
    stops.push(["chain server", () => chain.stop(3_000)]);
    const c = await chain.request<{ urls: ChainServerUrls; chainId: string; sequencerKey: string; workerChain: WorkerChainEntry }>(
      { type: "start", seed: `chaos ${o.seed}`, l2BlockTime: 1, l1BlockTime: 4, historyS: 30 },
      60_000,
    );
    // Every control call is bounded: a stalled chain server must fail a step, not hang the run.
    const control = controlClient(c.urls.control, (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) }));
    const topic = crossSafeTopic(BigInt(c.chainId));

    const secrets = Array.from({ length: RELAY_COUNT }, (_, i) => ({ relayId: `chaos-relay-${i + 1}`, secret: randomBytes(24).toString("hex") }));
    const adminToken = randomBytes(24).toString("hex");
    const worker = new WorkerHost({
      chain: c.workerChain,
      relaySecrets: Object.fromEntries(secrets.map((s) => [s.relayId, s.secret])),
      adminToken,
      persistTo: join(o.root, "worker-state"),
      rpcTimeoutMs: RPC_TIMEOUT_MS,
      port: await freePort(),
      onLine: o.onLine,
    });
    const relays = new RelayFleet({ root: o.root, workerUrl: worker.url, chainId: c.chainId, secrets, onLine: o.onLine });
    await relays.prepare();
    // wrangler dev, the relays and the publisher start together: each retries the others until they are up
    stops.push(["Worker", () => worker.shutdown()]);
    if (o.signal?.aborted) throw new Error("interrupted during start-up");
    o.signal?.addEventListener("abort", () => void worker.shutdown(), { once: true });
    stops.push(["relays", () => relays.stopAll()]);
    const publisherStarted = startPublisher(
      {
        chainId: BigInt(c.chainId),
        l2Rpc: c.urls.sequencerL2,
        rollupRpc: c.urls.sequencerRollup,
        signerKey: fromHex(c.sequencerKey),
        stateFile: join(o.root, "publisher-state.json"),
        pollIntervalMs: 250,
        rpcTimeoutMs: 2_000,
        publishTimeoutMs: 5_000,
        listen: ["/ip4/127.0.0.1/tcp/0"],
        peers: relays.addrs(),
        bootstrap: [],
        logLevel: "info",
        maxConnections: 16,
      },
      { log: createLogger({ level: "info", sink: (l) => o.onLine(`publisher: ${l}`) }), redialMs: 1_000, onEvent: o.onPublisherEvent },
    );
    stops.push(["publisher", async () => (await publisherStarted.catch(() => undefined))?.stop()]);
    // all settled before a failure is thrown, so the cleanup knows everything that did start
    const started = await Promise.allSettled([worker.start(), relays.startAll(), publisherStarted]);
    for (const r of started) if (r.status === "rejected") throw r.reason;
    const publisher = await publisherStarted;

    const workerGet = async (path: string, timeoutMs: number): Promise<Response> => fetch(`${worker.url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return {
      chain,
      urls: c.urls,
      chainId: c.chainId,
      topic,
      control,
      worker,
      relays,
      publisher,
      async status(timeoutMs = 3_000) {
        const r = await workerGet(`/v1/chains/${c.chainId}/status`, timeoutMs);
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        return (await r.json()) as StatusObs;
      },
      async admin(path) {
        const r = await fetch(`${worker.url}/v1/chains/${c.chainId}/admin/${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminToken}` },
          signal: AbortSignal.timeout(5_000),
        });
        const body = (await r.json().catch(() => null)) as Record<string, unknown> | null;
        return { status: r.status, body };
      },
      async followerHash(n) {
        const p = await control.payload({ number: BigInt(n), view: "follower" }).catch(() => null);
        return p?.blockHash ?? null;
      },
      procRefs: () => [
        { name: "controller", role: "controller", pid: process.pid, incarnation: 1 },
        ...(chain.alive ? [{ name: "chain", role: "chain" as const, pid: chain.pid, incarnation: 1 }] : []),
        ...relays.refs(),
        ...worker.refs(),
      ],
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
