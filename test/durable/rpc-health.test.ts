// The pure parts of the health record: what a tally reports, how the Durable Object's book merges
// reports (out of order, from several isolates) and when it writes, and the /healthz rules.
import { describe, expect, it } from "vitest";
import { RpcFault } from "../../src/checks/rpc.ts";
import { RpcTally } from "../../src/checks/rpc-tally.ts";
import { HealthBook, WRITE_EVERY_MS } from "../../src/durable/rpc-health.ts";
import type { CrossSafeHead } from "../../src/durable/types.ts";
import type { L2BlockRef } from "../../src/protocol/block-ref.ts";
import type { Hash } from "../../src/protocol/types.ts";
import { chainHealth } from "../../src/worker/health.ts";

const T = { rpcFailingMs: 30_000, rpcErrorWindowMs: 60_000, stallMs: 120_000, stallFailingMs: 600_000 };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, set: (v: number) => void (t = v) };
}

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hash;
const ref = (n: number): L2BlockRef => ({ hash: hash(n), number: BigInt(n), parentHash: hash(n - 1), timestamp: BigInt(n), l1origin: { hash: hash(0), number: 0n }, sequenceNumber: 0n });
const head = (n: number, at: number): CrossSafeHead => ({ ...ref(n), replaced: false, updatedAt: at, messageId: "m", peer: "p" });

describe("RpcTally", () => {
  it("keeps last success, last fault and down-since per endpoint; a reason repeating the fault counts once", () => {
    const c = clock();
    const t = new RpcTally(c.now);
    t.ok("rollup");
    c.set(1_000_010);
    t.fault(new RpcFault("rpc-timeout", "l2", "slow"));
    t.noteReason("rpc-timeout:l2"); // the check's hold reason for the same fault
    t.noteReason("above-local-safe"); // not about an endpoint
    expect(t.report()).toEqual({
      rollup: { okAt: 1_000_000, errors: {} },
      l2: { err: { at: 1_000_010, reason: "rpc-timeout:l2" }, downSince: 1_000_010, errors: { "rpc-timeout:l2": 1 } },
    });
    // a fault found after a successful reply (malformed, wrong chain) arrives only as the reason
    t.ok("l1");
    t.noteReason("rpc-wrong-chain:l1");
    expect(t.take()!.l1).toMatchObject({ err: { reason: "rpc-wrong-chain:l1" }, downSince: 1_000_010 });
    expect(t.report()).toBeUndefined();
  });
});

describe("HealthBook", () => {
  it("merges reports in any order: up/down follows the newest result; down is written at once, the rest at most every 30 s", () => {
    const b = new HealthBook(undefined);
    b.merge({ l2: { okAt: 100, errors: {} } });
    expect(b.takeWrite(100)).not.toBeNull(); // first write (dirty, never written)
    b.merge({ l2: { okAt: 200, errors: {} } });
    expect(b.takeWrite(300)).toBeNull(); // only fresher: waits
    b.merge({ l2: { err: { at: 400, reason: "rpc-timeout:l2" }, downSince: 390, errors: { "rpc-timeout:l2": 2 } } });
    const row = b.takeWrite(401);
    expect(row).not.toBeNull(); // went down: at once
    // an older success from a slow isolate does not bring it back
    b.merge({ l2: { okAt: 350, errors: {} } });
    let f = b.facts(null, null, null, 500);
    expect(f.rpc.l2).toEqual({ lastSuccessAtMs: 350, lastError: { atMs: 400, reason: "rpc-timeout:l2" }, downSinceAtMs: 390, errors: { "rpc-timeout:l2": 2 } });
    expect(b.takeWrite(401 + WRITE_EVERY_MS - 1)).toBeNull(); // only the older success: waits
    // and it comes back with a newer one, at once
    b.merge({ l2: { okAt: 600, errors: {} } });
    expect(b.takeWrite(601)).not.toBeNull();
    f = b.facts(null, null, null, 700);
    expect(f.rpc.l2.downSinceAtMs).toBeNull();
    // restored from its row
    expect(new HealthBook(row!).facts(null, null, null, 0).rpc.l2.downSinceAtMs).toBe(390);
    expect(new HealthBook("{damaged").facts(null, null, null, 0).rpc.l1.lastSuccessAtMs).toBeNull();
  });

  it("the head's last move: an advance is the head's own stamp, a rewind is now (and written at once)", () => {
    const b = new HealthBook(undefined);
    b.observe(head(10, 1_000), ref(10), 1_500);
    expect(b.facts(head(10, 1_000), ref(10), null, 2_000)).toMatchObject({ head: 10, headMovedAtMs: 1_000, lag: 0, behindSinceMs: null });
    b.takeWrite(2_000);
    b.observe(head(12, 3_000), ref(15), 3_100);
    expect(b.facts(head(12, 3_000), ref(15), null, 4_000)).toMatchObject({ headMovedAtMs: 3_000, lag: 3, behindSinceMs: 3_100 });
    expect(b.takeWrite(4_000)).toBeNull(); // an advance is persisted with the head itself
    b.observe(head(11, 2_500), ref(15), 5_000); // rewound to an older record
    expect(b.facts(head(11, 2_500), ref(15), null, 5_000).headMovedAtMs).toBe(5_000);
    expect(b.takeWrite(5_000)).not.toBeNull();
  });
});

