// One ingest request to the Worker (POST /v1/ingest, HMAC-signed) and what its answer means for the
// forwarder: a verdict, a retry (transport failure, 5xx, 401, 408, 429), a 202 "claimed" (another
// relay's copy owns the block's check: ask again after retryAfterMs) or give-up (another 4xx, a bad
// 200 body). Every outcome is recorded in the Worker's health (worker-health.ts) and the metrics.
import { createHash } from "node:crypto";
import { INGEST_PATH, signIngest, type IngestResponse } from "../protocol/ingest-auth.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { hintFor } from "../protocol/verdict-hints.ts";
import { parseIngestResponse, parseRetryAnswer } from "./ingest-answer.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { Stopped } from "./retry.ts";
import { parseServerTiming } from "./server-timing.ts";
import type { Throttle } from "./throttle.ts";
import { failureOfStatus, type WorkerFailureKind, type WorkerHealth } from "./worker-health.ts";

/** The phases the Worker reports in Server-Timing (src/worker/routes/ingest.ts). */
const WORKER_PHASES = new Set(["claim", "check", "settle"]);

/** What the Worker is sent about one message. */
export interface IngestJob {
  /** gossipsub's message id string (base64 of op-node's 20-byte id) */
  msgId: string;
  topic: string;
  /** raw gossip message data (snappy-compressed envelope), exactly as received */
  data: Uint8Array;
  /** propagation source peer id */
  source: string;
  receivedMs: number;
}

export type Attempt =
  | { kind: "verdict"; verdict: Verdict; reason: string; response?: IngestResponse }
  | { kind: "retry"; cause: string; detail: string }
  /** 202: another relay's copy owns the block's check; ask again after retryAfterMs */
  | { kind: "claimed"; retryAfterMs: number }
  | { kind: "give-up"; reason: string };

export interface IngestClientOptions {
  /** Worker origin */
  workerUrl: string;
  relayId: string;
  secret: string;
  fetch: typeof fetch;
  now: () => number;
  /** aborted when the forwarder stops: a request cut short by it throws Stopped */
  stop: AbortSignal;
  health: WorkerHealth;
  throttle: Throttle;
  log: Logger;
  metrics?: RelayMetrics;
}

export function normaliseHexId(s: string): string {
  return s.toLowerCase().replace(/^0x/, "");
}

export class IngestClient {
  private readonly o: IngestClientOptions;
  readonly url: URL;
  private reportedFailing = false;

  constructor(o: IngestClientOptions) {
    this.o = o;
    this.url = new URL(o.workerUrl.replace(/\/+$/, "") + INGEST_PATH);
  }

