// The chain machine's pending candidates: validly signed blocks it cannot decide yet, re-checked by
// the alarm. Bounded by count and by bytes (their envelopes are held in memory): over a bound the
// highest heights go, since the lowest are promoted first and the highest will be re-gossiped.
// Part of the chain state machine (machine.ts), which owns the Changes it fills.
import type { Hash } from "../protocol/types.ts";
import { LIMITS, type Changes } from "./machine-types.ts";
import type { PendingCandidate } from "./types.ts";

export class PendingBook {
  readonly #pending = new Map<Hash, PendingCandidate>();
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  get size(): number {
    return this.#pending.size;
  }

  get(h: Hash): PendingCandidate | undefined {
    return this.#pending.get(h);
  }

  /** Lowest height first. */
  list(): PendingCandidate[] {
    return [...this.#pending.values()].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  }

  /** Stores (or re-stores) a candidate; `persist: false` for one restored from storage or put back unchanged. */
  put(p: PendingCandidate, persist = true): void {
    this.#pending.set(p.hash, p);
    if (persist) this.#changes().pendingPut.push(p.hash);
  }

  drop(h: Hash): boolean {
    if (!this.#pending.delete(h)) return false;
    this.#changes().pendingDelete.push(h);
    return true;
  }

  /**
   * Applies LIMITS.pending and LIMITS.pendingBytes (at least one candidate is always kept); returns
   * the candidates dropped, highest first.
   */
  bound(): PendingCandidate[] {
    let bytes = 0;
    for (const p of this.#pending.values()) bytes += p.raw.length;
    const dropped: PendingCandidate[] = [];
    while (this.#pending.size > LIMITS.pending || (this.#pending.size > 1 && bytes > LIMITS.pendingBytes)) {
      const highest = this.list().at(-1)!;
      bytes -= highest.raw.length;
      this.drop(highest.hash);
      dropped.push(highest);
    }
    return dropped;
  }
}
