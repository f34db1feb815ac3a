// Example-based tests of the per-chain state machine, one block per rule (issue 3, protocol notes
// §8.2, §8.4, §8.6, §8.7). Pure code, run inside workerd (the runtime it ships in).
import { describe, expect, it } from "vitest";
import { ChainMachine, decayed, isGraylisted, LIMITS, PEER_RECORD_BYTES, SCORING, type Outcome } from "../../src/durable/machine.ts";
import {
  advanceThrough,
  applyChanges,
  candidate,
  consolidated,
  deliver,
  emptyMirror,
  hashOf,
  held,
  mirrorSnapshot,
  mismatch,
  normalise,
  rawOf,
  ref,
  T0,
  replacement,
} from "./fixtures.ts";

const admitOf = (n: number, h = hashOf(n), peer = "peerA") => ({ peer, verdict: "accept" as const, reason: "valid", number: BigInt(n), hash: h });

function machineAt(head: number, from = 1): ChainMachine {
  const m = new ChainMachine();
  advanceThrough(m, from, head, T0);
  m.takeChanges();
  return m;
}


/**
 * A message of `size` bytes as the machine sees it: it reads only a message's length (the bytes go to
 * storage with the change), so the byte bounds are tested without allocating hundreds of MiB.
 */
function sizedStandIn(size: number): Uint8Array {
  return Object.defineProperty(new Uint8Array(0), "length", { value: size });
}

