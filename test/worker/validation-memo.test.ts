// The per-isolate memo of validations (src/worker/validation-memo.ts), alone: bounds, expiry, and
// the waits of copies on a running validation — woken by its result, by its failure (nothing is
// kept: each copy then validates for itself), or by their own timer.
import { describe, expect, it } from "vitest";
import { ValidationMemo, type MemoLimits } from "../../src/worker/validation-memo.ts";

const LIMITS: MemoLimits = { maxEntries: 3, ttlMs: 1_000, runningMs: 500 };
const T = 1_000_000;

/** Whether `p` settles within `ms` (real time). */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe("validation memo", () => {
  it("one validation per key: the first starts it, the others find it running, then its result", () => {
    const m = new ValidationMemo<string>(LIMITS);
    expect(m.lookup("k", T)).toEqual({ kind: "absent" });
    const token = m.start("k", T)!;
    expect(token).not.toBeNull();
    expect(m.start("k", T)).toBeNull();
    expect(m.lookup("k", T + 1)).toEqual({ kind: "running" });
    m.finish("k", token, "valid", T + 2);
    expect(m.lookup("k", T + 3)).toEqual({ kind: "done", value: "valid" });
    expect(m.start("k", T + 3)).toBeNull();
  });

  it("a result is reused for ttlMs, then forgotten", () => {
    const m = new ValidationMemo<string>(LIMITS);
    m.finish("k", m.start("k", T)!, "v", T);
    expect(m.lookup("k", T + LIMITS.ttlMs - 1).kind).toBe("done");
    expect(m.lookup("k", T + LIMITS.ttlMs).kind).toBe("absent");
    expect(m.size).toBe(0);
  });

  it("a running validation older than runningMs is presumed abandoned: another may start", () => {
    const m = new ValidationMemo<string>(LIMITS);
    const stale = m.start("k", T)!;
    expect(m.lookup("k", T + LIMITS.runningMs)).toEqual({ kind: "absent" });
    const fresh = m.start("k", T + LIMITS.runningMs)!;
    // the abandoned one finishing late does not overwrite the running one (nor drop it)
    m.finish("k", stale, "late", T + LIMITS.runningMs + 1);
    m.drop("k", stale);
    expect(m.lookup("k", T + LIMITS.runningMs + 2)).toEqual({ kind: "running" });
    m.finish("k", fresh, "fresh", T + LIMITS.runningMs + 3);
    expect(m.lookup("k", T + LIMITS.runningMs + 4)).toEqual({ kind: "done", value: "fresh" });
  });

  it("at most maxEntries keys, oldest out first; expired ones go before live ones", () => {
    const m = new ValidationMemo<number>(LIMITS);
    for (const [i, k] of ["a", "b", "c", "d"].entries()) m.finish(k, m.start(k, T + i)!, i, T + i);
    expect(m.size).toBe(3);
    expect(m.lookup("a", T + 4).kind).toBe("absent");
    expect(m.lookup("d", T + 4)).toEqual({ kind: "done", value: 3 });
    // "b" and "c" expire first; "d" (newest) stays when "e" and "f" arrive
    m.finish("e", m.start("e", T + 1_002)!, 4, T + 1_002);
    m.finish("f", m.start("f", T + 1_002)!, 5, T + 1_002);
    expect(m.size).toBe(3);
    expect(["b", "c", "d", "e", "f"].map((k) => m.lookup(k, T + 1_002).kind)).toEqual(["absent", "absent", "done", "done", "done"]);
  });

  it("keeps no more than maxEntries whatever is inserted (1,000 keys, bound 3)", () => {
    const m = new ValidationMemo<number>(LIMITS);
    for (let i = 0; i < 1_000; i++) {
      const t = m.start(`k${i}`, T)!;
      if (i % 2) m.finish(`k${i}`, t, i, T);
      expect(m.size).toBeLessThanOrEqual(3);
    }
  });

  it("a copy waiting on a running validation is woken by its result", async () => {
    const m = new ValidationMemo<string>(LIMITS);
    const token = m.start("k", T)!;
    const w = m.wait("k", 10_000);
    m.finish("k", token, "valid", T + 1);
    expect(await settlesWithin(w, 1_000)).toBe(true);
    expect(m.lookup("k", T + 2)).toEqual({ kind: "done", value: "valid" });
  });

  it("a failed validation is not kept: its waiters are woken and find nothing (each validates for itself)", async () => {
    const m = new ValidationMemo<string>(LIMITS);
    const token = m.start("k", T)!;
    const waits = [m.wait("k", 10_000), m.wait("k", 10_000)];
    m.drop("k", token);
    expect(await settlesWithin(Promise.all(waits), 1_000)).toBe(true);
    expect(m.lookup("k", T + 1)).toEqual({ kind: "absent" });
    expect(m.size).toBe(0);
  });

  it("a wait ends on its own timer when the running validation never ends (its request was cancelled)", async () => {
    const m = new ValidationMemo<string>(LIMITS);
    m.start("k", T);
    expect(await settlesWithin(m.wait("k", 20), 2_000)).toBe(true);
    expect(await settlesWithin(m.wait("absent", 10_000), 100)).toBe(true); // nothing running: at once
  });

  it("evicting a running validation wakes its waiters", async () => {
    const m = new ValidationMemo<number>(LIMITS);
    m.start("a", T);
    const w = m.wait("a", 10_000);
    for (const k of ["b", "c", "d"]) m.start(k, T + 1);
    expect(await settlesWithin(w, 1_000)).toBe(true);
    expect(m.lookup("a", T + 2).kind).toBe("absent");
  });
});
