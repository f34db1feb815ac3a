// The workerd processes of a bench's `wrangler dev`s, and what a request costs in each (bench/consolidate.ts):
// peak RSS growth (VmHWM, reset through /proc/<pid>/clear_refs) and on-CPU time of all threads
// (/proc/<pid>/task/*/schedstat). Linux only.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guard } from "../src/devnet/reaper-client.ts";
import { PROJECT_ROOT, startWorkerDev, type WorkerDev, type WorkerDevOptions } from "../src/devnet/worker-dev.ts";

/** The workerd that runs the Worker: in wrangler's process group, the one started with an inspector. */
export function runtimePid(groupPid: number): number {
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      const cmd = readFileSync(`/proc/${p}/cmdline`, "utf8");
      if (pgid === groupPid && cmd.includes("workerd") && cmd.includes("--inspector-addr")) return Number(p);
    } catch {
      // gone
    }
  }
  throw new Error(`no workerd with an inspector in process group ${groupPid}`);
}

const statusKb = (pid: number, key: "VmRSS" | "VmHWM"): number => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

function cpuNs(pid: number): number {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // thread ended
    }
  }
  return ns;
}

export interface Cost {
  cpuMs: number;
  /** peak RSS during the request minus RSS before it (MB = 1e6 bytes) */
  peakGrowthMb: number;
  wallMs: number;
}

/** The request's cost in each process of `pids` (in order): the Worker's and, split, the Durable Object's. */
export async function costsOf(pids: number[], run: () => Promise<void>): Promise<Cost[]> {
  for (const pid of pids) writeFileSync(`/proc/${pid}/clear_refs`, "5"); // resets VmHWM to the current RSS
  const rss = pids.map((pid) => statusKb(pid, "VmRSS"));
  const cpu = pids.map(cpuNs);
  const t = performance.now();
  await run();
  const wallMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 20)); // let the isolate finish what it does after responding
  return pids.map((pid, i) => ({ cpuMs: (cpuNs(pid) - cpu[i]!) / 1e6, peakGrowthMb: ((statusKb(pid, "VmHWM") - rss[i]!) * 1024) / 1e6, wallMs }));
}

export const costOf = async (pid: number, run: () => Promise<void>): Promise<Cost> => (await costsOf([pid], run))[0]!;

/** Where the Worker and its Durable Objects run: one wrangler dev, or one each (bench/split-isolates). */
export interface Layout {
  url: string;
  /** the Worker's workerd, then (split) the Durable Objects' */
  pids: number[];
  stop(): Promise<void>;
}

/** `base`: the options both wrangler devs get (chains, secrets, timeouts). */
export async function startLayout(base: WorkerDevOptions, split: boolean): Promise<Layout> {
  if (!split) {
    const w: WorkerDev = await startWorkerDev(base);
    return { url: w.url, pids: [runtimePid(w.pid)], stop: () => w.stop() };
  }
  // A private dev registry: the Worker finds the objects' wrangler dev by its script name there.
  const registryPath = await mkdtemp(join(tmpdir(), "op-follow-registry-"));
  const releaseDir = guard({ dir: registryPath }); // removed by the reaper if the bench is killed
  const cwd = join(PROJECT_ROOT, "bench", "split-isolates");
  const started: WorkerDev[] = [];
  const stop = async (): Promise<void> => {
    for (const x of started.reverse()) await x.stop();
    await rm(registryPath, { recursive: true, force: true });
    releaseDir();
  };
  try {
    started.push(await startWorkerDev({ ...base, cwd, config: "do.toml", registryPath }));
    started.push(await startWorkerDev({ ...base, cwd, config: "worker.toml", registryPath }));
    const [o, w] = started as [WorkerDev, WorkerDev];
    return { url: w.url, pids: [runtimePid(w.pid), runtimePid(o.pid)], stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