describe("advance", () => {
  it("makes the first consolidated block the head and records it", () => {
    const m = new ChainMachine();
    const a = m.admit(admitOf(7), T0);
    expect(a).toEqual({ proceed: true, verdict: "accept", reason: "admitted" });
    expect(m.head).toBeNull(); // admitting is not deciding
    const d = m.decide(consolidated(7, hashOf(7), { peer: "p1", messageId: "m7" }), T0 + 5);
    expect(d).toEqual({ verdict: "accept", reason: "advanced" });
    expect(m.head).toEqual({ ...ref(7), replaced: false, updatedAt: T0 + 5, messageId: "m7", peer: "p1" });
    expect(m.historyAt(7n)).toEqual(m.head);
    expect(m.envelopeSize(hashOf(7))).toBe(rawOf(hashOf(7)).length); // its bytes leave with the change
    expect(m.takeChanges().envelopesPut).toEqual(new Map([[hashOf(7), rawOf(hashOf(7))]]));
    expect(m.events().at(-1)).toEqual({ at: T0 + 5, kind: "advanced", number: "7", hash: hashOf(7), peer: "p1" });
    expect(m.peer("p1", T0 + 5)).toMatchObject({ score: SCORING.firstDelivery, accepted: 1, rejected: 0 });
  });

  it("advances height by height", () => {
    const m = new ChainMachine();
    for (let n = 1; n <= 5; n++) {
      expect(deliver(m, consolidated(n), T0 + n)).toMatchObject({ verdict: "accept", reason: "advanced" });
      expect(m.head?.number).toBe(BigInt(n));
    }
    expect(m.history().map((h) => h.number)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it("marks deposits-only replacements with the variant that matched", () => {
    const m = machineAt(3);
    const spec = consolidated(4, hashOf(4, 9), { consolidation: { kind: "match-deposits-only", variant: "spec" }, localHash: hashOf(4) });
    expect(m.decide(spec, T0)).toEqual({ verdict: "accept", reason: "advanced-replaced-spec" });
    expect(m.head).toMatchObject({ number: 4n, hash: hashOf(4, 9), replaced: "spec" });
    expect(m.events().at(-1)).toMatchObject({ kind: "replaced", reason: "deposits-only (spec)" });
    const opn = consolidated(5, hashOf(5, 9), { consolidation: { kind: "match-deposits-only", variant: "op-node" }, localHash: hashOf(5) });
    expect(m.decide(opn, T0)).toEqual({ verdict: "accept", reason: "advanced-replaced-op-node" });
    expect(m.head?.replaced).toBe("op-node");
  });
});

describe("duplicate", () => {
  it("ignores the head's hash again at admit, without an RPC round", () => {
    const m = machineAt(5);
    expect(m.admit(admitOf(5), T0 + 1)).toEqual({ proceed: false, verdict: "ignore", reason: "duplicate" });
    expect(m.events().at(-1)).toMatchObject({ kind: "duplicate", number: "5", hash: hashOf(5), reason: "duplicate" });
  });

  it("ignores a block below the head that is in history as a duplicate", () => {
    const m = machineAt(5);
    expect(m.admit(admitOf(2), T0 + 1)).toMatchObject({ proceed: false, verdict: "ignore", reason: "duplicate" });
  });

  it("ignores a duplicate at decide (two relays raced through admit) and leaves the head record untouched", () => {
    const m = machineAt(4);
    const a1 = m.admit(admitOf(5, hashOf(5), "p1"), T0);
    expect(a1.proceed).toBe(true);
    expect(m.decide(consolidated(5, hashOf(5), { peer: "p1" }), T0 + 1)).toMatchObject({ verdict: "accept" });
    const before = m.head;
    expect(m.decide(consolidated(5, hashOf(5), { peer: "p2" }), T0 + 2)).toMatchObject({ verdict: "ignore", reason: "duplicate" });
    expect(m.head).toBe(before);
    expect(m.peer("p2", T0 + 2)).toBeUndefined(); // a duplicate earns nothing
    // decide on a height below the head with the hash in history is a duplicate too
    expect(m.decide(consolidated(3), T0 + 3)).toMatchObject({ verdict: "ignore", reason: "duplicate" });
  });

  it("does not hold a duplicate as pending", () => {
    const m = machineAt(5);
    expect(m.hold(held(5), T0)).toEqual({ verdict: "ignore", reason: "duplicate" });
    expect(m.pending()).toEqual([]);
  });
});

describe("gap", () => {
  it("a higher consolidated block advances over the gap", () => {
    const m = machineAt(10);
    expect(deliver(m, consolidated(15), T0)).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(m.head?.number).toBe(15n);
    expect(m.historyAt(12n)).toBeUndefined();
    // a block in the gap is below the head: it may proceed (not below history) but cannot move the head
    expect(m.admit(admitOf(12), T0).proceed).toBe(true);
    expect(m.decide(consolidated(12), T0)).toMatchObject({ verdict: "ignore", reason: "at-or-below-head" });
    expect(m.head?.number).toBe(15n);
    expect(m.events().at(-1)).toMatchObject({ kind: "stale", reason: "at-or-below-head" });
  });
});

describe("stale", () => {
  it("ignores a block below the remembered history without an RPC round", () => {
    const m = machineAt(12, 10);
    expect(m.admit(admitOf(5), T0)).toEqual({ proceed: false, verdict: "ignore", reason: "below-history" });
    expect(m.events().at(-1)).toMatchObject({ kind: "stale", number: "5", reason: "below-history" });
    // not marked seen: a second copy gets the same answer
    expect(m.admit(admitOf(5), T0).reason).toBe("below-history");
    expect(m.admit(admitOf(9, hashOf(9, 3)), T0).reason).toBe("below-history");
  });
});

const replacementOf = replacement;

describe("equivocation (protocol notes §8.7: two attestations at one height that both consolidate)", () => {
  function equivocated() {
    const m = machineAt(10);
    m.observeLocalSafe(ref(20));
    const o = replacementOf(10, "p2");
    const d = deliver(m, o, T0 + 100);
    return { m, d, messageId: o.kind === "consolidated" ? o.candidate.messageId : "" };
  }

  it("a conflicting attestation that fails consolidation (stale, replayed, foreign) is rejected: no alarm, no evidence, the head moves on", () => {
    const m = machineAt(10);
    m.observeLocalSafe(ref(20));
    for (const [i, n] of [10, 9, 3, 10].entries()) {
      expect(deliver(m, mismatch(n, hashOf(n, 2 + i), hashOf(n), "px"), T0 + i)).toMatchObject({ verdict: "reject", admitted: true });
    }
    expect(m.alarm).toBeNull();
    expect(m.evidence()).toEqual([]);
    expect(m.head?.hash).toBe(hashOf(10));
    expect(m.history().map((h) => h.number)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(deliver(m, consolidated(11), T0 + 10)).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(m.events().filter((e) => e.kind === "rejected")).toHaveLength(4);
  });

  it("the same attestation again (e.g. a high-s twin: same block hash) is a duplicate, never a conflict", () => {
    const m = machineAt(10);
    expect(deliver(m, consolidated(10), T0)).toMatchObject({ verdict: "ignore", reason: "duplicate", admitted: false });
    expect(m.decide(consolidated(10), T0)).toMatchObject({ verdict: "ignore", reason: "duplicate" });
    expect(m.alarm).toBeNull();
  });

  it("a conflicting attestation held after a failed check (RPC timeout) survives the head passing it; the alarm's re-check raises the equivocation (found by the chaos run, seed 12)", () => {
    const m = machineAt(10);
    m.observeLocalSafe(ref(20));
    // the sequencer's replacement of #10 arrives; the follower's op-node times out during its check
    expect(m.admit(admitOf(10, hashOf(10, 1), "p2"), T0)).toMatchObject({ proceed: true, reason: "conflicts-with-cross-safe" });
    expect(m.hold(held(10, hashOf(10, 1), "rpc-timeout:rollup", "p2"), T0)).toEqual({ verdict: "ignore", reason: "rpc-timeout:rollup" });
    // meanwhile the head moves on, past it and past a stale candidate held below it
    m.hold(held(11, hashOf(11, 3), "rpc-timeout:rollup"), T0);
    expect(deliver(m, consolidated(11), T0 + 1_000)).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(deliver(m, consolidated(12), T0 + 2_000)).toMatchObject({ verdict: "accept", reason: "advanced" });
    // the conflict at #10 is still pending (its check has yet to tell equivocation from a reorg); #11's other block too
    expect(m.pending().map((p) => p.hash)).toEqual([hashOf(10, 1), hashOf(11, 3)]);
    expect(m.promotable().map((p) => p.hash)).toEqual([hashOf(10, 1), hashOf(11, 3)]);
    expect(m.decide(replacementOf(10, "p2"), T0 + 3_000, { promoted: true })).toEqual({ verdict: "ignore", reason: "equivocation" });
    expect(m.alarm).toMatchObject({ number: "10", hashes: [hashOf(10), hashOf(10, 1)], evidenceId: 1 });
    expect(m.evidence()).toHaveLength(1);
    expect(m.head?.number).toBe(12n);
  });

  it("a held candidate that agrees with the record at its height, or has none there, is dropped once the head passes it", () => {
    const m = machineAt(10);
    m.hold(held(11), T0);
    m.hold(held(12, hashOf(12, 4)), T0);
    expect(deliver(m, consolidated(13), T0 + 1)).toMatchObject({ verdict: "accept" });
    expect(m.pending()).toEqual([]);
  });

  it("a replacement head, then the original it replaced (both consolidate): equivocation", () => {
    const m = machineAt(9);
    expect(deliver(m, replacementOf(10), T0)).toMatchObject({ verdict: "accept", reason: "advanced-replaced-spec" });
    expect(deliver(m, consolidated(10, hashOf(10), { peer: "p4" }), T0 + 1)).toMatchObject({ verdict: "ignore", reason: "equivocation" });
    expect(m.alarm).toMatchObject({ number: "10", hashes: [hashOf(10, 1), hashOf(10)] });
  });

  it("against a head put in the same batch (not stored yet), the record carries that head's bytes: a later prune in the batch cannot lose them", () => {
    const m = new ChainMachine();
    advanceThrough(m, 1, 10, T0); // no takeChanges: nothing persisted yet
    m.observeLocalSafe(ref(20));
    expect(deliver(m, replacementOf(10, "p2"), T0 + 100)).toMatchObject({ reason: "equivocation" });
    const c = m.takeChanges();
    expect(c.evidencePut).toEqual([{ id: 1, existing: { raw: rawOf(hashOf(10)) }, conflicting: rawOf(hashOf(10, 1)) }]);
    expect(c.envelopesPut.get(hashOf(10))).toEqual(rawOf(hashOf(10)));
  });

  it("raises an alarm and stores both envelopes as evidence; the relaying peer is not penalised", () => {
    const { m, d, messageId } = equivocated();
    expect(d).toEqual({ verdict: "ignore", reason: "equivocation", admitted: true });
    expect(m.alarm).toEqual({ kind: "equivocation", raisedAt: T0 + 100, number: "10", hashes: [hashOf(10), hashOf(10, 1)], evidenceId: 1 });
    expect(m.evidence()).toEqual([
      {
        id: 1,
        at: T0 + 100,
        number: 10n,
        existing: { hash: hashOf(10), messageId: m.historyAt(10n)!.messageId, bytes: rawOf(hashOf(10)).length },
        conflicting: { hash: hashOf(10, 1), messageId, peer: "p2", bytes: rawOf(hashOf(10, 1)).length },
      },
    ]);
    // both messages go to storage with the change, and are not kept in the machine
    // (the existing one as head 10's stored envelope, which storage copies)
    expect(m.takeChanges().evidencePut).toEqual([{ id: 1, existing: { copyOf: hashOf(10) }, conflicting: rawOf(hashOf(10, 1)) }]);
    expect(JSON.stringify(m.snapshot().evidence, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain("raw");
    expect(m.events().at(-1)).toMatchObject({ kind: "equivocation", number: "10", hash: hashOf(10, 1), peer: "p2" });
    expect(m.peer("p2", T0 + 100)).toBeUndefined();
    expect(m.head?.hash).toBe(hashOf(10));
  });

  it("freezes the head: later candidates are held as pending (halted-equivocation)", () => {
    const { m } = equivocated();
    for (const n of [11, 12]) {
      expect(deliver(m, consolidated(n), T0 + 200)).toEqual({ verdict: "ignore", reason: "halted-equivocation", admitted: true });
    }
    expect(m.head?.number).toBe(10n);
    expect(m.pending().map((p) => [p.number, p.reason])).toEqual([
      [11n, "halted-equivocation"],
      [12n, "halted-equivocation"],
    ]);
    // mismatches are still rejected while halted
    expect(deliver(m, mismatch(13, hashOf(13, 2), hashOf(13)), T0 + 200)).toMatchObject({ verdict: "reject" });
    expect(m.head?.number).toBe(10n);
  });

  it("while halted, the alarm re-deciding a held candidate keeps it pending once: no new event, attempts count up", () => {
    const { m } = equivocated();
    deliver(m, consolidated(11), T0 + 200);
    const events = m.events().length;
    for (let i = 1; i <= 3; i++) {
      // what ChainHead's alarm does for a promotable pending candidate: re-run the checks, decide
      expect(m.decide(consolidated(11), T0 + 200 + i * 2_000)).toEqual({ verdict: "ignore", reason: "halted-equivocation" });
    }
    expect(m.events().length).toBe(events);
    expect(m.pending()).toMatchObject([{ number: 11n, reason: "halted-equivocation", attempts: 4, addedAt: T0 + 200 }]);
    const c = m.takeChanges();
    expect([...c.pendingPut]).toEqual([[hashOf(11), rawOf(hashOf(11))]]); // persisted with its message after its delete: still stored
  });

  it("stores each distinct conflict once; the alarm keeps pointing at the first", () => {
    const { m } = equivocated();
    expect(m.decide(replacementOf(10, "p3"), T0 + 300)).toEqual({ verdict: "ignore", reason: "equivocation" });
    expect(m.evidence()).toHaveLength(1);
    expect(m.decide(replacementOf(9, "p3", 4), T0 + 300)).toEqual({ verdict: "ignore", reason: "equivocation" });
    expect(m.evidence().map((e) => [e.id, e.number])).toEqual([
      [1, 10n],
      [2, 9n],
    ]);
    expect(m.alarm?.evidenceId).toBe(1);
  });

  it("clearAlarm resumes advancing (held candidates are promoted); evidence is never dropped", () => {
    const { m } = equivocated();
    deliver(m, consolidated(11), T0 + 200);
    const evidence = m.evidence();
    expect(m.clearAlarm(T0 + 400, "operator: sequencer key rotated")).toBe(true);
    expect(m.alarm).toBeNull();
    expect(m.events().at(-1)).toEqual({ at: T0 + 400, kind: "alarm-cleared", reason: "operator: sequencer key rotated" });
    expect(m.clearAlarm(T0 + 401, "again")).toBe(false);
    // the shell re-runs the checks for what is promotable, then decides
    expect(m.promotable().map((p) => p.number)).toEqual([11n]);
    expect(m.decide(consolidated(11), T0 + 500)).toMatchObject({ verdict: "accept" });
    expect(m.pending()).toEqual([]);
    expect(deliver(m, consolidated(12), T0 + 600)).toMatchObject({ verdict: "accept" });
    expect(m.head?.number).toBe(12n);
    expect(m.evidence()).toEqual(evidence);
    m.tick(T0 + 100 * LIMITS.pendingTtlMs);
    expect(m.evidence()).toEqual(evidence);
  });

  it("keeps the evidence when the existing block's envelope has been pruned (bytes: null)", () => {
    const m = machineAt(LIMITS.envelopes + 10);
    expect(m.envelopeSize(hashOf(1))).toBeUndefined();
    m.decide(replacementOf(1), T0);
    expect(m.evidence()[0]).toMatchObject({ number: 1n, existing: { hash: hashOf(1), bytes: null }, conflicting: { hash: hashOf(1, 1) } });
    expect(m.takeChanges().evidencePut).toEqual([{ id: 1, existing: null, conflicting: rawOf(hashOf(1, 1)) }]);
    expect(m.alarm).not.toBeNull();
  });
});

describe("local reorg", () => {
  it("a different block at the head's height that the local chain now has: rewind, then advance normally", () => {
    const m = machineAt(10);
    const reorged = hashOf(10, 0, 1);
    const d = deliver(m, consolidated(10, reorged), T0 + 50);
    expect(d).toMatchObject({ verdict: "accept", reason: "advanced" });
    expect(m.head).toMatchObject({ number: 10n, hash: reorged });
    expect(m.alarm).toBeNull();
    expect(m.evidence()).toEqual([]);
    const kinds = m.events().slice(-2).map((e) => e.kind);
    expect(kinds).toEqual(["rewound", "advanced"]);
    // The local chain changed at 10: records below stay (the alarm's reorg probe verifies them).
    expect(m.history().map((h) => h.number)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(m.historyAt(10n)?.hash).toBe(reorged);
  });

  it("a conflicting block below the head whose local hash differs from our record is not equivocation, and does not rewind the head", () => {
    const m = machineAt(10);
    const d = deliver(m, mismatch(8, hashOf(8, 5), hashOf(8, 0, 1)), T0);
    expect(d.verdict).toBe("reject"); // it does not match the local chain either
    expect(m.alarm).toBeNull();
    expect(m.evidence()).toEqual([]);
    // Our record at 8 is stale, but the head may have been accepted after that reorg (over a gap):
    // anyone can replay a message at 8, so only the alarm's probe of the head itself rewinds it.
    expect(m.head?.number).toBe(10n);
    expect(m.events().map((e) => e.kind)).not.toContain("rewound");
    // the same at the head's own height: the head is provably off the local chain, rewind now
    expect(deliver(m, mismatch(10, hashOf(10, 5), hashOf(10, 0, 1)), T0 + 1).verdict).toBe("reject");
    expect(m.head?.number).toBe(9n);
    expect(m.events().map((e) => e.kind)).toContain("rewound");
  });

  it("reconcile() rewinds to the newest stored ancestor that is still canonical and drops history above it", () => {
    const m = machineAt(10);
    const canonical = new Map<bigint, ReturnType<typeof hashOf>>();
    for (let n = 1n; n <= 10n; n++) canonical.set(n, n <= 6n ? hashOf(n) : hashOf(n, 0, 1));
    expect(m.reorgProbe()).toEqual([10n, 9n, 8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n]);
    expect(m.reorgProbe(3)).toEqual([10n, 9n, 8n]);
    const record6 = m.historyAt(6n);
    expect(m.reconcile(canonical, T0 + 9)).toEqual({ rewound: true, to: 6n });
    expect(m.head).toBe(record6);
    expect(m.history().map((h) => h.number).sort((a, b) => Number(a - b))).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    expect(m.events().at(-1)).toEqual({ at: T0 + 9, kind: "rewound", number: "6", hash: hashOf(6), reason: "head 10 no longer canonical" });
    expect(m.takeChanges()).toMatchObject({ meta: true, historyDeleteAbove: 6n });
    // normal processing resumes on the new branch, and the old branch's blocks are no longer "seen"
    expect(deliver(m, consolidated(7, hashOf(7, 0, 1)), T0 + 10)).toMatchObject({ verdict: "accept" });
    expect(m.admit(admitOf(8), T0 + 11).proceed).toBe(true);
  });

  it("reconcile() skips a non-canonical record between canonical ones", () => {
    const m = machineAt(10);
    const canonical = new Map([
      [10n, hashOf(10, 0, 1)],
      [9n, hashOf(9)],
      [8n, hashOf(8, 0, 1)],
    ]);
    expect(m.reconcile(canonical, T0)).toEqual({ rewound: true, to: 9n });
  });

  it("reconcile() leaves a canonical head (or one the probe could not see) alone", () => {
    const m = machineAt(10);
    expect(m.reconcile(new Map([[10n, hashOf(10)]]), T0)).toEqual({ rewound: false, to: null });
    expect(m.reconcile(new Map([[9n, hashOf(9, 0, 1)]]), T0)).toEqual({ rewound: false, to: null });
    expect(m.reconcile(new Map(), T0)).toEqual({ rewound: false, to: null });
    expect(m.head?.number).toBe(10n);
    expect(new ChainMachine().reconcile(new Map([[1n, hashOf(1)]]), T0)).toEqual({ rewound: false, to: null });
  });

  it("reconcile() drops everything when no stored record is canonical any more", () => {
    const m = machineAt(5);
    const canonical = new Map([1n, 2n, 3n, 4n, 5n].map((n) => [n, hashOf(n, 0, 1)] as const));
    expect(m.reconcile(canonical, T0)).toEqual({ rewound: true, to: null });
    expect(m.head).toBeNull();
    expect(m.history()).toEqual([]);
    expect(m.takeChanges().historyDeleteAbove).toBe(-1n);
    expect(deliver(m, consolidated(3, hashOf(3, 0, 1)), T0)).toMatchObject({ verdict: "accept" });
  });
});

describe("mismatch", () => {
  it("rejects, lowers the peer's score and leaves the head", () => {
    const m = machineAt(5);
    const d = deliver(m, mismatch(6, hashOf(6, 1), hashOf(6), "bad", "consolidation-mismatch:gasLimit"), T0);
    expect(d).toEqual({ verdict: "reject", reason: "consolidation-mismatch:gasLimit", admitted: true });
    expect(m.head?.number).toBe(5n);
    expect(m.peer("bad", T0)).toMatchObject({ score: SCORING.reject, rejected: 1, accepted: 0 });
    expect(m.events().at(-1)).toMatchObject({ kind: "rejected", peer: "bad", number: "6", hash: hashOf(6, 1), reason: "consolidation-mismatch:gasLimit" });
    // decided: a copy from another relay gets the same REJECT (its relay scores its sender), and
    // the object does not count the peer again (copies are often the same peer's, via each relay)
    expect(m.admit(admitOf(6, hashOf(6, 1), "other"), T0)).toEqual({ proceed: false, verdict: "reject", reason: "consolidation-mismatch:gasLimit" });
    expect(m.peer("other", T0)).toBeUndefined();
    expect(m.peer("bad", T0)).toMatchObject({ rejected: 1 });
  });

  it("a stateless REJECT (bad signature) costs the peer too", () => {
    const m = new ChainMachine();
    expect(m.admit({ peer: "evil", verdict: "reject", reason: "signature-invalid", number: 3n, hash: hashOf(3) }, T0)).toEqual({
      proceed: false,
      verdict: "reject",
      reason: "signature-invalid",
    });
    expect(m.peer("evil", T0)?.score).toBe(SCORING.reject);
    expect(m.events().at(-1)).toEqual({ at: T0, kind: "rejected", peer: "evil", reason: "signature-invalid", number: "3", hash: hashOf(3) });
  });

  it("a stateless IGNORE changes no score", () => {
    const m = new ChainMachine();
    expect(m.admit({ peer: "p", verdict: "ignore", reason: "no-signer-configured" }, T0)).toEqual({ proceed: false, verdict: "ignore", reason: "no-signer-configured" });
    expect(m.admit({ peer: "p", verdict: "accept", reason: "valid" }, T0)).toMatchObject({ proceed: false, verdict: "ignore" }); // no number/hash
    expect(m.peers(T0)).toEqual([]);
    expect(m.events().map((e) => e.kind)).toEqual(["ignored", "ignored"]);
  });
});

describe("op-node per-height rules", () => {
  it("more than 5 distinct blocks at one height → REJECT too-many-blocks-at-height, checked before seen", () => {
    const m = machineAt(3);
    for (let t = 1; t <= 6; t++) expect(m.admit(admitOf(4, hashOf(4, t), `p${t}`), T0).proceed).toBe(true);
    expect(m.admit(admitOf(4, hashOf(4, 7), "p7"), T0)).toEqual({ proceed: false, verdict: "reject", reason: "too-many-blocks-at-height" });
    expect(m.peer("p7", T0)?.score).toBe(SCORING.reject);
    // an already seen one is rejected too: the count is checked first (op-node gossip.go)
    expect(m.admit(admitOf(4, hashOf(4, 1), "p8"), T0)).toMatchObject({ verdict: "reject", reason: "too-many-blocks-at-height" });
    // other heights are unaffected
    expect(m.admit(admitOf(5), T0).proceed).toBe(true);
  });

  it("five distinct blocks at a height leave room for a sixth", () => {
    const m = new ChainMachine();
    for (let t = 1; t <= 5; t++) m.admit(admitOf(4, hashOf(4, t)), T0);
    expect(m.admit(admitOf(4, hashOf(4, 6)), T0).proceed).toBe(true);
  });

  it("a hash in flight, pending or final (not rejected) is IGNOREd as already-seen", () => {
    const m = machineAt(3);
    m.admit(admitOf(4), T0);
    expect(m.admit(admitOf(4, hashOf(4), "p2"), T0 + 1)).toEqual({ proceed: false, verdict: "ignore", reason: "already-seen" });
    m.hold(held(4), T0 + 2);
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs * 10).reason).toBe("already-seen");
    m.admit(admitOf(6), T0);
    m.decide(consolidated(6, hashOf(6), { localHash: hashOf(6) }), T0);
    m.admit(admitOf(5, hashOf(5, 3)), T0);
    m.decide(consolidated(5, hashOf(5, 3)), T0); // final: below the head, not recorded
    expect(m.admit(admitOf(5, hashOf(5, 3)), T0 + LIMITS.inflightMs * 10).reason).toBe("already-seen");
    expect(m.events().at(-1)).toMatchObject({ kind: "ignored", reason: "already-seen" });
  });

  it("an in-flight mark older than LIMITS.inflightMs no longer blocks (the Worker that held it is gone)", () => {
    const m = new ChainMachine();
    expect(m.admit(admitOf(4), T0).proceed).toBe(true);
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs).proceed).toBe(false);
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs + 1).proceed).toBe(true);
    // and the new mark runs from the re-admission
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs + 2).proceed).toBe(false);
  });

  it("tick() forgets stuck in-flight marks; release() forgets an in-flight mark but not a pending one", () => {
    const m = new ChainMachine();
    m.admit(admitOf(4), T0);
    m.tick(T0 + LIMITS.inflightMs + 1);
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs + 2).proceed).toBe(true);
    m.release(4n, hashOf(4));
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs + 3).proceed).toBe(true);
    m.hold(held(4), T0);
    m.release(4n, hashOf(4));
    expect(m.admit(admitOf(4), T0 + LIMITS.inflightMs + 4).reason).toBe("already-seen");
  });
});

