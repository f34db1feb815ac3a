// The chain machine's pending candidates: validly signed blocks it cannot decide yet, re-checked by
// the alarm. Their envelopes live in SQLite only (a held one's bytes leave with the change that
// stores them, Changes.pendingPut). Bounded by count and by bytes of storage: over a bound the
// highest heights go, since the lowest are promoted first and a higher attestation supersedes them.
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

  /**
   * Stores (or re-stores) a candidate with its message, persisted (storage writes the message once);
   * without `raw`, only in memory: one restored from storage or put back unchanged.
   */
  put(p: PendingCandidate, raw?: Uint8Array): void {
    this.#pending.set(p.hash, p);
    if (raw) this.#changes().pendingPut.set(p.hash, raw);
  }

  drop(h: Hash): boolean {
    if (!this.#pending.delete(h)) return false;
    this.#changes().pendingPut.delete(h);
    this.#changes().pendingDelete.push(h);
    return true;
  }

  /**
   * Applies LIMITS.pending and LIMITS.pendingBytes (at least one candidate is always kept); returns
   * the candidates dropped, highest first.
   */
  bound(): PendingCandidate[] {
    let bytes = 0;
    for (const p of this.#pending.values()) bytes += p.bytes;
    const dropped: PendingCandidate[] = [];
    while (this.#pending.size > LIMITS.pending || (this.#pending.size > 1 && bytes > LIMITS.pendingBytes)) {
      const highest = this.list().at(-1)!;
      bytes -= highest.bytes;
      this.drop(highest.hash);
      dropped.push(highest);
    }
    return dropped;
  }
}
