// The chaos run: the devnet with three relays while the seeded plan (plan.ts) injects faults, and the
// checker (checker.ts) and the memory watch (memory.ts) observe the whole time. Faults stop
// `quietMs` before the end; from then on every attested block must reach the head within
// `recoveryBoundMs`. Whatever happens, every process is stopped and the working directory removed.
import { existsSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guard } from "../devnet/reaper-client.ts";
import { onChildSpawned, type ChildHandle } from "./child.ts";
import { Checker } from "./checker.ts";
import { Injector, type InjectResult } from "./inject.ts";
import { LogSink } from "./log-sink.ts";
import { MemoryWatch, running } from "./memory.ts";
import { describeFault, planFaults, type PlannedFault } from "./plan.ts";
import { finalChecks, type WorkerTotals } from "./final-checks.ts";
import { sleep } from "./sleep.ts";
import { startSystem, type ChaosSystem } from "./system.ts";

export interface ChaosOptions {
  seed: string;
  /** The run, from the first cross-safe head on (start-up not counted). */
  durationMs: number;
  /** Fault-free time at the end (default 45 s; 60 s for runs over 5 minutes). */
  quietMs?: number;
  /** After the faults stop, an attested block must reach the head within this (default 30 s). */
  recoveryBoundMs?: number;
  /** All process output; null = memory only. */
  logFile: string | null;
  /** Progress lines. */
  out: (line: string) => void;
  /** Stops the run (an operator's Ctrl-C): the report says INTERRUPTED. */
  signal?: AbortSignal;
  /**
   * Wall-clock bound for the whole run, start-up included: past it, whatever still runs is abandoned,
   * everything is stopped and removed, and the report names the faults that had not ended (a test
   * must get a report and a clean machine, not its own timeout with processes left behind).
   */
  deadlineMs?: number;
}

export interface FaultRecord {
  planned: PlannedFault;
  startedAtMs: number;
  endedAtMs: number | null;
  result: InjectResult | null;
}

export interface ChaosReport {
  seed: string;
  durationMs: number;
  recoveryBoundMs: number;
  ranMs: number;
  faults: FaultRecord[];
  checker: Checker;
  memory: MemoryWatch;
  published: number;
  worker: WorkerTotals | null;
  workerStartsMs: number[];
  interrupted: boolean;
  /** Processes still alive and whether the working directory still exists after the cleanup. */
  leftovers: { pids: number[]; dir: boolean };
  logTail: string[];
  passed: boolean;
}