  async post(job: IngestJob, timeoutMs: number): Promise<Attempt> {
    const meta = { relayId: this.o.relayId, topic: job.topic, peerId: job.source, receivedMs: job.receivedMs };
    // Signed with the relay's own clock: the Worker accepts ±AUTH_WINDOW_SECONDS of skew.
    // the body's hash with node:crypto, in place: Web Crypto's digest (signIngest's own, portable to the Worker) copies the body into a job
    const bodySha256 = `0x${createHash("sha256").update(job.data).digest("hex")}`;
    const headers = await signIngest(this.o.secret, meta, job.data, { path: this.url.pathname, nowSeconds: Math.floor(this.o.now() / 1000), bodySha256 });
    const signal = AbortSignal.any([this.o.stop, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await this.o.fetch(this.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/octet-stream" },
        body: job.data as Uint8Array<ArrayBuffer>,
        signal,
      });
    } catch (e) {
      if (this.o.stop.aborted) throw new Stopped();
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
        if (this.o.stop.aborted) throw new Stopped();
        return this.workerFailed("bad-body", "bad-response", `unreadable 200 body: ${String(e)}`);
      }
      const parsed = parseIngestResponse(body);
      // only the phases the Worker names (a bounded label set, whatever the header says)
      for (const [phase, ms] of parseServerTiming(res.headers.get("server-timing"))) if (WORKER_PHASES.has(phase)) this.o.metrics?.workerPhase.observe(ms / 1000, { phase });
      if (!parsed) {
        this.o.log.error("Worker answered 200 with an unexpected body; ignoring the message", { msgId: job.msgId, body: JSON.stringify(body)?.slice(0, 300) });
        this.workerFailed("bad-body", "bad-response", `unexpected 200 body: ${JSON.stringify(body)?.slice(0, 200)}`);
        return { kind: "give-up", reason: "bad-worker-response" };
      }
      this.workerOk();
      this.checkMessageId(job, parsed.messageId);
      // a verdict whose fix is the operator's (the Worker's or the relay's configuration): say so,
      // in the Worker's words when it gave them (its `detail`; an older Worker gives none)
      const hint = parsed.verdict === "accept" ? undefined : (parsed.detail ?? hintFor(parsed.reason, "relay"));
      if (hint) {
        const t = this.o.throttle.allow(`hint-${parsed.reason}`);
        if (t.ok) this.o.log.warn("Worker verdict needs the operator's attention", { verdict: parsed.verdict, reason: parsed.reason, hint, suppressed: t.suppressed });
      }
      return { kind: "verdict", verdict: parsed.verdict, reason: parsed.reason, response: parsed };
    }
    if (res.status === 202) {
      const retry = await res.json().then(parseRetryAnswer, () => null);
      if (this.o.stop.aborted) throw new Stopped();
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
      const t = this.o.throttle.allow("401");
      if (t.ok) this.o.log.error("Worker rejected the relay's authentication (401): check --relay-id, the secret and the clock", { body: text.slice(0, 200), suppressed: t.suppressed });
      return this.workerFailed("401", "auth", `401 ${text.slice(0, 200)}`, false);
    }
    if (failure === "http-5xx" || failure === "throttled") return this.workerFailed(String(res.status), failure, `${res.status} ${text.slice(0, 200)}`);
    // Another 4xx: our request is malformed or the URL is wrong; retrying will not help.
    const t = this.o.throttle.allow(`status-${res.status}`);
    if (t.ok) this.o.log.error("Worker refused the ingest request; ignoring the message", { status: res.status, body: text.slice(0, 200), suppressed: t.suppressed });
    this.workerFailed(String(res.status), "refused", `${res.status} ${text.slice(0, 200)}`, false);
    return { kind: "give-up", reason: `worker-http-${res.status}` };
  }

  /**
   * Records a failed request (health) and says to retry it. `cause` is the retries_total label.
   * `logFirst`: warn on the first failure of a streak (401 and refusals log for themselves).
   */
  private workerFailed(cause: string, kind: WorkerFailureKind, detail: string, logFirst = true): Attempt {
    const first = this.o.health.fail(kind, detail);
    if (first && logFirst) this.o.log.warn("Worker unreachable or failing; retrying with backoff", { cause, detail, url: this.url.origin });
    if (!this.reportedFailing && this.o.health.failing) {
      this.reportedFailing = true;
      const s = this.o.health.status();
      this.o.log.error("Worker failing: /healthz now reports it", { reason: s.reason, message: s.message, consecutiveFailures: s.consecutiveFailures, sinceMs: s.failingSinceMs });
    }
    const status = /^\d+$/.test(cause) ? (Number(cause) >= 500 ? "5xx" : cause) : cause;
    return { kind: "retry", cause: status, detail };
  }

  private workerOk(): void {
    if (this.o.health.ok()) {
      this.reportedFailing = false;
      this.o.log.info("Worker reachable again", { url: this.url.origin });
    }
  }

  private checkMessageId(job: IngestJob, workerId: string): void {
    const ours = Buffer.from(job.msgId, "base64").toString("hex");
    if (workerId && normaliseHexId(workerId) !== ours) {
      this.o.metrics?.messageIdMismatch.inc();
      const t = this.o.throttle.allow("msgid");
      if (t.ok) this.o.log.warn("Worker computed a different message id", { relay: ours, worker: workerId, topic: job.topic, suppressed: t.suppressed });
    }
  }
}
