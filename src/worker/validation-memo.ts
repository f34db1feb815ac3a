// Per-isolate memo of gossip validations (issue 15): with N relays every block reaches the Worker N
// times, byte for byte, and validating it (snappy, keccak of the payload, the block hash, signature
// recovery: ≈ 30 ms per MB) is the same work each time. The first copy validates; a copy arriving
// meanwhile waits for its result, a later one reads it. Only CPU is saved: correctness never
// depends on the memo (each isolate has its own; the Durable Object's claim is the dedup).
//
// Pure and bounded: at most `maxEntries` keys (oldest first out), each kept `ttlMs`; values are
// small (the caller keeps no message bytes in them). A waiting copy never awaits another request's
// promise — workerd does not let one request await a promise another started (0d13802) — it waits
// on a promise of its own, which the first copy's finish() or drop() resolves (as claim-waiters.ts
// does in the Durable Object), or its own timer. A validation that throws is never cached:
// drop() wakes the copies and each validates for itself.

export interface MemoLimits {
  maxEntries: number;
  /** How long a finished result is reused. */
  ttlMs: number;
  /** A running validation older than this is presumed abandoned (its request cancelled mid-way). */
  runningMs: number;
}

export const VALIDATION_MEMO: MemoLimits = {
  maxEntries: 1_024,
  // covers a relay's retries of a copy (held ≤ 4 s by the object, then asked again) and a copy
  // taking over a lapsed claim (lease ≤ 20 s): all of them reuse the result
  ttlMs: 30_000,
  runningMs: 5_000,
};

type Entry<V> =
  | { kind: "running"; token: number; since: number; wake: Set<() => void> }
  | { kind: "done"; at: number; value: V };

/** What lookup() found: a result to reuse, a validation to wait for, or nothing (validate, then finish). */
export type MemoLookup<V> = { kind: "done"; value: V } | { kind: "running" } | { kind: "absent" };

export class ValidationMemo<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #limits: MemoLimits;
  #tokens = 0;

  constructor(limits: MemoLimits = VALIDATION_MEMO) {
    this.#limits = limits;
  }

  lookup(key: string, now: number): MemoLookup<V> {
    const e = this.#live(key, now);
    if (!e) return { kind: "absent" };
    return e.kind === "done" ? { kind: "done", value: e.value } : { kind: "running" };
  }

  /**
   * Marks `key` as being validated by the caller: a token for finish()/drop(), or null when another
   * validation of it is running or done (look it up again).
   */
  start(key: string, now: number): number | null {
    if (this.#live(key, now)) return null;
    const token = ++this.#tokens;
    this.#put(key, { kind: "running", token, since: now, wake: new Set() }, now);
    return token;
  }

  /** The result of the validation `token` started: kept for `ttlMs`; the copies waiting on it go on. */
  finish(key: string, token: number, value: V, now: number): void {
    const e = this.#entries.get(key);
    if (e?.kind === "running" && e.token !== token) return; // a newer validation took over; it will finish
    this.#put(key, { kind: "done", at: now, value }, now);
    if (e?.kind === "running") wakeAll(e);
  }

  /** The validation `token` started failed or is not to be reused: forgotten, and its waiters validate for themselves. */
  drop(key: string, token: number): void {
    const e = this.#entries.get(key);
    if (e?.kind !== "running" || e.token !== token) return;
    this.#entries.delete(key);
    wakeAll(e);
  }

  /** Resolves when the running validation of `key` finishes or is dropped, or after `ms`, whichever comes first. */
  wait(key: string, ms: number): Promise<void> {
    const e = this.#entries.get(key);
    if (e?.kind !== "running") return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        e.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      e.wake.add(done);
    });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry for `key` unless expired (an expired one is removed, waking any waiters). */
  #live(key: string, now: number): Entry<V> | undefined {
    const e = this.#entries.get(key);
    if (e && this.#expired(e, now)) {
      this.#entries.delete(key);
      if (e.kind === "running") wakeAll(e);
      return undefined;
    }
    return e;
  }

  #expired(e: Entry<V>, now: number): boolean {
    return e.kind === "done" ? now - e.at >= this.#limits.ttlMs : now - e.since >= this.#limits.runningMs;
  }

  /** Sets `key` as the newest entry, making room first: expired entries, then the oldest. */
  #put(key: string, e: Entry<V>, now: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#limits.maxEntries) {
      for (const [k, old] of this.#entries) if (this.#expired(old, now)) this.#evict(k, old);
    }
    while (this.#entries.size >= this.#limits.maxEntries) {
      const [k, old] = this.#entries.entries().next().value!;
      this.#evict(k, old);
    }
    this.#entries.set(key, e);
  }

  #evict(key: string, e: Entry<V>): void {
    this.#entries.delete(key);
    if (e.kind === "running") wakeAll(e);
  }
}

function wakeAll(e: { wake: Set<() => void> }): void {
  for (const done of [...e.wake]) done();
}