describe("hold / pending", () => {
  it("keeps a held candidate, counting attempts", () => {
    const m = new ChainMachine();
    expect(m.hold(held(9, hashOf(9), "above-local-safe", "p1"), T0)).toEqual({ verdict: "ignore", reason: "above-local-safe" });
    const { raw, ...rest } = held(9, hashOf(9), "above-local-safe", "p1");
    expect(m.pending()).toEqual([{ ...rest, bytes: raw.length, attempts: 1, addedAt: T0 }]); // its size; the message goes to storage
    expect(m.events().at(-1)).toEqual({ at: T0, kind: "pending", number: "9", hash: hashOf(9), peer: "p1", reason: "above-local-safe" });
    expect(m.hold(held(9, hashOf(9), "rpc-timeout:l2"), T0 + 50)).toEqual({ verdict: "ignore", reason: "rpc-timeout:l2" });
    expect(m.pendingByHash(hashOf(9))).toMatchObject({ attempts: 2, addedAt: T0, reason: "rpc-timeout:l2" });
    expect(m.events()).toHaveLength(1);
  });

  it(`is bounded by LIMITS.pending (${LIMITS.pending}) and keeps the lowest heights`, () => {
    const m = new ChainMachine();
    const heights = Array.from({ length: LIMITS.pending + 40 }, (_, i) => 1000 + ((i * 7919) % (LIMITS.pending + 40)));
    for (const n of heights) m.hold(held(n), T0);
    const kept = m.pending().map((p) => Number(p.number));
    expect(kept).toHaveLength(LIMITS.pending);
    expect(kept).toEqual(Array.from({ length: LIMITS.pending }, (_, i) => 1000 + i));
    // an evicted one is forgotten by the seen cache, so it can come back
    expect(m.admit(admitOf(1000 + LIMITS.pending + 1), T0).proceed).toBe(true);
  });

  it(`holds at most LIMITS.pendingBytes (${LIMITS.pendingBytes / 2 ** 20} MiB) of envelopes in storage, keeping the lowest heights (at least one)`, () => {
    const m = new ChainMachine();
    const big = (n: number, size: number) => ({ ...held(n), raw: sizedStandIn(size) });
    const size = Math.floor(LIMITS.pendingBytes * 0.4); // two fit, three do not
    for (const n of [1003, 1001, 1002, 1004]) m.hold(big(n, size), T0);
    expect(m.pending().map((p) => Number(p.number))).toEqual([1001, 1002]);
    expect(m.takeChanges().pendingDelete).toEqual([hashOf(1003), hashOf(1004)]);
    expect(m.admit(admitOf(1003), T0).proceed).toBe(true); // forgotten by the seen cache: it can come back
    // one candidate over the whole budget is still held alone
    const one = new ChainMachine();
    one.hold(big(7, LIMITS.pendingBytes + 1), T0);
    expect(one.pending()).toHaveLength(1);
    // storage written before the bound is restored within it
    const snap = one.snapshot();
    snap.pending = [5, 6, 7].map((n) => {
      const { raw: _raw, ...p } = big(n, size);
      return { ...p, bytes: size, attempts: 1, addedAt: T0 };
    });
    expect(ChainMachine.restore(snap).pending().map((p) => Number(p.number))).toEqual([5, 6]);
  });

  it("promotable() returns pending candidates at or below local-safe, lowest first", () => {
    const m = machineAt(10);
    expect(m.promotable()).toEqual([]);
    for (const n of [14, 12, 20, 11]) m.hold(held(n), T0);
    expect(m.promotable()).toEqual([]); // no local-safe seen yet
    m.observeLocalSafe(ref(14));
    expect(m.localSafe).toEqual(ref(14));
    expect(m.promotable().map((p) => p.number)).toEqual([11n, 12n, 14n]);
  });

  it("prunes pending candidates the head passes; a decided one leaves pending", () => {
    const m = machineAt(10);
    for (const n of [11, 12, 13, 15]) m.hold(held(n), T0);
    m.hold(held(12, hashOf(12, 2)), T0);
    expect(m.decide(consolidated(11), T0)).toMatchObject({ verdict: "accept" });
    expect(m.pending().map((p) => p.number)).toEqual([12n, 12n, 13n, 15n]);
    expect(m.admit(admitOf(13), T0).reason).toBe("already-seen"); // it is pending
    expect(m.decide(consolidated(13), T0)).toMatchObject({ verdict: "accept" });
    expect(m.pending().map((p) => p.number)).toEqual([15n]);
  });

  it("a candidate promoted from pending (the alarm) is one 'promoted' event, not 'advanced' as well", () => {
    const m = machineAt(10);
    m.hold(held(11), T0);
    const before = m.events().length;
    expect(m.decide(consolidated(11), T0 + 1, { promoted: true })).toEqual({ verdict: "accept", reason: "advanced" });
    expect(m.events().slice(before)).toEqual([expect.objectContaining({ kind: "promoted", number: "11", hash: hashOf(11) })]);
    expect(m.head?.number).toBe(11n);
  });

  it("expires pending candidates after LIMITS.pendingTtlMs (tick)", () => {
    const m = new ChainMachine();
    m.hold(held(9), T0);
    m.hold(held(9), T0 + 60_000); // a retry does not refresh addedAt
    m.tick(T0 + LIMITS.pendingTtlMs);
    expect(m.pending()).toHaveLength(1);
    m.tick(T0 + LIMITS.pendingTtlMs + 1);
    expect(m.pending()).toEqual([]);
    expect(m.events().at(-1)).toMatchObject({ kind: "ignored", number: "9", hash: hashOf(9), reason: "pending-expired" });
    expect(m.admit(admitOf(9), T0 + LIMITS.pendingTtlMs + 2).proceed).toBe(true);
  });

  it("dropPending() removes a candidate for good and forgets it was seen", () => {
    const m = new ChainMachine();
    m.hold(held(9), T0);
    m.dropPending(hashOf(9), "l1-info-undecodable", T0 + 1);
    m.dropPending(hashOf(9), "again", T0 + 2); // no-op
    expect(m.pending()).toEqual([]);
    expect(m.events().at(-1)).toMatchObject({ kind: "ignored", reason: "l1-info-undecodable" });
    expect(m.events()).toHaveLength(2);
    expect(m.admit(admitOf(9), T0 + 3).proceed).toBe(true);
  });

  it("observeLocalSafe() is a change only when the block differs", () => {
    const m = new ChainMachine();
    m.observeLocalSafe(ref(5));
    expect(m.takeChanges().meta).toBe(true);
    m.observeLocalSafe(ref(5));
    expect(m.takeChanges().meta).toBe(false);
    m.observeLocalSafe(ref(4)); // local-safe may go back after a local reorg
    expect(m.localSafe?.number).toBe(4n);
  });

  it("observeLocalSafe(…, { forwardOnly }) ignores an older report (an ingest's check that settled late)", () => {
    const m = new ChainMachine();
    m.observeLocalSafe(ref(7));
    m.takeChanges();
    m.observeLocalSafe(ref(6), { forwardOnly: true });
    expect(m.localSafe?.number).toBe(7n);
    expect(m.takeChanges().meta).toBe(false);
    m.observeLocalSafe(ref(7, hashOf(7, 1)), { forwardOnly: true }); // same height, other block: taken
    expect(m.localSafe?.hash).toBe(hashOf(7, 1));
    m.observeLocalSafe(ref(8), { forwardOnly: true });
    expect(m.localSafe?.number).toBe(8n);
  });
});

