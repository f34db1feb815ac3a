// The forward queue's scheduler (src/relay/fair-queue.ts), pure: order, standings, bounds and drops.
import { describe, expect, it } from "vitest";
import { FairQueue, type FairQueueLimits, type QueueEntry, type Standing } from "../../src/relay/fair-queue.ts";

const LIMITS: FairQueueLimits = { maxItems: 100, maxBytes: 1_000_000, maxPerPeer: 50, lowInFlight: 2 };

function entry(id: string, peer: string, topic = "t", standing: Standing = "good", bytes = 10): QueueEntry<string> {
  return { item: id, topic, peer, bytes, standing };
}

/** Takes everything in order, answering each at once. */
function order(q: FairQueue<string>): string[] {
  const out: string[] = [];
  for (let e = q.next(); e; e = q.next()) {
    out.push(e.item);
    q.done(e);
  }
  return out;
}

function pushAll(q: FairQueue<string>, es: QueueEntry<string>[]): void {
  for (const e of es) expect(q.push(e)).toEqual({ ok: true, dropped: [] });
}

describe("fair queue: order", () => {
  it("is FIFO for one peer on one topic", () => {
    const q = new FairQueue<string>(LIMITS);
    pushAll(q, ["a", "b", "c"].map((x) => entry(x, "p")));
    expect(order(q)).toEqual(["a", "b", "c"]);
    expect(q.size).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it("serves a quiet peer's message after at most one of each busier peer, not behind a backlog", () => {
    const q = new FairQueue<string>(LIMITS);
    pushAll(q, Array.from({ length: 30 }, (_, i) => entry(`f${i}`, "flooder")));
    pushAll(q, [entry("valid", "honest")]);
    expect(order(q).indexOf("valid")).toBe(1);
  });

  it("takes peers in turns within a topic", () => {
    const q = new FairQueue<string>(LIMITS);
    pushAll(q, [entry("a1", "a"), entry("a2", "a"), entry("a3", "a"), entry("b1", "b"), entry("c1", "c"), entry("c2", "c")]);
    expect(order(q)).toEqual(["a1", "b1", "c1", "a2", "c2", "a3"]);
  });

  it("takes topics in turns: a chain's backlog does not delay another chain", () => {
    const q = new FairQueue<string>(LIMITS);
    pushAll(q, Array.from({ length: 10 }, (_, i) => entry(`x${i}`, `p${i}`, "chainX")));
    pushAll(q, [entry("y0", "p0", "chainY"), entry("z0", "q", "chainZ")]);
    expect(order(q).slice(0, 4)).toEqual(["x0", "y0", "z0", "x1"]);
  });

  it("serves good and low standings 4:1, never starving low", () => {
    const q = new FairQueue<string>({ ...LIMITS, lowInFlight: 100 });
    pushAll(q, Array.from({ length: 10 }, (_, i) => entry(`g${i}`, "good", "t", "good")));
    pushAll(q, Array.from({ length: 4 }, (_, i) => entry(`l${i}`, "bad", "t", "low")));
    expect(order(q)).toEqual(["g0", "g1", "g2", "g3", "l0", "g4", "g5", "g6", "g7", "l1", "g8", "g9", "l2", "l3"]);
  });

  it("gives low peers at most lowInFlight requests at once; good ones are not held back by it", () => {
    const q = new FairQueue<string>({ ...LIMITS, lowInFlight: 1 });
    pushAll(q, [entry("l0", "bad", "t", "low"), entry("l1", "bad2", "t", "low"), entry("g0", "good", "t", "good")]);
    const first = q.next()!; // good has the credit first
    expect(first.item).toBe("g0");
    const low = q.next()!;
    expect(low.item).toBe("l0");
    expect(q.next()).toBeUndefined(); // l1 waits for l0's slot
    q.done(low);
    expect(q.next()!.item).toBe("l1");
    q.done(first);
  });
});

describe("fair queue: bounds", () => {
  it("caps one peer's queued + in-flight messages (peer-queue-full), freed by done()", () => {
    const q = new FairQueue<string>({ ...LIMITS, maxPerPeer: 2 });
    pushAll(q, [entry("a", "p"), entry("b", "p")]);
    expect(q.push(entry("c", "p"))).toEqual({ ok: false, reason: "peer-queue-full", dropped: [] });
    expect(q.push(entry("other", "p2")).ok).toBe(true);
    const a = q.next()!;
    expect(q.pendingOf("p")).toBe(2); // one in flight, one queued
    expect(q.push(entry("c", "p"))).toEqual({ ok: false, reason: "peer-queue-full", dropped: [] });
    q.done(a);
    expect(q.push(entry("c", "p")).ok).toBe(true);
    expect(order(q)).toEqual(["other", "b", "c"]);
    expect(q.pendingOf("p")).toBe(0);
  });

  it("when full, drops the newest message of the longest peer queue to admit a shorter one", () => {
    const q = new FairQueue<string>({ ...LIMITS, maxItems: 4 });
    pushAll(q, [entry("f0", "flooder"), entry("f1", "flooder"), entry("f2", "flooder"), entry("h0", "honest")]);
    const r = q.push(entry("h1", "honest"));
    expect(r).toEqual({ ok: true, dropped: [entry("f2", "flooder")] });
    expect(q.pendingOf("flooder")).toBe(2);
    // the longest queue's own next message is refused, not another peer's
    expect(q.push(entry("f3", "flooder"))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
    expect(q.size).toBe(4);
  });

  it("drops from the longest topic first: a quiet chain's message gets in", () => {
    const q = new FairQueue<string>({ ...LIMITS, maxItems: 4 });
    pushAll(q, [entry("x0", "a", "X"), entry("x1", "b", "X"), entry("x2", "b", "X"), entry("y0", "a", "Y")]);
    expect(q.push(entry("z0", "c", "Z"))).toEqual({ ok: true, dropped: [entry("x2", "b", "X")] });
    expect(q.topicSize("X")).toBe(2);
    // ties go against the newcomer: X (2) vs Y's 1 + 1
    expect(q.push(entry("y1", "c", "Y"))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
  });

  it("drops low-standing messages before any good one, and never a good one for a low newcomer", () => {
    const q = new FairQueue<string>({ ...LIMITS, maxItems: 3 });
    pushAll(q, [entry("g0", "g", "t"), entry("g1", "g", "t"), entry("l0", "bad", "t", "low")]);
    expect(q.push(entry("g2", "g", "t"))).toEqual({ ok: true, dropped: [entry("l0", "bad", "t", "low")] });
    expect(q.push(entry("l1", "bad", "t", "low"))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
    expect(q.push(entry("l2", "new", "other", "low"))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
    expect(order(q)).toEqual(["g0", "g1", "g2"]);
  });

  it("bounds bytes, dropping from the largest queue by bytes until the newcomer fits", () => {
    const q = new FairQueue<string>({ ...LIMITS, maxBytes: 100 });
    pushAll(q, [entry("s0", "small", "t", "good", 20), entry("b0", "big", "t", "good", 30), entry("b1", "big", "t", "good", 30)]);
    expect(q.bytes).toBe(80);
    // small's 20 + 30 is below big's 60: big gives up its newest
    const r = q.push(entry("s1", "small", "t", "good", 30));
    expect(r).toEqual({ ok: true, dropped: [entry("b1", "big", "t", "good", 30)] });
    expect(q.bytes).toBe(80);
    // a message larger than the whole bound never fits
    expect(q.push(entry("huge", "x", "t", "good", 101))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
    // the newcomer's own queue is the largest by bytes: refused
    expect(q.push(entry("s2", "small", "t", "good", 25))).toEqual({ ok: false, reason: "queue-full", dropped: [] });
  });

  it("never exceeds its bounds under a random load, and answers every pushed message exactly once", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const limits = { maxItems: 20, maxBytes: 500, maxPerPeer: 8, lowInFlight: 2 };
    const q = new FairQueue<string>(limits);
    const outcome = new Map<string, string>();
    const inFlight: QueueEntry<string>[] = [];
    let lowRunning = 0;
    for (let i = 0; i < 5_000; i++) {
      const op = rnd(10);
      if (op < 6) {
        const e = entry(`m${i}`, `p${rnd(6)}`, `t${rnd(3)}`, rnd(3) === 0 ? "low" : "good", 1 + rnd(60));
        const r = q.push(e);
        for (const d of r.dropped) {
          expect(outcome.get(d.item)).toBe("queued");
          outcome.set(d.item, "dropped");
        }
        outcome.set(e.item, r.ok ? "queued" : r.reason);
      } else if (op < 8) {
        const e = q.next();
        if (e) {
          expect(outcome.get(e.item)).toBe("queued");
          outcome.set(e.item, "sent");
          inFlight.push(e);
          if (e.standing === "low") lowRunning++;
        }
      } else if (inFlight.length) {
        const e = inFlight.splice(rnd(inFlight.length), 1)[0]!;
        q.done(e);
        if (e.standing === "low") lowRunning--;
      }
      expect(q.size).toBeLessThanOrEqual(limits.maxItems);
      expect(q.bytes).toBeLessThanOrEqual(limits.maxBytes);
      expect(lowRunning).toBeLessThanOrEqual(limits.lowInFlight);
      for (let p = 0; p < 6; p++) expect(q.pendingOf(`p${p}`)).toBeLessThanOrEqual(limits.maxPerPeer);
    }
    const left = q.drain();
    for (const e of left) outcome.set(e.item, "drained");
    expect(q.size).toBe(0);
    expect(q.bytes).toBe(0);
    expect([...outcome.values()].filter((v) => v === "queued")).toEqual([]);
    const counts = [...outcome.values()].reduce<Record<string, number>>((a, v) => ({ ...a, [v]: (a[v] ?? 0) + 1 }), {});
    expect(counts["sent"]).toBeGreaterThan(500);
    expect(counts["dropped"]).toBeGreaterThan(0);
    expect(counts["peer-queue-full"]).toBeGreaterThan(0);
    for (const e of inFlight) q.done(e);
    for (let p = 0; p < 6; p++) expect(q.pendingOf(`p${p}`)).toBe(0);
  });

  it("refuses limits below 1", () => {
    expect(() => new FairQueue({ ...LIMITS, lowInFlight: 0 })).toThrow(/≥ 1/);
    expect(() => new FairQueue({ ...LIMITS, maxPerPeer: 0 })).toThrow(/≥ 1/);
  });
});
