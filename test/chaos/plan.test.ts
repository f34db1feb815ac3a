// The chaos run's schedule is a pure function of the seed (so --seed replays it), covers every fault
// kind even in a short run, keeps its parameters in range; and the command's arguments.
import { describe, expect, it } from "vitest";
import { parseChaosArgs } from "../../src/chaos/args.ts";
import { describeFault, FAULT_KINDS, planFaults, RELAY_COUNT } from "../../src/chaos/plan.ts";
import { replayCommand } from "../../src/chaos/report.ts";

const WINDOW = { fromMs: 5_000, untilMs: 75_000 };

describe("chaos plan", () => {
  it("is the same for the same seed and differs between seeds", () => {
    expect(planFaults("42", WINDOW)).toEqual(planFaults("42", WINDOW));
    expect(JSON.stringify(planFaults("42", WINDOW))).not.toEqual(JSON.stringify(planFaults("43", WINDOW)));
    // a longer window only appends: the first faults are the same
    const long = planFaults("42", { fromMs: 5_000, untilMs: 600_000 });
    expect(long.slice(0, planFaults("42", WINDOW).length)).toEqual(planFaults("42", WINDOW));
  });

  it("covers every kind within a 2-minute run, 3–8 s apart, inside the window", () => {
    for (const seed of ["1", "2", "3", "4", "5", "ci", "x-y_z"]) {
      const p = planFaults(seed, WINDOW);
      expect(new Set(p.slice(0, FAULT_KINDS.length).map((f) => f.fault.kind))).toEqual(new Set(FAULT_KINDS));
      expect(p[0]!.atMs).toBe(5_000);
      for (const [i, f] of p.entries()) {
        expect(f.id).toBe(i + 1);
        expect(f.atMs).toBeLessThan(75_000);
        if (i) expect(f.atMs - p[i - 1]!.atMs).toBeGreaterThanOrEqual(3_000);
        if (i) expect(f.atMs - p[i - 1]!.atMs).toBeLessThanOrEqual(8_000);
        expect(describeFault(f.fault).length).toBeGreaterThan(5);
      }
    }
  });

  it("keeps parameters in range over many faults", () => {
    const p = planFaults("range", { fromMs: 0, untilMs: 3_600_000 });
    expect(p.length).toBeGreaterThan(500);
    const kinds = new Map<string, number>();
    for (const { fault: f } of p) {
      kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      if ("relay" in f) expect(f.relay).toBeGreaterThanOrEqual(0), expect(f.relay).toBeLessThan(RELAY_COUNT);
      if (f.kind === "clock-skew") expect(Math.abs(f.skewMs)).toBe(20_000);
      if (f.kind === "l1-reorg") expect(f.depth).toBeGreaterThanOrEqual(1), expect(f.depth).toBeLessThanOrEqual(3);
      if (f.kind === "rpc-fault" && f.fault === "wrong-chain") expect(["l1", "l2"]).toContain(f.endpoint);
    }
    // the weights: RPC faults and relay kills most often, equivocations and skews least
    expect(kinds.get("rpc-fault")!).toBeGreaterThan(kinds.get("equivocation")! * 3);
    expect(kinds.size).toBe(FAULT_KINDS.length);
  });
});

describe("chaos arguments", () => {
  it("takes a duration with a unit or in seconds, a seed, a log file; picks a fresh seed otherwise", () => {
    expect(parseChaosArgs(["--duration", "10m", "--seed", "7", "--log-file", "off"])).toEqual({ durationMs: 600_000, seed: "7", logFile: null });
    expect(parseChaosArgs(["--duration", "90"], () => "123")).toMatchObject({ durationMs: 90_000, seed: "123" });
    expect(parseChaosArgs([], () => "9")).toMatchObject({ durationMs: 120_000, seed: "9" });
    expect(parseChaosArgs(["-h"])).toBe("help");
    expect(() => parseChaosArgs(["--duration", "30s"])).toThrow(/at least 1m/);
    expect(() => parseChaosArgs(["--seed", "a b"])).toThrow(/--seed/);
    expect(() => parseChaosArgs(["--bogus"])).toThrow();
    expect(replayCommand({ durationMs: 600_000, seed: "7" })).toBe("npm run chaos -- --duration 10m --seed 7");
    expect(replayCommand({ durationMs: 90_000, seed: "7" })).toBe("npm run chaos -- --duration 90s --seed 7");
  });
});