describe("peer scores", () => {
  it("rejects cost SCORING.reject down to SCORING.min; first deliveries earn SCORING.firstDelivery up to SCORING.max", () => {
    const m = new ChainMachine();
    for (let i = 0; i < 15; i++) m.admit({ peer: "bad", verdict: "reject", reason: "wrong-signer" }, T0);
    expect(m.peer("bad", T0)).toMatchObject({ score: SCORING.min, rejected: 15 });
    for (let n = 1; n <= 15; n++) deliver(m, consolidated(n, hashOf(n), { peer: "good" }), T0);
    expect(m.peer("good", T0)).toMatchObject({ score: SCORING.max, accepted: 15 });
  });

  it("decays by half every SCORING.halfLifeMs (lazily in reads, persisted by tick)", () => {
    const m = new ChainMachine();
    m.admit({ peer: "p", verdict: "reject", reason: "x" }, T0);
    m.admit({ peer: "p", verdict: "reject", reason: "x" }, T0);
    expect(m.peer("p", T0 + SCORING.halfLifeMs)?.score).toBeCloseTo(-10, 9);
    expect(m.peers(T0 + 2 * SCORING.halfLifeMs)[0]?.score).toBeCloseTo(-5, 9);
    expect(m.peerRaw("p")).toMatchObject({ score: -20, updatedAt: T0 }); // the stored record is untouched by reads
    expect(decayed(m.peerRaw("p")!, T0 - 1)).toBe(-20);
    m.takeChanges();
    m.tick(T0 + SCORING.halfLifeMs);
    expect(m.peerRaw("p")).toMatchObject({ score: -10, updatedAt: T0 + SCORING.halfLifeMs });
    expect(m.takeChanges().peersPut).toEqual(["p"]);
    // a further reject applies to the decayed score
    m.admit({ peer: "p", verdict: "reject", reason: "x" }, T0 + 2 * SCORING.halfLifeMs);
    expect(m.peerRaw("p")?.score).toBeCloseTo(-15, 9);
    // tiny scores snap to zero, and a zero score is not rewritten again
    m.tick(T0 + 40 * SCORING.halfLifeMs);
    expect(m.peerRaw("p")?.score).toBe(0);
    m.takeChanges();
    m.tick(T0 + 80 * SCORING.halfLifeMs);
    expect(m.takeChanges().peersPut).toEqual([]);
  });

  it(`graylists at or below SCORING.graylist (${SCORING.graylist}), and decay brings a peer back`, () => {
    expect(isGraylisted(SCORING.graylist)).toBe(true);
    expect(isGraylisted(SCORING.graylist + 0.001)).toBe(false);
    const m = new ChainMachine();
    const rejectsToGraylist = Math.ceil(SCORING.graylist / SCORING.reject);
    for (let i = 0; i < rejectsToGraylist; i++) m.admit({ peer: "p", verdict: "reject", reason: "x" }, T0);
    expect(isGraylisted(m.peer("p", T0)!.score)).toBe(true);
    expect(isGraylisted(m.peer("p", T0 + SCORING.halfLifeMs)!.score)).toBe(false);
  });

  it(`keeps at most LIMITS.peers (${LIMITS.peers}) peers, forgetting the most neutral first`, () => {
    const m = new ChainMachine();
    for (let i = 0; i < 5; i++) m.admit({ peer: "villain", verdict: "reject", reason: "x" }, T0);
    for (let i = 0; i < LIMITS.peers + 50; i++) {
      // alternately a good and a bad peer; the good ones (+1) are closer to neutral than the bad (-10)
      if (i % 2) m.admit({ peer: `bad${i}`, verdict: "reject", reason: "x" }, T0);
      else deliver(m, consolidated(i + 1, hashOf(i + 1), { peer: `good${i}` }), T0);
    }
    const peers = m.peers(T0);
    expect(peers).toHaveLength(LIMITS.peers);
    expect(m.peer("villain", T0)?.score).toBe(5 * SCORING.reject);
    expect(peers.filter((p) => p.peerId.startsWith("bad"))).toHaveLength(Math.floor((LIMITS.peers + 50) / 2));
    expect(m.takeChanges().peersDelete.length).toBeGreaterThanOrEqual(51);
  });

  it(`bounds the table in bytes too (LIMITS.peerBytes ${LIMITS.peerBytes}): 2,000 ids of 64 KB never add up`, () => {
    const m = new ChainMachine();
    const bytes = () => m.peers(T0).reduce((n, p) => n + p.peerId.length + PEER_RECORD_BYTES, 0);
    for (let i = 0; i < 5; i++) m.admit({ peer: "villain", verdict: "reject", reason: "x" }, T0);
    // longer than the whole budget: not recorded at all
    m.admit({ peer: "x".repeat(LIMITS.peerBytes), verdict: "reject", reason: "x" }, T0);
    expect(m.peers(T0).map((p) => p.peerId)).toEqual(["villain"]);
    for (let i = 0; i < 2_000; i++) m.admit({ peer: `${i}-`.padEnd(65_536, "Q"), verdict: "reject", reason: "x" }, T0);
    expect(bytes()).toBeLessThanOrEqual(LIMITS.peerBytes);
    expect(m.peers(T0).length).toBeLessThan(10);
    expect(m.peer("villain", T0)?.score).toBe(5 * SCORING.reject); // the strongest score stays
    // a restore over a table filled before the bound: the strongest kept, the rest deleted from storage
    const big = m.snapshot();
    big.peers.push(...Array.from({ length: 2_000 }, (_, i) => ({ peerId: `old${i}-`.padEnd(65_536, "Q"), score: -1, accepted: 0, rejected: 1, updatedAt: T0 })));
    const r = ChainMachine.restore(big);
    expect(r.peers(T0).reduce((n, p) => n + p.peerId.length + PEER_RECORD_BYTES, 0)).toBeLessThanOrEqual(LIMITS.peerBytes);
    expect(r.peer("villain", T0)).toBeDefined();
    expect(r.takeChanges().peersDelete.length).toBeGreaterThanOrEqual(2_000);
  });

  it("purges one peer or all of them on an operator's request, and says so once", () => {
    const m = new ChainMachine();
    for (const p of ["a", "b", "c"]) m.admit({ peer: p, verdict: "reject", reason: "x" }, T0);
    m.takeChanges();
    expect(m.purgePeers(T0 + 1, "b")).toBe(1);
    expect(m.purgePeers(T0 + 1, "nobody")).toBe(0);
    expect(m.peers(T0 + 1).map((p) => p.peerId).sort()).toEqual(["a", "c"]);
    expect(m.purgePeers(T0 + 2)).toBe(2);
    expect(m.peers(T0 + 2)).toEqual([]);
    const c = m.takeChanges();
    expect(c.peersDelete.sort()).toEqual(["a", "b", "c"]);
    expect(c.events.map((e) => [e.kind, e.reason])).toEqual([
      ["peers-purged", "1 peer purged by operator"],
      ["peers-purged", "2 peers purged by operator"],
    ]);
    // the byte count follows: the table fills up again to the same bound
    for (let i = 0; i < LIMITS.peers; i++) m.admit({ peer: `p${i}`, verdict: "reject", reason: "x" }, T0 + 3);
    expect(m.peers(T0 + 3)).toHaveLength(LIMITS.peers);
  });
});

