// A V8 CPU profile of the Worker's isolate under wrangler dev, through wrangler's inspector proxy
// (`wrangler dev --inspector-port <port>`, which serves ws://127.0.0.1:<port>/ws for the user
// Worker — and its Durable Objects, which run in the same isolate locally). Bench-only: the
// many-chains bench takes one over its window with `--profile <file.cpuprofile>`, and
// `node bench/cpu-profile.ts <file.cpuprofile>` prints the self-time summary of a saved one.
// The profile sees JavaScript (and the "(garbage collector)"/"(program)" buckets) of that isolate
// only: workerd's own work — HTTP, SQLite, the entry and proxy Workers of miniflare — is in /proc's
// figure (proc-cpu.ts) but not here.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface Profiler {
  /** Stops sampling and returns the profile; closes the connection. */
  stop(): Promise<CpuProfile>;
}

/** Connects to wrangler's inspector proxy and starts sampling every `intervalUs` µs. */
export async function startProfiler(inspectorPort: number, intervalUs = 500): Promise<Profiler> {
  // The proxy accepts only loopback origins (InspectorProxyWorker.js ALLOWED_ORIGIN_HOSTNAMES).
  // Node 22's WebSocket (undici) takes headers in its non-standard second argument.
  const ws = new WebSocket(`ws://127.0.0.1:${inspectorPort}/ws`, { headers: { Origin: "http://localhost" } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`inspector at ${inspectorPort}: WebSocket error`)), { once: true });
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.addEventListener("message", (ev: MessageEvent) => {
    const m = JSON.parse(String(ev.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const w = m.id !== undefined ? waiting.get(m.id) : undefined;
    if (!w) return; // events (console, script parsed …)
    waiting.delete(m.id!);
    if (m.error) w.reject(new Error(m.error.message));
    else w.resolve(m.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
  await send("Profiler.start");
  return {
    async stop() {
      const r = (await send("Profiler.stop")) as { profile: CpuProfile };
      ws.close();
      return r.profile;
    },
  };
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled time in the isolate, idle excluded (ms). */
  busyMs: number;
  idleMs: number;
  byFunction: SelfTime[];
  byFile: SelfTime[];
  /** Time with the function anywhere on the stack (each sample counted once per function). */
  inclusive: SelfTime[];
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const i = url.search(/\/(src|node_modules)\//);
  return i >= 0 ? url.slice(i + 1) : url.replace(/^.*\//, "");
}

/** Self time by function (name @ file:line) and by file, largest first, idle left out. */
export function summariseProfile(p: CpuProfile, top = 30): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; the sample's own duration is the next delta.
  for (let i = 0; i < samples.length; i++) {
    const d = (deltas[i + 1] ?? 0) / 1000;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + d);
  }
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (f: ProfileNode["callFrame"]): string => (f.url ? `${f.functionName || "(anonymous)"} @ ${shortUrl(f.url)}:${f.lineNumber + 1}` : f.functionName || "(anonymous)");
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const incl = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)") {
      idle += ms;
      continue;
    }
    busy += ms;
    const where = shortUrl(f.url);
    const key = keyOf(f);
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byId.get(n)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + ms);
    }
    const fk = f.url ? where : f.functionName;
    file.set(fk, (file.get(fk) ?? 0) + ms);
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return { busyMs: busy, idleMs: idle, byFunction: rank(fn), byFile: rank(file), inclusive: rank(incl) };
}

export function printProfileSummary(s: ProfileSummary, perUnit?: { count: number; unit: string }, print: (line: string) => void = console.log): void {
  const per = (ms: number) => (perUnit && perUnit.count > 0 ? ` ${(ms / perUnit.count).toFixed(3)} ms/${perUnit.unit}` : "");
  print(`  isolate busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms${per(s.busyMs)}`);
  print("  self time by file:");
  for (const r of s.byFile) print(`    ${(100 * r.share).toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms${per(r.ms)}  ${r.name}`);
  print("  self time by function:");
  for (const r of s.byFunction) print(`    ${(100 * r.share).toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms${per(r.ms)}  ${r.name}`);
  print("  inclusive time (on the stack):");
  for (const r of s.inclusive) print(`    ${(100 * r.share).toFixed(1).padStart(5)}% ${r.ms.toFixed(0).padStart(7)} ms${per(r.ms)}  ${r.name}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: node bench/cpu-profile.ts <file.cpuprofile> [blocks]");
    process.exit(2);
  }
  const blocks = process.argv[3] ? Number(process.argv[3]) : undefined;
  printProfileSummary(summariseProfile(JSON.parse(readFileSync(path, "utf8")) as CpuProfile, 40), blocks ? { count: blocks, unit: "block" } : undefined);
}