/** Runs `f` every `ms` (never overlapping) until stopped; stop() waits for a call in progress only. */
function every(ms: number, f: () => Promise<void>): { stop(): Promise<void> } {
  const ac = new AbortController();
  const loop = (async () => {
    while (!ac.signal.aborted) {
      await f().catch(() => undefined);
      await sleep(ms, ac.signal);
    }
  })();
  return {
    async stop() {
      ac.abort();
      await loop;
    },
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const quietMs = o.quietMs ?? (o.durationMs > 5 * 60_000 ? 60_000 : 45_000);
  const recoveryBoundMs = o.recoveryBoundMs ?? 30_000;
  const log = new LogSink(o.logFile);
  const root = await mkdtemp(join(tmpdir(), "op-follow-chaos-"));
  const cleanupDir = (): void => rmSync(root, { recursive: true, force: true });
  process.on("exit", cleanupDir); // even if the process exits before the finally below
  // …and if this process is killed outright, the reaper (src/devnet/reaper.ts) stops every process
  // group and removes the directory (startWorkerDev guards wrangler's group itself)
  const releaseDir = guard({ dir: root });
  // this run's own children (another run in the same process, e.g. a timed-out test's, is not ours)
  const children = new Set<ChildHandle>();
  const unhook = onChildSpawned((c) => {
    children.add(c);
    const release = guard({ group: c.pid });
    void c.exited.then(release);
  });
  const deadline = o.deadlineMs !== undefined ? AbortSignal.timeout(o.deadlineMs) : undefined;
  const signal = AbortSignal.any([o.signal, deadline].filter((x): x is AbortSignal => x !== undefined));
  const stopReason = (): string => (o.signal?.aborted ? "interrupted" : `the run's deadline (${((o.deadlineMs ?? 0) / 1000).toFixed(0)} s) passed`);
  const checker = new Checker({ recoveryBoundMs });
  const memory = new MemoryWatch();
  let t0 = performance.now();
  const t = (): number => Math.round(performance.now() - t0);
  const stamp = (): string => `[${(t() / 1000).toFixed(1).padStart(6)} s]`;
  const published: Array<{ t: number; number: number; hash: string }> = [];
  let localSafe = -1;
  const awaitingLocalSafe: Array<{ t: number; number: number }> = [];
  const faults: FaultRecord[] = [];
  const loops: Array<{ stop(): Promise<void> }> = [];
  let sys: ChaosSystem | undefined;
  let worker: WorkerTotals | null = null;
  let started = false;

  try {
    o.out(`op-follow chaos: seed ${o.seed}; starting the chain server, wrangler dev, 3 relays and the publisher…\n`);
    sys = await startSystem({
      seed: o.seed,
      signal,
      root,
      onLine: log.line,
      onPublisherEvent: (e) => {
        if (e.type !== "published" || !started) return;
        const p = { t: t(), number: Number(e.number), hash: e.hash };
        published.push(p);
        if (!checker.quiet) return;
        if (p.number <= localSafe) checker.published(p.t, p.number);
        else awaitingLocalSafe.push(p);
      },
    });
    const s = sys;
    const plan = planFaults(o.seed, { fromMs: 5_000, untilMs: Math.max(5_001, o.durationMs - quietMs) });
    // The run's clock starts at the first cross-safe head.
    const ready = performance.now();
    while (!(await s.status().catch(() => null))?.head) {
      if (performance.now() - ready > 90_000) throw new Error("no cross-safe head within 90 s of start-up");
      await sleep(250, signal);
      if (signal.aborted) throw new Error(`${stopReason()} during start-up`);
    }
    t0 = performance.now();
    started = true;
    o.out(`${stamp()} ready (wrangler dev in ${(s.worker.startsMs[0]! / 1000).toFixed(1)} s); ${plan.length} faults planned over ${((o.durationMs - quietMs) / 1000).toFixed(0)} s, then ${quietMs / 1000} s without\n`);

    loops.push(
      every(300, async () => {
        try {
          checker.status(t(), await s.status(2_000));
        } catch {
          checker.unreachable(t());
        }
      }),
      every(500, async () => {
        localSafe = Number((await s.control.status()).heads.localSafe);
        for (const p of awaitingLocalSafe.splice(0).filter((x) => x.number <= localSafe)) checker.published(t(), p.number);
      }),
      every(2_000, async () => memory.sample(t(), s.procRefs())),
      every(10_000, async () => {
        if (t() < 5_000) return; // not before the first status reads
        const h = checker.lastHead;
        o.out(`${stamp()} head ${h ? `#${h.number}` : "none"} · published ${published.length} · faults ${faults.filter((f) => f.endedAtMs === null).length} active\n`);
      }),
    );

    const injector = new Injector(s, checker, t, log.line, signal);
    const running: Promise<void>[] = [];
    for (const p of plan) {
      await sleep(p.atMs - t(), signal);
      if (signal.aborted) break;
      const rec: FaultRecord = { planned: p, startedAtMs: t(), endedAtMs: null, result: null };
      faults.push(rec);
      o.out(`${stamp()} fault ${p.id} ${p.fault.kind}: ${describeFault(p.fault)}\n`);
      log.line(`chaos: fault ${p.id} ${p.fault.kind}: ${describeFault(p.fault)}`);
      running.push(
        injector.run(p).then((r) => {
          rec.endedAtMs = t();
          rec.result = r;
          checker.faultEnded(rec.endedAtMs, p.id, p.fault.kind, published.at(-1)?.number ?? null);
          o.out(`${stamp()} fault ${p.id} ${p.fault.kind} over: ${r.detail}\n`);
          log.line(`chaos: fault ${p.id} over: ${r.detail}`);
        }),
      );
    }
    // (a listener, not a timer: nothing here may keep the process alive after the run)
    await Promise.race([Promise.all(running), new Promise((r) => signal.addEventListener("abort", r, { once: true }))]);
    if (signal.aborted) {
      const open = faults.filter((f) => f.endedAtMs === null).map((f) => `fault ${f.planned.id} ${f.planned.fault.kind} (since ${(f.startedAtMs / 1000).toFixed(1)} s)`);
      throw new Error(`${stopReason()} at ${(t() / 1000).toFixed(1)} s; ${open.length ? `not over: ${open.join(", ")}` : "no fault running"}`);
    }

    // Quiet: the newest attested block still on the follower's chain must reach the head in time.
    let target: number | null = null;
    for (const p of [...published].reverse().slice(0, 20)) {
      if ((await s.followerHash(p.number)) === p.hash) {
        target = p.number;
        break;
      }
    }
    checker.quietStart(t(), target);
    o.out(`${stamp()} faults over; target #${target ?? "none"} must reach the head within ${recoveryBoundMs / 1000} s\n`);
    const endAt = Math.max(o.durationMs, t() + recoveryBoundMs + 2_000);
    await sleep(endAt - t(), signal);
    if (signal.aborted) throw new Error(`${stopReason()} at ${(t() / 1000).toFixed(1)} s, in the fault-free end`);
    for (const l of loops.splice(0)) await l.stop();
    worker = await finalChecks(s, checker, t);
    for (const p of memory.problems()) checker.add(t(), "memory", p);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // a step the abort cut short says so in its own words: name the cause first
    checker.add(t(), "run", signal.aborted && !msg.startsWith(stopReason()) ? `${stopReason()} during start-up (${msg})` : msg);
  } finally {
    for (const l of loops.splice(0)) await l.stop();
    checker.finish(t());
    o.out(`${stamp()} stopping everything…\n`);
    await sys?.stop();
    cleanupDir();
    process.off("exit", cleanupDir);
    unhook();
    releaseDir();
    await log.close();
  }
  // every process ever sampled (relays, chain, wrangler, workerd, whichever start) must be gone
  const others = memory.pids().filter((p) => p !== process.pid && running(p));
  const mine = [...children].filter((c) => c.alive).map((c) => c.pid);
  const leftovers = { pids: [...new Set([...mine, ...others])], dir: existsSync(root) };
  const interrupted = o.signal?.aborted === true;
  return {
    seed: o.seed,
    durationMs: o.durationMs,
    recoveryBoundMs,
    ranMs: t(),
    faults,
    checker,
    memory,
    published: published.length,
    worker,
    workerStartsMs: sys?.worker.startsMs ?? [],
    interrupted,
    leftovers,
    logTail: log.tail(),
    passed: checker.violations.length === 0 && !interrupted && leftovers.pids.length === 0 && !leftovers.dir,
  };
}
