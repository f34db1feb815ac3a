// The facts the Worker's /healthz and /metrics judge a chain by, kept by its Durable Object (one
// instance, so every isolate's ingests and the alarm report into the same record): each RPC
// endpoint's last success and last fault (from rpc-tally.ts reports), when the head last moved, and
// since when local-safe has been ahead of a head that did not move. Pure: callers pass `now`.
//
// Cheap by design: merging a report is memory only. The record is written (one meta row) when
// something an operator would act on changes — an endpoint goes down or comes back, a new kind of
// fault, a rewind — and otherwise at most every WRITE_EVERY_MS; an evicted object loses at most that
// much freshness of the timestamps (its head, alarm and local-safe are persisted by the machine).
import { RPC_ENDPOINTS, type EndpointSeen, type RpcEndpointName, type RpcReport } from "../checks/rpc-tally.ts";
import type { Alarm, CrossSafeHead } from "./types.ts";
import type { L2BlockRef } from "../protocol/block-ref.ts";

export const WRITE_EVERY_MS = 30_000;

export interface EndpointHealth {
  lastSuccessAtMs: number | null;
  lastError: { atMs: number; reason: string } | null;
  /** The first fault since the last success, while the endpoint is failing; null while it is up. */
  downSinceAtMs: number | null;
  /** Faults by reason (a Prometheus counter); written with the rest, so a restart may lose the last 30 s of counts. */
  errors: Record<string, number>;
}

/** What /healthz and /metrics are computed from (src/worker/health.ts applies the rules). */
export interface ChainHealthFacts {
  atMs: number;
  rpc: Record<RpcEndpointName, EndpointHealth>;
  alarm: { raisedAtMs: number; number: number; evidenceId: number } | null;
  head: number | null;
  headMovedAtMs: number | null;
  localSafe: number | null;
  /** local-safe − head, in blocks (null until both are known). */
  lag: number | null;
  /** Since when local-safe has been ahead of the head while the head did not move; null when it is not. */
  behindSinceMs: number | null;
}

interface Stored {
  rpc: Record<RpcEndpointName, EndpointHealth>;
  headHash: string | null;
  headMovedAtMs: number | null;
  behindSinceMs: number | null;
}

function empty(): Record<RpcEndpointName, EndpointHealth> {
  return { l1: blank(), l2: blank(), rollup: blank() };
}

function blank(): EndpointHealth {
  return { lastSuccessAtMs: null, lastError: null, downSinceAtMs: null, errors: {} };
}

function isDown(e: EndpointHealth): boolean {
  // A fault at the same ms as a success came after it (one request's reply, then its parsing).
  return e.lastError !== null && (e.lastSuccessAtMs === null || e.lastError.atMs >= e.lastSuccessAtMs);
}

export class HealthBook {
  #s: Stored;
  /** Something changed since the last write. */
  #dirty = false;
  /** Something an operator acts on changed: written at once. */
  #material = false;
  #writtenAt = -Infinity;

  constructor(json: string | undefined) {
    let s: Stored | undefined;
    try {
      s = json ? (JSON.parse(json) as Stored) : undefined;
    } catch {
      s = undefined; // a damaged row is only health history: start afresh
    }
    this.#s = { rpc: { ...empty(), ...s?.rpc }, headHash: s?.headHash ?? null, headMovedAtMs: s?.headMovedAtMs ?? null, behindSinceMs: s?.behindSinceMs ?? null };
  }

  /** Folds in what one piece of RPC work saw (reports from several isolates may arrive out of order). */
  merge(r: RpcReport | undefined): void {
    if (!r) return;
    for (const name of RPC_ENDPOINTS) {
      const seen: EndpointSeen | undefined = r[name];
      if (seen) this.#mergeOne(this.#s.rpc[name], seen);
    }
  }

  #mergeOne(e: EndpointHealth, seen: EndpointSeen): void {
    const wasDown = isDown(e);
    const reason = e.lastError?.reason;
    if (seen.okAt !== undefined && seen.okAt > (e.lastSuccessAtMs ?? -1)) e.lastSuccessAtMs = seen.okAt;
    if (seen.err && seen.err.at >= (e.lastError?.atMs ?? -1)) e.lastError = { atMs: seen.err.at, reason: seen.err.reason };
    for (const [k, n] of Object.entries(seen.errors)) e.errors[k] = (e.errors[k] ?? 0) + n;
    const down = isDown(e);
    if (!down) e.downSinceAtMs = null;
    else if (e.downSinceAtMs === null) e.downSinceAtMs = Math.min(seen.downSince ?? e.lastError!.atMs, e.lastError!.atMs);
    this.#dirty = true;
    if (down !== wasDown || e.lastError?.reason !== reason) this.#material = true;
  }

  /** After every change of head or local-safe: when the head moved, since when it is behind. */
  observe(head: CrossSafeHead | null, localSafe: L2BlockRef | null, now: number): void {
    const s = this.#s;
    if (head && head.hash !== s.headHash) {
      // An advance is stamped by the machine (persisted with the head); a rewind returns to an older
      // record, whose stamp is not when the head moved: that one is kept here, and written at once.
      const advanced = s.headMovedAtMs === null || head.updatedAt > s.headMovedAtMs;
      s.headMovedAtMs = advanced ? head.updatedAt : now;
      s.headHash = head.hash;
      this.#dirty = true;
      if (!advanced) this.#material = true;
    }
    const behind = head !== null && localSafe !== null && localSafe.number > head.number;
    if (behind && s.behindSinceMs === null) {
      s.behindSinceMs = now;
      this.#dirty = true;
    } else if (!behind && s.behindSinceMs !== null) {
      s.behindSinceMs = null;
      this.#dirty = true;
    }
  }

  /** The row to write now, or null: at once for a material change, else at most every WRITE_EVERY_MS. */
  takeWrite(now: number): string | null {
    if (!this.#material && !(this.#dirty && now - this.#writtenAt >= WRITE_EVERY_MS)) return null;
    this.#material = this.#dirty = false;
    this.#writtenAt = now;
    return JSON.stringify(this.#s);
  }

  /** When each endpoint was last heard from (ok or fault): the alarm probes the quiet ones. */
  lastHeardMs(name: RpcEndpointName): number | null {
    const e = this.#s.rpc[name];
    const t = Math.max(e.lastSuccessAtMs ?? -1, e.lastError?.atMs ?? -1);
    return t < 0 ? null : t;
  }

  facts(head: CrossSafeHead | null, localSafe: L2BlockRef | null, alarm: Alarm | null, now: number): ChainHealthFacts {
    const s = this.#s;
    const rpc = Object.fromEntries(RPC_ENDPOINTS.map((n) => [n, { ...s.rpc[n], errors: { ...s.rpc[n].errors } }])) as Record<RpcEndpointName, EndpointHealth>;
    return {
      atMs: now,
      rpc,
      alarm: alarm ? { raisedAtMs: alarm.raisedAt, number: Number(alarm.number), evidenceId: alarm.evidenceId } : null,
      head: head ? Number(head.number) : null,
      headMovedAtMs: head ? (s.headHash === head.hash ? s.headMovedAtMs : head.updatedAt) : null,
      localSafe: localSafe ? Number(localSafe.number) : null,
      lag: head && localSafe ? Number(localSafe.number - head.number) : null,
      behindSinceMs: s.behindSinceMs,
    };
  }
}
