// The chain machine's seen cache: op-node's per-height record of the blocks it has seen (gossip.go
// BuildBlocksValidator step 12, an LRU of SEEN_HEIGHTS heights), extended with what became of each
// block here. Not persisted: op-node's is in memory too. Part of machine.ts.
import type { Hash } from "../protocol/types.ts";
import { LIMITS } from "./machine-types.ts";

/** "final" remembers a REJECT by the RPC checks: copies of that block from other relays get it too. */
export type SeenState = { state: "inflight"; since: number } | { state: "pending" } | { state: "final"; rejected?: string };

export class SeenBook {
  readonly #seen = new Map<bigint, Map<Hash, SeenState>>();

  /** The blocks seen at a height. */
  at(n: bigint): ReadonlyMap<Hash, SeenState> | undefined {
    return this.#seen.get(n);
  }

  get(n: bigint, h: Hash): SeenState | undefined {
    return this.#seen.get(n)?.get(h);
  }

  mark(n: bigint, h: Hash, s: SeenState): void {
    let hs = this.#seen.get(n);
    if (!hs) {
      hs = new Map();
      this.#seen.set(n, hs);
      if (this.#seen.size > LIMITS.seenHeights) {
        // Evict the lowest height (op-node's LRU evicts the least recently used; heights only grow).
        let min: bigint | null = null;
        for (const k of this.#seen.keys()) if (min === null || k < min) min = k;
        this.#seen.delete(min!);
      }
    }
    hs.set(h, s);
  }

  forget(n: bigint, h: Hash): void {
    const hs = this.#seen.get(n);
    if (!hs) return;
    hs.delete(h);
    if (hs.size === 0) this.#seen.delete(n);
  }

  /** Forgets in-flight marks older than LIMITS.inflightMs (their Worker is assumed lost). */
  expireInflight(now: number): void {
    for (const [n, hs] of this.#seen) {
      for (const [h, s] of hs) if (s.state === "inflight" && now - s.since > LIMITS.inflightMs) hs.delete(h);
      if (hs.size === 0) this.#seen.delete(n);
    }
  }
}
