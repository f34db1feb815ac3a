// The unsafe-head machine (src/durable/unsafe-machine.ts), pure: op-node's per-height rules for the
// blocks topics, the head as the highest block on the newest block's chain, reorgs followed as
// events, bounded memory, and a property test that the changes it reports rebuild its state and
// that its invariants hold under random gossip on branching chains.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DELAY_BUCKETS, UNSAFE_LIMITS, UnsafeMachine, type HeightRecord, type UnsafeChanges } from "../../src/durable/unsafe-machine.ts";
import type { UnsafeBlock } from "../../src/durable/unsafe-types.ts";
import type { Hash } from "../../src/protocol/types.ts";
import { hashOf, ref, T0 } from "./fixtures.ts";

/** Block n of branch `br` (0 = the first chain; a branch forks from `forkAt` and keeps its tag above). */
function blk(n: number, br = 0, parentBr = br, o: Partial<Omit<UnsafeBlock, "ref">> = {}): UnsafeBlock {
  const r = ref(n, hashOf(n, br), hashOf(n - 1, parentBr));
  return { ref: { ...r, timestamp: BigInt(Math.floor(T0 / 1000)) + BigInt(n) }, messageId: `m${n}-${br}`, peer: o.peer ?? "peerA", relay: "relay1", receivedAt: o.receivedAt ?? T0 + n * 1000 + 300 };
}

const accept = (b: UnsafeBlock) => ({ verdict: "accept" as const, block: b });

function feed(m: UnsafeMachine, bs: UnsafeBlock[], now = T0): string[] {
  return bs.map((b) => m.admit(accept(b), now).reason);
}

