// boundedStop: a part's stop, timed, and given up on (not waited for) past its bound, so the next part
// is stopped regardless (src/devnet/stack.ts, src/chaos/system.ts).
import { describe, expect, it } from "vitest";
import { boundedStop } from "../../src/process/bounded-stop.ts";

const after = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("boundedStop", () => {
  it("a stop within the bound: stopped, with how long it took", async () => {
    const r = await boundedStop(() => after(30), 2_000);
    expect(r.kind).toBe("stopped");
    expect(r.kind === "stopped" && r.ms).toBeGreaterThanOrEqual(25);
  });

  it("a stop that never settles: late after the bound, and the caller goes on", async () => {
    let settled = false;
    const t0 = performance.now();
    const r = await boundedStop(() => new Promise<void>(() => undefined), 100);
    expect(r).toEqual({ kind: "late", boundMs: 100 });
    expect(performance.now() - t0).toBeLessThan(2_000);
    // …and one that settles later is still not waited for
    const r2 = await boundedStop(() => after(300).then(() => void (settled = true)), 50);
    expect(r2.kind).toBe("late");
    expect(settled).toBe(false);
  });

  it("a stop that rejects, or throws at once: failed, with the error", async () => {
    const boom = new Error("boom");
    expect(await boundedStop(() => Promise.reject(boom), 1_000)).toMatchObject({ kind: "failed", error: boom });
    expect(
      await boundedStop(() => {
        throw boom;
      }, 1_000),
    ).toMatchObject({ kind: "failed", error: boom });
  });

  it("leaves no timer behind once settled (the process can exit)", async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((k) => k === "Timeout").length;
    const before = timers();
    await boundedStop(() => Promise.resolve(), 60_000);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
