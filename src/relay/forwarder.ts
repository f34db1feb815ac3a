// Async validation: the relay's cheap local checks, then the Worker's verdict (POST /v1/ingest),
// reported back to gossipsub. The Worker being slow or down never stalls the node: a bounded queue
// (full → IGNORE at once), a concurrency limit, jittered exponential backoff on transport failures
// (network, timeout, 5xx, 401, 408, 429) and a per-message deadline after which the verdict is IGNORE.
// A 202 `{"retry":true}` (another relay's copy owns the block's check) is no failure: the message
// stays pending and is sent again when the Worker says (retry.ts).
//
// Timing: gossipsub keeps an unvalidated message for its mcache window (12 heartbeats = 6 s); a verdict
// reported later neither propagates nor penalises (op-node itself gives up after 3 s). Delivery to the
// Worker matters beyond that window — it is how the follower learns the block — so the deadline
// (default 60 s, below the 65 s seen-TTL) is sized to outlast a Worker restart, not gossipsub.
import { INGEST_PATH, signIngest, type IngestResponse } from "../protocol/ingest-auth.ts";
import { parseIngestResponse, parseRetryAnswer } from "./ingest-answer.ts";
import { RetrySchedule, sleep, Stopped, type RetryCause } from "./retry.ts";
import { Throttle } from "./throttle.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { hintFor } from "../protocol/verdict-hints.ts";
import { MCACHE_WINDOW_MS } from "./gossip-params.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { RelayMetrics, VerdictSource } from "./metrics.ts";
import { precheck } from "./msg-id.ts";
import { parseServerTiming } from "./server-timing.ts";
import { failureOfStatus, WorkerHealth, type WorkerFailureKind } from "./worker-health.ts";

/** The phases the Worker reports in Server-Timing (src/worker/routes/ingest.ts). */
const WORKER_PHASES = new Set(["claim", "check", "settle"]);

export interface ForwardJob {
  /** gossipsub's message id string (base64 of op-node's 20-byte id) */
  msgId: string;
  topic: string;
  /** raw gossip message data (snappy-compressed envelope), exactly as received */
  data: Uint8Array;
  /** propagation source peer id */
  source: string;
  receivedMs: number;
}

export type ReportFn = (msgId: string, source: string, verdict: Verdict) => void;

export { parseIngestResponse } from "./ingest-answer.ts";

export interface VerdictEvent {
  job: ForwardJob;
  verdict: Verdict;
  source: VerdictSource;
  reason: string;
  latencyMs: number;
  /** the Worker's full response, when the verdict came from it */
  response?: IngestResponse;
}

export interface ForwarderOptions {
  /** Worker origin, e.g. https://op-follow.example.workers.dev */
  workerUrl: string;
  relayId: string;
  secret: string;
  report: ReportFn;
  /** messages waiting for a free slot (default 512; op-node's validate queue is 256) */
  maxQueue?: number;
  /** bytes waiting (default 256 MiB): 10 MiB messages must not turn the queue into 5 GiB */
  maxQueueBytes?: number;
  /** concurrent requests to the Worker (default 8) */
  concurrency?: number;
  /** receipt → verdict; after it, IGNORE (default 60 s) */
  deadlineMs?: number;
  /** one HTTP attempt (default 10 s, never beyond the deadline) */
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** ids whose final verdict is remembered (default 16384 for 10 min) */
  seenCacheSize?: number;
  seenTtlMs?: number;
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
} as const;

/** REJECTs that can become valid later (clock-dependent); never cached. */
const TRANSIENT_REJECTS: ReadonlySet<string> = new Set(["timestamp-in-future"]);

type Attempt =
  | { kind: "verdict"; verdict: Verdict; reason: string; response?: IngestResponse }
  | { kind: "retry"; cause: string; detail: string }
  /** 202: another relay's copy owns the block's check; ask again after retryAfterMs */
  | { kind: "claimed"; retryAfterMs: number }
  | { kind: "give-up"; reason: string };

export function normaliseHexId(s: string): string {
  return s.toLowerCase().replace(/^0x/, "");
}

