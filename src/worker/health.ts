// The rules /healthz and /metrics judge the Worker by (README "Health"). Pure: the facts come from
// each chain's Durable Object (src/durable/rpc-health.ts), the thresholds from the settings.
//
//   failing   an equivocation alarm is raised (the head is halted until an operator clears it);
//             an RPC endpoint has had no success for rpcFailingMs since its first fault;
//             local-safe has been ahead of a head that did not move for stallFailingMs;
//             the chain's Durable Object does not answer; (Worker) the configuration is invalid
//   degraded  an RPC endpoint is failing, or had a fault, within the last rpcErrorWindowMs;
//             local-safe has been ahead of a head that did not move for stallMs
//   ok        none of these
// The Worker's status is its worst chain's. HTTP 200 for ok and degraded, 503 for failing.
import type { HealthThresholds } from "../checks/settings.ts";
import { RPC_ENDPOINTS } from "../checks/rpc-tally.ts";
import type { ChainHealthFacts, EndpointHealth } from "../durable/rpc-health.ts";

export type HealthStatus = "ok" | "degraded" | "failing";

export const STATUS_VALUE: Record<HealthStatus, number> = { ok: 0, degraded: 1, failing: 2 };

export interface HealthReason {
  /** Stable code, e.g. `rpc-down:l2`, `alarm-raised`, `head-stalled`. */
  code: string;
  status: Exclude<HealthStatus, "ok">;
  detail: string;
}

export function worst(list: HealthStatus[]): HealthStatus {
  return list.reduce<HealthStatus>((a, b) => (STATUS_VALUE[b] > STATUS_VALUE[a] ? b : a), "ok");
}

export function statusOf(reasons: HealthReason[]): HealthStatus {
  return worst(reasons.map((r) => r.status));
}

const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

function rpcReasons(name: string, e: EndpointHealth, t: HealthThresholds, now: number): HealthReason[] {
  const last = e.lastError ? ` (last: ${e.lastError.reason})` : "";
  if (e.downSinceAtMs !== null) {
    const down = now - e.downSinceAtMs;
    const never = e.lastSuccessAtMs === null ? ", never reached" : "";
    if (down >= t.rpcFailingMs) return [{ code: `rpc-down:${name}`, status: "failing", detail: `no success for ${secs(down)}${never}${last}` }];
    return [{ code: `rpc-failing:${name}`, status: "degraded", detail: `failing for ${secs(down)}${never}${last}` }];
  }
  if (e.lastError && now - e.lastError.atMs < t.rpcErrorWindowMs) {
    return [{ code: `rpc-errors:${name}`, status: "degraded", detail: `a fault ${secs(now - e.lastError.atMs)} ago${last}` }];
  }
  return [];
}

/** How long local-safe has been ahead of a head that has not moved (0 when it is not). */
export function stalledMs(f: ChainHealthFacts): number {
  if (f.behindSinceMs === null || f.lag === null || f.lag <= 0) return 0;
  return Math.max(0, f.atMs - Math.max(f.behindSinceMs, f.headMovedAtMs ?? 0));
}

export function chainReasons(f: ChainHealthFacts, t: HealthThresholds): HealthReason[] {
  const out: HealthReason[] = [];
  if (f.alarm) out.push({ code: "alarm-raised", status: "failing", detail: `equivocation at block ${f.alarm.number} (evidence ${f.alarm.evidenceId}) since ${secs(f.atMs - f.alarm.raisedAtMs)}; the head is halted until an operator clears it` });
  for (const n of RPC_ENDPOINTS) out.push(...rpcReasons(n, f.rpc[n], t, f.atMs));
  const stall = stalledMs(f);
  if (stall >= t.stallMs) {
    out.push({ code: "head-stalled", status: stall >= t.stallFailingMs ? "failing" : "degraded", detail: `local-safe ${f.lag} blocks ahead of a head that has not moved for ${secs(stall)}` });
  }
  return out;
}

/** One chain as /healthz shows it. */
export interface ChainHealth {
  status: HealthStatus;
  reasons: HealthReason[];
  rpc: ChainHealthFacts["rpc"] | null;
  alarm: ChainHealthFacts["alarm"];
  head: number | null;
  headMovedAtMs: number | null;
  /** ms since the head last moved */
  headAgeMs: number | null;
  localSafe: number | null;
  /** local-safe − head, in blocks */
  lag: number | null;
  /** ms local-safe has been ahead of a head that did not move */
  stalledMs: number;
}

export function chainHealth(f: ChainHealthFacts, t: HealthThresholds): ChainHealth {
  const reasons = chainReasons(f, t);
  return {
    status: statusOf(reasons),
    reasons,
    rpc: f.rpc,
    alarm: f.alarm,
    head: f.head,
    headMovedAtMs: f.headMovedAtMs,
    headAgeMs: f.headMovedAtMs === null ? null : f.atMs - f.headMovedAtMs,
    localSafe: f.localSafe,
    lag: f.lag,
    stalledMs: stalledMs(f),
  };
}

/** A chain whose Durable Object could not be asked. */
export function unavailableChain(err: unknown): ChainHealth {
  return {
    status: "failing",
    reasons: [{ code: "durable-object-unavailable", status: "failing", detail: err instanceof Error ? err.message : String(err) }],
    rpc: null,
    alarm: null,
    head: null,
    headMovedAtMs: null,
    headAgeMs: null,
    localSafe: null,
    lag: null,
    stalledMs: 0,
  };
}
