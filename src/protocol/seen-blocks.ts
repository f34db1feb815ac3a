// op-node's per-height seen cache (gossip.go BuildBlocksValidator, step 12; protocol notes §4.1):
// an LRU of 1000 block heights, each with the set of block hashes seen there. More than 5 distinct
// hashes at a height → REJECT (checked before "seen", so it applies to duplicates too); a hash
// already seen → IGNORE; otherwise remember it → ACCEPT. Memory is bounded by heights × 6 hashes.

export type SeenCheck = "new" | "seen" | "too-many";

export const MAX_BLOCKS_PER_HEIGHT = 5;
export const SEEN_HEIGHTS = 1000;

export class SeenBlocks {
  readonly #heights = new Map<bigint, Set<string>>();
  readonly #capacity: number;

  constructor(capacity = SEEN_HEIGHTS) {
    this.#capacity = capacity;
  }

  /** Checks and, when new, records the hash (one atomic step, as op-node does under its lock). */
  checkAndMark(height: bigint, hash: string): SeenCheck {
    let set = this.#heights.get(height);
    if (set) {
      // LRU touch: re-insert to move to the newest position.
      this.#heights.delete(height);
      this.#heights.set(height, set);
      if (set.size > MAX_BLOCKS_PER_HEIGHT) return "too-many";
      if (set.has(hash)) return "seen";
    } else {
      set = new Set();
      this.#heights.set(height, set);
      if (this.#heights.size > this.#capacity) this.#heights.delete(this.#heights.keys().next().value!);
    }
    set.add(hash);
    return "new";
  }

  get size(): number {
    return this.#heights.size;
  }
}
