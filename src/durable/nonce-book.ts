// The relays' request nonces (HMAC ingest auth): a replay within a nonce's validity is refused, and a
// full table refuses new requests rather than evict an unexpired nonce (which would open a replay).
import { LIMITS, type Changes } from "./machine-types.ts";

/** claim's answer. "full": every slot holds an unexpired nonce; evicting one would open a replay. */
export type NonceClaim = "claimed" | "replay" | "full";

export class NonceBook {
  readonly #nonces = new Map<string, number>(); // key → expiry ms
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /**
   * Storage may hold more nonces than the machine kept (expired ones linger there a minute, and
   * tables written before the machine stopped evicting unexpired ones): keeps the ones expiring last.
   */
  restore(nonces: readonly [string, number][]): void {
    for (const [k, v] of [...nonces].sort((a, b) => a[1] - b[1]).slice(-LIMITS.nonces)) this.#nonces.set(k, v);
  }

  snapshot(): [string, number][] {
    return [...this.#nonces.entries()];
  }

  /** Whether a request nonce was used within its validity (a replay), without claiming it. */
  used(key: string, now: number): boolean {
    const exp = this.#nonces.get(key);
    return exp !== undefined && exp > now;
  }

  /** Whether a new nonce fits (relays retry a refused request; nonces expire within about a minute). */
  room(now: number): boolean {
    if (this.#nonces.size >= LIMITS.nonces) this.expire(now);
    return this.#nonces.size < LIMITS.nonces;
  }

  claim(key: string, expiresAt: number, now: number): NonceClaim {
    if (this.used(key, now)) return "replay";
    if (!this.room(now)) return "full";
    this.#nonces.set(key, expiresAt);
    this.#changes().noncesPut.push(key);
    return "claimed";
  }

  /** Nonces held (expired ones included until the next claim that needs room, or expire()). */
  get size(): number {
    return this.#nonces.size;
  }

  expiry(key: string): number | undefined {
    return this.#nonces.get(key);
  }

  expire(now: number): void {
    for (const [k, exp] of this.#nonces) if (exp <= now) this.#nonces.delete(k);
  }
}