export class Forwarder {
  private readonly o: Required<Omit<ForwarderOptions, "metrics" | "onVerdict" | "log" | "health">> & Pick<ForwarderOptions, "metrics" | "onVerdict">;
  private readonly log: Logger;
  private readonly ingestUrl: URL;
  private readonly queue: ForwardJob[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private readonly pending = new Set<string>();
  private readonly seen = new Map<string, { verdict: Verdict; reason: string; expires: number }>();
  private readonly stopCtl = new AbortController();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly throttle: Throttle;
  readonly health: WorkerHealth;
  private reportedFailing = false;

  constructor(opts: ForwarderOptions) {
    this.o = {
      ...FORWARDER_DEFAULTS,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      random: Math.random,
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    } as Forwarder["o"];
    this.log = opts.log ?? silentLogger;
    this.health = opts.health ?? new WorkerHealth({ now: this.o.now });
    this.ingestUrl = new URL(opts.workerUrl.replace(/\/+$/, "") + INGEST_PATH);
    this.throttle = new Throttle(10_000, this.o.now);
    if (this.o.concurrency < 1) throw new Error("forwarder: concurrency must be ≥ 1");
  }

  get queueDepth(): number {
    return this.queue.length - this.queueHead;
  }
  get queueBytes(): number {
    return this.queuedBytes;
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
      this.remember(job.msgId, "reject", pre.reason);
      return this.finish(job, "reject", "local", pre.reason);
    }
    const cached = this.lookup(job.msgId);
    if (cached) {
      // An accepted message seen again is op-node's "already seen" (IGNORE); a rejected one stays rejected.
      return this.finish(job, cached.verdict === "reject" ? "reject" : "ignore", "cache", cached.verdict === "reject" ? cached.reason : "already-seen");
    }
    if (this.pending.has(job.msgId)) return this.finish(job, "ignore", "cache", "already-pending", false);
    if (this.queueDepth >= this.o.maxQueue || this.queuedBytes + job.data.length > this.o.maxQueueBytes) {
      this.o.metrics?.queueOverflow.inc();
      const t = this.throttle.allow("overflow");
      if (t.ok) this.log.warn("forward queue full: ignoring message", { depth: this.queueDepth, bytes: this.queuedBytes, suppressed: t.suppressed });
      return this.finish(job, "ignore", "overflow", "queue-full");
    }
    this.pending.add(job.msgId);
    this.queue.push(job);
    this.queuedBytes += job.data.length;
    this.pump();
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
    while (this.queueDepth > 0) {
      const job = this.dequeue()!;
      this.finish(job, "ignore", "shutdown", "relay-stopping");
    }
    await this.idle();
  }

