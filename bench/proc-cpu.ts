// CPU time of a process group's processes by name, from /proc/<pid>/stat (utime + stime): how the
// toolchain notes measure the Worker's own CPU under wrangler dev (its workerd runs in wrangler's
// process group). Linux only; null elsewhere.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Milliseconds of CPU used so far by the processes of group `pgid` whose name is `comm`, or null without /proc. */
export function groupCpuMs(pgid: number, comm: string): number | null {
  const ps = groupProcessCpuMs(pgid, comm);
  return ps === null ? null : ps.reduce((a, p) => a + p.ms, 0);
}

/** CPU so far (ms) of each process of group `pgid` named `comm`, or null without /proc. */
export function groupProcessCpuMs(pgid: number, comm: string): Array<{ pid: number; ms: number }> | null {
  let dirs: string[];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const out: Array<{ pid: number; ms: number }> = [];
  for (const d of dirs) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${d}/stat`, "latin1");
    } catch {
      continue; // gone meanwhile
    }
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    // fields after "comm": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (name !== comm || Number(f[2]) !== pgid) continue;
    out.push({ pid: Number(d), ms: ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks() });
  }
  return out;
}
