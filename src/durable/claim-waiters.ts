// Copies of a claimed block held inside the Durable Object until its owner settles, releases or
// lapses (claims.ts): one request then answers them, where polling would re-send (and re-validate)
// the whole message every few hundred milliseconds. Bounded by the hold time and by what is
// in flight; memory only (a restarted object has no requests waiting).
import type { Hash } from "../protocol/types.ts";

export class ClaimWaiters {
  readonly #waiting = new Map<Hash, Set<() => void>>();

  /** Resolves when `hash` is woken or after `ms`, whichever comes first. */
  wait(hash: Hash, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiting.get(hash);
      if (!set) this.#waiting.set(hash, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        const s = this.#waiting.get(hash);
        s?.delete(done);
        if (s?.size === 0) this.#waiting.delete(hash);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
    });
  }

  /** Wakes every request waiting on `hash` (its owner settled or released it). */
  wake(hash: Hash): void {
    for (const done of [...(this.#waiting.get(hash) ?? [])]) done();
  }

  get size(): number {
    let n = 0;
    for (const s of this.#waiting.values()) n += s.size;
    return n;
  }
}
