// Where the CPU goes while a bench delivers blocks: CPU per block of each process group — every relay
// child (its own process group, relay-group.ts), wrangler's group split into workerd and the rest
// (wrangler's node, esbuild), this bench process (the chain server and the publisher run in it) — and
// the machine's other busy CPU (other users of the shared cores), and the CPU the hypervisor took from
// this VM's cores (steal). /proc based (proc-cpu.ts); null off Linux.
import { groupProcessCpuMs, machineCpuMs, processCpuMs } from "./proc-cpu.ts";

export interface CpuSplit {
  /** Wall time of the measured window per block, ms (2 cores = 2× this of CPU available). */
  wallMsPerBlock: number;
  /** CPU ms per block by group: "relay-1" … "relay-n", "workerd", "wrangler (other)", "bench (chain server, publisher)". */
  perBlockMs: Record<string, number>;
  /** Busy CPU of the whole machine per block, minus the groups above: other processes (and the kernel's interrupts). */
  otherMsPerBlock: number | null;
  /** CPU per block the hypervisor took from this virtual machine's cores (/proc/stat steal): not ours, not idle. */
  stealMsPerBlock: number | null;
}

type Sample = { at: number; groups: Record<string, number>; machine: { busy: number; steal: number } | null };

function sum(ps: Array<{ ms: number; comm: string }> | null, keep: (comm: string) => boolean): number {
  return (ps ?? []).filter((p) => keep(p.comm)).reduce((a, p) => a + p.ms, 0);
}

/**
 * Samples the CPU of the relays (`relayPids`: their group ids), of `others` (more child process groups
 * by name), of this process (named `self`) and of the Worker's runtime: wrangler's
 * process group (`{ group }`: its workerds, wrangler's node, esbuild) or one workerd (`{ workerd }`:
 * the Miniflare runtime, bench/miniflare-worker.ts).
 */
export function cpuSampler(relayPids: number[], runtime: { group: number } | { workerd: number }, others: Record<string, number> = {}, self = "bench (chain server, publisher)"): () => Sample {
  return () => {
    const w = "group" in runtime ? groupProcessCpuMs(runtime.group) : [{ pid: runtime.workerd, ms: processCpuMs(runtime.workerd) ?? 0, comm: "workerd" }];
    const u = process.cpuUsage();
    const groups: Record<string, number> = {};
    relayPids.forEach((pid, i) => (groups[`relay-${i + 1}`] = sum(groupProcessCpuMs(pid), () => true)));
    groups["workerd"] = sum(w, (c) => c === "workerd");
    groups["wrangler (other)"] = sum(w, (c) => c !== "workerd");
    for (const [name, pgid] of Object.entries(others)) groups[name] = sum(groupProcessCpuMs(pgid), () => true);
    groups[self] = (u.user + u.system) / 1000;
    return { at: performance.now(), groups, machine: machineCpuMs() };
  };
}

export function cpuSplit(a: Sample, b: Sample, blocks: number): CpuSplit {
  const perBlockMs: Record<string, number> = {};
  let ours = 0;
  for (const k of Object.keys(b.groups)) {
    const d = b.groups[k]! - (a.groups[k] ?? 0);
    ours += d;
    perBlockMs[k] = Math.round((d / blocks) * 10) / 10;
  }
  const per = (ms: number): number => Math.round((ms / blocks) * 10) / 10;
  const m = a.machine && b.machine ? { busy: b.machine.busy - a.machine.busy, steal: b.machine.steal - a.machine.steal } : null;
  return {
    wallMsPerBlock: per(b.at - a.at),
    perBlockMs,
    otherMsPerBlock: m === null ? null : per(m.busy - ours),
    stealMsPerBlock: m === null ? null : per(m.steal),
  };
}

/** "relays 12.3 (4.1 … 2.2), workerd 20.1, …" for the printed table. */
export function cpuSplitText(c: CpuSplit): string {
  const relays = Object.entries(c.perBlockMs).filter(([k]) => k.startsWith("relay-"));
  const rest = Object.entries(c.perBlockMs).filter(([k]) => !k.startsWith("relay-"));
  const total = relays.reduce((a, [, v]) => a + v, 0);
  const parts = [`relays ${total.toFixed(1)}${relays.length > 1 ? ` (${relays.map(([, v]) => v.toFixed(1)).join(" + ")})` : ""}`, ...rest.map(([k, v]) => `${k} ${v.toFixed(1)}`)];
  if (c.otherMsPerBlock !== null) parts.push(`other processes ${c.otherMsPerBlock.toFixed(1)}`);
  if (c.stealMsPerBlock !== null) parts.push(`taken by the hypervisor (steal) ${c.stealMsPerBlock.toFixed(1)}`);
  return `CPU ms/block: ${parts.join(", ")}; wall ${c.wallMsPerBlock.toFixed(1)} ms/block`;
}
