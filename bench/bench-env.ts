// Shared plumbing of the system benches (redundancy.ts, wan.ts, attack.ts, many-chains.ts): a private
// temp folder the reaper removes even if this process is killed, the publisher as `op-follow publish`
// runs it (in process, real libp2p, signing as the devnet's sequencer), waiting, percentiles.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guard } from "../src/devnet/reaper-client.ts";
import type { ChainServer } from "../src/devnet/rpc-server.ts";
import { fromHex } from "../src/protocol/hex.ts";
import type { PublisherEvent } from "../src/publisher/engine.ts";
import { startPublisher, type Publisher } from "../src/publisher/publisher.ts";
import { silentLogger } from "../src/relay/log.ts";
import { quantile } from "./measure.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A private temp folder; `remove()` is idempotent and also runs at exit. */
export async function benchDir(prefix: string): Promise<{ path: string; remove(): void }> {
  const path = await mkdtemp(join(tmpdir(), `op-follow-${prefix}-`));
  const release = guard({ dir: path });
  const remove = (): void => {
    rmSync(path, { recursive: true, force: true });
    process.off("exit", remove);
    release();
  };
  process.on("exit", remove);
  return { path, remove };
}

/** The publisher against a chain server's sequencer endpoints, gossiping to `peers`; cross-safe only. */
export function benchPublisher(server: ChainServer, peers: string[], stateFile: string, onEvent?: (e: PublisherEvent) => void, listenHost = "127.0.0.1"): Promise<Publisher> {
  return startPublisher(
    {
      chainId: server.chain.options.l2ChainId,
      l2Rpc: server.urls.sequencerL2,
      rollupRpc: server.urls.sequencerRollup,
      signerKey: fromHex(server.chain.options.sequencerKey),
      stateFile,
      pollIntervalMs: 50,
      rpcTimeoutMs: 30_000,
      publishTimeoutMs: 30_000,
      statusIntervalMs: 0,
      unsafe: false,
      listen: [`/ip4/${listenHost}/tcp/0`],
      peers,
      bootstrap: [],
      logLevel: "warn",
      maxConnections: 16,
    },
    { log: silentLogger, redialMs: 1_000, ...(onEvent ? { onEvent } : {}) },
  );
}

/** Polls `probe` every `everyMs` until it returns something truthy; throws after timeoutMs. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | null | false>, everyMs = 20): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Pcts {
  n: number;
  p50Ms: number;
  p99Ms: number;
}

export function pcts(xs: number[]): Pcts {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50Ms: s.length ? quantile(s, 0.5) : NaN, p99Ms: s.length ? quantile(s, 0.99) : NaN };
}

export const round = (x: number, d = 3): number => Number(x.toFixed(d));

/** A goal as the benches print it: "1.42× (goal ≤ 1.2×: MISSED)". */
export function goalText(ratio: number, max: number): string {
  return `${ratio.toFixed(2)}× (goal ≤ ${max}×: ${ratio <= max ? "met" : "MISSED"})`;
}
