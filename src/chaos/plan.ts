// The chaos run's fault schedule: a pure function of the seed and the fault window, so `--seed N`
// replays the same faults in the same order with the same parameters (src/devnet/rng.ts: every draw is
// named, so adding a draw elsewhere does not shift the others). The first eight faults are every kind
// once, in a seeded order, so even a short run covers them all; then kinds are drawn by weight.
import { Rng } from "../devnet/rng.ts";

export const FAULT_KINDS = ["relay-kill", "worker-restart", "rpc-fault", "l1-reorg", "l2-reorg", "equivocation", "flood", "clock-skew"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const RELAY_COUNT = 3;
export type RpcEndpoint = "l1" | "l2" | "rollup" | "sequencer-l2" | "sequencer-rollup";
export type RpcFaultKind = "timeout" | "http-500" | "garbage" | "wrong-chain";

export type Fault =
  /** A relay process killed (SIGKILL: a crash, its queue lost; SIGTERM: a clean stop), restarted after downMs. */
  | { kind: "relay-kill"; relay: number; signal: "SIGKILL" | "SIGTERM"; downMs: number }
  /** wrangler dev (and its workerd) stopped and started again on the same port and --persist-to. */
  | { kind: "worker-restart"; signal: "SIGKILL" | "SIGTERM" }
  /** A chain server fault rule on one node's endpoint for durationMs. */
  | { kind: "rpc-fault"; endpoint: RpcEndpoint; fault: RpcFaultKind; durationMs: number }
  /** The newest `depth` L1 blocks replaced; L2 blocks built on them rebuilt (control reorgL1). */
  | { kind: "l1-reorg"; depth: number }
  /** The L2 chain rebuilt from `below` blocks under the sequencer's cross-safe head (control reorgL2). */
  | { kind: "l2-reorg"; below: number }
  /** The sequencer attests a deposits-only replacement of a block the Worker took; the admin clears the alarm after clearAfterMs. */
  | { kind: "equivocation"; clearAfterMs: number }
  /** An extra libp2p peer sends invalid messages to one relay for durationMs. */
  | { kind: "flood"; relay: number; durationMs: number }
  /** One relay restarted with its clock off by skewMs, for durationMs, then restarted on the right time. */
  | { kind: "clock-skew"; relay: number; skewMs: number; durationMs: number };

export interface PlannedFault {
  /** 1-based, in plan order. */
  id: number;
  /** Start, ms after the run's start. */
  atMs: number;
  fault: Fault;
}

export interface PlanOptions {
  /** Faults start at or after this (ms from the run's start)… */
  fromMs: number;
  /** …and before this. */
  untilMs: number;
}

/** Relative frequency once every kind has run once. */
const WEIGHTS: Record<FaultKind, number> = {
  "relay-kill": 5,
  "worker-restart": 2,
  "rpc-fault": 6,
  "l1-reorg": 2,
  "l2-reorg": 2,
  equivocation: 1,
  flood: 2,
  "clock-skew": 1,
};

function pick<T>(rng: Rng, xs: readonly T[], ...label: (string | number)[]): T {
  return xs[rng.range(0, xs.length - 1, ...label)]!;
}

function weighted(rng: Rng, i: number): FaultKind {
  const total = FAULT_KINDS.reduce((s, k) => s + WEIGHTS[k], 0);
  let r = rng.range(0, total - 1, "kind", i);
  for (const k of FAULT_KINDS) {
    r -= WEIGHTS[k];
    if (r < 0) return k;
  }
  return FAULT_KINDS[0];
}

/** A seeded shuffle of every kind (Fisher–Yates). */
function firstRound(rng: Rng): FaultKind[] {
  const ks = [...FAULT_KINDS];
  for (let i = ks.length - 1; i > 0; i--) {
    const j = rng.range(0, i, "shuffle", i);
    [ks[i], ks[j]] = [ks[j]!, ks[i]!];
  }
  return ks;
}

export function faultOf(rng: Rng, kind: FaultKind, i: number): Fault {
  const r = (lo: number, hi: number, what: string): number => rng.range(lo, hi, "fault", i, what);
  switch (kind) {
    case "relay-kill":
      return { kind, relay: r(0, RELAY_COUNT - 1, "relay"), signal: r(0, 9, "signal") < 7 ? "SIGKILL" : "SIGTERM", downMs: r(1_000, 8_000, "down") };
    case "worker-restart":
      return { kind, signal: r(0, 1, "signal") ? "SIGKILL" : "SIGTERM" };
    case "rpc-fault": {
      const endpoint = pick<RpcEndpoint>(rng, ["l1", "l2", "l2", "rollup", "rollup", "sequencer-l2", "sequencer-rollup"], "fault", i, "endpoint");
      // A wrong chain id matters where it is checked: the Worker checks its L1 and L2 nodes (the
      // publisher checks once, at start, and stops for good on a mismatch).
      const kinds: RpcFaultKind[] = endpoint === "l1" || endpoint === "l2" ? ["timeout", "http-500", "garbage", "wrong-chain"] : ["timeout", "http-500", "garbage"];
      return { kind, endpoint, fault: pick(rng, kinds, "fault", i, "rpc"), durationMs: r(2_000, 8_000, "duration") };
    }
    case "l1-reorg":
      return { kind, depth: r(1, 3, "depth") };
    case "l2-reorg":
      return { kind, below: r(0, 3, "below") };
    case "equivocation":
      return { kind, clearAfterMs: r(2_000, 6_000, "clear") };
    case "flood":
      return { kind, relay: r(0, RELAY_COUNT - 1, "relay"), durationMs: r(3_000, 6_000, "duration") };
    case "clock-skew":
      return { kind, relay: r(0, RELAY_COUNT - 1, "relay"), skewMs: r(0, 1, "sign") ? 20_000 : -20_000, durationMs: r(8_000, 15_000, "duration") };
  }
}

/** The faults of one run: starts 3–8 s apart within [fromMs, untilMs). */
export function planFaults(seed: string, o: PlanOptions): PlannedFault[] {
  const rng = new Rng(`op-follow chaos ${seed}`);
  const first = firstRound(rng);
  const out: PlannedFault[] = [];
  let at = o.fromMs;
  for (let i = 0; at < o.untilMs; i++) {
    const kind = i < first.length ? first[i]! : weighted(rng, i);
    out.push({ id: i + 1, atMs: at, fault: faultOf(rng, kind, i) });
    at += rng.range(3_000, 8_000, "gap", i);
  }
  return out;
}

/** One line naming a fault and its parameters. */
export function describeFault(f: Fault): string {
  switch (f.kind) {
    case "relay-kill":
      return `relay-${f.relay + 1} ${f.signal}, back after ${(f.downMs / 1000).toFixed(1)} s`;
    case "worker-restart":
      return `wrangler dev ${f.signal}, restarted with its storage`;
    case "rpc-fault":
      return `${f.fault} on ${f.endpoint} for ${(f.durationMs / 1000).toFixed(1)} s`;
    case "l1-reorg":
      return `L1 reorg of depth ${f.depth}`;
    case "l2-reorg":
      return `L2 reorg from ${f.below} below the sequencer's cross-safe head`;
    case "equivocation":
      return `a replacement of an attested block, signed and gossiped; alarm cleared ${(f.clearAfterMs / 1000).toFixed(1)} s after it is raised`;
    case "flood":
      return `flood of invalid messages into relay-${f.relay + 1} for ${(f.durationMs / 1000).toFixed(1)} s`;
    case "clock-skew":
      return `relay-${f.relay + 1} clock ${f.skewMs > 0 ? "+" : ""}${f.skewMs / 1000} s for ${(f.durationMs / 1000).toFixed(1)} s`;
  }
}