describe("UnsafeMachine", () => {
  it("takes each new highest block as the head, with its receipt delay", () => {
    const m = new UnsafeMachine();
    expect(m.head).toBeNull();
    expect(feed(m, [blk(10), blk(11), blk(12)])).toEqual(["unsafe-head", "unsafe-head", "unsafe-head"]);
    expect(m.head).toMatchObject({ ref: { number: 12n, hash: hashOf(12) }, peer: "peerA", delayMs: 300 });
    const d = m.delay;
    expect(d.count).toBe(3);
    expect(d.counts[DELAY_BUCKETS.indexOf(0.5)]).toBe(3); // 0.3 s ≤ 0.5
    expect(d.sum).toBeCloseTo(0.9);
    expect(m.events()).toEqual([]); // advancing is not an event
  });

  it("fills gaps below the head without moving it", () => {
    const m = new UnsafeMachine();
    expect(feed(m, [blk(10), blk(12), blk(11)])).toEqual(["unsafe-head", "unsafe-head", "unsafe-below-head"]);
    expect(m.head?.ref.number).toBe(12n);
    expect(m.events()).toEqual([]);
  });

  it("applies op-node's per-height rules: seen → IGNORE, a 7th distinct block → REJECT, checked before seen", () => {
    const m = new UnsafeMachine();
    expect(m.admit(accept(blk(5)), T0)).toEqual({ verdict: "accept", reason: "unsafe-head" });
    expect(m.admit(accept(blk(5)), T0)).toEqual({ verdict: "ignore", reason: "already-seen" });
    for (let br = 1; br <= 5; br++) expect(m.admit(accept(blk(5, br, 0)), T0).verdict).toBe("accept"); // 6 distinct in all
    expect(m.admit(accept(blk(5, 6, 0)), T0)).toEqual({ verdict: "reject", reason: "too-many-blocks-at-height" });
    expect(m.admit(accept(blk(5)), T0)).toEqual({ verdict: "reject", reason: "too-many-blocks-at-height" });
    expect(m.heightAt(5n)!.seen).toHaveLength(6);
    expect(m.events().filter((e) => e.kind === "rejected")).toHaveLength(2);
  });

  it("follows a reorg at once: the newest block at a held height wins, the old blocks above it go", () => {
    const m = new UnsafeMachine();
    feed(m, [8, 9, 10, 11, 12].map((n) => blk(n)));
    // The sequencer rebuilds from 10 (branch 1, forking off block 9).
    expect(m.admit(accept(blk(10, 1, 0)), T0 + 5)).toEqual({ verdict: "accept", reason: "unsafe-reorg" });
    expect(m.head?.ref.hash).toBe(hashOf(10, 1));
    expect(m.heightAt(11n)!.current).toBeNull();
    expect(m.heightAt(12n)!.current).toBeNull();
    expect(m.events()).toEqual([{ at: T0 + 5, kind: "unsafe-reorg", number: "10", hash: hashOf(10, 1), peer: "peerA", reason: `replaces ${hashOf(10)}, 2 block(s) dropped` }]);
    expect(feed(m, [blk(11, 1), blk(12, 1), blk(13, 1)])).toEqual(["unsafe-head", "unsafe-head", "unsafe-head"]);
    expect(m.head?.ref.hash).toBe(hashOf(13, 1));
    // A late copy of an old-branch block is already seen: no flip-flop.
    expect(m.admit(accept(blk(11)), T0).reason).toBe("already-seen");
    expect(m.head?.ref.hash).toBe(hashOf(13, 1));
  });

  it("keeps new-branch blocks that arrived before the fork block, and drops a held parent that is not the parent", () => {
    const m = new UnsafeMachine();
    feed(m, [8, 9, 10, 11, 12].map((n) => blk(n)));
    // 11' (on 10') arrives first: it replaces 11, and 10 (not its parent) and 12 (on 11) go.
    expect(m.admit(accept(blk(11, 1)), T0).reason).toBe("unsafe-reorg");
    expect(m.head?.ref.hash).toBe(hashOf(11, 1));
    expect(m.heightAt(10n)!.current).toBeNull();
    // then 10': fills the gap under 11' — nothing contradicts it.
    expect(m.admit(accept(blk(10, 1, 0)), T0).reason).toBe("unsafe-below-head");
    expect(m.head?.ref.hash).toBe(hashOf(11, 1));
    expect(m.events().map((e) => e.kind)).toEqual(["unsafe-reorg"]);
  });

  it("a block above the head that does not build on it reorgs the head to it", () => {
    const m = new UnsafeMachine();
    feed(m, [blk(20), blk(21)]);
    expect(m.admit(accept(blk(22, 3, 2)), T0).reason).toBe("unsafe-reorg"); // parent 21 of branch 2, not our 21
    expect(m.head?.ref.number).toBe(22n);
    expect(m.heightAt(21n)!.current).toBeNull();
  });

  it("records REJECTs as events (IGNOREs only count), whatever the Worker's reason", () => {
    const m = new UnsafeMachine();
    expect(m.admit({ verdict: "reject", reason: "timestamp-too-old", peer: "p", number: 3n, hash: hashOf(3) }, T0)).toEqual({ verdict: "reject", reason: "timestamp-too-old" });
    expect(m.admit({ verdict: "ignore", reason: "no-signer-configured", peer: "p" }, T0)).toEqual({ verdict: "ignore", reason: "no-signer-configured" });
    expect(m.events()).toEqual([{ at: T0, kind: "rejected", peer: "p", reason: "timestamp-too-old", number: "3", hash: hashOf(3) }]);
    expect(m.head).toBeNull();
  });

  it("is bounded: the newest heights, the newest events; a block below a full window is ignored", () => {
    const m = new UnsafeMachine();
    const N = UNSAFE_LIMITS.heights + 50;
    for (let n = 1; n <= N; n++) m.admit(accept(blk(n)), T0);
    expect(m.heightCount).toBe(UNSAFE_LIMITS.heights);
    expect(m.heightAt(50n)).toBeUndefined();
    expect(m.heightAt(51n)).toBeDefined();
    expect(m.admit(accept(blk(7, 4, 4)), T0)).toEqual({ verdict: "ignore", reason: "below-window" });
    for (let i = 0; i < UNSAFE_LIMITS.events + 20; i++) m.admit({ verdict: "reject", reason: "wrong-signer", peer: `p${i}` }, T0 + i);
    expect(m.events()).toHaveLength(UNSAFE_LIMITS.events);
    expect(m.events().at(-1)!.peer).toBe(`p${UNSAFE_LIMITS.events + 19}`);
  });

  it("claims nonces once, and refuses rather than forgets an unexpired one when full", () => {
    const m = new UnsafeMachine();
    expect(m.claimNonce("r:1", T0 + 60_000, T0)).toBe("claimed");
    expect(m.nonceUsed("r:1", T0 + 1)).toBe(true);
    expect(m.claimNonce("r:1", T0 + 60_000, T0 + 1)).toBe("replay");
    expect(m.claimNonce("r:1", T0 + 200_000, T0 + 60_001)).toBe("claimed"); // expired: usable again (the auth window has long closed)
    expect(m.takeChanges().noncesPut).toEqual(["r:1", "r:1"]);
    for (let i = 2; i <= UNSAFE_LIMITS.nonces; i++) expect(m.claimNonce(`r:${i}`, T0 + 300_000, T0 + 60_002)).toBe("claimed");
    expect(m.nonceCount).toBe(UNSAFE_LIMITS.nonces);
    expect(m.claimNonce("r:new", T0 + 300_000, T0 + 60_003)).toBe("full");
    expect(m.nonceUsed("r:2", T0 + 60_003)).toBe(true); // none forgotten
    expect(m.claimNonce("r:new", T0 + 400_000, T0 + 300_001)).toBe("claimed"); // once they expire there is room
  });

  it("restores from a snapshot to the same state and behaviour (seen hashes included)", () => {
    const m = new UnsafeMachine();
    feed(m, [8, 9, 10, 11].map((n) => blk(n)));
    m.admit(accept(blk(10, 1, 0)), T0);
    m.claimNonce("r:9", T0 + 1000, T0);
    const r = UnsafeMachine.restore(m.snapshot());
    expect(r.snapshot()).toEqual(m.snapshot());
    expect(r.head).toEqual(m.head);
    expect(r.admit(accept(blk(11)), T0).reason).toBe("already-seen"); // the old branch stays seen across a restart
    expect(r.nonceUsed("r:9", T0)).toBe(true);
  });
});