describe("health rules", () => {
  const base = (over: Partial<ReturnType<HealthBook["facts"]>> = {}) => ({ ...new HealthBook(undefined).facts(head(10, 0), ref(10), null, 1_000_000), ...over });
  const up = { lastSuccessAtMs: 999_000, lastError: null, downSinceAtMs: null, errors: {} };
  const rpc = { l1: up, l2: up, rollup: up };

  it("ok; degraded on a recent fault or a short outage; failing past the threshold", () => {
    expect(chainHealth(base({ rpc }), T)).toMatchObject({ status: "ok", reasons: [] });
    const recent = { ...up, lastError: { atMs: 990_000, reason: "rpc-timeout:l1" } };
    expect(chainHealth(base({ rpc: { ...rpc, l1: recent } }), T).reasons).toEqual([{ code: "rpc-errors:l1", status: "degraded", detail: expect.stringContaining("rpc-timeout:l1") }]);
    const old = { ...up, lastError: { atMs: 900_000, reason: "rpc-timeout:l1" } };
    expect(chainHealth(base({ rpc: { ...rpc, l1: old } }), T).status).toBe("ok");
    const down = (since: number) => ({ ...up, lastError: { atMs: 999_500, reason: "rpc-unreachable:rollup" }, downSinceAtMs: since });
    expect(chainHealth(base({ rpc: { ...rpc, rollup: down(980_000) } }), T)).toMatchObject({ status: "degraded", reasons: [{ code: "rpc-failing:rollup" }] });
    expect(chainHealth(base({ rpc: { ...rpc, rollup: down(970_000) } }), T)).toMatchObject({ status: "failing", reasons: [{ code: "rpc-down:rollup" }] });
  });

  it("an alarm is failing; a head behind local-safe that does not move is degraded, then failing", () => {
    expect(chainHealth(base({ rpc, alarm: { raisedAtMs: 999_000, number: 10, evidenceId: 1 } }), T)).toMatchObject({ status: "failing", reasons: [{ code: "alarm-raised" }] });
    const behind = (since: number, moved: number) => base({ rpc, lag: 4, behindSinceMs: since, headMovedAtMs: moved });
    expect(chainHealth(behind(990_000, 0), T)).toMatchObject({ status: "ok", stalledMs: 10_000 });
    // counted from when local-safe got ahead, not from the head's last move (a batch landing late is not a stall)
    expect(chainHealth(behind(870_000, 0), T)).toMatchObject({ status: "degraded", reasons: [{ code: "head-stalled", status: "degraded" }] });
    expect(chainHealth(behind(300_000, 0), T)).toMatchObject({ status: "failing", reasons: [{ code: "head-stalled", status: "failing" }] });
    expect(chainHealth(base({ rpc, lag: 0, behindSinceMs: null }), T).stalledMs).toBe(0);
  });
});