describe("nonces", () => {
  it("rejects a replay within validity and accepts the key again after it expired", () => {
    const m = new ChainMachine();
    expect(m.nonceUsed("r1:n1", T0)).toBe(false);
    expect(m.claimNonce("r1:n1", T0 + 31_000, T0)).toBe("claimed");
    expect(m.nonceUsed("r1:n1", T0 + 30_999)).toBe(true);
    expect(m.claimNonce("r1:n1", T0 + 31_000, T0 + 30_999)).toBe("replay");
    expect(m.claimNonce("r2:n1", T0 + 31_000, T0)).toBe("claimed"); // per relay
    expect(m.nonceExpiry("r1:n1")).toBe(T0 + 31_000);
    expect(m.nonceUsed("r1:n1", T0 + 31_000)).toBe(false); // expired
    expect(m.claimNonce("r1:n1", T0 + 62_000, T0 + 31_000)).toBe("claimed");
    expect(m.nonceExpiry("r1:n1")).toBe(T0 + 62_000);
    expect(m.takeChanges().noncesPut).toEqual(["r1:n1", "r2:n1", "r1:n1"]);
  });

  it(`is bounded by LIMITS.nonces (${LIMITS.nonces}): expired ones make room, an unexpired one is never evicted (full → refused)`, () => {
    const m = new ChainMachine();
    for (let i = 0; i < LIMITS.nonces; i++) expect(m.claimNonce(`k${i}`, i < 10 ? T0 + 1 : T0 + 60_000, T0)).toBe("claimed");
    expect(m.nonceRoom(T0)).toBe(false);
    expect(m.claimNonce("early", T0 + 60_000, T0)).toBe("full");
    expect(m.claimNonce("fresh1", T0 + 60_000, T0 + 2)).toBe("claimed"); // the 10 expired ones are dropped
    expect(m.nonceExpiry("k0")).toBeUndefined();
    for (let i = 0; i < 9; i++) expect(m.claimNonce(`more${i}`, T0 + 60_000, T0 + 2)).toBe("claimed");
    // Full of unexpired nonces: refused, and the oldest stays (it once went, and its request could be replayed).
    expect(m.nonceRoom(T0 + 2)).toBe(false);
    const before = m.takeChanges().noncesPut.length;
    expect(m.claimNonce("more9", T0 + 60_000, T0 + 2)).toBe("full");
    expect(m.takeChanges().noncesPut).toHaveLength(0);
    expect(before).toBe(LIMITS.nonces + 10);
    expect(m.nonceExpiry("k10")).toBe(T0 + 60_000);
    expect(m.claimNonce("k10", T0 + 90_000, T0 + 2)).toBe("replay");
    expect(m.snapshot().nonces).toHaveLength(LIMITS.nonces);
    // once they expire there is room again
    expect(m.claimNonce("more9", T0 + 120_000, T0 + 60_000)).toBe("claimed");
    expect(m.nonceCount).toBe(1); // all the others had expired: dropped to make room
  });

  it("tick() expires nonces", () => {
    const m = new ChainMachine();
    m.claimNonce("a", T0 + 10, T0);
    m.tick(T0 + 10);
    expect(m.nonceExpiry("a")).toBeUndefined();
  });
});

