// The chain machine's history, evidence and event books on their own (the machine's tests and the
// model-based test cover them through the machine): bounds, what each change records, and the
// look-ups the machine's rules rely on.
import { describe, expect, it } from "vitest";
import { EventLog } from "../../src/durable/event-log.ts";
import { EvidenceBook } from "../../src/durable/evidence-book.ts";
import { HistoryBook, isLocal } from "../../src/durable/history-book.ts";
import { LIMITS, noChanges, type Changes } from "../../src/durable/machine-types.ts";
import type { CrossSafeHead } from "../../src/durable/types.ts";
import { hashOf, ref, T0 } from "./fixtures.ts";

const head = (n: number, o: Partial<CrossSafeHead> = {}): CrossSafeHead => ({ ...ref(n), replaced: false, updatedAt: T0, messageId: `m${n}`, peer: "peerA", ...o });

function history(): { book: HistoryBook; changes: () => Changes; take: () => Changes } {
  let c = noChanges();
  return {
    book: new HistoryBook(() => c),
    changes: () => c,
    take: () => {
      const out = c;
      c = noChanges();
      return out;
    },
  };
}

describe("HistoryBook", () => {
  it("keeps the newest LIMITS.history records; the change deletes below the oldest kept", () => {
    const { book, take } = history();
    for (let n = 1; n <= LIMITS.history + 3; n++) book.put(head(n));
    const c = take();
    expect(book.list()).toHaveLength(LIMITS.history);
    expect(book.oldest()).toBe(4n);
    expect(book.get(3n)).toBeUndefined();
    expect(c.historyDeleteBelow).toBe(4n);
    expect(c.historyPut).toHaveLength(LIMITS.history + 3);
    expect(book.heights().slice(0, 2)).toEqual([BigInt(LIMITS.history + 3), BigInt(LIMITS.history + 2)]);
  });

  it("restores unsorted records in height order, without recording a change", () => {
    const { book, changes } = history();
    book.restore([head(7), head(3), head(5)]);
    expect(book.newest().map((h) => h.number)).toEqual([7n, 5n, 3n]);
    expect(changes().historyPut).toEqual([]);
    expect(book.oldest()).toBe(3n);
  });

  it("an empty book: oldest 0, nothing below, no local record", () => {
    const { book } = history();
    expect(book.oldest()).toBe(0n);
    expect(book.below(10n)).toBeNull();
    expect(book.newestLocal(new Map([[1n, hashOf(1)]]))).toBeNull();
  });

  it("below(n) is the newest record under n, over gaps", () => {
    const { book } = history();
    for (const n of [2, 5, 9]) book.put(head(n));
    expect(book.below(9n)?.number).toBe(5n);
    expect(book.below(5n)?.number).toBe(2n);
    expect(book.below(2n)).toBeNull();
  });

  it("newestLocal: the newest record the canonical hashes agree with, by its hash or its localHash", () => {
    const { book } = history();
    book.put(head(1));
    book.put(head(2, { hash: hashOf(2, 1), localHash: hashOf(2) })); // a deposits-only replacement
    book.put(head(3));
    const canonical = new Map([
      [1n, hashOf(1)],
      [2n, hashOf(2)],
      [3n, hashOf(3, 9)], // reorged
    ]);
    expect(book.newestLocal(canonical)?.number).toBe(2n);
    expect(isLocal(book.get(2n)!, hashOf(2, 1))).toBe(true);
    expect(isLocal(book.get(3n)!, hashOf(3, 9))).toBe(false);
  });

  it("dropAbove returns what it dropped; two rewinds before a persist delete above the lower target", () => {
    const { book, take } = history();
    for (let n = 1; n <= 6; n++) book.put(head(n));
    take();
    expect(book.dropAbove(4n).map((h) => h.number).sort()).toEqual([5n, 6n]);
    expect(book.dropAbove(2n).map((h) => h.number).sort()).toEqual([3n, 4n]);
    book.dropAbove(3n); // a later, higher target does not raise the delete bound
    expect(take().historyDeleteAbove).toBe(2n);
    expect(book.dropAbove(-1n)).toHaveLength(2);
    expect(book.list()).toEqual([]);
    expect(take().historyDeleteAbove).toBe(-1n);
  });
});

describe("EvidenceBook", () => {
  const record = (n: bigint, conflicting = hashOf(n, 1)) => ({
    at: T0,
    number: n,
    existing: { hash: hashOf(n), messageId: "e", bytes: 10 },
    conflicting: { hash: conflicting, messageId: "c", peer: "peerB", bytes: 12 },
  });

  it("numbers records from the restored counter, finds them by height and conflicting hash, and sends their messages with the change", () => {
    let c = noChanges();
    const book = new EvidenceBook(() => c);
    book.restore([{ id: 4, ...record(9n) }], 5);
    const msg = Uint8Array.of(1, 2, 3);
    const ev = book.add(record(10n), { existing: { copyOf: hashOf(10n) }, conflicting: msg });
    expect(ev.id).toBe(5);
    expect(book.nextId).toBe(6);
    expect(book.byId(5)).toBe(ev);
    expect(book.find(9n, hashOf(9n, 1))?.id).toBe(4);
    expect(book.find(10n, hashOf(10n, 2))).toBeUndefined();
    expect(c.evidencePut).toEqual([{ id: 5, existing: { copyOf: hashOf(10n) }, conflicting: msg }]);
    expect(c.meta).toBe(true);
    // records are never dropped
    c = noChanges();
    for (let i = 0; i < 50; i++) book.add(record(BigInt(100 + i)), { existing: null, conflicting: msg });
    expect(book.list()).toHaveLength(52);
  });
});

describe("EventLog", () => {
  it("keeps the newest LIMITS.events, and every event goes out with the change", () => {
    const c = noChanges();
    const log = new EventLog(() => c);
    log.restore(Array.from({ length: LIMITS.events + 5 }, (_, i) => ({ at: i, kind: "advanced" as const })));
    expect(log.list()).toHaveLength(LIMITS.events);
    expect(log.list()[0]!.at).toBe(5);
    expect(c.events).toEqual([]);
    log.add({ at: 999, kind: "stale" });
    expect(log.list()).toHaveLength(LIMITS.events);
    expect(log.list().at(-1)!.at).toBe(999);
    expect(c.events).toHaveLength(1);
  });
});