  private dequeue(): ForwardJob | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const job = this.queue[this.queueHead]!;
    this.queue[this.queueHead] = undefined as unknown as ForwardJob;
    this.queueHead++;
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.queuedBytes -= job.data.length;
    return job;
  }

  private pump(): void {
    while (this.inFlight < this.o.concurrency && !this.stopCtl.signal.aborted) {
      const job = this.dequeue();
      if (!job) return;
      this.inFlight++;
      void this.process(job).finally(() => {
        this.inFlight--;
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
    try {
      for (;;) {
        const left = deadline - this.o.now();
        if (left <= 0) return this.finish(job, "ignore", "deadline", expired);
        const r = await this.post(job, Math.min(this.o.requestTimeoutMs, left));
        if (r.kind === "verdict") {
          if (r.verdict === "accept" || (r.verdict === "reject" && !TRANSIENT_REJECTS.has(r.reason))) this.remember(job.msgId, r.verdict, r.reason);
          return this.finish(job, r.verdict, "worker", r.reason, true, r.response);
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

  private async post(job: ForwardJob, timeoutMs: number): Promise<Attempt> {
    const meta = { relayId: this.o.relayId, topic: job.topic, peerId: job.source, receivedMs: job.receivedMs };
    // Signed with the relay's own clock: the Worker accepts ±AUTH_WINDOW_SECONDS of skew.
    const headers = await signIngest(this.o.secret, meta, job.data, { path: this.ingestUrl.pathname, nowSeconds: Math.floor(this.o.now() / 1000) });
    const signal = AbortSignal.any([this.stopCtl.signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await this.o.fetch(this.ingestUrl, {
        method: "POST",
        headers: { ...headers, "content-type": "application/octet-stream" },
        body: job.data as Uint8Array<ArrayBuffer>,
        signal,
      });
    } catch (e) {
      if (this.stopCtl.signal.aborted) throw new Stopped();
      const timeout = (e as Error)?.name === "TimeoutError";
      this.o.metrics?.workerRequests.inc({ status: timeout ? "timeout" : "network" });
      return timeout ? this.workerFailed("timeout", "timeout", `no answer within ${timeoutMs} ms`) : this.workerFailed("network", "unreachable", String((e as Error)?.cause ?? e));
    }
    this.o.metrics?.workerRequests.inc({ status: String(res.status) });
    if (res.status === 200) {
      let body: unknown;
      try {
        body = await res.json();
      } catch (e) {
        if (this.stopCtl.signal.aborted) throw new Stopped();
        return this.workerFailed("bad-body", "bad-response", `unreadable 200 body: ${String(e)}`);
      }
      const parsed = parseIngestResponse(body);
      // only the phases the Worker names (a bounded label set, whatever the header says)
      for (const [phase, ms] of parseServerTiming(res.headers.get("server-timing"))) if (WORKER_PHASES.has(phase)) this.o.metrics?.workerPhase.observe(ms / 1000, { phase });
      if (!parsed) {
        this.log.error("Worker answered 200 with an unexpected body; ignoring the message", { msgId: job.msgId, body: JSON.stringify(body)?.slice(0, 300) });
        this.workerFailed("bad-body", "bad-response", `unexpected 200 body: ${JSON.stringify(body)?.slice(0, 200)}`);
        return { kind: "give-up", reason: "bad-worker-response" };
      }
      this.workerOk();
      this.checkMessageId(job, parsed.messageId);
      // a verdict whose fix is the operator's (the Worker's or the relay's configuration): say so,
      // in the Worker's words when it gave them (its `detail`; an older Worker gives none)
      const hint = parsed.verdict === "accept" ? undefined : (parsed.detail ?? hintFor(parsed.reason, "relay"));
      if (hint) {
        const t = this.throttle.allow(`hint-${parsed.reason}`);
        if (t.ok) this.log.warn("Worker verdict needs the operator's attention", { verdict: parsed.verdict, reason: parsed.reason, hint, suppressed: t.suppressed });
      }
      return { kind: "verdict", verdict: parsed.verdict, reason: parsed.reason, response: parsed };
    }
    if (res.status === 202) {
      const retry = await res.json().then(parseRetryAnswer, () => null);
      if (this.stopCtl.signal.aborted) throw new Stopped();
      if (retry !== null) {
        this.workerOk();
        return { kind: "claimed", retryAfterMs: retry };
      }
      return this.workerFailed("bad-body", "bad-response", "unexpected 202 body");
    }
    const text = await res.text().catch(() => "");
    if (res.status === 413) {
      this.workerOk();
      return { kind: "verdict", verdict: "reject", reason: "message-too-large" };
    }
    const failure = failureOfStatus(res.status);
    if (failure === "auth") {
      // Not the peer's fault: a wrong secret, relay id or clock. Loud, and retried like an outage.
      const t = this.throttle.allow("401");
      if (t.ok) this.log.error("Worker rejected the relay's authentication (401): check --relay-id, the secret and the clock", { body: text.slice(0, 200), suppressed: t.suppressed });
      return this.workerFailed("401", "auth", `401 ${text.slice(0, 200)}`, false);
    }
    if (failure === "http-5xx" || failure === "throttled") return this.workerFailed(String(res.status), failure, `${res.status} ${text.slice(0, 200)}`);
    // Another 4xx: our request is malformed or the URL is wrong; retrying will not help.
    const t = this.throttle.allow(`status-${res.status}`);
    if (t.ok) this.log.error("Worker refused the ingest request; ignoring the message", { status: res.status, body: text.slice(0, 200), suppressed: t.suppressed });
    this.workerFailed(String(res.status), "refused", `${res.status} ${text.slice(0, 200)}`, false);
    return { kind: "give-up", reason: `worker-http-${res.status}` };
  }

  /**
   * Records a failed request (health) and says to retry it. `cause` is the retries_total label.
   * `logFirst`: warn on the first failure of a streak (401 and refusals log for themselves).
   */
  private workerFailed(cause: string, kind: WorkerFailureKind, detail: string, logFirst = true): Attempt {
    const first = this.health.fail(kind, detail);
    if (first && logFirst) this.log.warn("Worker unreachable or failing; retrying with backoff", { cause, detail, url: this.ingestUrl.origin });
    if (!this.reportedFailing && this.health.failing) {
      this.reportedFailing = true;
      const s = this.health.status();
      this.log.error("Worker failing: /healthz now reports it", { reason: s.reason, message: s.message, consecutiveFailures: s.consecutiveFailures, sinceMs: s.failingSinceMs });
    }
    const status = /^\d+$/.test(cause) ? (Number(cause) >= 500 ? "5xx" : cause) : cause;
    return { kind: "retry", cause: status, detail };
  }

  private workerOk(): void {
    if (this.health.ok()) {
      this.reportedFailing = false;
      this.log.info("Worker reachable again", { url: this.ingestUrl.origin });
    }
  }

  private checkMessageId(job: ForwardJob, workerId: string): void {
    const ours = Buffer.from(job.msgId, "base64").toString("hex");
    if (workerId && normaliseHexId(workerId) !== ours) {
      this.o.metrics?.messageIdMismatch.inc();
      const t = this.throttle.allow("msgid");
      if (t.ok) this.log.warn("Worker computed a different message id", { relay: ours, worker: workerId, topic: job.topic, suppressed: t.suppressed });
    }
  }

  private lookup(msgId: string): { verdict: Verdict; reason: string } | undefined {
    const e = this.seen.get(msgId);
    if (!e) return undefined;
    if (e.expires <= this.o.now()) {
      this.seen.delete(msgId);
      return undefined;
    }
    return e;
  }

  private remember(msgId: string, verdict: Verdict, reason: string): void {
    this.seen.delete(msgId);
    this.seen.set(msgId, { verdict, reason, expires: this.o.now() + this.o.seenTtlMs });
    while (this.seen.size > this.o.seenCacheSize) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
  }

  private finish(job: ForwardJob, verdict: Verdict, source: VerdictSource, reason: string, wasPending = true, response?: IngestResponse): void {
    const latencyMs = this.o.now() - job.receivedMs;
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
      this.o.onVerdict?.({ job, verdict, source, reason, latencyMs, ...(response ? { response } : {}) });
    } catch (e) {
      this.log.warn("onVerdict hook failed", { err: e });
    }
    if (wasPending && this.pending.delete(job.msgId) && this.pending.size === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
