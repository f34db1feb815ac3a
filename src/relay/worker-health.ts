// Whether the Worker is usable, judged from the outcome of the relay's own requests to it. One failed
// request is noise (a deploy, a blip) that retries absorb; what an operator must hear about is a
// *sustained* failure: at least MIN_FAILURES requests in a row failed, the first of them at least
// `windowMs` ago, and none succeeded since. Until then a failure streak is only "degraded".
//
// A wrong secret (401) is the case that matters most, because only the operator can fix it and the
// relay would otherwise retry it forever while reporting itself healthy.

/** What went wrong with a request. */
export type WorkerFailureKind =
  /** 401: wrong --relay-id, secret, or clock */
  | "auth"
  /** 500–599 */
  | "http-5xx"
  /** 408 / 429: the Worker (or Cloudflare) asks to slow down */
  | "throttled"
  /** another 4xx: wrong --worker-url, or an incompatible Worker */
  | "refused"
  /** no answer within --request-timeout */
  | "timeout"
  /** connection refused, DNS, TLS… */
  | "unreachable"
  /** a 200 whose body is not the expected JSON */
  | "bad-response";

export const MIN_FAILURES = 3;

/** What each kind means, and what to do about it: the text /healthz gives with the reason. */
const ADVICE: Record<WorkerFailureKind, string> = {
  auth: "the Worker refuses the relay's authentication (401): check --relay-id, the secret (it must equal the Worker's RELAY_SECRETS entry) and this machine's clock",
  "http-5xx": "the Worker answers with server errors (5xx)",
  throttled: "the Worker asks the relay to slow down (408/429)",
  refused: "the Worker refuses the requests (4xx): check --worker-url",
  timeout: "the Worker does not answer within --request-timeout",
  unreachable: "cannot connect to the Worker: check --worker-url and the network",
  "bad-response": "the Worker's answers are not what this relay expects: check --worker-url and the Worker's version",
};

export type WorkerHealthState = "ok" | "unknown" | "degraded" | "failing";

export interface WorkerHealthStatus {
  /** unknown: no request answered or failed yet; degraded: failing, not (yet) for long enough */
  state: WorkerHealthState;
  /** the latest failure's kind, while the streak lasts */
  reason?: WorkerFailureKind;
  /** what the reason means for an operator */
  message?: string;
  /** the latest failure's own detail (status and body excerpt, error text) */
  detail?: string;
  consecutiveFailures: number;
  /** failures in the current streak by kind */
  causes?: Partial<Record<WorkerFailureKind, number>>;
  /** ms since epoch of the streak's first failure */
  failingSinceMs?: number;
  /** ms since epoch of the last success; null before the first */
  lastOkMs: number | null;
}

export interface WorkerHealthOptions {
  /** how long a failure streak lasts before it counts as failing (default 30 s) */
  windowMs?: number;
  minFailures?: number;
  now?: () => number;
}

export class WorkerHealth {
  readonly windowMs: number;
  readonly minFailures: number;
  private readonly now: () => number;
  private lastOk: number | null = null;
  private streak = 0;
  private streakStart = 0;
  private causes: Partial<Record<WorkerFailureKind, number>> = {};
  private last: { kind: WorkerFailureKind; detail: string } | undefined;

  constructor(o: WorkerHealthOptions = {}) {
    this.windowMs = o.windowMs ?? 30_000;
    this.minFailures = o.minFailures ?? MIN_FAILURES;
    this.now = o.now ?? Date.now;
  }

  /** A request got an answer the relay can use. Returns true when this ends a failure streak. */
  ok(): boolean {
    const ended = this.streak > 0;
    this.lastOk = this.now();
    this.streak = 0;
    this.causes = {};
    this.last = undefined;
    return ended;
  }

  /** A request failed. Returns true when this is the first failure of a streak. */
  fail(kind: WorkerFailureKind, detail: string): boolean {
    if (this.streak === 0) this.streakStart = this.now();
    this.streak++;
    this.causes[kind] = (this.causes[kind] ?? 0) + 1;
    this.last = { kind, detail };
    return this.streak === 1;
  }

  get failing(): boolean {
    return this.streak >= this.minFailures && this.now() - this.streakStart >= this.windowMs;
  }

  status(): WorkerHealthStatus {
    if (this.streak === 0) return { state: this.lastOk === null ? "unknown" : "ok", consecutiveFailures: 0, lastOkMs: this.lastOk };
    const last = this.last!;
    return {
      state: this.failing ? "failing" : "degraded",
      reason: last.kind,
      message: ADVICE[last.kind],
      detail: last.detail,
      consecutiveFailures: this.streak,
      causes: { ...this.causes },
      failingSinceMs: this.streakStart,
      lastOkMs: this.lastOk,
    };
  }
}

/** The kind of an HTTP status that is not a usable answer; undefined for one that is. */
export function failureOfStatus(status: number): WorkerFailureKind | undefined {
  if (status === 401) return "auth";
  if (status >= 500) return "http-5xx";
  if (status === 408 || status === 429) return "throttled";
  if (status >= 400 && status !== 413) return "refused";
  return undefined;
}
