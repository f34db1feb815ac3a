// When the forwarder sends a message to the Worker again, and how it waits meanwhile.
//
// Two reasons to retry, with different pacing:
//  - the Worker failed (network, timeout, 5xx, 401, 408, 429): "full jitter" exponential backoff,
//    growing with each failure, so a struggling Worker is not hammered;
//  - the Worker answered 202 `{"retry":true,"retryAfterMs":N}`: another relay's copy of the block
//    owns its check (src/durable/claims.ts). Not a failure: wait what the Worker says (it already
//    held the request up to a few seconds) and ask again, without growing the backoff. The answer
//    will be the owner's verdict, or this copy takes over the check if the owner failed.
// Both stop at the message's deadline (then IGNORE). The Worker caps a claim's lease at 20 s, well
// inside the default 60 s deadline, so a copy waiting on a dead owner still takes over in time.

export class Stopped extends Error {}

export type RetryCause = { kind: "failure" } | { kind: "claimed"; retryAfterMs: number };

export interface RetryPacing {
  backoffBaseMs: number;
  backoffMaxMs: number;
  random: () => number;
  now: () => number;
}

/** "Full jitter": uniform in [0, min(max, base·2^attempt)], at least 10 ms. */
export function backoffMs(attempt: number, p: Pick<RetryPacing, "backoffBaseMs" | "backoffMaxMs" | "random">): number {
  const cap = Math.min(p.backoffMaxMs, p.backoffBaseMs * 2 ** Math.min(attempt, 20));
  return Math.max(10, Math.floor(p.random() * cap));
}

/** The waits of one message's retries, up to its deadline. */
export class RetrySchedule {
  #failures = 0;
  readonly #deadline: number;
  readonly #p: RetryPacing;

  constructor(deadline: number, pacing: RetryPacing) {
    this.#deadline = deadline;
    this.#p = pacing;
  }

  /** ms to wait before the next attempt, or null when it would land past the deadline. */
  next(cause: RetryCause): number | null {
    const want = cause.kind === "claimed" ? Math.max(10, cause.retryAfterMs) : backoffMs(this.#failures++, this.#p);
    const left = this.#deadline - this.#p.now();
    if (left <= 0) return null;
    return Math.min(want, left);
  }
}

/** Resolves after `ms`, or rejects with Stopped as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Stopped());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Stopped());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
