// The per-chain unsafe-head state machine: the sequencer's latest blocks as op-node receives them on
// /optimism/<chainId>/<0..3>/blocks. Pure and deterministic (callers pass `now` in ms); its Durable
// Object (unsafe-head.ts) persists what it reports. It shares nothing with the cross-safe machine
// (machine.ts): an unsafe block can never move the cross-safe head.
//
// Rules:
//  - op-node's per-height rules (gossip.go BuildBlocksValidator step 12, protocol notes §4.1), over a
//    window of the newest SEEN_HEIGHTS heights: more than 5 distinct blocks at a height → REJECT
//    (checked before "seen"), a block already seen → IGNORE.
//  - The head is the highest validly signed block on the chain of the newest one: a different block
//    at a height we hold replaces it (an `unsafe-reorg` event, not an alarm: the sequencer may reorg
//    unsafe blocks), and held blocks that contradict the newest block — above it, from the first one
//    that does not build on its chain; the one just below it if it is not its parent — are dropped.
//    So a sequencer's reorg is followed at once. (op-node itself ignores unsafe payloads at or below
//    its head until derivation resets it: clsync.go; a follower reports what the sequencer signed.)
//  - Bounded: the height window, events and nonces are capped (a full nonce table refuses, never forgets).
import { SEEN_HEIGHTS, MAX_BLOCKS_PER_HEIGHT } from "../protocol/seen-blocks.ts";
import type { Hash } from "../protocol/types.ts";
import type { NonceClaim } from "./nonce-book.ts";
import { NonceBook } from "./nonces.ts";
import type { DelayHistogram, UnsafeAdmit, UnsafeBlock, UnsafeDecision, UnsafeEvent, UnsafeHeadView } from "./unsafe-types.ts";

export const UNSAFE_LIMITS = {
  /** Heights remembered (op-node's seen LRU is 1000 heights): ≫ the 60 s gossip window at any block time. */
  heights: SEEN_HEIGHTS,
  maxBlocksPerHeight: MAX_BLOCKS_PER_HEIGHT,
  events: 100,
  nonces: 50_000,
} as const;

/** Seconds (Prometheus `le`); the blocks topics accept blocks at most 60 s old. */
export const DELAY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] as const;

/** One height: the block held there (null once dropped by a reorg) and every hash seen there. */
export interface HeightRecord {
  current: UnsafeBlock | null;
  seen: Hash[];
}

export interface UnsafeChanges {
  meta: boolean; // the delay histogram
  heightsPut: bigint[];
  heightsDelete: bigint[];
  events: UnsafeEvent[];
  noncesPut: string[];
}

export interface UnsafeSnapshot {
  heights: [bigint, HeightRecord][];
  events: UnsafeEvent[];
  nonces: [string, number][];
  delay: DelayHistogram;
}

function noChanges(): UnsafeChanges {
  return { meta: false, heightsPut: [], heightsDelete: [], events: [], noncesPut: [] };
}

