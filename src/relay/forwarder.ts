// Async validation: the relay's cheap local checks, then the Worker's verdict (POST /v1/ingest,
// ingest-client.ts), reported back to gossipsub. The Worker being slow or down never stalls the node: a
// bounded fair queue (fair-queue.ts: per topic and per peer, full → IGNORE at once), a concurrency
// limit, jittered exponential backoff on transport failures (network, timeout, 5xx, 401, 408, 429) and a
// per-message deadline after which the verdict is IGNORE. A 202 `{"retry":true}` (another relay's copy
// owns the block's check) is no failure: the message stays pending and is sent again when the Worker
// says (retry.ts).
//
// Timing: gossipsub keeps an unvalidated message for its mcache window (12 heartbeats = 6 s); a verdict
// reported later neither propagates nor penalises (op-node itself gives up after 3 s). Delivery to the
// Worker matters beyond that window — it is how the follower learns the block — so the deadline
// (default 60 s, below the 65 s seen-TTL) is sized to outlast a Worker restart, not gossipsub.
import type { IngestResponse } from "../protocol/ingest-auth.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { FairQueue, type QueueEntry } from "./fair-queue.ts";
import { MCACHE_WINDOW_MS } from "./gossip-params.ts";
import { IngestClient, type IngestJob } from "./ingest-client.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { RelayMetrics, VerdictSource } from "./metrics.ts";
import { precheck } from "./msg-id.ts";
import { PeerStanding } from "./peer-standing.ts";
import { RetrySchedule, sleep, Stopped, type RetryCause } from "./retry.ts";
import { SeenCache } from "./seen-cache.ts";
import { Throttle } from "./throttle.ts";
import { WorkerHealth } from "./worker-health.ts";

export type ForwardJob = IngestJob;
export type ReportFn = (msgId: string, source: string, verdict: Verdict) => void;

export { parseIngestResponse } from "./ingest-answer.ts";
export { normaliseHexId } from "./ingest-client.ts";

export interface VerdictEvent {
  job: ForwardJob;
  verdict: Verdict;
  source: VerdictSource;
  reason: string;
  latencyMs: number;
  /** receipt → the first request to the Worker (time queued); absent when none was sent */
  queuedMs?: number;
  /** the Worker's full response, when the verdict came from it */
  response?: IngestResponse;
}

export interface ForwarderOptions {
  /** Worker origin, e.g. https://op-follow.example.workers.dev */
  workerUrl: string;
  relayId: string;
  secret: string;
  report: ReportFn;
  /**
   * Messages waiting for a free slot, all topics together, for one chain (default 512; op-node's
   * validate queue is 256); each further chain served adds QUEUE_PER_CHAIN.
   */
  maxQueue?: number;
  /** bytes waiting (default 256 MiB): 10 MiB messages must not turn the queue into 5 GiB */
  maxQueueBytes?: number;
  /** how many chains' topics this forwarder serves (default 1): scales the count bound and the per-peer cap */
  chains?: number;
  /** one peer's messages queued + in flight, per chain served (default 64: a minute of 1 s blocks) */
  maxPerPeer?: number;
  /** concurrent requests to the Worker (default 8) */
  concurrency?: number;
  /** of which at most this many for low-standing peers (default concurrency / 4, at least 1) */
  lowConcurrency?: number;
  /** receipt → verdict; after it, IGNORE (default 60 s) */
  deadlineMs?: number;
  /** one HTTP attempt (default 10 s, never beyond the deadline) */
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** ids whose final verdict is remembered (default 16384 for 10 min) */
  seenCacheSize?: number;
  seenTtlMs?: number;
  /** a propagation peer's gossipsub score: below 0, its messages are served last (peer-standing.ts) */
  peerScore?: (peer: string) => number;
  metrics?: RelayMetrics;
  log?: Logger;
  onVerdict?: (e: VerdictEvent) => void;
  fetch?: typeof fetch;
  /** The relay's clock (ms): deadlines and the ingest signature's timestamp (default Date.now). */
  now?: () => number;
  random?: () => number;
  /** where request outcomes are recorded (default: a WorkerHealth of its own) */
  health?: WorkerHealth;
}

/**
 * What each chain beyond the first adds to the queue's count bound (maxQueue). The count bound is
 * about waiting: a message behind N others waits N Worker answers, so it should not grow as fast as
 * the chains (25 chains × 512 would be minutes of backlog), but each chain needs room for its own
 * share: 64 is a minute of 1 s blocks. The bytes bound (memory, --queue-mib) does not grow: the
 * operator sized it to the host; the longest-queue drop shares it between chains.
 */
