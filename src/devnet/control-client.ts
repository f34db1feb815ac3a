// A typed client for a chain server's control API (POST /__control), for tests that run in another
// process or runtime (the Worker tests in workerd) and for the devnet's orchestration. Pure fetch.
import type { FaultRule } from "./faults.ts";

export interface ControlStatus {
  now: string;
  sequencerAddress: string;
  chainId: string;
  l1ChainId: string;
  heads: { unsafe: string; localSafe: string; crossSafe: string; finalized: string };
  l1Head: { hash: string; number: string };
  pendingReplacements: { height: string; variant: string; original: string; replacement: string }[];
  equivocations: { height: string; canonical: string; equivocating: string }[];
  [k: string]: unknown;
}

export interface BlockSummary {
  number: string;
  hash: string;
  parentHash: string;
  kind: string;
  timestamp: string;
}

type Num = number | bigint | string;
const n = (v: Num): string => v.toString();

export class ControlError extends Error {}

export function controlClient(controlUrl: string, fetchImpl: typeof fetch = fetch) {
  async function op<T>(body: Record<string, unknown>): Promise<T> {
    const res = await fetchImpl(controlUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const j = (await res.json()) as { ok: boolean; error?: string } & T;
    if (!j.ok) throw new ControlError(`control ${String(body["op"])}: ${j.error ?? res.status}`);
    return j;
  }
  return {
    status: () => op<ControlStatus>({ op: "status" }),
    advance: (seconds: Num) => op<ControlStatus>({ op: "advance", seconds: n(seconds) }),
    advanceBlocks: (count: number) => op<ControlStatus>({ op: "advanceBlocks", count }),
    advanceTo: (time: Num) => op<ControlStatus>({ op: "advanceTo", time: n(time) }),
    setHeads: (h: { localSafe?: Num; crossSafe?: Num; finalized?: Num }) =>
      op<ControlStatus>({ op: "setHeads", ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, n(v)])) }),
    autoHeads: (enabled: boolean) => op<ControlStatus>({ op: "autoHeads", enabled }),
    replace: (height: Num, variant: "spec" | "op-node" = "spec") =>
      op<{ original: BlockSummary; replacement: BlockSummary; variant: string }>({ op: "replace", height: n(height), variant }),
    promote: (height: Num) => op<ControlStatus>({ op: "promote", height: n(height) }),
    reorgL1: (depth: number, l2: "rebuild" | "keep" = "rebuild") => op<{ from: string; orphaned: string[]; l2RebuiltFrom: string | null }>({ op: "reorgL1", depth, l2 }),
    resyncL2: () => op<{ from: string | null }>({ op: "resyncL2" }),
    reorgL2: (from: Num) => op<{ from: string; orphaned: string[] }>({ op: "reorgL2", from: n(from) }),
    equivocate: (height: Num) => op<{ equivocating: BlockSummary; canonical: BlockSummary }>({ op: "equivocate", height: n(height) }),
    /** The next `count` L2 blocks carry `bytes` of calldata each (DevChain.bigBlocks); returns their heights. */
    bigBlocks: (bytes: number, count = 1) => op<{ heights: string[] }>({ op: "bigBlocks", bytes, count }).then((r) => r.heights.map(BigInt)),
    conflictingBlock: (height: Num) => op<BlockSummary>({ op: "conflictingBlock", height: n(height) }),
    setSigner: (address: string) => op<ControlStatus>({ op: "setSigner", address }),
    addFault: (rule: FaultRule) => op<{ id: string }>({ op: "faults.add", rule }).then((r) => r.id),
    removeFault: (id: string) => op<{ removed: boolean }>({ op: "faults.remove", id }).then((r) => r.removed),
    clearFaults: () => op<{ cleared: boolean }>({ op: "faults.clear" }),
    payload: (at: { number?: Num; hash?: string; view?: "sequencer" | "follower" }) =>
      op<{ version: 4; blockHash: string; number: string; parentBeaconBlockRoot: string; payloadSsz: string }>({ op: "payload", ...at, ...(at.number !== undefined ? { number: n(at.number) } : {}) }),
    /**
     * A signed, snappy-compressed cross-safe gossip message (hex) of a block, ready for POST /v1/ingest;
     * domain "block" signs it in the unsafe-block domain instead of the attestation domain (still for
     * the cross-safe topic); topicKind "blocks" makes it the unsafe block as the sequencer gossips it.
     */
    signedMessage: (at: { number?: Num; hash?: string; view?: "sequencer" | "follower"; privateKey?: string; topicKind?: "blocks" | "cross-safe"; domain?: "block" | "attestation" }) =>
      op<{ blockHash: string; number: string; topic: string; message: string; signer: string }>({ op: "signedMessage", ...at, ...(at.number !== undefined ? { number: n(at.number) } : {}) }),
    reset: (options?: Record<string, unknown>) => op<ControlStatus>({ op: "reset", ...(options ? { options } : {}) }),
    /** Calls and reply bytes per "endpoint method" since the last reset (reset: start counting afresh). */
    rpcStats: (reset = false) => op<{ stats: Record<string, { calls: number; bytes: number }> }>({ op: "rpcStats", reset }).then((r) => r.stats),
    ticking: (enabled: boolean, intervalMs?: number) => op<ControlStatus>({ op: "ticking", enabled, ...(intervalMs !== undefined ? { intervalMs } : {}) }),
  };
}

export type ControlClient = ReturnType<typeof controlClient>;