describe("events", () => {
  it(`is a ring of LIMITS.events (${LIMITS.events}) keeping the newest`, () => {
    const m = new ChainMachine();
    for (let i = 0; i < LIMITS.events + 25; i++) m.admit({ peer: "p", verdict: "ignore", reason: `r${i}` }, T0 + i);
    const ev = m.events();
    expect(ev).toHaveLength(LIMITS.events);
    expect(ev[0]?.reason).toBe("r25");
    expect(ev.at(-1)?.reason).toBe(`r${LIMITS.events + 24}`);
    expect(m.takeChanges().events).toHaveLength(LIMITS.events + 25); // the store trims its own copy
  });
});

describe("history bound", () => {
  it(`keeps the newest LIMITS.history (${LIMITS.history}) heads and LIMITS.envelopes (${LIMITS.envelopes}) envelopes`, () => {
    const m = new ChainMachine();
    advanceThrough(m, 1, LIMITS.history + 20, T0);
    const ns = m.history().map((h) => Number(h.number));
    expect(ns).toHaveLength(LIMITS.history);
    expect(Math.min(...ns)).toBe(21);
    expect(m.snapshot().envelopes).toHaveLength(LIMITS.envelopes);
    expect(m.envelopeSize(hashOf(LIMITS.history + 20 - LIMITS.envelopes + 1))).toBeDefined();
    expect(m.envelopeSize(hashOf(LIMITS.history + 20 - LIMITS.envelopes))).toBeUndefined();
    const c = m.takeChanges();
    expect(c.historyDeleteBelow).toBe(21n);
    expect(c.envelopesDelete).toHaveLength(LIMITS.history + 20 - LIMITS.envelopes);
  });

  it(`keeps at most LIMITS.envelopeBytes (${LIMITS.envelopeBytes / 2 ** 20} MiB) of envelopes in storage, the newest head's always; a restore prunes older storage`, () => {
    const m = new ChainMachine();
    const big = (n: number, size: number): Outcome => {
      const o = consolidated(n);
      if (o.kind === "consolidated") o.candidate.raw = sizedStandIn(size);
      return o;
    };
    const size = Math.floor(LIMITS.envelopeBytes * 0.4); // two fit, three do not
    for (let n = 1; n <= 5; n++) expect(deliver(m, big(n, size), T0 + n).verdict).toBe("accept");
    expect(m.snapshot().envelopes.map(([h]) => h)).toEqual([hashOf(4), hashOf(5)]);
    expect(m.takeChanges().envelopesDelete).toEqual([hashOf(1), hashOf(2), hashOf(3)]);
    // one block over the whole budget: kept alone (the newest head's envelope is evidence of it)
    expect(deliver(m, big(6, LIMITS.envelopeBytes + 1), T0 + 6).verdict).toBe("accept");
    expect(m.snapshot().envelopes.map(([h]) => h)).toEqual([hashOf(6)]);
    // storage written before the bound: restored within it
    const snap = m.snapshot();
    snap.envelopes = [4, 5, 6].map((n) => [hashOf(n), size]);
    const r = ChainMachine.restore(snap);
    expect(r.snapshot().envelopes.map(([h]) => h)).toEqual([hashOf(5), hashOf(6)]);
    expect(r.takeChanges().envelopesDelete).toEqual([hashOf(4)]);
  });
});