export const QUEUE_PER_CHAIN = 64;

export const FORWARDER_DEFAULTS = {
  maxQueue: 512,
  maxQueueBytes: 256 * 1024 * 1024,
  concurrency: 8,
  deadlineMs: 60_000,
  requestTimeoutMs: 10_000,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  seenCacheSize: 16_384,
  seenTtlMs: 10 * 60_000,
  chains: 1,
  maxPerPeer: 64,
} as const;

/** REJECTs that can become valid later (clock-dependent); never cached. */
const TRANSIENT_REJECTS: ReadonlySet<string> = new Set(["timestamp-in-future"]);

export class Forwarder {
  private readonly o: Required<Omit<ForwarderOptions, "metrics" | "onVerdict" | "log" | "health" | "peerScore" | "lowConcurrency">> & Pick<ForwarderOptions, "metrics" | "onVerdict">;
  private readonly log: Logger;
  private readonly queue: FairQueue<ForwardJob>;
  private inFlight = 0;
  private readonly pending = new Set<string>();
  private readonly seen: SeenCache;
  private readonly standing: PeerStanding;
  private readonly stopCtl = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly throttle: Throttle;
  private readonly client: IngestClient;
  readonly health: WorkerHealth;

  constructor(opts: ForwarderOptions) {
    this.o = {
      ...FORWARDER_DEFAULTS,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      random: Math.random,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    } as Forwarder["o"];
    if (this.o.concurrency < 1) throw new Error("forwarder: concurrency must be ≥ 1");
    this.log = opts.log ?? silentLogger;
    this.health = opts.health ?? new WorkerHealth({ now: this.o.now });
    this.throttle = new Throttle(10_000, this.o.now);
    this.seen = new SeenCache(this.o.seenCacheSize, this.o.seenTtlMs, this.o.now);
    this.standing = new PeerStanding({ now: this.o.now, ...(opts.peerScore ? { score: opts.peerScore } : {}) });
    const chains = Math.max(1, this.o.chains);
    this.queue = new FairQueue({
      maxItems: this.o.maxQueue + QUEUE_PER_CHAIN * (chains - 1),
      maxBytes: this.o.maxQueueBytes,
      maxPerPeer: this.o.maxPerPeer * chains,
      lowInFlight: opts.lowConcurrency ?? Math.max(1, Math.floor(this.o.concurrency / 4)),
    });
    const { workerUrl, relayId, secret, fetch, now, metrics } = this.o;
    this.client = new IngestClient({ workerUrl, relayId, secret, fetch, now, metrics, stop: this.stopCtl.signal, health: this.health, throttle: this.throttle, log: this.log });
  }

  get queueDepth(): number {
    return this.queue.size;
  }
  get queueBytes(): number {
    return this.queue.bytes;
  }
  get inFlightCount(): number {
    return this.inFlight;
  }
  /** Jobs accepted but not yet answered (queued + in flight). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Takes one message from gossipsub. Never throws; the verdict is reported asynchronously (or at once). */
  submit(job: ForwardJob): void {
    if (this.stopCtl.signal.aborted) return this.finish(job, "ignore", "shutdown", "relay-stopping");
    const pre = precheck(job.data);
    if (!pre.ok) {
      this.o.metrics?.localRejects.inc({ reason: pre.reason });
      this.seen.set(job.msgId, "reject", pre.reason);
      return this.finish(job, "reject", "local", pre.reason);
    }
    const cached = this.seen.get(job.msgId);
    if (cached) {
      // An accepted message seen again is op-node's "already seen" (IGNORE); a rejected one stays rejected.
      return this.finish(job, cached.verdict === "reject" ? "reject" : "ignore", "cache", cached.verdict === "reject" ? cached.reason : "already-seen");
    }
    if (this.pending.has(job.msgId)) return this.finish(job, "ignore", "cache", "already-pending", false);
    const r = this.queue.push({ item: job, topic: job.topic, peer: job.source, bytes: job.data.length, standing: this.standing.of(job.source) });
    for (const d of r.dropped) this.overflow(d.item, "queue-full", true);
    if (!r.ok) return this.overflow(job, r.reason, false);
    this.pending.add(job.msgId);
    this.pump();
  }

