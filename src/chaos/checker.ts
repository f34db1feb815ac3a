// The chaos run's invariants over what the Worker's read API and the publisher report, as a pure
// object fed observations (times in ms from the run's start), so it is tested without a devnet:
//  1. the head never moves backwards (lower, or another block at the same height, or gone) unless a
//     `rewound` event not seen before is in the same status answer;
//  2. after the faults stop, every block attested (published) and local-safe reaches the head
//     (head number ≥ its number) within `recoveryBoundMs`;
//  3. no evidence is dropped: every evidence id seen stays, with the same content;
// plus, for the summary, how long the head took to catch up after each fault.
export interface HeadObs {
  number: number;
  hash: string;
}

export interface EventObs {
  atMs: number;
  kind: string;
  number?: number;
  hash?: string;
  reason?: string;
}

export interface EvidenceObs {
  id: number;
  number: number;
  existing: string;
  conflicting: string;
  [k: string]: unknown;
}

export interface StatusObs {
  head: HeadObs | null;
  /** Newest first (the Worker's last 50). */
  events: EventObs[];
  evidence: EvidenceObs[];
  alarm: { number: number; evidenceId?: number } | null;
}

export type Invariant = "head-backwards" | "recovery" | "evidence" | "memory" | "clock-skew" | "final-head" | "run";

export interface Violation {
  /** ms from the run's start */
  atMs: number;
  invariant: Invariant;
  detail: string;
}

export interface Recovery {
  faultId: number;
  kind: string;
  endedAtMs: number;
  target: number;
  /** ms from the fault's end to the head reaching the target; null if it never did. */
  tookMs: number | null;
}

interface Target {
  atMs: number;
  number: number;
  what: string;
}

/** /status lists the newest 50 evidence records (src/durable/chain-head.ts). */
export const EVIDENCE_IN_STATUS = 50;

const headText = (h: HeadObs | null): string => (h ? `#${h.number} ${h.hash.slice(0, 10)}…` : "none");
const eventKey = (e: EventObs): string => `${e.atMs}|${e.kind}|${e.number ?? ""}|${e.hash ?? ""}`;

export class Checker {
  readonly recoveryBoundMs: number;
  readonly violations: Violation[] = [];
  readonly recoveries: Recovery[] = [];
  /** Rewinds seen (head moved back through a `rewound` event), and all `rewound` events seen. */
  rewindsObserved = 0;
  rewoundEvents = 0;
  alarmsSeen = 0;
  headsSeen = 0;
  firstHead: HeadObs | null = null;
  lastHead: HeadObs | null = null;
  /** The longest run of failed status polls (ms) and when it ended. */
  longestOutageMs = 0;
  /** Time from the quiet start to the head reaching the quiet target. */
  quietCatchUpMs: number | null = null;
  quietAtMs: number | null = null;

  #seenEvents = new Set<string>();
  #evidence = new Map<number, string>();
  #alarmKey: string | null = null;
  #outageFrom: number | null = null;
  #targets: Target[] = [];
  #pendingRecoveries: Array<{ faultId: number; kind: string; endedAtMs: number; target: number }> = [];
  #quietTarget: number | null = null;
  #observed = false;

  constructor(o: { recoveryBoundMs: number }) {
    this.recoveryBoundMs = o.recoveryBoundMs;
  }

