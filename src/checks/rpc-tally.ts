// What one piece of RPC work (an ingest's checks, one alarm run) saw of each endpoint: when it last
// succeeded, its last fault, and whether it ended failing. The Worker sends this with the settle
// call it makes anyway, and the alarm feeds its own, so the chain's Durable Object keeps the
// endpoints' health (src/durable/rpc-health.ts) without a round trip of its own.
import { RpcFault, type RpcObserver } from "./rpc.ts";

export const RPC_ENDPOINTS = ["l1", "l2", "rollup"] as const;
export type RpcEndpointName = (typeof RPC_ENDPOINTS)[number];

export function isEndpointName(v: string): v is RpcEndpointName {
  return (RPC_ENDPOINTS as readonly string[]).includes(v);
}

/** One endpoint as seen by one piece of work; times in ms since epoch. */
export interface EndpointSeen {
  okAt?: number;
  /** The last fault: when, and its reason `<code>:<endpoint>` (e.g. `rpc-timeout:l2`), as verdicts name it. */
  err?: { at: number; reason: string };
  /** Set when the last result was a fault: the first fault since the last success. */
  downSince?: number;
  /** Faults seen, by reason. */
  errors: Record<string, number>;
}

export type RpcReport = Partial<Record<RpcEndpointName, EndpointSeen>>;

/** Matches the reasons pipeline.ts gives for an RPC fault (`faultReason`). */
const FAULT_REASON = /^(rpc-[a-z-]+):(l1|l2|rollup)$/;

export class RpcTally implements RpcObserver {
  #seen: RpcReport = {};
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #entry(endpoint: string): EndpointSeen | undefined {
    if (!isEndpointName(endpoint)) return undefined;
    return (this.#seen[endpoint] ??= { errors: {} });
  }

  ok(endpoint: string): void {
    const e = this.#entry(endpoint);
    if (!e) return;
    e.okAt = this.#now();
    delete e.downSince;
  }

  fault(f: RpcFault): void {
    this.#failed(f.endpoint, `${f.code}:${f.endpoint}`);
  }

  /**
   * A fault found after the request itself succeeded (a malformed reply, a wrong chain id) reaches
   * the caller only as a verdict reason: noted here too. Other reasons are not about an endpoint.
   */
  noteReason(reason: string): void {
    const m = FAULT_REASON.exec(reason);
    if (!m) return;
    const e = this.#seen[m[2] as RpcEndpointName];
    // already down with this very fault: the endpoint reported it when the request failed
    if (e?.downSince !== undefined && e.err?.reason === reason) return;
    this.#failed(m[2]!, reason);
  }

  /** Anything caught from RPC work: an RpcFault is noted, everything else is not about an endpoint. */
  noteError(e: unknown): void {
    if (e instanceof RpcFault) this.fault(e);
  }

  #failed(endpoint: string, reason: string): void {
    const e = this.#entry(endpoint);
    if (!e) return;
    const at = this.#now();
    e.err = { at, reason };
    e.downSince ??= at;
    e.errors[reason] = (e.errors[reason] ?? 0) + 1;
  }

  /** undefined when nothing was asked of any endpoint. */
  report(): RpcReport | undefined {
    return Object.keys(this.#seen).length ? this.#seen : undefined;
  }

  /** The report, and a fresh start: what is sent once is not counted twice. */
  take(): RpcReport | undefined {
    const r = this.report();
    this.#seen = {};
    return r;
  }
}