// ---- snapshot / restore, takeChanges ------------------------------------------------------------

/** A machine with something in every part of its state. */
function richMachine(): ChainMachine {
  const m = new ChainMachine();
  advanceThrough(m, 1, 12, T0);
  deliver(m, consolidated(13, hashOf(13, 9), { consolidation: { kind: "match-deposits-only", variant: "op-node" }, localHash: hashOf(13), peer: "p2" }), T0 + 1);
  m.observeLocalSafe(ref(15));
  m.hold(held(16), T0 + 2);
  m.hold(held(17, hashOf(17), "rpc-timeout:l2", "p3"), T0 + 3);
  deliver(m, mismatch(14, hashOf(14, 1), hashOf(14), "p4"), T0 + 4);
  deliver(m, replacementOf(12, "p5"), T0 + 5); // equivocation
  m.admit({ peer: "p6", verdict: "reject", reason: "signature-invalid" }, T0 + 6);
  m.claimNonce("relay1:abc", T0 + 31_000, T0 + 7);
  m.claimNonce("relay2:def", T0 + 32_000, T0 + 7);
  return m;
}

/** Every public read of a machine at `now`. */
function observe(m: ChainMachine, now: number) {
  const s = normalise(m.snapshot());
  return {
    head: m.head,
    localSafe: m.localSafe,
    alarm: m.alarm,
    history: s.history,
    envelopes: s.envelopes,
    pending: m.pending(),
    promotable: m.promotable(),
    reorgProbe: m.reorgProbe(),
    evidence: s.evidence,
    events: m.events(),
    peers: [...m.peers(now)].sort((a, b) => (a.peerId < b.peerId ? -1 : 1)),
    nonces: s.nonces,
    nextEvidenceId: s.nextEvidenceId,
  };
}

