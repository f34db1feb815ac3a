// Finding the processes a test started, however deep (wrangler → workerd, esbuild; the reaper in its
// own session): every process inherits a marker in its environment, which /proc shows.
import { readdir, readFile } from "node:fs/promises";

/** Live (non-zombie) processes whose environment holds `marker` ("NAME=value"). */
export async function processesWith(marker: string): Promise<{ pid: number; cmd: string }[]> {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of await readdir("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const env = await readFile(`/proc/${d}/environ`, "latin1");
      if (!env.split("\0").includes(marker)) continue;
      const stat = await readFile(`/proc/${d}/stat`, "latin1");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") continue;
      out.push({ pid: Number(d), cmd: (await readFile(`/proc/${d}/cmdline`, "latin1")).replace(/\0/g, " ").trim() });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Waits until no process carries `marker`; returns what is still running after `timeoutMs`. */
export async function waitNoneWith(marker: string, timeoutMs = 15_000): Promise<{ pid: number; cmd: string }[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = await processesWith(marker);
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}
