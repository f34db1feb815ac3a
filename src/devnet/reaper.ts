// The reaper: a small process that outlives its parent to clean up after it. The devnet (or any
// process that starts wrangler) tells it, over its stdin, which process groups and folders it owns;
// when that pipe closes — the parent exited, however: a crash, `kill -9`, the terminal closing —
// the reaper stops those groups (SIGTERM, then SIGKILL) and removes those folders (secrets
// included), then exits. A parent that cleaned up itself says so first ("-g"/"-d"), leaving it nothing.
//
// It runs in its own session (spawned detached), so the signals that end the parent's terminal
// session do not end it before it has done its work.
//
// Protocol, one line each: "+g <pgid>", "-g <pgid>", "+d <path>", "-d <path>".
import { rmSync } from "node:fs";

const groups = new Set<number>();
const dirs = new Set<string>();

function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // gone already
  }
}

async function reap(): Promise<void> {
  for (const g of groups) signal(g, "SIGTERM");
  const deadline = Date.now() + 3_000;
  while ([...groups].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const g of groups) signal(g, "SIGKILL");
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // nothing more to do from here
    }
  }
  process.exit(0);
}

// The parent's terminal going away must not stop the reaper half-way.
for (const s of ["SIGINT", "SIGHUP"] as const) process.on(s, () => {});

let buf = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  buf += chunk;
  let nl: number;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    const op = line.slice(0, 2);
    const arg = line.slice(3);
    if (op === "+g" && /^\d+$/.test(arg)) groups.add(Number(arg));
    else if (op === "-g") groups.delete(Number(arg));
    else if (op === "+d" && arg.startsWith("/")) dirs.add(arg);
    else if (op === "-d") dirs.delete(arg);
  }
});
process.stdin.on("end", () => void reap());
process.stdin.on("error", () => void reap());
