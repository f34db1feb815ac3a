// The chaos run (src/chaos) for 2 minutes with a fixed seed, so its result is reproducible: the
// devnet with 3 relays while relays are killed, wrangler dev restarts with its storage, RPC nodes
// fail, L1 and L2 reorg, the sequencer equivocates (and the admin clears the alarm), a peer floods
// and a relay's clock is 20 s off. Every invariant must hold, every fault kind must have been
// injected, and nothing may be left running or on disk. `npm run chaos -- --seed ci --duration 2m`
// replays it with the same faults.
import { describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../../src/chaos/plan.ts";
import { renderReport } from "../../src/chaos/report.ts";
import { runChaos } from "../../src/chaos/run.ts";

const SEED = "ci";

describe("chaos run", () => {
  it(`2 minutes of faults with seed "${SEED}": invariants hold, everything stopped and removed`, async () => {
    // Progress goes out as it happens, so a run that overruns the test's timeout shows where it was.
    // The deadline ends a stuck run with a report and a clean machine before the test's own timeout.
    const report = await runChaos({ seed: SEED, durationMs: 120_000, deadlineMs: 400_000, logFile: null, out: (s) => void process.stdout.write(s) });
    const summary = renderReport(report);
    console.log(summary);
    if (!report.passed) console.log(`last process output:\n${report.logTail.slice(-150).join("\n")}`);

    expect(report.checker.violations).toEqual([]);
    expect(report.leftovers).toEqual({ pids: [], dir: false });
    const injected = new Set(report.faults.filter((f) => f.result?.injected).map((f) => f.planned.fault.kind));
    expect([...injected].sort()).toEqual([...FAULT_KINDS].sort());
    // the equivocation was detected, kept as evidence and cleared; the head went on
    expect(report.checker.alarmsSeen).toBeGreaterThanOrEqual(1);
    expect(report.worker?.evidence).toBeGreaterThanOrEqual(1);
    expect(report.worker?.decided).toBeGreaterThan(30);
    expect(report.checker.quietCatchUpMs).not.toBeNull();
    expect(report.passed).toBe(true);
    // ≈ 150 s on an idle machine (2 min of run, wrangler dev started up to 3 times); the margin is for
    // a CI machine running the other test files beside it.
  }, 480_000);

  it("a run past its deadline abandons what still runs, stops every process, removes its directory and says where it was", async () => {
    const lines: string[] = [];
    // 25 s: past the start-up on an idle machine (≈ 10 s) and into the first faults; on a slow one
    // it ends inside the start-up, which must stop as cleanly
    const report = await runChaos({ seed: SEED, durationMs: 120_000, deadlineMs: 25_000, logFile: null, out: (s) => void lines.push(s) });
    expect(report.passed).toBe(false);
    expect(report.interrupted).toBe(false);
    expect(report.checker.violations.map((v) => v.detail).join("\n")).toMatch(/the run's deadline \(25 s\) passed (during start-up|at \d+\.\d s; (not over: fault \d+|no fault running))/);
    expect(report.leftovers).toEqual({ pids: [], dir: false });
    expect(report.ranMs).toBeLessThan(120_000);
  }, 120_000);
});
