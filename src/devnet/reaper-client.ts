// The parent's side of reaper.ts: `guard()` registers a process group or a folder with the reaper
// (spawned on first use, one per process) and returns the function that releases it again once the
// parent has cleaned it up itself. When nothing is guarded the reaper is let go.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const REAPER = fileURLToPath(new URL("./reaper.ts", import.meta.url));

let reaper: ChildProcess | undefined;
let guarded = 0;

function send(line: string): void {
  if (!reaper?.stdin?.writable) return;
  reaper.stdin.write(line + "\n");
}

function ensureReaper(): void {
  if (reaper) return;
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", REAPER], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  child.on("error", () => undefined);
  child.stdin!.on("error", () => undefined);
  // Neither the child nor the pipe may keep the parent's event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  reaper = child;
}

/** What the reaper kills or removes if this process dies before releasing it. */
export type Guarded = { group: number } | { dir: string };

/** Registers `what`; call the returned function once it is cleaned up (idempotent). */
export function guard(what: Guarded): () => void {
  ensureReaper();
  guarded++;
  const [add, del] = "group" in what ? [`+g ${what.group}`, `-g ${what.group}`] : [`+d ${what.dir}`, `-d ${what.dir}`];
  send(add);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    send(del);
    if (--guarded === 0 && reaper) {
      reaper.stdin?.end();
      reaper = undefined;
    }
  };
}
