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

/** CPU so far (ms) of each process of group `pgid` named `comm` (any name when omitted), or null without /proc. */
export function groupProcessCpuMs(pgid: number, comm?: string): Array<{ pid: number; ms: number; comm: string }> | null {
  let dirs: string[];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const out: Array<{ pid: number; ms: number; comm: string }> = [];
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
    if ((comm !== undefined && name !== comm) || Number(f[2]) !== pgid) continue;
    out.push({ pid: Number(d), comm: name, ms: ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks() });
  }
  return out;
}

/**
 * CPU (ms) all cores of the machine spent so far (/proc/stat), or null: `busy` running anything
 * (user, nice, system, irq, softirq) and `steal`, the time a virtual machine's hypervisor ran
 * something else on its cores — neither idle nor ours (on this project's VMs it was 15–40 % of the
 * cores while a bench ran).
 */
export function machineCpuMs(): { busy: number; steal: number } | null {
  try {
    const f = readFileSync("/proc/stat", "latin1").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal
    const ms = (ticks: number): number => (ticks * 1000) / clockTicks();
    return { busy: ms(f[0]! + f[1]! + f[2]! + f[5]! + f[6]!), steal: ms(f[7]!) };
  } catch {
    return null;
  }
}

/** CPU so far (ms) of one process (utime + stime), or null without /proc or once it is gone. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}