  #violate(atMs: number, invariant: Invariant, detail: string): void {
    this.violations.push({ atMs, invariant, detail });
  }

  unreachable(t: number): void {
    this.#outageFrom ??= t;
  }

  status(t: number, s: StatusObs): void {
    if (this.#outageFrom !== null) {
      this.longestOutageMs = Math.max(this.longestOutageMs, t - this.#outageFrom);
      this.#outageFrom = null;
    }
    this.#observed = true;
    // 1. head monotonic, except through a logged rewind
    const fresh = s.events.filter((e) => e.kind === "rewound" && !this.#seenEvents.has(eventKey(e)));
    for (const e of fresh) this.#seenEvents.add(eventKey(e));
    this.rewoundEvents += fresh.length;
    const prev = this.lastHead;
    const now = s.head;
    const back = prev !== null && (now === null || now.number < prev.number || (now.number === prev.number && now.hash !== prev.hash));
    if (back) {
      if (fresh.length > 0) this.rewindsObserved++;
      else this.#violate(t, "head-backwards", `head went from ${headText(prev)} to ${headText(now)} with no new 'rewound' event`);
    }
    if (now && (!prev || now.hash !== prev.hash)) this.headsSeen++;
    if (now) this.firstHead ??= now;
    this.lastHead = now;

    // 3. evidence never dropped nor changed (/status shows the newest EVIDENCE_IN_STATUS; older ones
    // are checked at the end through the paged /evidence)
    const byId = new Map(s.evidence.map((e) => [e.id, JSON.stringify(e)]));
    const full = s.evidence.length >= EVIDENCE_IN_STATUS;
    const oldestShown = Math.min(...s.evidence.map((e) => e.id));
    for (const [id, text] of this.#evidence) {
      const cur = byId.get(id);
      if (cur === undefined && !(full && id < oldestShown)) this.#violate(t, "evidence", `evidence #${id} is gone (was ${text})`);
      else if (cur !== undefined && cur !== text) this.#violate(t, "evidence", `evidence #${id} changed: ${text} → ${cur}`);
    }
    if (s.evidence.length < Math.min(this.#evidence.size, EVIDENCE_IN_STATUS)) this.#violate(t, "evidence", `evidence shown fell from ${Math.min(this.#evidence.size, EVIDENCE_IN_STATUS)} to ${s.evidence.length}`);
    for (const [id, text] of byId) if (!this.#evidence.has(id)) this.#evidence.set(id, text);

    const ak = s.alarm ? `${s.alarm.number}|${s.alarm.evidenceId ?? ""}` : null;
    if (ak !== null && ak !== this.#alarmKey) this.alarmsSeen++;
    this.#alarmKey = ak;

    // 2. and the summary's recoveries
    if (now) {
      for (const tg of this.#targets) {
        if (now.number < tg.number) continue;
        const took = t - tg.atMs;
        if (took > this.recoveryBoundMs) this.#violate(t, "recovery", `${tg.what} (#${tg.number}) reached the head ${(took / 1000).toFixed(1)} s later (bound ${this.recoveryBoundMs / 1000} s)`);
      }
      this.#targets = this.#targets.filter((tg) => now.number < tg.number);
      if (this.#quietTarget !== null && now.number >= this.#quietTarget && this.quietCatchUpMs === null) this.quietCatchUpMs = t - this.quietAtMs!;
      for (const r of this.#pendingRecoveries.filter((r) => now.number >= r.target)) this.recoveries.push({ ...r, tookMs: t - r.endedAtMs });
      this.#pendingRecoveries = this.#pendingRecoveries.filter((r) => now.number < r.target);
    }
  }

  get evidenceCount(): number {
    return this.#evidence.size;
  }

  /** Every evidence id seen. */
  evidenceIds(): number[] {
    return [...this.#evidence.keys()];
  }

  get quiet(): boolean {
    return this.quietAtMs !== null;
  }

  /** A block the publisher attested (at t). After the quiet start, it must reach the head in time. */
  published(t: number, number: number): void {
    if (this.quiet) this.#targets.push({ atMs: t, number, what: `block published at ${(t / 1000).toFixed(1)} s` });
  }

  /** A fault is over (its processes are back): how long until the head reaches `target`? */
  faultEnded(t: number, faultId: number, kind: string, target: number | null): void {
    if (target === null) return;
    if (this.lastHead && this.lastHead.number >= target) this.recoveries.push({ faultId, kind, endedAtMs: t, target, tookMs: 0 });
    else this.#pendingRecoveries.push({ faultId, kind, endedAtMs: t, target });
  }

  /** Faults stopped at t; `target` = the newest attested, local-safe, canonical block then. */
  quietStart(t: number, target: number | null): void {
    this.quietAtMs = t;
    if (target === null) return;
    this.#quietTarget = target;
    if (this.lastHead && this.lastHead.number >= target) this.quietCatchUpMs = 0;
    else this.#targets.push({ atMs: t, number: target, what: "the newest attested local-safe block when the faults stopped" });
  }

  /** End of the run at t: targets older than the bound that never reached the head are violations. */
  finish(t: number): void {
    for (const tg of this.#targets) {
      if (t - tg.atMs > this.recoveryBoundMs) this.#violate(t, "recovery", `${tg.what} (#${tg.number}) never reached the head (last ${headText(this.lastHead)})`);
    }
    this.#targets = this.#targets.filter((tg) => t - tg.atMs <= this.recoveryBoundMs);
    for (const r of this.#pendingRecoveries) this.recoveries.push({ ...r, tookMs: null });
    this.#pendingRecoveries = [];
    if (this.#outageFrom !== null) this.longestOutageMs = Math.max(this.longestOutageMs, t - this.#outageFrom);
    if (!this.#observed) this.#violate(t, "run", "the Worker's status was never read");
  }

  /** The slowest recovery after a fault (null: none measured). */
  longestRecovery(): Recovery | null {
    let worst: Recovery | null = null;
    for (const r of this.recoveries) {
      if (!worst || (r.tookMs ?? Infinity) > (worst.tookMs ?? Infinity)) worst = r;
    }
    return worst;
  }

  /** Records a violation found outside the status stream (memory, final head, clock skew). */
  add(atMs: number, invariant: Invariant, detail: string): void {
    this.#violate(atMs, invariant, detail);
  }
}
