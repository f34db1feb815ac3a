// Resident memory of every process of the chaos run, from /proc (Linux), and the bound it must keep:
// each process (per incarnation: a restarted relay or workerd starts afresh) stays under its role's
// cap, and in a long enough incarnation the late samples show no growth trend over the early ones.
import { readdirSync, readFileSync } from "node:fs";

export type Role = "controller" | "chain" | "relay" | "wrangler" | "workerd";

/** RSS caps in MiB: several times what a healthy process uses on the devnet (measured, see README). */
export const RSS_CAP_MIB: Record<Role, number> = {
  controller: 768,
  chain: 512,
  relay: 512,
  wrangler: 512,
  workerd: 1024,
};

/** A trend is judged only over incarnations at least this long. */
export const TREND_MIN_SPAN_MS = 4 * 60_000;
/** Late median ≤ early median × this + TREND_SLACK_MIB. */
export const TREND_FACTOR = 1.3;
export const TREND_SLACK_MIB = 64;

export interface ProcRef {
  /** e.g. "relay-2", "workerd" */
  name: string;
  role: Role;
  pid: number;
  /** Increments on each restart of the same name. */
  incarnation: number;
}

interface Sample {
  t: number;
  mib: number;
}

/** VmRSS of a process in MiB, or null if it is gone. */
export function rssMib(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Pids whose process group is `pgid` (wrangler's group holds workerd). */
export function groupMembers(pgid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const close = s.lastIndexOf(")");
      const fields = s.slice(close + 2).split(" ");
      if (Number(fields[2]) === pgid) out.push({ pid: Number(d), comm: s.slice(s.indexOf("(") + 1, close) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Whether a process exists and is not a zombie. */
export function running(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

export class MemoryWatch {
  readonly #series = new Map<string, { ref: ProcRef; samples: Sample[] }>();

  sample(t: number, refs: ProcRef[]): void {
    for (const ref of refs) {
      const mib = rssMib(ref.pid);
      if (mib === null) continue;
      const key = `${ref.name}#${ref.incarnation}`;
      let s = this.#series.get(key);
      if (!s) this.#series.set(key, (s = { ref, samples: [] }));
      s.samples.push({ t, mib });
    }
  }

  /** Every pid sampled (all processes of the run, whichever start). */
  pids(): number[] {
    return [...new Set([...this.#series.values()].map((s) => s.ref.pid))];
  }

  /** Peak RSS per process name (over its incarnations). */
  peaks(): Array<{ name: string; role: Role; peakMib: number; incarnations: number }> {
    const by = new Map<string, { name: string; role: Role; peakMib: number; incarnations: number }>();
    for (const { ref, samples } of this.#series.values()) {
      const p = by.get(ref.name) ?? { name: ref.name, role: ref.role, peakMib: 0, incarnations: 0 };
      p.peakMib = Math.max(p.peakMib, ...samples.map((s) => s.mib));
      p.incarnations++;
      by.set(ref.name, p);
    }
    return [...by.values()];
  }

  /** Broken bounds, as sentences (empty: all held). */
  problems(): string[] {
    const out: string[] = [];
    for (const { ref, samples } of this.#series.values()) {
      const label = `${ref.name}${ref.incarnation > 1 ? ` (start ${ref.incarnation})` : ""}`;
      const peak = Math.max(...samples.map((s) => s.mib));
      if (peak > RSS_CAP_MIB[ref.role]) out.push(`${label}: RSS ${peak.toFixed(0)} MiB over its ${RSS_CAP_MIB[ref.role]} MiB cap`);
      const span = samples.at(-1)!.t - samples[0]!.t;
      if (span < TREND_MIN_SPAN_MS || samples.length < 10) continue;
      // early = the second fifth (past start-up), late = the last fifth
      const fifth = Math.floor(samples.length / 5);
      const early = median(samples.slice(fifth, 2 * fifth).map((s) => s.mib));
      const late = median(samples.slice(-fifth).map((s) => s.mib));
      if (late > early * TREND_FACTOR + TREND_SLACK_MIB) out.push(`${label}: RSS grew from ${early.toFixed(0)} MiB to ${late.toFixed(0)} MiB over ${(span / 60_000).toFixed(1)} min`);
    }
    return out;
  }
}
