// Single-use relay request nonces (protocol/ingest-auth.ts leaves replay protection to the caller),
// bounded and failing closed as the cross-safe machine's (machine.ts): expired ones make room, an
// unexpired one is never forgotten — a full table answers "full" (the Worker's 503; relays retry).
// Pure; the owner persists what `claim` reports. Used by the unsafe-head machine (a relay's request on a blocks topic is
// settled there, so its nonce lives there: the HMAC binds the topic, so a request can never be
// replayed against the other object).
import type { NonceClaim } from "./nonce-book.ts";

export class NonceBook {
  readonly #nonces = new Map<string, number>(); // key → expiry ms, oldest claim first
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Storage may hold more than the book keeps (evictions are not reported): keep those expiring last. */
  static restore(capacity: number, entries: Iterable<[string, number]>): NonceBook {
    const b = new NonceBook(capacity);
    for (const [k, v] of [...entries].sort((a, c) => a[1] - c[1]).slice(-capacity)) b.#nonces.set(k, v);
    return b;
  }

  /** Whether the nonce was used within its validity (a replay). */
  used(key: string, now: number): boolean {
    const exp = this.#nonces.get(key);
    return exp !== undefined && exp > now;
  }

  /** Claims a nonce: "replay" if it was used within its validity, "full" if there is no room. */
  claim(key: string, expiresAt: number, now: number): NonceClaim {
    if (this.used(key, now)) return "replay";
    if (this.#nonces.size >= this.#capacity) this.expire(now);
    if (this.#nonces.size >= this.#capacity) return "full";
    this.#nonces.delete(key);
    this.#nonces.set(key, expiresAt);
    return "claimed";
  }

  expiry(key: string): number | undefined {
    return this.#nonces.get(key);
  }

  expire(now: number): void {
    for (const [k, exp] of this.#nonces) if (exp <= now) this.#nonces.delete(k);
  }

  entries(): [string, number][] {
    return [...this.#nonces];
  }

  get size(): number {
    return this.#nonces.size;
  }
}