// ---- property: random gossip on branching chains ------------------------------------------------------

/** What unsafe-storage.ts keeps, in plain maps, rebuilt from takeChanges() only. */
interface Mirror {
  heights: Map<bigint, HeightRecord>;
  nonces: Map<string, number>;
  events: number;
  delayCount: number;
}

function apply(db: Mirror, m: UnsafeMachine, c: UnsafeChanges): void {
  for (const n of c.heightsDelete) db.heights.delete(n);
  for (const n of new Set(c.heightsPut)) {
    const r = m.heightAt(n);
    if (r) db.heights.set(n, { current: r.current, seen: [...r.seen] });
  }
  for (const k of c.noncesPut) db.nonces.set(k, m.nonceExpiry(k)!);
  db.events += c.events.length;
  if (c.meta) db.delayCount = m.delay.count;
}

const op = fc.oneof(
  // a block at height n of branch br, whose parent is on branch pb
  fc.record({ kind: fc.constant("block" as const), n: fc.integer({ min: 1, max: 40 }), br: fc.integer({ min: 0, max: 7 }), pb: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("reject" as const), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("persist" as const) }),
);

describe("UnsafeMachine, random gossip", () => {
  it("keeps its invariants, and its reported changes rebuild its state", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
        let m = new UnsafeMachine();
        const db: Mirror = { heights: new Map(), nonces: new Map(), events: 0, delayCount: 0 };
        const seenEver = new Map<bigint, Set<Hash>>();
        let i = 0;
        for (const o of ops) {
          i++;
          if (o.kind === "persist") {
            apply(db, m, m.takeChanges());
            const s = m.snapshot();
            expect(new Map(s.heights)).toEqual(db.heights);
            // a restart resumes from what storage holds
            m = UnsafeMachine.restore({ heights: [...db.heights], events: s.events, nonces: [...db.nonces], delay: s.delay });
            continue;
          }
          m.claimNonce(`r:${i}`, T0 + 60_000, T0);
          if (o.kind === "reject") {
            expect(m.admit({ verdict: "reject", reason: "wrong-signer", peer: "bad", number: BigInt(o.n) }, T0).verdict).toBe("reject");
            continue;
          }
          const b = blk(o.n, o.br, o.pb);
          const before = m.head;
          const d = m.admit(accept(b), T0);
          const seen = seenEver.get(b.ref.number) ?? new Set<Hash>();
          // op-node's step 12, exactly
          if (seen.size > UNSAFE_LIMITS.maxBlocksPerHeight) expect(d).toEqual({ verdict: "reject", reason: "too-many-blocks-at-height" });
          else if (seen.has(b.ref.hash)) expect(d).toEqual({ verdict: "ignore", reason: "already-seen" });
          else {
            expect(d.verdict).toBe("accept");
            seen.add(b.ref.hash);
            seenEver.set(b.ref.number, seen);
            // the newest valid block is always on the head's chain: it is held, and the head is at or above it
            expect(m.heightAt(b.ref.number)!.current?.ref.hash).toBe(b.ref.hash);
            expect(m.head!.ref.number >= b.ref.number).toBe(true);
            if (d.reason === "unsafe-head") expect(m.head!.ref.hash).toBe(b.ref.hash);
            if (d.reason === "unsafe-below-head") expect(m.head).toEqual(before);
          }
          // the head is the highest held block, and every held block is a seen one
          let top: bigint | null = null;
          for (const [k, r] of m.snapshot().heights) {
            expect(r.seen.length).toBeLessThanOrEqual(UNSAFE_LIMITS.maxBlocksPerHeight + 1);
            if (r.current) {
              expect(r.seen).toContain(r.current.ref.hash);
              if (top === null || k > top) top = k;
            }
          }
          expect(m.head?.ref.number ?? null).toBe(top);
          // held neighbours agree everywhere: a held block's held parent is its parent
          for (const [k, r] of m.snapshot().heights) {
            const up = m.heightAt(k + 1n)?.current;
            if (r.current && up) expect(up.ref.parentHash).toBe(r.current.ref.hash);
          }
          expect(m.events().length).toBeLessThanOrEqual(UNSAFE_LIMITS.events);
        }
      }),
      { numRuns: 200 },
    );
  });
});