describe("snapshot / restore", () => {
  it("round-trips every observable", () => {
    const m = richMachine();
    expect(m.alarm).not.toBeNull();
    const r = ChainMachine.restore(m.snapshot());
    expect(observe(r, T0 + 60_000)).toEqual(observe(m, T0 + 60_000));
    expect(r.takeChanges().meta).toBe(false); // restoring is not a change
  });

  it("behaves the same after a restore as before it", () => {
    const a = richMachine();
    const b = ChainMachine.restore(a.snapshot());
    const script = (m: ChainMachine) => [
      m.admit(admitOf(16), T0 + 10), // pending → already-seen (restored into the seen cache)
      m.admit(admitOf(13, hashOf(13, 9)), T0 + 10), // duplicate
      m.decide(consolidated(14), T0 + 11), // halted by the alarm
      m.clearAlarm(T0 + 12, "ok"),
      m.decide(consolidated(14), T0 + 13),
      m.claimNonce("relay1:abc", T0 + 40_000, T0 + 14), // replay
      m.decide(mismatch(14, hashOf(14, 7), hashOf(14), "p2"), T0 + 15),
      m.reconcile(new Map([[14n, hashOf(14, 0, 1)], [13n, hashOf(13, 9)]]), T0 + 16),
      m.tick(T0 + SCORING.halfLifeMs),
    ];
    expect(script(b)).toEqual(script(a));
    expect(observe(b, T0 + 2 * SCORING.halfLifeMs)).toEqual(observe(a, T0 + 2 * SCORING.halfLifeMs));
  });

  it("a snapshot is not changed by what the machine does afterwards", () => {
    const m = richMachine();
    const snap = m.snapshot();
    const frozen = structuredClone(snap);
    m.admit({ peer: "p4", verdict: "reject", reason: "x" }, T0 + 100);
    deliver(m, consolidated(14), T0 + 100);
    m.tick(T0 + SCORING.halfLifeMs);
    expect(snap).toEqual(frozen);
    // and machines restored from one snapshot do not share state
    const p4 = structuredClone(frozen.peers.find((p) => p.peerId === "p4"));
    const r1 = ChainMachine.restore(frozen);
    const r2 = ChainMachine.restore(frozen);
    r1.admit({ peer: "p4", verdict: "reject", reason: "x" }, T0 + 100);
    r1.tick(T0 + SCORING.halfLifeMs);
    expect(r2.peerRaw("p4")).toEqual(p4);
  });

  it("survives a JSON-free structured clone (what crossing an RPC boundary does)", () => {
    const m = richMachine();
    const r = ChainMachine.restore(structuredClone(m.snapshot()));
    expect(observe(r, T0)).toEqual(observe(m, T0));
  });

  it("restores at most LIMITS.events events", () => {
    const m = new ChainMachine();
    const snap = m.snapshot();
    snap.events = Array.from({ length: LIMITS.events + 5 }, (_, i) => ({ at: i, kind: "ignored" as const }));
    expect(ChainMachine.restore(snap).events()).toHaveLength(LIMITS.events);
  });
});

describe("takeChanges", () => {
  it("reports nothing for a fresh machine and drains", () => {
    const m = new ChainMachine();
    const none = m.takeChanges();
    expect(none).toEqual({
      meta: false,
      historyPut: [],
      historyDeleteAbove: null,
      historyDeleteBelow: null,
      envelopesPut: new Map(),
      envelopesDelete: [],
      pendingPut: new Map(),
      pendingDelete: [],
      evidencePut: [],
      peersPut: [],
      peersDelete: [],
      events: [],
      noncesPut: [],
    });
    deliver(m, consolidated(1), T0);
    expect(m.takeChanges()).not.toEqual(none);
    expect(m.takeChanges()).toEqual(none);
  });

  it("reports exactly what each operation changed", () => {
    const m = new ChainMachine();
    deliver(m, consolidated(1, hashOf(1), { peer: "p1" }), T0);
    expect(m.takeChanges()).toMatchObject({ meta: true, historyPut: [1n], envelopesPut: new Map([[hashOf(1), rawOf(hashOf(1))]]), peersPut: ["p1"], events: [{ kind: "advanced" }], pendingPut: new Map(), evidencePut: [] });
    m.admit(admitOf(3), T0);
    expect(m.takeChanges()).toMatchObject({ meta: false, historyPut: [], events: [] }); // admission is in memory only
    m.hold(held(3), T0);
    expect(m.takeChanges()).toMatchObject({ meta: false, pendingPut: new Map([[hashOf(3), rawOf(hashOf(3))]]), events: [{ kind: "pending" }] });
    m.decide(consolidated(3), T0);
    expect(m.takeChanges()).toMatchObject({ pendingDelete: [hashOf(3)], historyPut: [3n] });
    m.decide(replacementOf(3, "p9"), T0);
    expect(m.takeChanges()).toMatchObject({ meta: true, evidencePut: [{ id: 1, existing: { copyOf: hashOf(3) }, conflicting: rawOf(hashOf(3, 1)) }], peersPut: [], events: [{ kind: "equivocation" }] });
    m.clearAlarm(T0, "ok");
    expect(m.takeChanges()).toMatchObject({ meta: true, events: [{ kind: "alarm-cleared" }] });
    m.claimNonce("n", T0 + 1000, T0);
    expect(m.takeChanges()).toMatchObject({ meta: false, noncesPut: ["n"] });
  });

  it("applied to a store in order, reproduces the machine's state even across several rewinds and prunes in one batch", () => {
    const m = new ChainMachine();
    const db = emptyMirror();
    advanceThrough(m, 1, 10, T0);
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    expect(mirrorSnapshot(db)).toEqual(normalise(m.snapshot()));
    // batch: rewind to 5, grow a new branch at 7 and 8 (gossip skipped 6), rewind again to 7 —
    // without persisting in between. The old branch's 6 must not survive in the store.
    const v1 = (n: bigint) => (n <= 5n ? hashOf(n) : hashOf(n, 0, 1));
    m.reconcile(new Map([10n, 9n, 8n, 7n, 6n, 5n].map((n) => [n, v1(n)] as const)), T0);
    advanceThrough(m, 7, 8, T0, 0, 1);
    m.reconcile(new Map([[8n, hashOf(8, 0, 2)], [7n, hashOf(7, 0, 1)]]), T0);
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    expect(mirrorSnapshot(db).history.map((h) => h.hash)).toEqual(normalise(m.snapshot()).history.map((h) => h.hash));
    expect(mirrorSnapshot(db)).toEqual(normalise(m.snapshot()));
  });

  it("a rewind to nothing and a history prune in one batch", () => {
    const m = new ChainMachine();
    const db = emptyMirror();
    advanceThrough(m, 1, LIMITS.history, T0);
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    // lose everything, restart lower (head null accepts any height), then prune again
    m.reconcile(new Map([[BigInt(LIMITS.history), hashOf(LIMITS.history, 0, 1)]]), T0);
    advanceThrough(m, 2, LIMITS.history + 3, T0, 0, 1);
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    expect(mirrorSnapshot(db)).toEqual(normalise(m.snapshot()));
  });

  it("a candidate evicted from pending in the same batch it was held in is not persisted", () => {
    const m = new ChainMachine();
    const db = emptyMirror();
    for (let n = 0; n < LIMITS.pending; n++) m.hold(held(100 + n), T0);
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    m.hold(held(10_000), T0); // highest: evicted at once
    m.hold(held(50), T0); // lowest: evicts 100 + LIMITS.pending - 1
    applyChanges(db, m, m.takeChanges(), LIMITS.events);
    expect(mirrorSnapshot(db).pending).toEqual(normalise(m.snapshot()).pending);
    expect(m.pendingByHash(hashOf(10_000))).toBeUndefined();
  });

  it("candidate() raw bytes are what the evidence keeps", () => {
    expect(candidate(3).raw).toEqual(rawOf(hashOf(3)));
  });
});
