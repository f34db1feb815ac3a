// The chaos run's invariant checker on hand-made observation streams: what it lets pass (advances,
// logged rewinds, catch-up within the bound) and what it reports (an unexplained step back, a head
// lost across a restart, dropped or altered evidence, a block that never reaches the head).
import { describe, expect, it } from "vitest";
import { Checker, EVIDENCE_IN_STATUS, type EventObs, type EvidenceObs, type StatusObs } from "../../src/chaos/checker.ts";

const h = (number: number, tag = "a"): { number: number; hash: string } => ({ number, hash: `0x${tag}${String(number).padStart(63, "0")}` });
const st = (head: StatusObs["head"], events: EventObs[] = [], evidence: EvidenceObs[] = [], alarm: StatusObs["alarm"] = null): StatusObs => ({ head, events, evidence, alarm });
const rewound = (atMs: number, number: number): EventObs => ({ atMs, kind: "rewound", number, reason: "head no longer canonical" });
const ev = (id: number): EvidenceObs => ({ id, number: 10, existing: "0x01", conflicting: "0x02", peer: "p", atMs: 1 });

describe("chaos checker", () => {
  it("lets the head advance, stand still and skip heights", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(null));
    c.status(100, st(h(5)));
    c.status(200, st(h(5)));
    c.status(300, st(h(9)));
    c.finish(400);
    expect(c.violations).toEqual([]);
    expect(c.headsSeen).toBe(2);
    expect([c.firstHead?.number, c.lastHead?.number]).toEqual([5, 9]);
  });

  it("accepts a step back (lower, same height other hash, or no head) only with a new 'rewound' event in the same answer", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(h(10)));
    c.status(100, st(h(8), [rewound(1, 8)]));
    c.status(200, st(h(9, "b"), [rewound(1, 8)]));
    c.status(300, st(h(9, "c"), [rewound(2, 8), rewound(1, 8)]));
    c.status(400, st(null, [rewound(3, -1), rewound(2, 8), rewound(1, 8)]));
    expect(c.violations).toEqual([]);
    expect(c.rewindsObserved).toBe(3);
    expect(c.rewoundEvents).toBe(3);

    // the same (old) rewound event does not explain a second step back
    const d = new Checker({ recoveryBoundMs: 30_000 });
    d.status(0, st(h(10), [rewound(1, 7)]));
    d.status(100, st(h(12)));
    d.status(200, st(h(11), [rewound(1, 7)]));
    d.status(300, st(h(11, "x")));
    expect(d.violations.map((v) => [v.atMs, v.invariant])).toEqual([
      [200, "head-backwards"],
      [300, "head-backwards"],
    ]);
    expect(d.violations[0]!.detail).toContain("#12");
  });

  it("reports a head lost across a Worker outage", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(h(20)));
    c.unreachable(300);
    c.unreachable(600);
    c.status(8_300, st(h(3)));
    expect(c.violations.map((v) => v.invariant)).toEqual(["head-backwards"]);
    expect(c.longestOutageMs).toBe(8_000);
  });

  it("reports evidence that disappears, changes, or shrinks in number; counts alarms once", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    const alarm = { number: 10, evidenceId: 1 };
    c.status(0, st(h(10), [], [ev(1)], alarm));
    c.status(100, st(h(10), [], [ev(1), ev(2)], alarm));
    expect(c.violations).toEqual([]);
    expect([c.evidenceCount, c.alarmsSeen]).toEqual([2, 1]);
    c.status(200, st(h(10), [], [{ ...ev(1), conflicting: "0x03" }, ev(2)]));
    c.status(300, st(h(10), [], [ev(2)]));
    expect(c.violations.map((v) => [v.atMs, v.invariant])).toEqual([
      [200, "evidence"],
      [300, "evidence"],
      [300, "evidence"],
    ]);
  });

  it(`/status shows the newest ${EVIDENCE_IN_STATUS} evidence records: older ones leaving it is not a loss`, () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    const ids = (from: number, to: number): EvidenceObs[] => Array.from({ length: to - from + 1 }, (_, i) => ev(from + i));
    c.status(0, st(h(10), [], ids(1, EVIDENCE_IN_STATUS)));
    c.status(100, st(h(10), [], ids(2, EVIDENCE_IN_STATUS + 1)));
    expect(c.violations).toEqual([]);
    expect(c.evidenceCount).toBe(EVIDENCE_IN_STATUS + 1);
    expect(c.evidenceIds()).toContain(1);
    // but one missing from among the newest is
    c.status(200, st(h(10), [], [...ids(2, 20), ...ids(22, EVIDENCE_IN_STATUS + 2)]));
    expect(c.violations.map((v) => v.detail)).toEqual([expect.stringContaining("evidence #21 is gone")]);
  });

  it("after the faults stop, every attested block must reach the head within the bound", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(h(50)));
    c.published(500, 60); // before the quiet phase: not a target by itself
    c.quietStart(1_000, 60);
    c.published(2_000, 61);
    c.published(3_000, 62);
    c.status(4_000, st(h(61)));
    expect(c.quietCatchUpMs).toBe(3_000);
    c.status(40_000, st(h(62))); // 37 s after it was attested
    c.published(41_000, 63);
    c.finish(80_000); // #63 never reached the head
    expect(c.violations.map((v) => v.invariant)).toEqual(["recovery", "recovery"]);
    expect(c.violations[0]!.detail).toContain("#62");
    expect(c.violations[1]!.detail).toContain("#63");
  });

  it("does not fault a block attested less than the bound before the end", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(h(50)));
    c.quietStart(1_000, 50);
    c.published(70_000, 51);
    c.finish(80_000);
    expect(c.violations).toEqual([]);
    expect(c.quietCatchUpMs).toBe(0);
  });

  it("measures how long the head took to catch up after each fault", () => {
    const c = new Checker({ recoveryBoundMs: 30_000 });
    c.status(0, st(h(10)));
    c.faultEnded(1_000, 1, "worker-restart", 15);
    c.faultEnded(1_500, 2, "l1-reorg", 9);
    c.faultEnded(2_000, 3, "relay-kill", 30);
    c.status(5_000, st(h(16)));
    c.finish(6_000);
    expect(c.recoveries.map((r) => [r.faultId, r.tookMs])).toEqual([
      [2, 0],
      [1, 4_000],
      [3, null],
    ]);
    expect(c.longestRecovery()?.faultId).toBe(3);
    expect(c.violations).toEqual([]);
  });
});
