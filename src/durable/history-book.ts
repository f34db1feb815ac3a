// The chain machine's cross-safe records by height: the head and the heads before it (rewind targets,
// duplicate and equivocation detection), at most LIMITS.history of them, the oldest dropped first.
// Part of the chain state machine (machine.ts), which owns the Changes it fills.
import type { Hash } from "../protocol/types.ts";
import { LIMITS, type Changes } from "./machine-types.ts";
import type { CrossSafeHead } from "./types.ts";

const newestFirst = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);

/** Whether the follower's block `local` at a record's height agrees with the record (see CrossSafeHead.localHash). */
export function isLocal(rec: CrossSafeHead, local: Hash): boolean {
  return rec.hash === local || rec.localHash === local;
}

export class HistoryBook {
  readonly #records = new Map<bigint, CrossSafeHead>();
  readonly #changes: () => Changes;

  constructor(changes: () => Changes) {
    this.#changes = changes;
  }

  /** Records from storage (not persisted again). */
  restore(records: readonly CrossSafeHead[]): void {
    for (const h of [...records].sort((a, b) => -newestFirst(a.number, b.number))) this.#records.set(h.number, h);
  }

  get(n: bigint): CrossSafeHead | undefined {
    return this.#records.get(n);
  }

  list(): CrossSafeHead[] {
    return [...this.#records.values()];
  }

  /** Heights, newest first. */
  heights(): bigint[] {
    return [...this.#records.keys()].sort(newestFirst);
  }

  /** Records, newest first. */
  newest(): CrossSafeHead[] {
    return this.heights().map((n) => this.#records.get(n)!);
  }

  oldest(): bigint {
    let min: bigint | null = null;
    for (const n of this.#records.keys()) if (min === null || n < min) min = n;
    return min ?? 0n;
  }

  /** The newest record below height n. */
  below(n: bigint): CrossSafeHead | null {
    let best: CrossSafeHead | null = null;
    for (const rec of this.#records.values()) if (rec.number < n && (!best || rec.number > best.number)) best = rec;
    return best;
  }

  /** The newest record that agrees with the follower's canonical hash at its height. */
  newestLocal(canonical: ReadonlyMap<bigint, Hash>): CrossSafeHead | null {
    for (const rec of this.newest()) {
      const c = canonical.get(rec.number);
      if (c !== undefined && isLocal(rec, c)) return rec;
    }
    return null;
  }

  /** Records a new head; over the bound the oldest records go. */
  put(head: CrossSafeHead): void {
    const changes = this.#changes();
    this.#records.set(head.number, head);
    changes.historyPut.push(head.number);
    if (this.#records.size <= LIMITS.history) return;
    const cutoff = this.heights()[LIMITS.history - 1]!;
    for (const n of [...this.#records.keys()]) if (n < cutoff) this.#records.delete(n);
    changes.historyDeleteBelow = cutoff;
  }

  /** Drops every record above `keepUpTo` (-1n: all of them); returns what it dropped. */
  dropAbove(keepUpTo: bigint): CrossSafeHead[] {
    const dropped: CrossSafeHead[] = [];
    for (const [n, rec] of [...this.#records]) {
      if (n <= keepUpTo) continue;
      this.#records.delete(n);
      dropped.push(rec);
    }
    // Several rewinds may happen before the shell persists: the store must delete above the lowest
    // target (records re-added since are in historyPut, which the store applies after the deletes).
    const changes = this.#changes();
    const prev = changes.historyDeleteAbove;
    changes.historyDeleteAbove = prev !== null && prev < keepUpTo ? prev : keepUpTo;
    return dropped;
  }
}
