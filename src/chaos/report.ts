// The chaos run's summary: faults injected by kind, blocks decided, the longest recovery, memory, any
// invariant broken, and the command that replays the run.
import { RSS_CAP_MIB } from "./memory.ts";
import { FAULT_KINDS } from "./plan.ts";
import type { ChaosReport } from "./run.ts";

const s1 = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function durationArg(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

export function replayCommand(r: Pick<ChaosReport, "durationMs" | "seed">): string {
  return `npm run chaos -- --duration ${durationArg(r.durationMs)} --seed ${r.seed}`;
}

function faultLine(r: ChaosReport): string[] {
  const done = r.faults.filter((f) => f.result?.injected);
  const parts = FAULT_KINDS.map((k) => {
    const of = done.filter((f) => f.planned.fault.kind === k);
    if (k !== "rpc-fault" || of.length === 0) return `${k} ${of.length}`;
    const sub = new Map<string, number>();
    for (const f of of) if (f.planned.fault.kind === "rpc-fault") sub.set(f.planned.fault.fault, (sub.get(f.planned.fault.fault) ?? 0) + 1);
    return `${k} ${of.length} (${[...sub].map(([n, c]) => `${n} ${c}`).join(", ")})`;
  });
  const lines = [`${done.length} injected: ${parts.join(", ")}`];
  for (const f of r.faults.filter((x) => !x.result?.injected)) {
    lines.push(`not as planned: fault ${f.planned.id} ${f.planned.fault.kind} — ${f.result?.detail ?? "still running at the end"}`);
  }
  return lines;
}

export function renderReport(r: ChaosReport): string {
  const c = r.checker;
  const w = r.worker;
  const verdict = r.passed ? "PASSED" : r.interrupted ? "INTERRUPTED" : "FAILED";
  const lines: Array<[string, string]> = [];
  const add = (k: string, v: string | string[]): void => {
    const vs = Array.isArray(v) ? v : [v];
    vs.forEach((x, i) => lines.push([i ? "" : k, x]));
  };
  add("seed", `${r.seed}   (replay: ${replayCommand(r)})`);
  add("ran", `${s1(r.ranMs)} from the first head (faults until ${s1(c.quietAtMs ?? r.ranMs)}, then none)`);
  add("faults", faultLine(r));
  const rewinds = `${c.rewoundEvents} rewind${c.rewoundEvents === 1 ? "" : "s"}`;
  add(
    "blocks",
    `${r.published} attested by the publisher; head #${c.firstHead?.number ?? "-"} → #${c.lastHead?.number ?? "-"}; ` +
      `${w ? `${w.decided} decided by the Worker (ACCEPT)` : "Worker totals unavailable"}, ${c.headsSeen} distinct heads seen, ${rewinds}, ${c.alarmsSeen} alarm${c.alarmsSeen === 1 ? "" : "s"}, ${c.evidenceCount} evidence`,
  );
  if (w) {
    const top = Object.entries(w.byReason)
      .filter(([k]) => !k.startsWith("accept/"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, v]) => `${k} ${v}`);
    add("", `other verdicts: ${top.join(", ") || "none"}`);
  }
  const worst = c.longestRecovery();
  add(
    "recovery",
    [
      worst
        ? `longest after a fault: ${worst.tookMs === null ? "never (still behind at the end)" : s1(worst.tookMs)} (fault ${worst.faultId} ${worst.kind}, head to #${worst.target})`
        : "no fault left the head behind",
      `after the faults stopped: ${c.quietCatchUpMs === null ? "not caught up" : s1(c.quietCatchUpMs)} (bound ${s1(r.recoveryBoundMs)} for every attested local-safe block)`,
    ],
  );
  add("worker", `wrangler dev started ${r.workerStartsMs.length}× (${r.workerStartsMs.map((m) => s1(m)).join(", ")}); read API unreachable at most ${s1(c.longestOutageMs)}`);
  const peaks = r.memory
    .peaks()
    .map((p) => `${p.name} ${p.peakMib.toFixed(0)}${p.incarnations > 1 ? ` (${p.incarnations} starts)` : ""}`)
    .join(", ");
  add("memory", [`peak RSS MiB: ${peaks || "no samples"}`, `caps MiB: ${Object.entries(RSS_CAP_MIB).map(([k, v]) => `${k} ${v}`).join(", ")}; no growth trend over runs ≥ 4 min`]);
  const broken = c.violations.map((v) => `[${s1(v.atMs).padStart(8)}] ${v.invariant}: ${v.detail}`);
  add("invariants", broken.length ? [`${broken.length} broken:`, ...broken] : "all held (head monotonic but for logged rewinds; recovery within the bound; evidence kept; memory bounded; skewed relay accepted)");
  add("cleanup", r.leftovers.pids.length || r.leftovers.dir ? `LEFT BEHIND: pids ${r.leftovers.pids.join(" ") || "none"}; working directory ${r.leftovers.dir ? "still there" : "removed"}` : "every process stopped, working directory removed");

  const width = Math.max(...lines.map(([k]) => k.length));
  const body = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
  return `\n── op-follow chaos: ${verdict} ${"─".repeat(40)}\n${body}\n`;
}