export function emptyDelay(): DelayHistogram {
  return { bounds: DELAY_BUCKETS, counts: new Array<number>(DELAY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
}

export class UnsafeMachine {
  readonly #heights = new Map<bigint, HeightRecord>();
  #head: bigint | null = null;
  readonly #events: UnsafeEvent[] = [];
  #nonces = new NonceBook(UNSAFE_LIMITS.nonces);
  #delay: DelayHistogram = emptyDelay();
  #changes: UnsafeChanges = noChanges();

  static restore(s: UnsafeSnapshot): UnsafeMachine {
    const m = new UnsafeMachine();
    // The newest heights, if storage holds more than the window (it never should).
    for (const [n, r] of [...s.heights].sort((a, b) => (a[0] < b[0] ? -1 : 1)).slice(-UNSAFE_LIMITS.heights)) m.#heights.set(n, { current: r.current, seen: [...r.seen] });
    m.#recomputeHead();
    m.#events.push(...s.events.slice(-UNSAFE_LIMITS.events));
    m.#nonces = NonceBook.restore(UNSAFE_LIMITS.nonces, s.nonces);
    if (s.delay.bounds.length === DELAY_BUCKETS.length && s.delay.bounds.every((b, i) => b === DELAY_BUCKETS[i])) m.#delay = { ...s.delay, counts: [...s.delay.counts] };
    return m;
  }

  snapshot(): UnsafeSnapshot {
    return {
      heights: [...this.#heights].map(([n, r]) => [n, { current: r.current, seen: [...r.seen] }]),
      events: [...this.#events],
      nonces: this.#nonces.entries(),
      delay: { ...this.#delay, counts: [...this.#delay.counts] },
    };
  }

  takeChanges(): UnsafeChanges {
    const c = this.#changes;
    this.#changes = noChanges();
    return c;
  }

  // ---- reads -------------------------------------------------------------------------------

  get head(): UnsafeHeadView | null {
    const b = this.#head === null ? null : this.#heights.get(this.#head)?.current;
    return b ? { ...b, delayMs: b.receivedAt - Number(b.ref.timestamp) * 1000 } : null;
  }
  heightAt(n: bigint): HeightRecord | undefined {
    return this.#heights.get(n);
  }
  events(): UnsafeEvent[] {
    return [...this.#events];
  }
  get delay(): DelayHistogram {
    return { ...this.#delay, counts: [...this.#delay.counts] };
  }
  get heightCount(): number {
    return this.#heights.size;
  }

  // ---- relay authentication ----------------------------------------------------------------

  nonceUsed(key: string, now: number): boolean {
    return this.#nonces.used(key, now);
  }
  claimNonce(key: string, expiresAt: number, now: number): NonceClaim {
    const r = this.#nonces.claim(key, expiresAt, now);
    if (r === "claimed") this.#changes.noncesPut.push(key);
    return r;
  }
  get nonceCount(): number {
    return this.#nonces.size;
  }
  nonceExpiry(key: string): number | undefined {
    return this.#nonces.expiry(key);
  }

  // ---- gossip ------------------------------------------------------------------------------

  /** Applies op-node's per-height rules to a valid block and moves the head; records the others. */
  admit(input: UnsafeAdmit, now: number): UnsafeDecision {
    if (input.verdict !== "accept") {
      if (input.verdict === "reject") this.#event({ at: now, kind: "rejected", peer: input.peer, reason: input.reason, ...num(input.number), ...(input.hash ? { hash: input.hash } : {}) });
      return { verdict: input.verdict, reason: input.reason };
    }
    const b = input.block;
    const n = b.ref.number;
    const h = b.ref.hash;
    let rec = this.#heights.get(n);
    if (rec && rec.seen.length > UNSAFE_LIMITS.maxBlocksPerHeight) {
      this.#event({ at: now, kind: "rejected", peer: b.peer, reason: "too-many-blocks-at-height", number: n.toString(), hash: h });
      return { verdict: "reject", reason: "too-many-blocks-at-height" };
    }
    if (rec?.seen.includes(h)) return { verdict: "ignore", reason: "already-seen" };
    if (!rec && this.#heights.size >= UNSAFE_LIMITS.heights && n < this.#lowest()!) return { verdict: "ignore", reason: "below-window" };
    if (!rec) {
      rec = { current: null, seen: [] };
      this.#heights.set(n, rec);
      this.#evictOverflow();
    }
    rec.seen.push(h);
    this.#put(n);
    this.#observeDelay(b);

    const replaced = rec.current;
    rec.current = b;
    const dropped: bigint[] = [];
    // Below: a held block at n-1 that is not this block's parent is off its chain.
    const below = this.#heights.get(n - 1n);
    if (below?.current && below.current.ref.hash !== b.ref.parentHash) {
      below.current = null;
      this.#put(n - 1n);
      dropped.push(n - 1n);
    }
    // Above: the held blocks that chain onto it contiguously stay. The rest goes from the first one
    // that does not build on that chain; past a gap we cannot tell, so they stay unless this block
    // replaced another (then everything held above was received before it, on the old chain).
    let tip = h;
    let expect = n + 1n;
    let dropRest = false;
    for (const k of [...this.#heights.keys()].filter((k) => k > n).sort((a, c) => (a < c ? -1 : 1))) {
      const r = this.#heights.get(k)!;
      if (!r.current) continue;
      if (!dropRest) {
        if (k === expect && r.current.ref.parentHash === tip) {
          tip = r.current.ref.hash;
          expect++;
          continue;
        }
        if (k !== expect && !replaced) break;
        dropRest = true;
      }
      r.current = null;
      this.#put(k);
      dropped.push(k);
    }
    const prevHead = this.#head;
    if (replaced || dropped.length) {
      this.#recomputeHead();
      const parts = [replaced ? `replaces ${replaced.ref.hash}` : `does not build on what was held`, dropped.length ? `${dropped.length} block(s) dropped` : ""].filter(Boolean);
      this.#event({ at: now, kind: "unsafe-reorg", number: n.toString(), hash: h, peer: b.peer, reason: parts.join(", ") });
      return { verdict: "accept", reason: "unsafe-reorg" };
    }
    if (prevHead === null || n > prevHead) {
      this.#head = n;
      return { verdict: "accept", reason: "unsafe-head" };
    }
    return { verdict: "accept", reason: "unsafe-below-head" };
  }

  // ---- internals -----------------------------------------------------------------------------

  #observeDelay(b: UnsafeBlock): void {
    const s = Math.max(0, (b.receivedAt - Number(b.ref.timestamp) * 1000) / 1000);
    const i = DELAY_BUCKETS.findIndex((le) => s <= le);
    this.#delay.counts[i === -1 ? DELAY_BUCKETS.length : i]!++;
    this.#delay.sum += s;
    this.#delay.count++;
    this.#changes.meta = true;
  }

  #recomputeHead(): void {
    let top: bigint | null = null;
    for (const [k, r] of this.#heights) if (r.current && (top === null || k > top)) top = k;
    this.#head = top;
  }

  #lowest(): bigint | undefined {
    let min: bigint | undefined;
    for (const k of this.#heights.keys()) if (min === undefined || k < min) min = k;
    return min;
  }

  #evictOverflow(): void {
    while (this.#heights.size > UNSAFE_LIMITS.heights) {
      const low = this.#lowest()!;
      this.#heights.delete(low);
      this.#changes.heightsDelete.push(low);
      if (low === this.#head) this.#recomputeHead();
    }
  }

  #put(n: bigint): void {
    this.#changes.heightsPut.push(n);
  }

  #event(e: UnsafeEvent): void {
    this.#events.push(e);
    if (this.#events.length > UNSAFE_LIMITS.events) this.#events.splice(0, this.#events.length - UNSAFE_LIMITS.events);
    this.#changes.events.push(e);
  }
}

function num(n: bigint | undefined): { number?: string } {
  return n === undefined ? {} : { number: n.toString() };
}
