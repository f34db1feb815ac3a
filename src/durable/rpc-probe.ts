// The alarm's probe of endpoints nothing else asked lately: with no ingest traffic the alarm reads
// only the rollup node (local-safe) and, with a head, the L2 node, so an unreachable L1 node would go
// unseen by /healthz. One cheap call per endpoint quiet for `afterMs`: half the time after which
// /healthz calls a failing endpoint down (HEALTH_RPC_FAILING_SECONDS), at most PROBE_AFTER_MS.
import type { ChainRuntime } from "../checks/pipeline.ts";
import { RPC_ENDPOINTS, type RpcTally } from "../checks/rpc-tally.ts";
import type { HealthBook } from "./rpc-health.ts";

export const PROBE_AFTER_MS = 30_000;

/** `rt` reports to `tally` (chainRuntime's observer): the results land in the book with the rest. */
export async function probeQuiet(rt: ChainRuntime, book: HealthBook, tally: RpcTally, now: number, afterMs: number): Promise<void> {
  const asked = tally.report() ?? {};
  const quiet = RPC_ENDPOINTS.filter((n) => {
    if (asked[n]) return false;
    const t = book.lastHeardMs(n);
    return t === null || now - t >= Math.min(afterMs, PROBE_AFTER_MS);
  });
  // eth_blockNumber (and op-node's sync status) answer from memory on every node; a fault is recorded
  // by the observer, so nothing is left to do with it here.
  await Promise.all(quiet.map((n) => rt[n].request(n === "rollup" ? "optimism_syncStatus" : "eth_blockNumber").catch(() => undefined)));
}