  /** IGNORE for want of room (never a penalty: go-libp2p-pubsub's "validation throttled"). */
  private overflow(job: ForwardJob, reason: "queue-full" | "peer-queue-full", wasPending: boolean): void {
    this.o.metrics?.queueOverflow.inc();
    const t = this.throttle.allow(`overflow-${reason}`);
    if (t.ok) this.log.warn(reason === "queue-full" ? "forward queue full: ignoring message" : "peer's share of the forward queue full: ignoring its message", { peer: job.source, topic: job.topic, depth: this.queue.size, bytes: this.queue.bytes, suppressed: t.suppressed });
    this.finish(job, "ignore", "overflow", reason, wasPending);
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: aborts requests and backoffs, answers everything pending with IGNORE. */
  async stop(): Promise<void> {
    if (this.stopCtl.signal.aborted) return;
    this.stopCtl.abort(new Stopped("forwarder stopped"));
    for (const e of this.queue.drain()) this.finish(e.item, "ignore", "shutdown", "relay-stopping");
    await this.idle();
  }

  private pump(): void {
    while (this.inFlight < this.o.concurrency && !this.stopCtl.signal.aborted) {
      const e = this.queue.next();
      if (!e) return;
      this.inFlight++;
      void this.process(e.item).finally(() => {
        this.inFlight--;
        this.queue.done(e);
        this.pump();
      });
    }
  }

  private async process(job: ForwardJob): Promise<void> {
    const deadline = job.receivedMs + this.o.deadlineMs;
    const retries = new RetrySchedule(deadline, this.o);
    // the deadline's reason says whether another relay's copy held the block's check meanwhile (a
    // request cut short by the deadline itself may come last)
    let expired = "worker-deadline";
    const queuedMs = this.o.now() - job.receivedMs;
    try {
      for (;;) {
        const left = deadline - this.o.now();
        if (left <= 0) return this.finish(job, "ignore", "deadline", expired);
        const r = await this.client.post(job, Math.min(this.o.requestTimeoutMs, left));
        if (r.kind === "verdict") {
          const final = r.verdict === "accept" || (r.verdict === "reject" && !TRANSIENT_REJECTS.has(r.reason));
          if (final) this.seen.set(job.msgId, r.verdict, r.reason);
          return this.finish(job, r.verdict, "worker", r.reason, true, r.response, queuedMs);
        }
        if (r.kind === "give-up") return this.finish(job, "ignore", "worker-error", r.reason);
        this.o.metrics?.retries.inc({ cause: r.kind === "claimed" ? "claimed" : r.cause });
        const cause: RetryCause = r.kind === "claimed" ? { kind: "claimed", retryAfterMs: r.retryAfterMs } : { kind: "failure" };
        if (r.kind === "claimed") expired = "worker-deadline-claimed";
        const wait = retries.next(cause);
        if (wait === null) return this.finish(job, "ignore", "deadline", expired);
        await sleep(wait, this.stopCtl.signal);
      }
    } catch (e) {
      if (e instanceof Stopped || this.stopCtl.signal.aborted) return this.finish(job, "ignore", "shutdown", "relay-stopping");
      this.log.error("forwarder: unexpected error", { err: e, msgId: job.msgId });
      return this.finish(job, "ignore", "worker-error", "internal-error");
    }
  }

  private finish(job: ForwardJob, verdict: Verdict, source: VerdictSource, reason: string, wasPending = true, response?: IngestResponse, queuedMs?: number): void {
    const latencyMs = this.o.now() - job.receivedMs;
    if (verdict === "reject" && !TRANSIENT_REJECTS.has(reason)) this.standing.rejected(job.source);
    if (latencyMs > MCACHE_WINDOW_MS) this.o.metrics?.lateVerdicts.inc();
    this.o.metrics?.messages.inc({ verdict, source });
    this.o.metrics?.forwardLatency.observe(latencyMs / 1000, { source });
    if (this.log.enabled("debug")) this.log.debug("verdict", { msgId: job.msgId, topic: job.topic, peer: job.source, verdict, source, reason, latencyMs });
    try {
      this.o.report(job.msgId, job.source, verdict);
    } catch (e) {
      this.log.warn("could not report a verdict to gossipsub", { err: e, msgId: job.msgId });
    }
    try {
      this.o.onVerdict?.({ job, verdict, source, reason, latencyMs, ...(queuedMs !== undefined ? { queuedMs } : {}), ...(response ? { response } : {}) });
    } catch (e) {
      this.log.warn("onVerdict hook failed", { err: e });
    }
    if (wasPending && this.pending.delete(job.msgId) && this.pending.size === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
