// Noticing that whoever launched this process is gone. `npm start` runs `sh -c "node … devnet"`:
// if npm is killed outright (SIGKILL) the shell and this process live on, orphaned, still holding the
// Worker's port. So, under npm, the chain of launchers up to npm itself is watched, and their
// disappearance treated like a stop signal. Outside npm nothing is watched: a process started
// directly gets SIGHUP when its terminal closes. Linux only (/proc); elsewhere a no-op.
import { readFileSync } from "node:fs";

interface Proc {
  pid: number;
  /** start time in clock ticks since boot: tells a pid from a later process that reuses it */
  start: string;
}

/** A live (not zombie) process's parent and start time. */
function stat(pid: number | "self"): { ppid: number; start: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "latin1");
    // fields after "(comm)": state ppid … ; starttime is field 22 (1-based)
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    if (f[0] === "Z" || f[0] === "X") return undefined; // exited, not yet reaped by its parent
    return { ppid: Number(f[1]), start: f[19]! };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The launchers to watch: under npm (npm_lifecycle_event set) the ancestors up to npm's own process. */
export function launchers(env: Readonly<Record<string, string | undefined>> = process.env): Proc[] {
  if (!env["npm_lifecycle_event"]) return [];
  const out: Proc[] = [];
  let pid = stat("self")?.ppid;
  for (let depth = 0; depth < 4 && pid && pid > 1; depth++) {
    const s = stat(pid);
    if (!s) break;
    out.push({ pid, start: s.start });
    if (/\bnpm(-cli\.js)?\b/.test(cmdline(pid))) return out;
    pid = s.ppid;
  }
  return []; // no npm found above us: watch nothing rather than the wrong process
}

/** Calls `onGone` once when one of the launchers exits; returns the function that stops watching. */
export function watchLaunchers(onGone: (pid: number) => void, everyMs = 1_000, procs: Proc[] = launchers()): () => void {
  if (procs.length === 0) return () => {};
  const timer = setInterval(() => {
    const gone = procs.find((p) => stat(p.pid)?.start !== p.start);
    if (gone) {
      clearInterval(timer);
      onGone(gone.pid);
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
